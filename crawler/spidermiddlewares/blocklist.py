"""BlocklistSpiderMiddleware: links into listed sites are recorded and never queued.

The downloader gate would refuse them anyway; refusing them here keeps them out of the
scheduler (a page of a thousand links to a piracy mirror costs no queue space) while every one
still leaves a catalog record, through the same ``consent_decided`` signal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request

from .. import signals
from ..consent.policy import decide
from ..exceptions import BlocklistDenied
from ..services import services_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response


class BlocklistSpiderMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.services = services_of(crawler)  # the lists open with the spider
        self.purpose = self.services.config.purpose

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_output(
        self, response: Response, result: Iterable[Any]
    ) -> Iterator[Any]:
        for item in result:
            if not self._blocked(item):
                yield item

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        async for item in result:
            if not self._blocked(item):
                yield item

    def _blocked(self, item: Any) -> bool:
        if not isinstance(item, Request):
            return False
        evidence = self.services.blocklists.evidence(item.url)
        if evidence is None:
            return False
        BlocklistDenied(item.url, evidence).count(self.crawler.stats)
        self.crawler.signals.send_catch_log(
            signals.consent_decided,
            request=item,
            response=None,
            decision=decide(self.purpose, [evidence]),
        )
        return True
