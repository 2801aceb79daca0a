"""X-Robots-Tag headers and ``<meta name="robots">`` elements (SIGNALS.md section 5).

Pure: header values and (name, content) pairs in, frozen tags and Evidence out; never raises.

Syntax (Google's robots meta tag documentation, which Bing follows): a comma-separated list of
directives, case-insensitive, optionally scoped to one crawler by a leading ``token:``. Some
directives carry a value after a colon of their own (``max-snippet:-1``,
``unavailable_after: 25 Jun 2010 15:00:00 PST``), so a prefix is read as a scope only when it is
a crawler name and not a directive name. ``noai``/``noimageai`` are DeviantArt's convention,
honoured by img2dataset and others; ``noarchive`` is Bing's opt-out of generative training.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

from .model import Effect, Evidence, Purpose, reason
from .text import header_strings

__all__ = [
    "DIRECTIVES",
    "RobotsTag",
    "page_tag_evidence",
    "parse_meta_robots",
    "parse_x_robots_tag",
    "robots_tag_evidence",
]

#: Directives of Google, Bing and the noai convention. Anything else is dropped when parsing,
#: so a stray word can never be mistaken for a signal.
DIRECTIVES: Final = frozenset(
    {
        "all",
        "index",
        "follow",
        "noindex",
        "nofollow",
        "none",
        "noarchive",
        "nocache",
        "nosnippet",
        "noodp",
        "noydir",
        "notranslate",
        "noimageindex",
        "indexifembedded",
        "nositelinkssearchbox",
        "max-snippet",
        "max-image-preview",
        "max-video-preview",
        "unavailable_after",
        "noai",
        "noimageai",
    }
)

_AI: Final = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT})
_SEARCH: Final = frozenset({Purpose.SEARCH})
# Directive -> purposes it reserves. noimageai and noimageindex bind images only; on a page
# they are recorded as INFO so the crawler can apply them to the page's images.
_DENIES: Final[Mapping[str, frozenset[Purpose]]] = {
    "noai": _AI,
    "noimageai": _AI,
    "noindex": _SEARCH,
    "none": _SEARCH,
    "noimageindex": _SEARCH,
    # Bing: noarchive keeps content out of training Microsoft's generative models.
    "noarchive": frozenset({Purpose.TRAIN_GENAI}),
}
_IMAGE_ONLY: Final = frozenset({"noimageai", "noimageindex"})
_WITH_VALUE: Final = frozenset(
    {"max-snippet", "max-image-preview", "max-video-preview", "unavailable_after"}
)

# Crawler names in the wild carry digits and dots (Ai2Bot, panscient.com) although RFC 9309
# tokens do not; HTTP (RFC 9110) product tokens allow them.
_SCOPE: Final = re.compile(r"[a-z0-9._-]*[a-z][a-z0-9._-]*")
# Standard and common meta names that are not crawler names, even though they look like one.
_NOT_CRAWLERS: Final = frozenset(
    {
        "application-name",
        "author",
        "color-scheme",
        "creator",
        "description",
        "format-detection",
        "generator",
        "google-site-verification",
        "keywords",
        "publisher",
        "rating",
        "referrer",
        "theme-color",
        "viewport",
        "tdm-reservation",
        "tdm-policy",
    }
)
_WHITESPACE: Final = " \t\r\n\f\v"


@dataclass(frozen=True, slots=True)
class RobotsTag:
    """One directive, with the crawler it is scoped to (None: every crawler)."""

    scope: str | None
    """Lower-cased user-agent token, or None."""
    directive: str
    """Lower-cased directive name (one of DIRECTIVES)."""
    value: str | None
    """The text after the directive's own colon (``-1``, a date), else None."""

    def __str__(self) -> str:
        text = self.directive if self.value is None else f"{self.directive}: {self.value}"
        return text if self.scope is None else f"{self.scope}: {text}"


