"""A pure robots.txt parser and matcher that follows RFC 9309.

No I/O and no Scrapy: the caller fetches the body, turns it into text with
:func:`decode_robots` and asks :meth:`RobotsTxt.allowed` about a URL.

Why hand-written and not Protego (which Scrapy ships):

* Protego binds a group whose user-agent value is a prefix or substring of the
  crawler's name, so an ``Applebot`` group binds ``Applebot-Extended`` (and a
  ``Google`` group would bind ``Google-Extended``). RFC 9309 section 2.2.1
  matches the product token itself, case-insensitively: such a crawler must
  fall back to the ``*`` group.
* Protego drops every line it does not know (Content-Signal, Content-Usage,
  License, ...) and keeps no line numbers. This crawler records, as evidence,
  which line of which group decided, and later reads the AI-signal lines of
  the group that was selected, so both have to survive parsing.

Semantics (RFC 9309; Google's reference parser agrees on all of these):

* field names are case-insensitive; ``#`` starts a comment; CR, LF and CRLF
  end lines; a leading UTF-8 byte order mark is ignored;
* a group is one or more user-agent lines followed by rules. A user-agent line
  after a rule starts a new group; any other line (Sitemap, Crawl-delay,
  Content-Signal, unknown fields, blank lines) neither starts nor ends a group;
  rules before the first user-agent line belong to no group and are ignored;
* a user-agent value is reduced to its leading ``[A-Za-z_-]`` characters
  (``GPTBot/1.0`` and ``Foo Bar`` give ``gptbot`` and ``foo``); ``*`` (alone
  or followed by whitespace) is the star group. The crawler's token must be
  *equal* to it, case-insensitively: no prefix or substring matching;
* every group naming the token is merged; otherwise every ``*`` group is
  merged; otherwise everything is allowed;
* ``License:`` lines (RSL 1.0 discovery) never start or end a group and never
  alter Allow/Disallow. One is global when it comes before the first
  user-agent line, or when it is part of the file's footer: after a blank line
  that follows the last group line, with only License and Sitemap lines,
  comments and blank lines after it (where sites put it, as they put Sitemap:
  RFC 9309 alone would bind such a line to the last group only, which the RSL
  guide, calling the directive global, does not intend). Any other License
  line belongs to its group; :meth:`RobotsTxt.licenses_for` reads them;
* a rule matches when its pattern matches a prefix of the URL's
  path+params+query; ``*`` matches any sequence and a trailing ``$`` anchors
  the end. Both sides are normalised the same way first (percent-encoding per
  RFC 9309 section 2.2.2: :mod:`.patterns`, which every path-keyed signal uses);
* the longest matching pattern (in octets) wins, Allow wins a tie, empty
  Allow/Disallow values never match, no match means allowed, and
  ``/robots.txt`` itself is always allowed.

Where Google's parser (google/robotstxt, robots.cc) reads more than RFC 9309,
the leniencies taken are those that can only make the reading stricter or
that its conformance data needs, so that a site's evident intent is kept:

* a field whose colon is missing (``disallow /``) is read when the line is
  exactly two whitespace-separated words;
* the misspellings Google accepts: a key starting with ``disallow``,
  ``dissallow``, ``dissalow``, ``disalow``, ``diasllow`` or ``disallaw`` is a
  Disallow, one starting with ``user-agent``, ``useragent`` or ``user agent``
  a User-agent. Allow is read only when spelt ``allow`` (Google also takes
  ``allowed``, ``allowance``…: a misspelt grant is not taken). The rule keeps
  the key as written for the evidence (``Dissallow: /x (read as Disallow)``);
* a Disallow line longer than Google's 16,663-octet line buffer is also read
  as Google reads it, cut to that length: the cut pattern is a prefix of the
  whole one and matches every URL it does (an Allow line is never cut);
* a partial byte order mark at the start of the body is dropped by
  :func:`decode_robots`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from .patterns import PathPattern, Rule, RuleIndex, best_first, match_path

__all__ = [
    "DEFAULT_MAX_BYTES",
    "LICENSE_URL_MAX",
    "Group",
    "Line",
    "RobotsTxt",
    "Verdict",
    "compile_group",
    "decode_robots",
    "is_license_url",
    "is_valid_token",
    "product_token",
]

#: RFC 9309 section 2.5: the parsing limit MUST be at least 500 kibibytes.
DEFAULT_MAX_BYTES: Final = 512_000

_BOM: Final = "\ufeff"
_BOM_BYTES: Final = b"\xef\xbb\xbf"
_LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")
_WHITESPACE: Final = " \t\v\f"
_TOKEN_PREFIX: Final = re.compile(r"[A-Za-z_-]*")
_VALID_TOKEN: Final = re.compile(r"[A-Za-z_-]+")
_DECIMAL: Final = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")

_USER_AGENT: Final = "user-agent"
_ALLOW: Final = "allow"
_DISALLOW: Final = "disallow"
_SITEMAP: Final = "sitemap"
_LICENSE: Final = "license"
_CRAWL_DELAY: Final = "crawl-delay"
# Key prefixes google/robotstxt reads as these fields (robots.cc, KeyIsDisallow/KeyIsUserAgent).
_DISALLOW_SPELLINGS: Final = (
    "disallow",
    "dissallow",
    "dissalow",
    "disalow",
    "diasllow",
    "disallaw",
)
_USER_AGENT_SPELLINGS: Final = ("user-agent", "useragent", "user agent")
#: Google's line buffer (2083 * 8 octets with its terminator): a longer Disallow line is also
#: read cut to this many octets.
GOOGLE_LINE_MAX: Final = 2083 * 8 - 1
_STAR: Final = "*"
_MAX_SELECTIONS: Final = 256
#: Longest License URL read (the sitemaps protocol's URL limit): a 5,000-character value is junk.
LICENSE_URL_MAX: Final = 2048
_URL_SCHEMES: Final = ("http", "https")


@dataclass(frozen=True, slots=True)
class Line:
    """Any other field line, kept verbatim for later readers."""

    line: int
    field: str
    """Lower-cased field name: "content-signal", "license", "crawl-delay", ..."""
    value: str
    """Trimmed value, comment removed."""


@dataclass(frozen=True, slots=True)
class Group:
    """One group: its user-agent tokens, its rules and its other lines."""

    tokens: tuple[str, ...]
    """Lower-cased product tokens of its user-agent lines ("*" for the star;
    "" for a value that starts with no token character, which nothing matches)."""
    line: int
    """Line of its first user-agent line."""
    rules: tuple[Rule, ...]
    lines: tuple[Line, ...]
    """Non-rule lines inside the group (crawl-delay, content-signal, ...)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to "may this token fetch this URL", with its evidence."""

    allowed: bool
    rule: Rule | None
    """The deciding rule; None when no rule matched (allowed) or no group applies."""
    group_lines: tuple[int, ...]
    """First lines of the groups that applied (merged); empty when none."""
    matched_token: str | None
    """The token whose groups applied ("*" for the star groups); None when none."""


def compile_group(group: Group) -> tuple[PathPattern, ...]:
    """Matchers of a group's non-empty rules, best-first."""
    return tuple(best_first(PathPattern.compile(rule) for rule in group.rules if rule.pattern))


