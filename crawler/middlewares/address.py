"""PrivateAddressMiddleware: never connect to an internal address (SSRF), checked after DNS.

Each request's host is resolved with the reactor's resolver, the one the download then uses
(Scrapy's caching resolver, so the connection goes to the address checked here), and refused
when the address is not public — on every request, so every redirect hop and every robots.txt
probe is checked too. Names that do not resolve are left to fail in the download.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from ..config import config_of
from ..consent.model import Effect, Evidence, Reason
from ..exceptions import PrivateAddressDenied

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class PrivateAddressMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        from twisted.internet import reactor  # installed by Scrapy before components are built

        self.crawler = crawler
        self.reactor: Any = reactor  # twisted types the module attribute as the interface class
        self.policy = config_of(crawler).addresses

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        host = urlparse_cached(request).hostname
        if not host:
            return None
        if _is_ip(host):
            self._check(request, host, host)
            return None
        resolving = self.reactor.resolve(host)
        if not resolving.called:
            return self._resolve_then_check(request, host, resolving)
        # Answered at once (Scrapy's DNS cache, CONSENT_RESOLVE): checked without a coroutine.
        outcome: list[Any] = []
        resolving.addBoth(outcome.append)
        answer = outcome[0]
        if isinstance(answer, Failure):
            if isinstance(answer.value, DNSLookupError):
                return None  # left to fail in the download
            answer.raiseException()
        self._check(request, host, answer)
        return None

    async def _resolve_then_check(self, request: Request, host: str, resolving: Any) -> None:
        try:
            address: str = await maybe_deferred_to_future(resolving)
        except DNSLookupError:
            return
        self._check(request, host, address)

    def _check(self, request: Request, host: str, address: str) -> None:
        refusal = self.policy.refusal(address)
        if refusal is not None:
            raise PrivateAddressDenied(
                request.url,
                Evidence(
                    signal="address",
                    source=request.url,
                    value=f"{host} resolves to {refusal}",
                    effect=Effect.DENY,
                    reason=Reason.PRIVATE_ADDRESS,
                ),
            )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
