"""IETF AIPREF usage preferences: the ``Content-Usage`` header and robots.txt rule
(SIGNALS.md section 3; vocabulary -08, attachment -05).

Vocabulary -08, as read here:

* an RFC 9651 Dictionary; keys are case-sensitive, so ``Train-AI=n`` is a parse failure and the
  whole expression is unknown (as is a trailing comma or any other syntax error);
* ``train-ai`` -> train-genai only (-08 narrowed it to generative models: nothing is said about
  non-generative training), ``ai-use`` -> ai-input, ``search`` -> search; other keys (legacy
  ``bots``, ``all``, ``train-genai``, ...) and parameters are ignored;
* a value is the Token ``y`` (ALLOW, an explicit grant) or ``n`` (DENY, reason
  ``content-usage:<key>=n``); anything else (a bare key, which is boolean true, the String
  ``"n"``, ``no``) is unknown; a duplicated key: the last one wins.

A malformed expression yields one INFO piece of evidence that says what was wrong, so the
catalog shows why a site's preference was not honoured either way.

robots.txt (attach-05): ``Content-Usage: [/path SP] prefs`` in the groups RFC 9309 selects for
our token. A rule without a path applies to ``/``. The rule with the longest matching path
(octets, robots.txt pattern rules) gives the preferences, per rule rather than per key: keys it
leaves out are unknown, not inherited from a shorter path. Rules with equally long paths
combine most restrictively (unlike Allow/Disallow ties). Whether the URL may be fetched at all
is the robots gate's business: preferences are returned for disallowed paths too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import http_sf

from .memo import EvidenceMemo
from .model import Effect, Evidence, Purpose, reason
from .patterns import PathPattern, Rule, match_path
from .robots import Line, RobotsTxt
from .text import clip

__all__ = [
    "FIELD",
    "KEYS",
    "SIGNAL",
    "content_usage_header",
    "content_usage_robots",
    "parse_preferences",
]

SIGNAL: Final = "content-usage"
FIELD: Final = "content-usage"  # robots.Line.field is lower-cased

#: The -08 keys that decide, and the purposes each one speaks for.
KEYS: Final = {
    "train-ai": frozenset({Purpose.TRAIN_GENAI}),
    "ai-use": frozenset({Purpose.AI_INPUT}),
    "search": frozenset({Purpose.SEARCH}),
}
_WHITESPACE: Final = " \t"  # attach-05: the path ends at SP or HTAB
_CACHEABLE: Final = 512  # longest value whose parse is remembered


def parse_preferences(text: str) -> dict[str, bool] | str:
    """``{key: True for y / False for n}`` for the decisive keys, or the parse error message."""
    # The same few values come back on every page of a site: remember short ones.
    parsed = _parse_cached(text) if len(text) <= _CACHEABLE else _parse(text)
    return parsed if isinstance(parsed, str) else dict(parsed)


def _parse(text: str) -> tuple[tuple[str, bool], ...] | str:
    try:
        parsed = http_sf.parse(text.encode("utf-8", errors="replace"), tltype="dictionary")
    except Exception as exc:  # noqa: BLE001 - hostile input into a third-party parser
        # Any failure is a malformed expression, which the vocabulary makes "all unknown".
        return str(exc) or type(exc).__name__
    if not isinstance(parsed, dict):  # cannot happen with tltype="dictionary"; stay total
        return "not a dictionary"
    prefs: list[tuple[str, bool]] = []
    for key in KEYS:
        member = parsed.get(key)
        if member is None:
            continue
        value = member[0] if isinstance(member, tuple) else member
        # Only the Tokens y and n count; String "n", boolean true (bare key) etc. are unknown.
        if isinstance(value, http_sf.Token) and str(value) in ("y", "n"):
            prefs.append((key, str(value) == "y"))
    return tuple(prefs)


_parse_cached = functools.lru_cache(maxsize=1024)(_parse)


def content_usage_header(
    value: str | bytes | Iterable[str | bytes], *, source: str
) -> tuple[Evidence, ...]:
    """Evidence of a response's ``Content-Usage`` field (one value, or its field lines)."""
    text = _combine(value)
    if not text.strip(_WHITESPACE):
        return ()
    shown = clip(f"Content-Usage: {text}")
    prefs = parse_preferences(text)
    if isinstance(prefs, str):
        return (_malformed(shown, prefs, source, None, None),)
    return _evidence(((k, v, None, shown) for k, v in prefs.items()), source, None)


@dataclass(frozen=True, slots=True)
class _Rule:
    matcher: PathPattern
    line: Line
    shown: str
    prefs: dict[str, bool] | str  # the preferences, or why the line is malformed


