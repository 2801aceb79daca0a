"""Parse host-to-address mappings (like curl's ``--resolve``) used instead of real DNS.

Accepted forms: ``HOST:ADDRESS`` and ``*.SUFFIX:ADDRESS`` (any name under SUFFIX); ADDRESS is
an IPv4 address or a bracketed IPv6 one (``[::1]``). A dict ``{host: address}`` also works.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..exceptions import ConfigError

__all__ = ["HostMap"]


@dataclass(frozen=True, slots=True)
class HostMap:
    exact: Mapping[str, str]
    suffixes: tuple[tuple[str, str], ...]  # (".suffix", address), longest first

    @classmethod
    def parse(cls, entries: Mapping[str, str] | Iterable[str] | None) -> HostMap:
        pairs: list[tuple[str, str]] = []
        if isinstance(entries, Mapping):
            pairs = [(str(k), str(v)) for k, v in entries.items()]
        elif entries is not None:
            for entry in entries:
                host, sep, address = str(entry).partition(":")
                if not sep:
                    raise ConfigError(f"resolve entry {entry!r}: expected HOST:ADDRESS")
                pairs.append((host, address))
        exact: dict[str, str] = {}
        suffixes: list[tuple[str, str]] = []
        for host, address in pairs:
            name = host.strip().lower().rstrip(".")
            ip = _address(host, address)
            if name.startswith("*."):
                suffixes.append((name[1:], ip))
            elif name and "*" not in name:
                exact[name] = ip
            else:
                raise ConfigError(f"resolve entry {host!r}: expected a host name or *.suffix")
        suffixes.sort(key=lambda pair: len(pair[0]), reverse=True)
        return cls(exact, tuple(suffixes))

    def lookup(self, host: str) -> str | None:
        name = host.lower().rstrip(".")
        if name in self.exact:
            return self.exact[name]
        for suffix, address in self.suffixes:
            if name.endswith(suffix):
                return address
        return None

    def __bool__(self) -> bool:
        return bool(self.exact or self.suffixes)


def _address(host: str, address: str) -> str:
    text = address.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ConfigError(f"resolve entry for {host!r}: {address!r} is not an IP address") from None
