"""BlocklistMiddleware: nothing is fetched from a listed piracy site, robots.txt included.

The first gate after the outcome middleware: seeds, every request, every redirect hop and every
policy-document probe of a listed host is refused before any DNS lookup or connection, and
recorded as ``blocklist:<list>`` with the list version and entry as evidence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import BlocklistDenied
from ..services import services_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class BlocklistMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.services = services_of(crawler)  # the lists open with the spider

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        evidence = self.services.blocklists.evidence(request.url)
        if evidence is not None:
            raise BlocklistDenied(request.url, evidence)
