"""Plain input values the crawler builds; the catalog turns them into rows.

They carry no SQLAlchemy state, so the crawler can create them on any thread and hand
them over in batches.

A record's URL also gives it three derived columns the audit queries index (`host_columns`):
its host (lower case, punycode, no trailing dot, an IP address in canonical form), that host
reversed label by label (``com.example.www``: a domain and all its subdomains are one index
range) and its registrable domain (the Public Suffix List bundled with tldextract, private
suffixes included, never downloaded: the rule ``crawler/net/sites.py`` uses for "the same site").
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import idna

from storage.psl import EXTRACT
from storage.times import require_aware

__all__ = [
    "HOST_COLUMNS",
    "BlocklistEntryIn",
    "BlocklistVersionIn",
    "DocumentIn",
    "EvidenceIn",
    "JobSpec",
    "RecordIn",
    "TakedownIn",
    "host_columns",
    "reversed_domain",
    "url_host",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")

# The host of an absolute URL: after "scheme://" and any "user:pass@", up to ":", "/", "?"
# or "#" (an IPv6 literal keeps its brackets).
_URL_HOST: Final = re.compile(r"^[^:/?#]+://(?:[^/?#@]*@)?(\[[^]/?#]*\]|[^/?#:]*)")
# UrlRecord's derived columns, in the order host_columns' values come.
HOST_COLUMNS: Final = ("host", "host_reversed", "registrable_domain")


def _ascii(host: str) -> str:
    """Internationalised labels in punycode (IDNA 2008 with UTS #46 mapping, as the blocklists
    spell them); a label that cannot be encoded stays as it is."""
    try:
        host = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError:
        return host
    labels = []
    for label in host.split("."):
        try:
            labels.append(label if label.isascii() else idna.alabel(label).decode("ascii"))
        except (idna.IDNAError, UnicodeError):
            labels.append(label)
    return ".".join(labels)


@lru_cache(maxsize=65536)
def _host_keys(written: str) -> tuple[str, str, str]:
    """(host, reversed host, registrable domain) of a host as written in a URL."""
    host = written.strip().lower().rstrip(".")
    try:
        address = ipaddress.ip_address(host[1:-1] if host.startswith("[") else host)
    except ValueError:
        pass
    else:  # in brackets when reversed, so that no domain's range holds it
        host = f"[{address.compressed}]" if address.version == 6 else address.compressed
        return host, f"[{address.compressed}]", host
    if not host.isascii():
        host = _ascii(host)
    if not host:
        return "", "", ""
    domain = EXTRACT(host).top_domain_under_public_suffix or host
    return host, ".".join(reversed(host.split("."))), domain


def url_host(url: str) -> str:
    """The host of an absolute URL as the catalog stores it: lower case, punycode, no
    trailing dot, an IP address canonical (IPv6 in brackets); "" when it has none."""
    found = _URL_HOST.match(url)
    return _host_keys(found.group(1))[0] if found else ""


def host_columns(url: str) -> dict[str, str]:
    """UrlRecord's derived columns (HOST_COLUMNS) for a record of `url`."""
    found = _URL_HOST.match(url)
    return dict(zip(HOST_COLUMNS, _host_keys(found.group(1) if found else ""), strict=True))


def reversed_domain(domain: str) -> str:
    """The `host_reversed` of a domain (or host, or IP address) as a user writes it: the key
    whose index range holds its records and its subdomains'."""
    return _host_keys(domain)[1]


@dataclass(frozen=True, slots=True)
class JobSpec:
    purpose: str
    agent: str  # robots.txt product token
    user_agent: str
    seeds: tuple[str, ...]
    settings: Mapping[str, Any]  # JSON-serialisable
    software_version: str
    # (source, version, sha256) of each blocklist version in force for the crawl.
    blocklists: tuple[tuple[str, int, str], ...] = ()
    # The settings that narrowed a gate, each {"setting", "value", "narrows", "why"}
    # (JSON-serialisable); None: not recorded.
    weakenings: tuple[Mapping[str, Any], ...] | None = None


@dataclass(frozen=True, slots=True)
class DocumentIn:
    kind: str  # e.g. "robots.txt"
    url: str
    http_status: int | None  # None when the fetch failed below HTTP
    fetched_at: datetime
    body: bytes | None  # verbatim, as served
    error: str | None = None

    def __post_init__(self) -> None:
        # Refused here, where the caller's bug is, not at the next write.
        require_aware("fetched_at", self.fetched_at)

    @property
    def sha256(self) -> str | None:
        return None if self.body is None else hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class EvidenceIn:
    signal: str  # e.g. "robots.txt"
    source: str  # document URL or e.g. "header:X-Robots-Tag"
    value: str
    effect: str  # "deny" | "allow" | "info"
    reason: str | None = None  # reason code
    document_sha256: str | None = None
    line: int | None = None
    license: str | None = None  # SPDX id a licence declaration names
    strength: str | None = None  # "strong" | "weak" for a licence declaration
    # The purposes it speaks for, comma-separated in contract order; None: every purpose.
    purposes: str | None = None


@dataclass(frozen=True, slots=True)
class RecordIn:
    url: str
    outcome: str  # "collected" | "skipped" (enforced by the database)
    reasons: tuple[str, ...]
    license_status: str
    recorded_at: datetime
    kind: str = "page"
    source_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    license: str | None = None  # SPDX identifier
    fetched_at: datetime | None = None
    evidence: tuple[EvidenceIn, ...] = ()

    def __post_init__(self) -> None:
        require_aware("recorded_at", self.recorded_at)
        require_aware("fetched_at", self.fetched_at)


def _require_text(name: str, value: str) -> None:
    if not value or not value.strip():
        raise ValueError(f"{name} must not be empty")


@dataclass(frozen=True, slots=True)
class BlocklistEntryIn:
    """One line of a rights holder's list: a domain, host or URL prefix to stay away from."""

    value: str
    kind: str  # e.g. "domain" | "host" | "prefix"; the catalog stores it as given
    reason: str | None = None
    evidence_url: str | None = None
    added: str | None = None  # the date the submitter gives, verbatim
    line: int = 0  # line number in the submitted file (0: unknown)


@dataclass(frozen=True, slots=True)
class BlocklistVersionIn:
    """One submission of a list, with where it came from; `sha256` is of the file as received."""

    source: str  # the list's stable name
    submitter: str
    sha256: str  # 64 lowercase hex digits
    entries: tuple[BlocklistEntryIn, ...]
    filename: str | None = None
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None

    def __post_init__(self) -> None:
        _require_text("source", self.source)
        _require_text("submitter", self.submitter)
        if not _SHA256.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits, got {self.sha256!r}")


@dataclass(frozen=True, slots=True)
class TakedownIn:
    """A collected record to take out of every later export, and the list entry that asked."""

    record_id: int
    source: str
    version: int
    entry: str  # the entry's value
    kind: str
    reason: str

    def __post_init__(self) -> None:
        _require_text("reason", self.reason)
