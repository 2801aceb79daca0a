"""Which IP addresses consentcrawl may connect to: by default only globally routable ones.

Loopback, private (RFC 1918), unique-local, link-local (169.254.0.0/16 and fe80::/10, where
cloud metadata endpoints live), multicast, reserved, documentation and carrier-grade NAT ranges
are refused, so no page, link or redirect can make the crawler (nor a blocklist subscription)
fetch an internal service. A job may allow chosen networks (CONSENT_ALLOW_PRIVATE_NETWORKS,
``--allow-private-addresses``); link-local and multicast are never allowed, whatever the
settings say. Here in storage, with the other low-level helpers, so that the crawler and the
blocklists share the one guard.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["LOCAL_NETWORKS", "AddressPolicy"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: What ``--allow-private-addresses`` allows: loopback, RFC 1918 and unique-local networks.
LOCAL_NETWORKS = ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                  "fc00::/7")


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    allowed: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, networks: Iterable[str]) -> AddressPolicy:
        parsed = []
        for text in networks:
            try:
                parsed.append(ipaddress.ip_network(str(text).strip(), strict=False))
            except ValueError:
                raise ValueError(f"private network {text!r} is not an IP network (CIDR)") from None
        return cls(tuple(parsed))

    def refusal(self, address: str) -> str | None:
        """Why ``address`` must not be connected to, or None when it may."""
        try:
            ip: IPAddress = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return f"{address!r} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
        if ip.is_link_local or ip.is_multicast:
            return f"{ip} is link-local or multicast (never allowed)"
        if ip.is_global:
            return None
        if any(ip in network for network in self.allowed if network.version == ip.version):
            return None
        return f"{ip} is not a public address"