def parse_x_robots_tag(values: Iterable[str | bytes]) -> tuple[RobotsTag, ...]:
    """Tags of every X-Robots-Tag header line (pass each line; bytes are read as Latin-1).

    A ``token:`` prefix scopes the directives after it; it may also appear after a comma
    (``googlebot: nofollow, otherbot: noindex``), which is how a proxy joins repeated lines.
    """
    tags: list[RobotsTag] = []
    for raw in header_strings(values):
        tags.extend(_parse_list(raw, None))
    return tuple(tags)


def parse_meta_robots(metas: Iterable[tuple[str, str]]) -> tuple[RobotsTag, ...]:
    """Tags of ``<meta name="robots">`` (unscoped) and ``<meta name="TOKEN">`` (scoped).

    ``metas`` are the (name, content) pairs of the page's meta elements. Several robots metas
    are combined (a page may carry one from its CMS and one of its own).
    """
    tags: list[RobotsTag] = []
    try:
        for name, content in metas:
            if not isinstance(name, str) or not isinstance(content, str):
                continue  # str(None) would read as the directive "none"
            key = name.strip(_WHITESPACE).lower()
            if key == "robots":
                tags.extend(_parse_list(content, None, allow_scope=False))
            elif _is_scope(key) and key not in _NOT_CRAWLERS:
                tags.extend(_parse_list(content, key, allow_scope=False))
    except (TypeError, ValueError):
        pass  # an unreadable pair ends the list; what was read stands
    return tuple(tags)


def _is_scope(text: str) -> bool:
    return text not in DIRECTIVES and _SCOPE.fullmatch(text) is not None


def _parse_list(text: str, scope: str | None, *, allow_scope: bool = True) -> list[RobotsTag]:
    # (scope, directive, value pieces): a value split at its commas is joined once at the end,
    # not once per piece (which is quadratic in a 1 MB meta content of commas).
    found: list[tuple[str | None, str, list[str]]] = []
    for item in text.split(","):
        item = item.strip(_WHITESPACE)
        if not item:
            continue
        name, colon, rest = item.partition(":")
        name = name.strip(_WHITESPACE).lower()
        scoped = bool(colon) and allow_scope and _is_scope(name)
        if scoped:
            scope = name
            item = rest.strip(_WHITESPACE)
            if not item:
                continue
            name, colon, rest = item.partition(":")
            name = name.strip(_WHITESPACE).lower()
        if name in DIRECTIVES:
            value = rest.strip(_WHITESPACE) if colon else ""
            found.append((scope, name, [value] if value else []))
        elif not scoped and found and found[-1][:2] == (scope, "unavailable_after"):
            # A date with a comma ("Friday, 25-Jun-10 ...") was split: put it back together
            # (a "bot: ..." item is never part of it).
            found[-1][2].append(item)
        elif not colon and any(c in _WHITESPACE for c in item):
            # "noai noimageai": space-separated lists are a common mistake; read them when
            # every word is a directive, so the author's intent is not lost.
            words = item.lower().split()
            if all(w in DIRECTIVES and w not in _WITH_VALUE for w in words):
                found.extend((scope, w, []) for w in words)
    return [RobotsTag(scope, name, ", ".join(pieces) or None) for scope, name, pieces in found]


def robots_tag_evidence(
    tags: Iterable[RobotsTag],
    *,
    channel: str,
    agent: str,
    tokens: Mapping[str, frozenset[Purpose]],
    kind: str = "page",
    source: str,
    now: datetime | None = None,
) -> tuple[Evidence, ...]:
    """Evidence of the tags that apply to us, for an item of ``kind`` "page" or "image".

    A tag applies when unscoped, scoped to ``agent``, or scoped to a token of the AI agent
    table ``tokens`` (lower-cased token -> purposes its opt-out covers; the tag then speaks only
    for those purposes). ``channel`` ("x-robots-tag" or "meta-robots") is the signal and the
    reason family. ``unavailable_after`` denies search only when ``now`` is given and past the
    date (this module reads no clock).
    """
    if not tags:
        return ()  # most pages: no table to build
    ours = str(agent).strip(_WHITESPACE).lower()
    table = {str(token).lower(): frozenset(purposes) for token, purposes in tokens.items()}
    evidence: list[Evidence] = []
    for tag in dict.fromkeys(tags):  # a page may repeat one directive 200,000 times
        scope_purposes = _scope_purposes(tag.scope, ours, table)
        if scope_purposes is None:
            continue  # addressed to another crawler
        piece = _tag_evidence(tag, channel, kind, source, scope_purposes, now)
        if piece is not None:
            evidence.append(piece)
    return tuple(dict.fromkeys(evidence))


