"""SiteScopeMiddleware: Scrapy's offsite filter, made to leave a record.

Scrapy's OffsiteMiddleware drops offsite requests silently when they are scheduled, so a
redirect to another site would vanish from the catalog. This subclass filters only in the
downloader chain and raises OffsiteFiltered, which the outcome middleware records as
``offsite``. The policy itself (``allowed_domains`` and their subdomains) is Scrapy's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest

from ..consent.model import Effect, Evidence, Reason
from ..exceptions import OffsiteFiltered

if TYPE_CHECKING:
    from scrapy import Request, Spider


class SiteScopeMiddleware(OffsiteMiddleware):
    def request_scheduled(self, request: Request, spider: Spider) -> None:
        return None  # decide in process_request, where the outcome can be recorded

    def process_request(self, request: Request) -> None:  # type: ignore[override]
        if self.crawler.spider is not None:
            self._update_host_regex(self.crawler.spider)
        try:
            super().process_request(request)
        except IgnoreRequest as exc:
            evidence = Evidence(
                signal="scope",
                source=request.url,
                value=str(exc),
                effect=Effect.DENY,
                reason=Reason.OFFSITE,
            )
            raise OffsiteFiltered(request.url, evidence) from None
