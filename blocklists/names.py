"""How a host and a URL are written once normalised: one spelling for list entries and URLs alike.

Internationalised names become punycode with the ``idna`` package (IDNA 2008 with UTS #46
mapping, non-transitional: ``straße`` stays ``xn--strae-oqa``), a Scrapy dependency; only where
it is missing does Python's own codec (IDNA 2003) stand in. Only non-ASCII labels are encoded,
so ASCII labels keep what IDNA 2008 would refuse but the web uses (``my_site``).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import SplitResult, quote

__all__ = ["IDNA", "ascii_name", "lookup_host", "prefix_key", "site_key", "url_key"]

# http and https are one site to a rights holder, so either's default port is no port at all.
_DEFAULT_PORTS = frozenset((80, 443))


def _idna_2008(name: str) -> str:
    labels = idna.uts46_remap(name, std3_rules=False, transitional=False).split(".")
    return ".".join(
        label if label.isascii() else idna.alabel(label).decode("ascii") for label in labels
    )


def _idna_2003(name: str) -> str:
    return name.encode("idna").decode("ascii")


_encode: Callable[[str], str]
try:
    import idna

    IDNA = "idna package (IDNA 2008, UTS #46)"
    _encode = _idna_2008
except ImportError:  # pragma: no cover - idna comes with Scrapy
    IDNA = "Python's idna codec (IDNA 2003)"
    _encode = _idna_2003


def ascii_name(name: str) -> str:
    """Lower-case ASCII form of a name; raises ``UnicodeError`` for what cannot be encoded."""
    if name.isascii():
        return name.lower()
    return _encode(name).lower()


@lru_cache(maxsize=65536)
def lookup_host(host: str) -> str:
    """A URL's host as entries spell hosts. Lenient: what cannot be encoded stays as it is (and
    matches nothing); every trailing dot goes, since a resolver would ignore them too; an IPv4
    address written as one number or in hex or octal parts (``3221225994``, ``0xc0.0.2.10``,
    in fullwidth digits too) becomes dotted-quad, since the system resolver reads it so and
    would connect there."""
    host = host.lower().rstrip(".")
    if not host.isascii():
        try:
            # Before the IP forms: IDNA maps fullwidth and superscript digits ("１２７.０.０.１",
            # "¹") to ASCII ones, and a resolver then reads the name as an address.
            host = ascii_name(host).rstrip(".")
        except UnicodeError:
            return host
    bracketed = host.startswith("[") and host.endswith("]")
    if bracketed or ":" in host:
        try:
            return ipaddress.IPv6Address(host[1:-1] if bracketed else host).compressed
        except ValueError:
            return host  # brackets kept: "[[a]]" read again must not lose another pair
    if _NUMERIC_IPV4.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return host
    return host


# What inet_aton reads as an IPv4 address: one to four numbers, decimal, octal or 0x-hex.
_NUMERIC_IPV4 = re.compile(r"(?:(?:0x[0-9a-f]*|[0-9]+)\.){0,3}(?:0x[0-9a-f]*|[0-9]+)")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _percent_encode(match: re.Match[str]) -> str:
    return quote(match.group(), safe="")


def site_key(parts: SplitResult, host: str) -> str:
    """``host[:port]/path[?query]``, what URL prefixes compare (the scheme left out, since http
    and https are one site). ``host`` is already normalised; ``parts.port`` may raise
    ``ValueError``. The port is left out when it is 80 or 443. The path is kept as given except
    that non-ASCII characters are percent-encoded as UTF-8, as browsers and Scrapy send them."""
    netloc = f"[{host}]" if ":" in host else host
    port = parts.port
    if port is not None and port not in _DEFAULT_PORTS:
        netloc = f"{netloc}:{port}"
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    if not path.isascii():
        path = _NON_ASCII.sub(_percent_encode, path)
    return netloc + path


def url_key(parts: SplitResult, host: str) -> str:
    """``scheme://`` and the ``site_key``: a URL prefix entry's normalised value."""
    return f"{parts.scheme.lower()}://{site_key(parts, host)}"


def prefix_key(value: str) -> str:
    """The ``site_key`` of a URL prefix entry's value (``url_key``'s spelling): what follows the
    scheme, with a default port dropped also where a value was stored before both were one."""
    key = value.partition("://")[2]
    netloc, slash, path = key.partition("/")
    for port in (":80", ":443"):
        if netloc.endswith(port):
            return netloc.removesuffix(port) + slash + path
    return key
