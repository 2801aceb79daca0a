"""AuthAreaMiddleware: never into login areas or behind paywalls, before and after the fetch.

Before download: a URL that leads into accounts and logins (CONSENT_AUTH_URL_PATTERNS) is
refused (``auth-url``), and so is every URL of an origin already flagged as walled.
After download, before anything is stored: 401/407 or any ``WWW-Authenticate`` header
(``auth-required``), 403 (``auth-forbidden``), a redirect stopped at a login page
(``login-redirect``), a page whose main content is a login form (``login-form``) and a page
marked as paywalled (``paywall``) become DENY evidence; the outcome middleware records the URL
as skipped and its content is never written.

An origin that answers walls for at least CONSENT_AUTH_WALL_RATIO of its pages (after
CONSENT_AUTH_WALL_MIN_PAGES) is flagged: logged once, counted in the stats that the job's
catalog summary keeps, and refused from then on, so the crawler backs off instead of hammering
it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse
from scrapy.utils.httpobj import urlparse_cached

from .. import meta, stats
from ..config import config_of
from ..consent.model import Effect, Evidence, Reason
from ..consent.walls import (
    WallFinding,
    auth_response,
    login_form,
    paywall,
    wall_evidence,
)
from ..exceptions import AuthAreaSkipped

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class AuthAreaMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.crawler = crawler
        self.patterns = config.auth_patterns
        self.min_pages: int = config["CONSENT_AUTH_WALL_MIN_PAGES"]
        self.ratio: float = config["CONSENT_AUTH_WALL_RATIO"]
        self.pages: dict[str, list[int]] = {}  # origin -> [pages seen, walls seen]
        self.walled: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if meta.is_probe(request):
            return
        origin = _origin(request)
        if origin in self.walled:
            raise AuthAreaSkipped(
                request.url,
                Evidence("wall", origin, "origin answers login walls for most pages: backing off",
                         Effect.DENY, Reason.AUTH_WALLED_ORIGIN),
            )
        pattern = self.patterns.match(request.url)
        if pattern is not None:
            raise AuthAreaSkipped(
                request.url,
                Evidence("wall", request.url, f"login/account URL (pattern {pattern})",
                         Effect.DENY, Reason.AUTH_URL),
            )

    def process_response(self, request: Request, response: Response) -> Response:
        if meta.is_probe(request):
            return response
        findings = self.findings(request, response)
        if findings:
            self.crawler.stats.inc_value(stats.AUTH_WALLS)
            meta.add_evidence(request, *(wall_evidence(f, source=response.url) for f in findings))
        self._count(_origin(request), walled=bool(findings))
        return response

    def findings(self, request: Request, response: Response) -> list[WallFinding]:
        found: list[WallFinding] = []
        stopped = meta.login_redirect_of(request)
        if stopped is not None:
            text = f"redirect to {stopped.target} ({stopped.pattern})"
            found.append(WallFinding(Reason.LOGIN_REDIRECT, text))
        challenge = [v.decode("latin-1") for v in response.headers.getlist(b"WWW-Authenticate")]
        status = auth_response(response.status, challenge)
        if status is not None:
            found.append(status)
        if 200 <= response.status < 300 and isinstance(response, HtmlResponse):
            page = response.selector  # Scrapy's cached parse tree, shared with the spider
            for finding in (login_form(page), paywall(page, response.body)):
                if finding is not None:
                    found.append(finding)
        return found

    def _count(self, origin: str, *, walled: bool) -> None:
        counts = self.pages.setdefault(origin, [0, 0])
        counts[0] += 1
        counts[1] += walled
        if (
            origin not in self.walled
            and counts[0] >= self.min_pages
            and counts[1] > 0  # with a ratio of 0, an origin without a single wall is not walled
            and counts[1] >= self.ratio * counts[0]
        ):
            self.walled.add(origin)
            self.crawler.stats.inc_value(stats.WALLED_ORIGINS)
            self.crawler.stats.set_value(stats.walled_origin(origin), counts[1])
            logger.warning(
                "%s answered login walls for %d of %d pages: not crawling it further",
                origin, counts[1], counts[0],
            )


def _origin(request: Request) -> str:
    parsed = urlparse_cached(request)
    return f"{parsed.scheme}://{parsed.netloc}"