@dataclass(frozen=True, slots=True)
class ContentUsageRules:
    """The Content-Usage rules of one robots.txt that bind one agent, parsed and compiled once
    (per origin) so that each URL only matches their paths. Build with :meth:`of`."""

    rules: tuple[_Rule, ...]
    # The evidence of each combination of matching rules: URLs repeat a handful of outcomes.
    _memo: EvidenceMemo = field(default_factory=EvidenceMemo, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, robots: RobotsTxt, agent: str) -> ContentUsageRules:
        rules = []
        for group in robots.groups_for(agent):
            for line in group.lines:
                if line.field != FIELD:
                    continue
                pattern, prefs_text = _split(line.value)
                matcher = PathPattern.compile(Rule(line.line, False, pattern))
                # The rule's grammar needs preferences after the path; an empty one is not "none".
                prefs = parse_preferences(prefs_text) if prefs_text else "no preferences"
                rules.append(_Rule(matcher, line, clip(f"Content-Usage: {line.value}"), prefs))
        return cls(tuple(rules))

    def evidence(
        self, url: str, *, source: str, document_sha256: str | None = None
    ) -> tuple[Evidence, ...]:
        """Evidence of the rules that apply to ``url``: the longest matching path decides."""
        if not self.rules:
            return ()
        path = match_path(url)
        matching = tuple(i for i, rule in enumerate(self.rules) if rule.matcher.matches(path))
        return self._memo.get(
            (matching, source, document_sha256),
            lambda: self._evidence(matching, source, document_sha256),
        )

    def _evidence(
        self, matching: tuple[int, ...], source: str, document_sha256: str | None
    ) -> tuple[Evidence, ...]:
        best_length = -1
        winners: list[_Rule] = []
        malformed: list[Evidence] = []
        for rule in (self.rules[i] for i in matching):
            if isinstance(rule.prefs, str):
                # The line is ignored, but say so: it applied to this URL.
                malformed.append(
                    _malformed(rule.shown, rule.prefs, source, document_sha256, rule.line.line)
                )
                continue
            if rule.matcher.length > best_length:
                best_length, winners = rule.matcher.length, [rule]
            elif rule.matcher.length == best_length:
                winners.append(rule)
        found = _evidence(
            (
                (key, allow, rule.line.line, rule.shown)
                for rule in winners
                if isinstance(rule.prefs, dict)
                for key, allow in rule.prefs.items()
            ),
            source,
            document_sha256,
        )
        return found + tuple(malformed)


def content_usage_robots(
    robots: RobotsTxt,
    url: str,
    agent: str,
    *,
    source: str,
    document_sha256: str | None = None,
) -> tuple[Evidence, ...]:
    """Evidence of the robots.txt Content-Usage rules that apply to ``url`` for ``agent``."""
    return ContentUsageRules.of(robots, agent).evidence(
        url, source=source, document_sha256=document_sha256
    )


def _combine(value: str | bytes | Iterable[str | bytes]) -> str:
    """One field value from a value or its field lines (RFC 9110 section 5.3)."""
    if isinstance(value, str | bytes):
        value = [value]
    # Header bytes are ISO-8859-1 at worst; anything non-ASCII fails the SF parse anyway.
    lines = [v.decode("latin-1") if isinstance(v, bytes) else v for v in value]
    return ", ".join(v for v in lines if v.strip(_WHITESPACE))


def _split(value: str) -> tuple[str, str]:
    """(path pattern, preference text) of a robots.txt rule value; no path means "/"."""
    if not value.startswith("/"):
        return "/", value
    cut = next((i for i, c in enumerate(value) if c in _WHITESPACE), len(value))
    return value[:cut], value[cut:].lstrip(_WHITESPACE)


def _evidence(
    prefs: Iterable[tuple[str, bool, int | None, str]],
    source: str,
    document_sha256: str | None,
) -> tuple[Evidence, ...]:
    """One piece per key: the first ``n`` if any (most restrictive), else the first ``y``."""
    chosen: dict[str, tuple[bool, int | None, str]] = {}
    for key, allow, line, shown in prefs:
        held = chosen.get(key)
        if held is None or (held[0] and not allow):
            chosen[key] = (allow, line, shown)
    return tuple(
        Evidence(
            signal=SIGNAL,
            source=source,
            value=shown,
            effect=Effect.ALLOW if allow else Effect.DENY,
            reason=None if allow else reason(SIGNAL, f"{key}=n"),
            document_sha256=document_sha256,
            line=line,
            purposes=KEYS[key],
        )
        for key, (allow, line, shown) in _ordered(chosen)
    )


def _ordered(
    chosen: Mapping[str, tuple[bool, int | None, str]],
) -> list[tuple[str, tuple[bool, int | None, str]]]:
    return sorted(chosen.items(), key=lambda kv: (kv[1][1] or 0, list(KEYS).index(kv[0])))


def _malformed(
    shown: str, error: str, source: str, document_sha256: str | None, line: int | None
) -> Evidence:
    return Evidence(
        signal=SIGNAL,
        source=source,
        value=clip(f"malformed, ignored ({error}): {shown}"),
        effect=Effect.INFO,
        document_sha256=document_sha256,
        line=line,
    )
