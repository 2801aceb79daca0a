"""Fetching a published list through the crawler's address guard (no SSRF into the operator's
network): the host of the URL and of every redirect hop is resolved and every address checked
with ``storage.addresses.AddressPolicy`` before anything is sent; redirects are followed here,
at most ``MAX_REDIRECTS``, each hop checked. The connection goes to the address that was checked
(``_PinnedAdapter``), so a name that resolves again to another address between the check and
the connection (DNS rebinding) cannot move it; the Host header, TLS SNI and the certificate check
keep the URL's host name. No proxy from the environment is used: it would connect elsewhere.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection

from storage.addresses import AddressPolicy

__all__ = ["MAX_REDIRECTS", "FetchError", "Fetched", "Guard", "parse_resolve", "system_resolve"]

MAX_REDIRECTS = 5

#: A host name to the addresses it resolves to.
Resolve = Callable[[str], Sequence[str]]


class FetchError(RuntimeError):
    """The list could not be fetched: refused address, network or HTTP error, too large."""


def system_resolve(host: str) -> list[str]:
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror or exc}") from None
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def parse_resolve(entries: Iterable[str]) -> dict[str, str]:
    """``HOST:ADDRESS`` options (as for ``crawl --resolve``, without wildcards; an IPv6 address
    in brackets) into a map; ``ValueError`` naming the entry at fault."""
    hosts: dict[str, str] = {}
    for entry in entries:
        host, sep, address = entry.partition(":")
        name = host.strip().lower().rstrip(".")
        if not sep or not name or "*" in name:
            raise ValueError(f"--resolve {entry!r}: expected HOST:ADDRESS")
        text = address.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        try:
            hosts[name] = str(ipaddress.ip_address(text))
        except ValueError:
            raise ValueError(f"--resolve {entry!r}: {address!r} is not an IP address") from None
    return hosts


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]
    body: bytes  # empty for 304


@dataclass(frozen=True, slots=True)
class Guard:
    """Which addresses may be fetched from, and how host names become addresses."""

    policy: AddressPolicy = field(default_factory=AddressPolicy)
    hosts: Mapping[str, str] = field(default_factory=dict)  # --resolve; others: ``resolve``
    resolve: Resolve = system_resolve

    def address(self, url: str) -> str:
        """The address to connect to for ``url``, once every address of its host is allowed."""
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise FetchError(f"{url!r} is not an http(s) URL")
        try:
            addresses: Sequence[str] = [str(ipaddress.ip_address(host))]
        except ValueError:
            pinned = self.hosts.get(host)
            addresses = [pinned] if pinned else self.resolve(host)
        if not addresses:
            raise FetchError(f"cannot resolve {host}: no address")
        for address in addresses:
            refusal = self.policy.refusal(address)
            if refusal is not None:
                raise FetchError(
                    f"refused {url}: {host} resolves to {refusal} (private networks only with "
                    "--allow-private-addresses)"
                )
        return addresses[0]

    def get(
        self, url: str, headers: Mapping[str, str], *, timeout: float, max_bytes: int
    ) -> Fetched:
        """GET ``url``, following redirects hop by hop, each one checked; 304 has no body."""
        for _ in range(MAX_REDIRECTS + 1):
            address = self.address(url)
            with requests.Session() as session:
                session.trust_env = False  # no proxy, no .netrc: connect where we checked
                session.mount(f"{urlsplit(url).scheme}://", _PinnedAdapter(address))
                try:
                    response = session.get(
                        url, headers=dict(headers), timeout=timeout, stream=True,
                        allow_redirects=False,
                    )
                    if response.is_redirect:
                        url = urljoin(url, response.headers["Location"])
                        continue
                    if response.status_code == 304:
                        return Fetched(url, 304, response.headers, b"")
                    response.raise_for_status()
                    return Fetched(url, response.status_code, response.headers,
                                   _read(response, url, max_bytes))
                except requests.RequestException as exc:
                    raise FetchError(f"fetching {url}: {exc}") from None
        raise FetchError(f"fetching {url}: more than {MAX_REDIRECTS} redirects")


def _read(response: requests.Response, url: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# --- connecting to the checked address ------------------------------------------------------


class _PinnedHTTPConnection(HTTPConnection):
    """Opens its socket to ``address``; everything else (Host header, SNI, certificate check)
    still uses the URL's host name."""

    def __init__(self, *args: Any, address: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address = address

    def _new_conn(self) -> socket.socket:
        name, self._dns_host = self._dns_host, self._address
        try:
            return super()._new_conn()
        finally:
            self._dns_host = name


class _PinnedHTTPSConnection(_PinnedHTTPConnection, HTTPSConnection):
    pass


class _PinnedPoolManager(PoolManager):
    def __init__(self, address: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._address = address

    def _new_pool(
        self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None
    ) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = (
            _PinnedHTTPSConnection if isinstance(pool, HTTPSConnectionPool) else _PinnedHTTPConnection
        )
        pool.conn_kw["address"] = self._address
        return pool


class _PinnedAdapter(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self._address = address  # before super().__init__, which makes the pool manager
        super().__init__(max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _PinnedPoolManager(
            self._address, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )
