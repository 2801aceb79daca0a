"""CredentialHeadersMiddleware: the last component before the network removes every credential.

It sits after every component that could add a header (DEFAULT_REQUEST_HEADERS, proxies, a
project's own middleware), so no Authorization, Proxy-Authorization or Cookie header ever
leaves the crawler; what it removes is recorded as evidence on the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import meta, stats
from ..consent.model import Evidence

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

CREDENTIAL_HEADERS = (b"Authorization", b"Proxy-Authorization", b"Cookie")


class CredentialHeadersMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        for name in CREDENTIAL_HEADERS:
            if name in request.headers:
                del request.headers[name]
                self.crawler.stats.inc_value(stats.CREDENTIALS_STRIPPED)
                if not meta.is_probe(request):
                    meta.add_evidence(
                        request,
                        Evidence("request", request.url, f"{name.decode()} header removed"),
                    )
