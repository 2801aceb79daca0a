"""Is this URL on a list? One dict lookup per label of its host, whatever the size of the lists.

Domain entries cover the domain and every subdomain at any depth; host entries that host only;
URL prefixes the URLs that start with them (plain string prefix of the normalised URL: ``/path``
also covers ``/pathology``; end a prefix with ``/`` to cover one folder). The scheme is not part
of it: http and https are one site to a rights holder, and port 80 or 443 is the same as none;
any other port only matches itself. The host is compared lower-case, without trailing dots and port, internationalised
names in punycode, IPv4 in dotted-quad, exactly as entries are normalised.

When several entries match, the most specific wins: a URL prefix (the longest), then a host
entry, then the longest domain. When the same entry is on several lists, the first list given
to ``build`` is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from blocklists.bulk import collector_paused
from blocklists.model import Entry, EntryKind
from blocklists.names import lookup_host, prefix_key, site_key

__all__ = ["Match", "Matcher"]


@dataclass(frozen=True, slots=True)
class Match:
    """Which list (and which version of it) blocks a URL, and by which entry."""

    source: str
    version: int
    entry: Entry


_Found = tuple[int, Entry]  # list index, entry
_Prefix = tuple[str, _Found]  # the entry's prefix_key, what it is found by

# Most URLs are http(s)://host[:port] then / ? # or the end: one regex reads the host. Anything
# else (user-info, IPv6, upper-case scheme, whitespace, backslashes, non-ASCII) goes through
# urlsplit, backslashes first turned into slashes as Scrapy (w3lib) and browsers read them, so
# the host is the one the crawler would connect to.
_SIMPLE = re.compile(r"https?://([A-Za-z0-9._-]+)(?::[0-9]*)?(?=[/?#]|\Z)")


class Matcher:
    """Immutable after ``build``; safe to share between threads."""

    __slots__ = ("_domains", "_hosts", "_lists", "_prefixes", "_size")

    def __init__(
        self,
        lists: tuple[tuple[str, int], ...],
        domains: dict[str, _Found],
        hosts: dict[str, _Found],
        prefixes: dict[str, tuple[_Prefix, ...]],
    ) -> None:
        self._lists = lists  # (source, version) by list index
        self._domains = domains
        self._hosts = hosts
        self._prefixes = prefixes  # by host, longest prefix first
        self._size = len(domains) + len(hosts) + sum(map(len, prefixes.values()))

    @classmethod
    def build(cls, lists: Iterable[tuple[str, int, Iterable[Entry]]]) -> Matcher:
        """From ``(source, version, entries)`` lists. The dicts hold (list index, entry): making
        a ``Match`` for each of a million entries took most of the build; one is made per hit."""
        names: list[tuple[str, int]] = []
        domains: dict[str, _Found] = {}
        hosts: dict[str, _Found] = {}
        prefixes: dict[str, dict[str, _Found]] = {}
        domain, host = EntryKind.DOMAIN, EntryKind.HOST
        with collector_paused():
            for index, (source, version, entries) in enumerate(lists):
                names.append((source, version))
                for entry in entries:
                    kind, value = entry.kind, entry.value
                    if kind is domain:
                        if value not in domains:
                            domains[value] = (index, entry)
                    elif kind is host:
                        if value not in hosts:
                            hosts[value] = (index, entry)
                    else:
                        on_host = prefixes.setdefault(_prefix_host(value), {})
                        on_host.setdefault(prefix_key(value), (index, entry))
        ordered = {
            host: tuple(sorted(found.items(), key=lambda item: -len(item[0])))
            for host, found in prefixes.items()
        }
        return cls(tuple(names), domains, hosts, ordered)

    def __len__(self) -> int:
        """Distinct entries (the same kind and value on several lists counts once)."""
        return self._size

    def match(self, url: str) -> Match | None:
        """The most specific entry that covers ``url`` (an absolute URL), or None."""
        parts = None
        simple = _SIMPLE.match(url)
        if simple is not None:
            host = simple.group(1).lower()
            if host[-1] == "." or host[-1].isdigit() or "0x" in host:
                host = lookup_host(host)
        else:
            if "\\" in url:  # a path separator to browsers and Scrapy (WHATWG), not to urlsplit
                url = url.replace("\\", "/")
            try:
                parts = urlsplit(url)
                found_host = parts.hostname
            except ValueError:
                return None
            if not found_host:
                return None
            host = lookup_host(found_host)
        if self._prefixes:
            candidates = self._prefixes.get(host)
            if candidates is not None:
                try:
                    key = site_key(parts or urlsplit(url), host)
                except ValueError:  # a bad port: only host and domain entries apply
                    key = ""
                for prefix, found in candidates:
                    if key.startswith(prefix):
                        return self._match(found)
        return self._site(host)

    def match_host(self, host: str) -> Match | None:
        """The host or domain entry that covers ``host``; URL prefixes are not considered."""
        return self._site(lookup_host(host)) if host else None

    def _site(self, host: str) -> Match | None:
        found = self._hosts.get(host)
        if found is not None:
            return self._match(found)
        domains = self._domains
        while True:
            found = domains.get(host)
            if found is not None:
                return self._match(found)
            dot = host.find(".")
            if dot < 0:
                return None
            host = host[dot + 1 :]

    def _match(self, found: _Found) -> Match:
        source, version = self._lists[found[0]]
        return Match(source, version, found[1])


def _prefix_host(value: str) -> str:
    return lookup_host(urlsplit(value).hostname or "")
