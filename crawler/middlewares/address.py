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

from .. import stats
from ..addresses import AddressPolicy
from ..consent.model import Effect, Evidence, Reason
from ..exceptions import PrivateAddressDenied

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler


class PrivateAddressMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        from twisted.internet import reactor  # installed by Scrapy before components are built

        self.crawler = crawler
        self.reactor: Any = reactor  # twisted types the module attribute as the interface class
        self.policy = AddressPolicy.parse(crawler.settings.getlist("CONSENT_ALLOW_PRIVATE_NETWORKS"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        address = host if _is_ip(host) else await self._resolve(host)
        if address is None:
            return
        refusal = self.policy.refusal(address)
        if refusal is not None:
            self.crawler.stats.inc_value(stats.PRIVATE_ADDRESS)
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

    async def _resolve(self, host: str) -> str | None:
        try:
            address: str = await maybe_deferred_to_future(self.reactor.resolve(host))
        except DNSLookupError:
            return None
        return address


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
