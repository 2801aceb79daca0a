"""CredentialsMiddleware: no credentials in URLs, no forms, no methods but GET and HEAD.

``http://user:pass@host/`` would send the user-info to the site (and to its robots.txt); such a
URL is refused and recorded. Only GET and HEAD are fetched, so no form is ever submitted,
whatever a spider yields. Credential headers are removed separately, at the last moment
(CredentialHeadersMiddleware), after every component that could have added one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from ..consent.model import Effect, Evidence, Reason
from ..exceptions import CredentialsRefused

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

METHODS = frozenset({"GET", "HEAD"})


class CredentialsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        parsed = urlparse_cached(request)
        if parsed.username is not None or parsed.password is not None:
            raise CredentialsRefused(
                request.url,
                _evidence(request, "user-info in the URL", Reason.URL_CREDENTIALS),
            )
        if request.method.upper() not in METHODS:
            raise CredentialsRefused(
                request.url,
                _evidence(request, f"{request.method} request (only GET and HEAD are sent)",
                          Reason.METHOD_NOT_ALLOWED),
            )


def _evidence(request: Request, value: str, reason: Reason) -> Evidence:
    return Evidence("request", request.url, value, Effect.DENY, reason)
