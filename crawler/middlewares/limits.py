"""CrawlLimitsMiddleware: bounds against endless URL spaces (calendar traps, session-id loops).

Per site (registrable domain) at most CONSENT_SITE_MAX_PAGES URLs are fetched, and no URL with
more than CONSENT_MAX_PATH_SEGMENTS path segments; what is refused is recorded, and the crawl
goes on with other sites. Retries of a URL already counted are not counted again.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from .. import meta
from ..config import config_of
from ..consent.model import Effect, Evidence, Reason
from ..exceptions import LimitExceeded
from ..net.sites import site_of_host

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class CrawlLimitsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.max_site_pages = config["CONSENT_SITE_MAX_PAGES"]
        self.max_segments = config["CONSENT_MAX_PATH_SEGMENTS"]
        self.pages: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if meta.is_probe(request) or request.meta.get("retry_times"):
            return
        parsed = urlparse_cached(request)
        segments = sum(1 for part in parsed.path.split("/") if part)
        if self.max_segments and segments > self.max_segments:
            raise _exceeded(request, f"{segments} path segments, more than {self.max_segments}",
                            Reason.PATH_TOO_DEEP)
        site = site_of_host(parsed.hostname or "")
        if self.max_site_pages and self.pages[site] >= self.max_site_pages:
            raise _exceeded(request, f"{site}: {self.max_site_pages} pages already",
                            Reason.SITE_PAGE_CAP)
        self.pages[site] += 1


def _exceeded(request: Request, value: str, reason: Reason) -> LimitExceeded:
    return LimitExceeded(request.url, Evidence("limits", request.url, value, Effect.DENY, reason))
