"""OriginPolicyMiddleware: no page of an origin before its policy documents say it may be fetched.

For each request it asks the origin service (``crawler.services.origins``) for the origin's
policy, waiting only for the first request of an origin or after its cache period, adds the
evidence the documents give for the URL (our token's rules, AI agents' groups, Content-Signal
and Content-Usage lines, ai.txt, RSL) and refuses the request when that evidence already denies
every purpose the job evaluates. A TDMRep file rule only travels on with the request: a
``tdm-reservation`` header or meta tag of the page itself may override it after download.
Crawl-delay of our group slows the origin's download slot.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from .. import meta, stats
from ..consent.model import Evidence, Reason
from ..consent.policy import decide
from ..exceptions import ConsentDenied, OptOutDenied, RobotsDenied, RobotsUnreachable
from ..services import services_of

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any, Self

    from scrapy import Request
    from scrapy.crawler import Crawler

    from ..services.origins import OriginPolicy

logger = logging.getLogger(__name__)


class OriginPolicyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        services = services_of(crawler)
        self.crawler = crawler
        self.purposes = services.config.evaluate
        self.max_crawl_delay: float = services.config["CONSENT_MAX_CRAWL_DELAY"]
        self.origins = services.origins
        self._delayed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        if meta.is_probe(request):
            return None
        parsed = urlparse_cached(request)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        policy = self.origins.fresh(origin)
        if policy is None:  # first request of the origin, or its cache ran out: fetch first
            return self._process_loading(request, origin)
        self._apply(request, policy)  # the common case: no coroutine
        return None

    async def _process_loading(self, request: Request, origin: str) -> None:
        self._apply(request, await self.origins.policy_for(origin))

    def _apply(self, request: Request, policy: OriginPolicy) -> None:
        evidence = policy.evidence_for(request.url, self.purposes)
        if policy.tdm_file is not None and policy.tdmrep is not None:
            file = policy.tdm_file
            match = meta.TdmFileMatch(
                file.match(request.url), policy.tdmrep.url, policy.tdmrep.sha256, file.errors
            )
            meta.set_tdm_file(request, match)
        if not any(decide(p, evidence).allowed for p in self.purposes):
            raise _denial(request.url, evidence)
        self._apply_crawl_delay(request, policy)
        meta.add_evidence(request, *evidence)

    def _apply_crawl_delay(self, request: Request, policy: OriginPolicy) -> None:
        delay = policy.crawl_delay()
        if delay is None or self.crawler.engine is None:
            return
        # Scrapy has no public API for one slot's delay: its per-slot settings are what
        # DOWNLOAD_SLOTS fills, and a slot already made keeps its own copy.
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if key in self._delayed:
            return
        self._delayed.add(key)
        delay = min(delay, self.max_crawl_delay)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        if key in downloader.slots:
            downloader.slots[key].delay = max(downloader.slots[key].delay, delay)
        self.crawler.stats.set_value(stats.crawl_delay(key), delay)


def _denial(url: str, evidence: list[Evidence]) -> ConsentDenied:
    own = evidence[0]
    if own.reason == Reason.ROBOTS_UNREACHABLE:
        return RobotsUnreachable(url, *evidence)
    if own.reason == Reason.ROBOTS_DISALLOW:
        logger.debug("Forbidden by robots.txt: %(url)s", {"url": url})
        return RobotsDenied(url, *evidence)
    return OptOutDenied(url, *evidence)
