"""Path patterns (RFC 9309 sections 2.2.2 and 2.2.3), for robots.txt and every signal that reuses
its patterns: Content-Signal and Content-Usage path rules, ai.txt, tdmrep.json locations and RSL
``content@url``. Pure: no I/O.

A pattern and a URL's path+params+query are normalised the same way before they are compared,
so that two spellings of one URI compare equal and nothing else does:

* a percent-encoded octet of an unreserved character (``A-Z a-z 0-9 - . _ ~``) is decoded:
  ``/%7Ejoe/`` and ``/~joe/``, ``/foo/bar/%62%61%7A`` and ``/foo/bar/baz`` are one path
  (Figure 4);
* every other escape stays encoded, its hex digits upper-cased (``%2f`` -> ``%2F``: a slash
  written as ``%2F`` is data, not a path separator, RFC 3986 section 2.2);
* characters outside US-ASCII become percent-encoded UTF-8 octets (``jalapeño`` ->
  ``jalape%C3%B1o``), as do ASCII characters no URI may hold (space, ``"<>\\^`{|}``, controls)
  and a ``%`` that starts no escape (``%25``), as Scrapy's own URL escaping writes them;
* in the query, ``:``, ``/`` and ``@`` are data (RFC 3986 section 3.4) and are encoded, so the
  rule ``/foo/bar?baz=https://foo.com`` matches ``/foo/bar?baz=https%3A%2F%2Ffoo.com``
  (Figure 4's query row);
* ``*`` and ``$`` in a pattern are the wildcard and the end anchor (a ``$`` that is not last is
  a literal); in a URL they are literals and compare as ``%2A`` and ``%24``, which is how a
  pattern names them (Figure 6: ``/path/file-with-a-%2A.html`` matches
  ``/path/file-with-a-*.html``).

Normalisation is idempotent. Matching never builds a regular expression from a pattern: ``*``
and ``$`` are handled by a greedy left-to-right search over the pattern's literal segments,
which is linear in practice and cannot backtrack catastrophically.

Why by hand: Protego's pattern code keeps unreserved escapes encoded on one side only and binds
no line numbers; urllib's quoting has no "decode only the unreserved" mode.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

__all__ = [
    "PathPattern",
    "Rule",
    "RuleIndex",
    "best_first",
    "match_path",
    "normalise_path",
    "normalise_pattern",
    "path_params_query",
]

_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX: Final = "0123456789ABCDEF"

# What a normaliser must look at: escapes, a bare "%", and every character that is not kept as
# it is (kept: unreserved and the reserved characters that stay literal in that part).
_PATH_SPECIAL: Final = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#\[\]@!&'()+,;=]")
_QUERY_SPECIAL: Final = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~?#\[\]!&'()+,;=]")
_PATTERN_PATH: Final = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#\[\]@!&'()*+,;=]")
_PATTERN_QUERY: Final = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~?#\[\]!&'()*+,;=]")


def _encode(text: str) -> str:
    return "".join(
        f"%{_HEX[octet >> 4]}{_HEX[octet & 15]}"
        for octet in text.encode("utf-8", errors="surrogatepass")
    )


def _normalised(match: re.Match[str]) -> str:
    text = match.group(0)
    if len(text) == 3:  # an escape (a lone character is never three long)
        char = chr(int(text[1:], 16))
        return char if char in _UNRESERVED else text.upper()
    return _encode(text)


def _normalise(text: str, path_special: re.Pattern[str], query_special: re.Pattern[str]) -> str:
    query_at = text.find("?")
    if query_at < 0:
        return path_special.sub(_normalised, text)
    return path_special.sub(_normalised, text[:query_at]) + query_special.sub(
        _normalised, text[query_at:]
    )


def normalise_path(path: str) -> str:
    """A URL's "/path;params?query" in the form patterns compare against (module doc)."""
    return _normalise(path, _PATH_SPECIAL, _QUERY_SPECIAL)


def normalise_pattern(pattern: str) -> str:
    """A pattern in the same form, its ``*`` wildcards and final ``$`` anchor kept (any other
    ``$`` is a literal: ``%24``)."""
    anchored = pattern.endswith("$")
    body = _normalise(pattern[:-1] if anchored else pattern, _PATTERN_PATH, _PATTERN_QUERY)
    return body + "$" if anchored else body


def path_params_query(url: str) -> str:
    """The "/path;params?query" part of a URL (or path) used for matching.

    The fragment is dropped, "/" is returned when there is no path, and a
    leading "/" is added when the part starts with ";" or "?".
    """
    start = 2 if url.startswith("//") else 0
    early = _find_any(url, "/?;", start)
    scheme_end = url.find("://", start)
    if scheme_end < 0 or (0 <= early < scheme_end):
        after_authority = start
    else:
        after_authority = scheme_end + 3
    path_start = _find_any(url, "/?;", after_authority)
    if path_start < 0:
        return "/"
    hash_at = url.find("#", start)
    if 0 <= hash_at < path_start:
        return "/"
    part = url[path_start:] if hash_at < 0 else url[path_start:hash_at]
    return part if part.startswith("/") else "/" + part


