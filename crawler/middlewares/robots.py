"""ConsentRobotsMiddleware: robots.txt for our own product token, failing closed (RFC 9309).

Replaces Scrapy's RobotsTxtMiddleware, which treats a download error or a 5xx page as "allow
all" and caches per netloc forever. Here, per origin (scheme, host, port):

- 2xx: the rules apply (the first CONSENT_ROBOTS_PARSE_LIMIT bytes are parsed, RFC 9309 asks
  for at least 500 KiB);
- 4xx (except 429): no rules, everything allowed;
- 5xx, 429, network errors, no answer within CONSENT_ROBOTS_TIMEOUT, more redirects than
  CONSENT_MAX_REDIRECTS, or a file over CONSENT_ROBOTS_MAX_SIZE: nothing is fetched from that
  origin (RFC 9309 lets a crawler treat over five redirects as "unavailable"; we fail closed);
- results are cached for at most 24 h (CONSENT_ROBOTS_CACHE_TTL), failures for
  CONSENT_ROBOTS_ERROR_TTL so a long crawl asks again.

Every fetched robots.txt is handed to the catalog verbatim (``policy_document_fetched``) and
every request carries evidence that names the document's SHA-256 and the deciding line.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.httpobj import urlparse_cached

from storage.catalog.records import DocumentIn

from .. import meta, signals, stats
from ..consent.model import Effect, Evidence, Reason
from ..consent.robots import RobotsTxt, decode_robots, is_valid_token
from ..exceptions import ConfigError, RobotsDenied, RobotsUnreachable

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

SIGNAL = "robots.txt"
MAX_CACHE_TTL = 86400.0  # RFC 9309 section 2.4: do not use a cached copy for more than 24 h


@dataclass(frozen=True, slots=True)
class OriginRobots:
    """What robots.txt says for one origin, or why it could not be read."""

    url: str
    expires: float
    robots: RobotsTxt | None = None  # None: no rules apply (4xx) or unreachable
    unreachable: str | None = None
    status: int | None = None
    sha256: str | None = None

    def evidence_for(self, url: str, agent: str) -> Evidence:
        if self.unreachable is not None:
            return Evidence(
                signal=SIGNAL,
                source=self.url,
                value=f"robots.txt unreachable ({self.unreachable}): origin closed",
                effect=Effect.DENY,
                reason=Reason.ROBOTS_UNREACHABLE,
                document_sha256=self.sha256,
            )
        if self.robots is None:
            return Evidence(
                signal=SIGNAL,
                source=self.url,
                value=f"robots.txt answered HTTP {self.status}: no rules",
                document_sha256=self.sha256,
            )
        verdict = self.robots.allowed(url, agent)
        group = verdict.matched_token or "no group"
        if verdict.rule is None:
            text = f"allowed for {agent}: no matching rule ({group})"
        else:
            directive = "Allow" if verdict.rule.allow else "Disallow"
            text = f"{directive}: {verdict.rule.pattern} (group {group}) for {agent}"
        return Evidence(
            signal=SIGNAL,
            source=self.url,
            value=text,
            effect=Effect.INFO if verdict.allowed else Effect.DENY,
            reason=None if verdict.allowed else Reason.ROBOTS_DISALLOW,
            document_sha256=self.sha256,
            line=verdict.rule.line if verdict.rule else None,
        )


class ConsentRobotsMiddleware:
    DOWNLOAD_PRIORITY = 1000

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.agent: str = settings.get("CONSENT_AGENT")
        if not is_valid_token(self.agent):
            raise ConfigError(
                f"CONSENT_AGENT {self.agent!r} is not a robots.txt product token ([A-Za-z_-]+)"
            )
        self.cache_ttl = min(settings.getfloat("CONSENT_ROBOTS_CACHE_TTL"), MAX_CACHE_TTL)
        self.error_ttl = min(settings.getfloat("CONSENT_ROBOTS_ERROR_TTL"), self.cache_ttl)
        self.parse_limit = settings.getint("CONSENT_ROBOTS_PARSE_LIMIT")
        self.max_size = settings.getint("CONSENT_ROBOTS_MAX_SIZE")
        self.timeout = settings.getfloat("CONSENT_ROBOTS_TIMEOUT")
        self._origins: dict[str, OriginRobots | asyncio.Future[OriginRobots]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if meta.is_probe(request):
            return
        parsed = urlparse_cached(request)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        robots = await self.robots_for(origin)
        evidence = robots.evidence_for(request.url, self.agent)
        if evidence.reason is Reason.ROBOTS_UNREACHABLE:
            raise RobotsUnreachable(request.url, evidence)
        if evidence.reason is Reason.ROBOTS_DISALLOW:
            logger.debug("Forbidden by robots.txt: %(request)s", {"request": request})
            self.crawler.stats.inc_value(stats.ROBOTS_FORBIDDEN)
            raise RobotsDenied(request.url, evidence)
        meta.add_evidence(request, evidence)

    async def robots_for(self, origin: str) -> OriginRobots:
        cached = self._origins.get(origin)
        if isinstance(cached, asyncio.Future):
            return await asyncio.shield(cached)
        if cached is not None and cached.expires > time.monotonic():
            return cached
        future: asyncio.Future[OriginRobots] = asyncio.get_running_loop().create_future()
        self._origins[origin] = future
        try:
            result = await self._fetch(origin)
        except BaseException as exc:  # cancelled: let waiters retry instead of hanging
            del self._origins[origin]
            future.set_exception(exc)
            raise
        self._origins[origin] = result
        future.set_result(result)
        return result

    async def _fetch(self, origin: str) -> OriginRobots:
        url = f"{origin}/robots.txt"
        request = Request(
            url,
            priority=self.DOWNLOAD_PRIORITY,
            # No retries: a failure closes the origin until CONSENT_ROBOTS_ERROR_TTL runs out.
            meta={
                meta.PROBE: True,
                "download_maxsize": self.max_size,
                "download_timeout": self.timeout,
                "allow_offsite": True,
                "dont_retry": True,
            },
            callback=NO_CALLBACK,
            dont_filter=True,
        )
        fetched_at = datetime.now(UTC)
        self.crawler.stats.inc_value(stats.ROBOTS_FETCHED)
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - every failure to read the file closes the origin
            reason = f"{type(exc).__name__}: {exc}".strip(": ")
            self._document(url, None, fetched_at, None, reason)
            return self._unreachable(url, reason, status=None, sha256=None)
        return self._from_response(url, response, fetched_at)

    def _from_response(self, url: str, response: Response, fetched_at: datetime) -> OriginRobots:
        status = response.status
        self.crawler.stats.inc_value(stats.robots_status(status))
        body = response.body
        sha256 = hashlib.sha256(body).hexdigest()
        source = response.url if response.url != url else url
        now = time.monotonic()
        if 200 <= status < 300:
            self._document(source, status, fetched_at, body, None)
            robots = RobotsTxt.parse(decode_robots(body), max_bytes=self.parse_limit)
            return OriginRobots(source, now + self.cache_ttl, robots, status=status, sha256=sha256)
        if 400 <= status < 500 and status != 429:
            self._document(source, status, fetched_at, body, None)
            return OriginRobots(source, now + self.cache_ttl, status=status, sha256=sha256)
        # 5xx, 429 and anything else unexpected (1xx, a final 3xx with no Location): fail closed
        reason = f"HTTP {status}"
        self._document(source, status, fetched_at, body, reason)
        return self._unreachable(source, reason, status=status, sha256=sha256)

    def _unreachable(
        self, url: str, reason: str, *, status: int | None, sha256: str | None
    ) -> OriginRobots:
        logger.info("robots.txt unreachable, not crawling its origin: %s (%s)", url, reason)
        self.crawler.stats.inc_value(stats.ROBOTS_UNREACHABLE)
        expires = time.monotonic() + self.error_ttl
        return OriginRobots(url, expires, unreachable=reason, status=status, sha256=sha256)

    def _document(
        self, url: str, status: int | None, fetched_at: datetime, body: bytes | None, error: str | None
    ) -> None:
        document = DocumentIn(
            kind=SIGNAL, url=url, http_status=status, fetched_at=fetched_at, body=body, error=error
        )
        self.crawler.signals.send_catch_log(signals.policy_document_fetched, document=document)
