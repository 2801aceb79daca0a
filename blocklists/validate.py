"""What makes an entry acceptable, and its one normalised spelling.

The formats hand every entry they read to a ``Checker``; it normalises it, collects every
problem of the whole list (with file, line and the entry as written) and refuses the list as a
whole if there is any: a list applies completely or not at all.

Refused: public suffixes (``com``, ``co.uk``, ``github.io``, ``blogspot.com``) and single-label
names (no registrable domain) as any kind's host; IP literals as domains (fine as hosts and in
URL prefixes); wildcards (a domain entry already covers every subdomain); empty labels, labels
over 63 octets, names over 253, characters other than ``a-z 0-9 - _``, hyphens at either end of
a label, invalid punycode; URL prefixes without an http(s) scheme or host, with user-info or a
bad port; unknown kinds; ``added`` that is not a YYYY-MM-DD date; ``evidence_url`` that is not
an http(s) URL; the same normalised (kind, value) twice; more than ``max_entries`` entries.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

from blocklists.matcher import Matcher
from blocklists.model import BlocklistFormatError, Entry, EntryKind, Problem
from blocklists.names import ascii_name, prefix_key, url_key
from blocklists.suffixes import public_suffix

__all__ = ["Checker", "Invalid", "infer_kind", "normalise", "share_blocked"]

# Labels of 1-63 of a-z 0-9 - _, no hyphen at either end (lookarounds: no backtracking).
_LABEL = r"(?!-)[a-z0-9_-]{1,63}(?<!-)"
_NAME = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SPACE = re.compile(r"\s")
_EVIDENCE = re.compile(
    r"https?://(?:\[[0-9a-f:.]+\]|[^\s/?#@:\[\]]+)(?::[0-9]*)?(?:[/?#]\S*)?", re.IGNORECASE
)
_KINDS = {kind.value: kind for kind in EntryKind}
# Module names for the members: EntryKind.DOMAIN is a slow lookup on Python 3.11, and so is
# hashing a member (Enum.__hash__ is Python code), which the hot path below avoids.
_DOMAIN, _HOST, _URL_PREFIX = EntryKind.DOMAIN, EntryKind.HOST, EntryKind.URL_PREFIX


class Invalid(Exception):
    """One reason an entry is refused."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _ip_literal(text: str) -> str | None:
    """The canonical spelling of an IP literal (IPv6 compressed, no brackets), else None."""
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        if ":" in text:
            return ipaddress.IPv6Address(text).compressed
        if text[-1:].isdigit():
            return str(ipaddress.IPv4Address(text))
    except ValueError:
        pass
    return None


def infer_kind(text: str) -> EntryKind:
    """A kind for an entry written without one: a URL or anything with a path is a URL prefix,
    an IP literal a host, anything else a domain."""
    if "/" in text:
        return _URL_PREFIX
    text = text.removesuffix(".")
    if (":" in text or text[-1:].isdigit()) and _ip_literal(text) is not None:
        return _HOST
    return _DOMAIN


def _name_fault(name: str) -> str:
    """Why a name that failed the fast check is not a host name."""
    if "*" in name:
        if name.startswith("*.") and "*" not in name[2:]:
            return (
                f"wildcards are not supported: a domain entry covers every subdomain ({name[2:]})"
            )
        return "wildcards are not supported"
    if len(name) > 253:
        return f"name longer than 253 characters ({len(name)})"
    labels = name.split(".")
    if "" in labels:
        return "empty label"
    for label in labels:
        if len(label) > 63:
            return f"label longer than 63 characters ({len(label)}): {label[:20]}..."
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "-_."))})
    if bad:
        return "invalid characters: " + " ".join(repr(c) for c in bad)
    hyphens = [label for label in labels if label.startswith("-") or label.endswith("-")]
    return f"label starts or ends with a hyphen: {hyphens[0] if hyphens else name}"