def _find_any(text: str, chars: str, start: int) -> int:
    found = [i for i in (text.find(c, start) for c in chars) if i >= 0]
    return min(found) if found else -1


@functools.lru_cache(maxsize=4096)
def match_path(url: str) -> str:
    """The normalised path every pattern is matched against; memoised because each URL is asked
    of several readers in a row (our rules, AI groups, Content-Signal, Content-Usage, ai.txt)."""
    return normalise_path(path_params_query(url))


@dataclass(frozen=True, slots=True)
class Rule:
    """One path rule: a robots.txt Allow/Disallow line, or a path another signal keys on."""

    line: int
    """1-based line number in the file (or the rule's index in its document)."""
    allow: bool
    pattern: str
    """The value as written (comment removed, trimmed), before normalisation."""
    written: str = ""
    """The field name as the site spelled it, when it is not the one it is read as
    ("Dissallow" read as Disallow); empty otherwise."""

    @property
    def directive(self) -> str:
        return "Allow" if self.allow else "Disallow"

    @property
    def text(self) -> str:
        """The line for evidence: ``Disallow: /x``, or ``Dissallow: /x (read as Disallow)``."""
        if self.written:
            return f"{self.written}: {self.pattern} (read as {self.directive})"
        return f"{self.directive}: {self.pattern}"


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A rule's pattern compiled for matching against :func:`match_path` output."""

    rule: Rule
    length: int  # octets of the normalised pattern: the rule's priority
    literal: str  # normalised pattern without a trailing "$"
    segments: tuple[str, ...]  # literal split on "*"
    anchored: bool  # the pattern ended with "$"

    @classmethod
    def compile(cls, rule: Rule) -> PathPattern:
        normalised = normalise_pattern(rule.pattern)
        anchored = normalised.endswith("$")
        literal = normalised[:-1] if anchored else normalised
        return cls(rule, len(normalised), literal, tuple(literal.split("*")), anchored)

    def matches(self, path: str) -> bool:
        segments = self.segments
        if len(segments) == 1:
            return path == self.literal if self.anchored else path.startswith(self.literal)
        first = segments[0]
        if not path.startswith(first):
            return False
        pos = len(first)
        # Leftmost placement of every middle segment leaves the most room for
        # the rest, so a greedy scan decides the match without backtracking.
        for segment in segments[1:-1]:
            if segment:
                found = path.find(segment, pos)
                if found < 0:
                    return False
                pos = found + len(segment)
        last = segments[-1]
        if self.anchored:
            return len(path) - len(last) >= pos and path.endswith(last)
        return not last or path.find(last, pos) >= 0


def _priority(matcher: PathPattern) -> tuple[int, bool, int]:
    return (-matcher.length, not matcher.rule.allow, matcher.rule.line)


def _beats(candidate: PathPattern, best: PathPattern | None) -> bool:
    """Longest pattern wins; Allow wins a tie; then the earlier line (RFC 9309 section 2.2.2)."""
    return best is None or _priority(candidate) < _priority(best)


def best_first(matchers: Iterable[PathPattern]) -> list[PathPattern]:
    """Matchers in the order they win in: longest first, Allow on a tie, then the earlier."""
    return sorted(matchers, key=_priority)


@dataclass(frozen=True, slots=True)
class RuleIndex:
    """Rules bucketed by the literal text before their first ``*``, so a lookup matches only the
    rules whose start is a prefix of the path (a dict probe per distinct start length) instead
    of every rule of a 1,000-line file."""

    starts: dict[str, tuple[PathPattern, ...]]  # each bucket best-first
    lengths: tuple[int, ...]  # distinct start lengths, ascending

    @classmethod
    def of(cls, matchers: Iterable[PathPattern]) -> RuleIndex:
        starts: dict[str, list[PathPattern]] = {}
        for matcher in best_first(matchers):
            starts.setdefault(matcher.segments[0], []).append(matcher)
        return cls(
            {k: tuple(v) for k, v in starts.items()}, tuple(sorted({len(k) for k in starts}))
        )

    def best(self, path: str) -> PathPattern | None:
        """The rule that decides ``path`` (longest, Allow on a tie, then earliest), if any."""
        best: PathPattern | None = None
        size = len(path)
        for length in self.lengths:
            if length > size:
                break
            for matcher in self.starts.get(path[:length], ()):
                if best is not None and not _beats(matcher, best):
                    break  # best-first bucket: nothing later in it can win
                if matcher.matches(path):
                    best = matcher
                    break
        return best