@dataclass(frozen=True, slots=True)
class _Selection:
    """The groups that apply to one token, with their rules merged and indexed."""

    indices: tuple[int, ...]
    matched: str | None
    group_lines: tuple[int, ...]
    rules: RuleIndex


@dataclass(frozen=True, slots=True)
class RobotsTxt:
    """A parsed robots.txt. Build it with :meth:`parse`."""

    groups: tuple[Group, ...] = ()
    lines: tuple[Line, ...] = ()
    """Lines outside any group: Sitemap lines wherever they are, and every
    line before the first user-agent line (rules there included, as Lines)."""
    sitemaps: tuple[str, ...] = ()
    truncated: bool = False
    """True when the body was longer than max_bytes and its tail was ignored."""
    _matchers: tuple[tuple[PathPattern, ...], ...] = field(
        init=False, repr=False, compare=False, default=()
    )
    # Per token, computed on first use: a crawler asks the same one or two tokens per URL.
    _selections: dict[str, _Selection] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matchers", tuple(compile_group(g) for g in self.groups))

    @classmethod
    def parse(cls, text: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> RobotsTxt:
        """Parse robots.txt text (use :func:`decode_robots` on a body first).

        At most ``max_bytes`` octets of its UTF-8 form are read, cut back to
        the last complete line; ``truncated`` tells whether anything was cut.
        """
        if not isinstance(text, str):
            raise TypeError(f"robots.txt must be str, not {type(text).__name__}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be int, not {type(max_bytes).__name__}")
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        if text.startswith(_BOM):
            text = text[1:]
        text, truncated = _limit(text, max_bytes)
        return _Parser().feed(text).build(truncated)

    def groups_for(self, token: str) -> tuple[Group, ...]:
        """All groups naming ``token`` (case-insensitive, exact), else all
        ``*`` groups, else ()."""
        return tuple(self.groups[i] for i in self._selection(token).indices)

    def has_group(self, token: str) -> bool:
        """True only when a group names ``token`` itself (the star does not count)."""
        wanted = token.lower()
        if not wanted or wanted == _STAR:
            return False
        return any(wanted in group.tokens for group in self.groups)

    def allowed(self, url: str, token: str) -> Verdict:
        """May the crawler with product token ``token`` fetch ``url``?

        ``url`` is a full URL or a path, percent-encoded or not: it is normalised as the
        patterns are (:mod:`.patterns`).
        """
        selection = self._selection(token)
        matched, group_lines = selection.matched, selection.group_lines
        if matched is None:
            return Verdict(True, None, (), None)
        path = match_path(url)
        if path == "/robots.txt":
            return Verdict(True, None, group_lines, matched)
        best = selection.rules.best(path)
        if best is None:
            return Verdict(True, None, group_lines, matched)
        return Verdict(best.rule.allow, best.rule, group_lines, matched)

    def crawl_delay(self, token: str) -> float | None:
        """The Crawl-delay (seconds) of the groups selected for ``token``.

        Values that are not a non-negative decimal number are ignored; when
        the merged groups give several, the largest (most polite) one wins.
        """
        delays = [
            float(line.value)
            for group in self.groups_for(token)
            for line in group.lines
            if line.field == _CRAWL_DELAY and _DECIMAL.fullmatch(line.value)
        ]
        delays = [d for d in delays if math.isfinite(d)]
        return max(delays) if delays else None

    def licenses_for(self, token: str) -> tuple[tuple[str, int], ...]:
        """(URL, line) of the RSL ``License:`` lines that bind ``token``.

        The License lines of the groups selected for ``token`` (as for Allow/Disallow) replace
        the global ones; when those groups have none, the global ones apply. Only absolute
        http(s) URLs count (the RSL guide requires a fully qualified URL); a relative or
        otherwise unusable value is ignored, and stays in ``lines``/``Group.lines`` for the
        audit. A URL repeated is reported once, at its first line.
        """
        grouped = [line for group in self.groups_for(token) for line in group.lines]
        return _license_urls(grouped) or _license_urls(self.lines)

    def _selection(self, token: str) -> _Selection:
        selection = self._selections.get(token)
        if selection is None:
            indices, matched = self._select(token)
            selection = _Selection(
                indices,
                matched,
                tuple(self.groups[i].line for i in indices),
                RuleIndex.of(m for i in indices for m in self._matchers[i]),
            )
            if len(self._selections) < _MAX_SELECTIONS:  # bounded: tokens come from callers
                self._selections[token] = selection
        return selection

    def _select(self, token: str) -> tuple[tuple[int, ...], str | None]:
        """Indices of the applicable groups and the token they name."""
        wanted = token.lower()
        if wanted:
            named = tuple(i for i, g in enumerate(self.groups) if wanted in g.tokens)
            if named:
                return named, wanted
        star = tuple(i for i, g in enumerate(self.groups) if _STAR in g.tokens)
        return star, (_STAR if star else None)


def _license_urls(lines: Iterable[Line]) -> tuple[tuple[str, int], ...]:
    found: dict[str, int] = {}
    for line in lines:
        if line.field == _LICENSE and is_license_url(line.value):
            found.setdefault(line.value, line.line)
    return tuple(found.items())  # lines come in file order


def is_license_url(value: str) -> bool:
    """A usable ``License:`` value: an absolute http(s) URL with a host, no whitespace, at most
    LICENSE_URL_MAX characters."""
    if not value or len(value) > LICENSE_URL_MAX or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced "[" in the host
        return False
    return parts.scheme.lower() in _URL_SCHEMES and bool(parts.hostname)


def _limit(text: str, max_bytes: int) -> tuple[str, bool]:
    """Cut ``text`` to at most ``max_bytes`` UTF-8 octets, at a line end."""
    if len(text) * 4 <= max_bytes:  # cannot be longer: skip the encoding
        return text, False
    data = text.encode("utf-8", errors="surrogatepass")
    if len(data) <= max_bytes:
        return text, False
    head = data[:max_bytes]
    if data[max_bytes : max_bytes + 1] not in (b"\n", b"\r"):
        # The last line in the window is cut short: drop it.
        end = max(head.rfind(b"\n"), head.rfind(b"\r"))
        head = head[: end + 1]
    return head.decode("utf-8", errors="surrogatepass"), True


#: Group lines that are rules in their own specs (AIPREF attachment: Content-Usage; Content
#: Signals likewise): after one of them a user-agent line starts a new group, as after Allow.
_RULE_FIELDS = frozenset({"content-usage", "content-signal"})


class _GroupBuilder:
    __slots__ = ("closed", "line", "lines", "rules", "tokens")

    def __init__(self, line: int) -> None:
        self.line = line
        self.tokens: list[str] = []
        self.rules: list[Rule] = []
        self.lines: list[Line] = []
        self.closed = False  # a rule was seen: the next user-agent line opens a new group

    def build(self) -> Group:
        return Group(tuple(self.tokens), self.line, tuple(self.rules), tuple(self.lines))


class _Parser:
    """Line-by-line state machine that assembles groups."""

    __slots__ = ("blank", "current", "footer", "groups", "lines", "sitemaps")

    def __init__(self) -> None:
        self.groups: list[Group] = []
        self.current: _GroupBuilder | None = None
        self.lines: list[Line] = []
        self.sitemaps: list[str] = []
        self.blank = False  # a blank line since the last line other than License/Sitemap
        self.footer: list[Line] = []  # License lines that are global if nothing else follows

    def feed(self, text: str) -> _Parser:
        for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
            parsed = _split_line(raw)
            if parsed is not None:
                self._handle(number, *parsed)
            elif not raw.strip(_WHITESPACE):
                self.blank = True
        return self

    def _handle(self, number: int, written: str, value: str) -> None:
        key = _field(written)
        current = self.current
        if key == _LICENSE and current is not None:
            line = Line(number, key, value)
            current.lines.append(line)
            if self.blank or self.footer:
                self.footer.append(line)
            return
        if key != _SITEMAP:
            self.blank = False
            self.footer.clear()
        if key == _USER_AGENT:
            if current is None or current.closed:
                if current is not None:
                    self.groups.append(current.build())
                current = self.current = _GroupBuilder(number)
            current.tokens.append(product_token(value))
        elif key in (_ALLOW, _DISALLOW) and current is not None:
            shown = "" if written.lower() == key else written
            current.rules.append(Rule(number, key == _ALLOW, value, shown))
            current.closed = True
        elif key == _SITEMAP:
            self.sitemaps.append(value)
            self.lines.append(Line(number, key, value))
        elif current is not None:
            current.lines.append(Line(number, key, value))
            current.closed = current.closed or key in _RULE_FIELDS
        else:
            self.lines.append(Line(number, key, value))

    def build(self, truncated: bool) -> RobotsTxt:
        if self.current is not None:
            if self.footer:  # nothing but License/Sitemap lines after them: global
                footer = set(self.footer)
                self.current.lines = [line for line in self.current.lines if line not in footer]
                self.lines = sorted([*self.lines, *footer], key=lambda line: line.line)
            self.groups.append(self.current.build())
            self.current = None
        return RobotsTxt(tuple(self.groups), tuple(self.lines), tuple(self.sitemaps), truncated)


def _field(written: str) -> str:
    """The lower-cased field a key is read as (misspellings: module doc)."""
    key = written.lower()
    if key.startswith(_DISALLOW_SPELLINGS):
        return _DISALLOW
    if key.startswith(_USER_AGENT_SPELLINGS):
        return _USER_AGENT
    return key


def _split_line(raw: str) -> tuple[str, str] | None:
    """(field as written, value) of one line, or None for blank/unreadable."""
    hash_at = raw.find("#")
    if hash_at >= 0:
        raw = raw[:hash_at]
    raw = raw.strip(_WHITESPACE)
    if not raw:
        return None
    colon = raw.find(":")
    if colon >= 0:
        key, value = raw[:colon], raw[colon + 1 :]
    else:
        # Google's leniency for a forgotten colon, required by its conformance
        # tests: "disallow /" is read when the line is exactly two words.
        parts = raw.split(None, 1)
        if len(parts) != 2:
            return None
        key, value = parts
        if any(c in _WHITESPACE for c in value.strip(_WHITESPACE)):
            return None
    key = key.strip(_WHITESPACE)
    if not key:
        return None
    value = value.strip(_WHITESPACE)
    if len(raw) * 4 > GOOGLE_LINE_MAX and _field(key) == _DISALLOW:
        value = _google_cut(raw, value)
    return key, value


def _google_cut(line: str, value: str) -> str:
    """A Disallow value as Google reads its line, cut at GOOGLE_LINE_MAX octets (module doc).
    ``line`` is the trimmed line, which ends with ``value``."""
    data = line.encode("utf-8", errors="surrogatepass")
    if len(data) <= GOOGLE_LINE_MAX:
        return value
    cut = data[:GOOGLE_LINE_MAX].decode("utf-8", errors="ignore")
    return cut[len(line) - len(value) :].rstrip(_WHITESPACE)


def product_token(value: str) -> str:
    """The token a user-agent value names: "*" or its leading [A-Za-z_-] run."""
    if value.startswith(_STAR) and (len(value) == 1 or value[1] in _WHITESPACE):
        return _STAR
    match = _TOKEN_PREFIX.match(value)
    return match.group(0).lower() if match else ""


def decode_robots(body: bytes) -> str:
    """Decode a robots.txt body: UTF-8 with replacement, byte order mark dropped.

    Like Google's parser, a truncated byte order mark (its first one or two
    bytes) at the very start is dropped as well.
    """
    for size in (3, 2, 1):
        if body[:size] == _BOM_BYTES[:size]:
            body = body[size:]
            break
    text = body.decode("utf-8", errors="replace")
    return text[1:] if text.startswith(_BOM) else text


def is_valid_token(token: str) -> bool:
    """RFC 9309 product token: one or more of ``[A-Za-z_-]``."""
    return _VALID_TOKEN.fullmatch(token) is not None