def _check_punycode(labels: list[str]) -> None:
    for label in labels:
        if label.startswith("xn--"):
            try:
                label[4:].encode("ascii").decode("punycode")
            except UnicodeError:
                raise Invalid(f"invalid punycode label {label!r}") from None


def _ip_entry(name: str, kind: EntryKind) -> str:
    ip = _ip_literal(name)
    if ip is None:
        if name[-1:].isdigit() and _NAME.fullmatch(name):
            raise Invalid("the last label is all digits: neither a name nor an IPv4 address")
        raise Invalid(_name_fault(name))
    if kind is _DOMAIN:
        raise Invalid("an IP literal is not a domain: give it kind host")
    return ip


def _name(text: str, kind: EntryKind, strip_www: bool) -> str:
    """A domain, a host, or a URL prefix's host, normalised and checked."""
    name = text.removesuffix(".")  # the root's dot; a second one would be an empty label
    if name.isascii():
        name = name.lower()
    else:
        try:
            name = ascii_name(name)
        except UnicodeError as error:
            raise Invalid(f"not a valid internationalised name ({error})") from None
    if len(name) > 253 or _NAME.fullmatch(name) is None:
        if ":" in name:
            return _ip_entry(name, kind)
        raise Invalid(_name_fault(name) if name else "empty name")
    labels = name.split(".")
    if labels[-1].isdigit():  # no top-level domain is all digits
        return _ip_entry(name, kind)
    if "xn--" in name:
        _check_punycode(labels)
    # Only domains lose "www.": a host entry without it would no longer cover www.
    if strip_www and labels[0] == "www" and kind is _DOMAIN and len(labels) > 1:
        del labels[0]
        name = name[4:]
    suffix, listed = public_suffix(labels)
    if suffix >= len(labels):
        if listed:
            raise Invalid("a public suffix: names under it belong to different owners")
        raise Invalid("no registrable domain (a single label)")
    return name


def _site(text: str, kind: EntryKind, strip_www: bool) -> str:
    """A domain or host entry; a URL or path written there is cut down to its host."""
    if "/" in text:
        if "://" in text:
            try:
                host = urlsplit(text).hostname
            except ValueError as error:
                raise Invalid(f"not a URL ({error})") from None
            if not host:
                raise Invalid("a URL without a host")
            text = host
        else:
            text = text.split("/", 1)[0]
    return _name(text, kind, strip_www)


def _prefix(text: str) -> str:
    scheme, sep, _ = text.partition("://")
    if not sep:
        raise Invalid(
            "a URL prefix needs an http:// or https:// scheme"
            f" (for the whole site write {text.split('/', 1)[0]})"
        )
    if scheme.lower() not in ("http", "https"):
        raise Invalid(f"a URL prefix needs an http or https scheme, not {scheme!r}")
    if _SPACE.search(text):
        raise Invalid("whitespace inside a URL")
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError as error:
        raise Invalid(f"not a URL ({error})") from None
    if "@" in parts.netloc:
        raise Invalid("user-info (user:password@) in a URL prefix")
    if not host:
        raise Invalid("a URL prefix without a host")
    host = _name(host, _URL_PREFIX, strip_www=False)
    try:
        return url_key(parts, host)
    except ValueError:
        raise Invalid("invalid port") from None


def normalise(text: str, kind: EntryKind, *, strip_www: bool = False) -> str:
    """The normalised value of one entry of ``kind``; raises ``Invalid``."""
    if kind is _URL_PREFIX:
        return _prefix(text)
    return _site(text, kind, strip_www)


def _evidence_fault(url: str) -> str | None:
    if _EVIDENCE.fullmatch(url) is None:
        return "evidence_url is not an http(s) URL with a host"
    return None