def page_tag_evidence(
    header_tags: Iterable[RobotsTag],
    meta_tags: Iterable[RobotsTag],
    *,
    agent: str,
    tokens: Mapping[str, frozenset[Purpose]],
    kind: str,
    sources: tuple[str, str],
    now: datetime | None = None,
) -> tuple[Evidence, ...]:
    """``robots_tag_evidence`` of a page's X-Robots-Tag and robots meta tags, read from
    ``sources`` (header, meta): for the page, or for an image the page refers to."""
    return tuple(
        piece
        for tags, channel, source in (
            (header_tags, "x-robots-tag", sources[0]),
            (meta_tags, "meta-robots", sources[1]),
        )
        for piece in robots_tag_evidence(
            tags, channel=channel, agent=agent, tokens=tokens, kind=kind, source=source, now=now
        )
    )


def _scope_purposes(
    scope: str | None, agent: str, tokens: Mapping[str, frozenset[Purpose]]
) -> frozenset[Purpose] | None:
    """None when the tag is not for us; else the purposes its scope lets it speak for."""
    if scope is None or scope == agent:
        return frozenset(Purpose)
    return tokens.get(scope)


def _tag_evidence(
    tag: RobotsTag,
    channel: str,
    kind: str,
    source: str,
    scope_purposes: frozenset[Purpose],
    now: datetime | None,
) -> Evidence | None:
    text = str(tag)
    if tag.directive == "unavailable_after":
        return _unavailable_after(tag, channel, source, scope_purposes, now)
    if tag.directive == "nofollow":
        return Evidence(channel, source, f"{text}: links not to be followed")
    denied = _DENIES.get(tag.directive)
    if denied is None:
        return None  # known directive with no bearing on consent (max-snippet, index, ...)
    if tag.directive in _IMAGE_ONLY and kind != "image":
        return Evidence(channel, source, f"{text}: applies to the images of this page")
    purposes = denied & scope_purposes
    if not purposes:
        return Evidence(channel, source, f"{text}: scope covers none of its purposes")
    return Evidence(
        signal=channel,
        source=source,
        value=text,
        effect=Effect.DENY,
        reason=reason(channel, tag.directive),
        purposes=purposes,
    )


def _unavailable_after(
    tag: RobotsTag,
    channel: str,
    source: str,
    scope_purposes: frozenset[Purpose],
    now: datetime | None,
) -> Evidence:
    text = str(tag)
    when = _parse_date(tag.value or "")
    if when is None:
        return Evidence(channel, source, f"{text}: date not understood")
    if now is None or Purpose.SEARCH not in scope_purposes:
        return Evidence(channel, source, f"{text}: search reserved after {when.isoformat()}")
    current = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    if current < when:
        return Evidence(channel, source, f"{text}: not yet passed")
    return Evidence(
        signal=channel,
        source=source,
        value=f"{text}: passed",
        effect=Effect.DENY,
        reason=reason(channel, tag.directive),
        purposes=_SEARCH,
    )


def _parse_date(text: str) -> datetime | None:
    """RFC 822/850 or ISO 8601, as Google accepts; a date without zone is taken as UTC."""
    text = text.strip(_WHITESPACE)
    if not text:
        return None
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
