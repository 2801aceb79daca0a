"""LoginRedirectMiddleware: a redirect into a login page is a login wall, not a way in.

It sits just inside Scrapy's RedirectMiddleware, so it sees the 3xx before it is followed.
When the target matches the login URL patterns, the redirect is not followed and the page is
recorded as ``login-redirect`` (the auth middleware turns the mark into evidence).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .. import meta
from ..config import config_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

REDIRECTS = frozenset({301, 302, 303, 307, 308})


class LoginRedirectMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.patterns = config_of(crawler).auth_patterns

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECTS or not location or meta.is_probe(request):
            return response
        target = urljoin(response.url, location.decode("latin-1"))
        pattern = self.patterns.match(target)
        if pattern is not None:
            request.meta["dont_redirect"] = True  # read by RedirectMiddleware, outside us
            meta.set_login_redirect(request, meta.LoginRedirect(target, pattern))
        return response