class Checker:
    """Collects the entries of one file and every problem with them."""

    def __init__(self, file: str, *, strip_www: bool = False, max_entries: int = 5_000_000):
        self.file = file
        self._strip_www = strip_www
        self._max_entries = max_entries
        self._count = 0
        self._entries: list[Entry] = []
        self._problems: list[Problem] = []
        # Normalised value (a URL prefix's without its scheme) -> first line, one dict per kind.
        self._seen: tuple[dict[str, int], dict[str, int], dict[str, int]] = ({}, {}, {})
        # Reasons and dates repeat: as written -> stripped, one string object for all.
        self._shared: dict[str, str] = {}
        self._dates: dict[str, bool] = {}  # stripped -> valid

    def problem(self, line: int, entry: str, message: str) -> None:
        self._problems.append(Problem(self.file, line, entry, message))

    def _text(self, value: str | None) -> str | None:
        if not value:
            return None
        known = self._shared.get(value)
        if known is None:
            stripped = value.strip()
            known = self._shared[value] = self._shared.setdefault(stripped, stripped)
        return known or None

    def add(
        self,
        line: int,
        entry: str,
        kind: str | None = None,
        reason: str | None = None,
        evidence_url: str | None = None,
        added: str | None = None,
    ) -> bool:
        """Check one entry; False once the list has too many (stop reading then)."""
        self._count += 1
        if self._count > self._max_entries:
            self.problem(line, entry, f"more than {self._max_entries} entries")
            return False
        if kind is None:
            entry_kind: EntryKind | None = infer_kind(entry)
        else:
            entry_kind = _KINDS.get(kind) or _KINDS.get(kind.strip().lower())
        problems = self._problems
        before = len(problems)
        value = None
        if entry_kind is None:
            self.problem(line, entry, f"unknown kind {kind!r} (domain, host or url-prefix)")
        else:
            try:
                if entry_kind is _URL_PREFIX:
                    value = _prefix(entry)
                else:
                    value = _site(entry, entry_kind, self._strip_www)
            except Invalid as invalid:
                self.problem(line, entry, invalid.message)
        if reason or evidence_url or added:
            reason, evidence_url, added = self._fields(line, entry, reason, evidence_url, added)
        else:
            reason = evidence_url = added = None
        if value is None or entry_kind is None:
            return True
        domains, hosts, prefixes = self._seen
        if entry_kind is _URL_PREFIX:  # http:// and https:// of one prefix are one entry
            first = prefixes.setdefault(prefix_key(value), line)
        else:
            first = (domains if entry_kind is _DOMAIN else hosts).setdefault(value, line)
        if first != line:
            self.problem(line, entry, f"duplicate of line {first} ({entry_kind} {value})")
        elif len(problems) == before:
            self._entries.append(Entry(value, entry_kind, reason, evidence_url, added, line))
        return True

    def _fields(
        self, line: int, entry: str, reason: str | None, evidence: str | None, added: str | None
    ) -> tuple[str | None, str | None, str | None]:
        reason, added = self._text(reason), self._text(added)
        evidence = (evidence or "").strip() or None  # mostly unique: not worth sharing
        if added is not None:
            valid = self._dates.get(added)
            if valid is None:
                valid = self._dates[added] = _valid_date(added)
            if not valid:
                self.problem(line, entry, f"added {added!r} is not a date (YYYY-MM-DD)")
        if evidence is not None:
            fault = _evidence_fault(evidence)
            if fault:
                self.problem(line, entry, fault)
        return reason, evidence, added

    def result(self) -> tuple[Entry, ...]:
        """The entries, or ``BlocklistFormatError`` with every problem, in line order."""
        if self._problems:
            raise BlocklistFormatError(sorted(self._problems, key=lambda p: p.line))
        return tuple(self._entries)


def _valid_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def share_blocked(entries: Iterable[Entry], seeds: Iterable[str]) -> float:
    """The fraction of ``seeds`` (URLs) that ``entries`` would block; 0.0 without seeds.

    For review before a list is applied: one that blocks a large share of a crawl's seeds is
    more likely a mistake than a list of piracy sites. The threshold is the caller's."""
    matcher = Matcher.build([("", 0, entries)])
    total = blocked = 0
    for seed in seeds:
        total += 1
        blocked += matcher.match(seed) is not None
    return blocked / total if total else 0.0
