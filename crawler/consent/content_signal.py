"""Cloudflare Content Signals in robots.txt (SIGNALS.md section 2).

``Content-Signal: search=yes, ai-train=no`` inside a group. Which group applies is not
specified; we use RFC 9309 group choice for our own token (``RobotsTxt.groups_for``: our named
groups merged, else the ``*`` groups), so a signal addressed to ``*`` does not bind us when the
site wrote a group for us (vector 2, inference).

Reading a line:

* comma-separated ``key=value``; keys and values case-insensitive, whitespace around them
  ignored; items without ``=``, unknown keys and values other than yes/no are ignored, so a
  missing key neither grants nor restricts;
* ``search`` -> search, ``ai-input`` -> ai-input, ``ai-train`` -> both training purposes (the
  policy has no generative split); ``no`` is a DENY (reason ``content-signal:<key>=no``),
  ``yes`` an explicit grant (ALLOW, which opt-in jobs accept as permission);
* ``use=immediate|reference|full`` (2026 extension) is recorded as INFO: it limits what may be
  stored, which the decision does not model yet;
* an optional leading path (``Content-Signal: /blog/ ai-train=no``, unconfirmed; vector 6) limits
  the line to URLs that path matches, with robots.txt pattern rules (``*``, ``$``, percent
  normalisation); a line without one applies everywhere, like a path of ``/``. For each key the
  longest matching path wins; equally long ones combine most restrictively (a duplicated key
  within one line too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .memo import EvidenceMemo
from .model import Effect, Evidence, Purpose, reason
from .patterns import PathPattern, Rule, match_path
from .robots import Line, RobotsTxt
from .text import clip

__all__ = ["FIELD", "KEYS", "SIGNAL", "content_signals"]

SIGNAL: Final = "content-signal"
FIELD: Final = "content-signal"  # robots.Line.field is lower-cased

#: The keys that decide, and the purposes each one speaks for.
KEYS: Final = {
    "search": frozenset({Purpose.SEARCH}),
    "ai-input": frozenset({Purpose.AI_INPUT}),
    "ai-train": frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI}),
}
_USE: Final = "use"
#: ``use`` values, most restrictive first.
_USE_ORDER: Final = ("immediate", "reference", "full")
_VALUES: Final = ("no", "yes")  # most restrictive first
_WHITESPACE: Final = " \t\v\f"


@dataclass(frozen=True, slots=True)
class _Pref:
    length: int  # octets of the line's path pattern: its priority
    line: Line
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class _Entry:
    matcher: PathPattern | None  # None: the line applies everywhere
    length: int
    line: Line
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ContentSignals:
    """The Content-Signal lines of one robots.txt that bind one agent, compiled once (per
    origin) so that each URL only matches their paths. Build with :meth:`of`."""

    entries: tuple[_Entry, ...]
    # The evidence of each combination of matching lines: URLs repeat a handful of outcomes.
    _memo: EvidenceMemo = field(default_factory=EvidenceMemo, init=False, compare=False, repr=False)

    @classmethod
    def of(cls, robots: RobotsTxt, agent: str) -> ContentSignals:
        entries = []
        for group in robots.groups_for(agent):
            for line in group.lines:
                if line.field != FIELD:
                    continue
                pattern, items = _split(line.value)
                if not items:
                    continue
                if pattern is None:  # no path: applies everywhere, like "/"
                    entries.append(_Entry(None, 1, line, tuple(items)))
                else:
                    matcher = PathPattern.compile(Rule(line.line, False, pattern))
                    entries.append(_Entry(matcher, matcher.length, line, tuple(items)))
        return cls(tuple(entries))

    def evidence(
        self, url: str, *, source: str, document_sha256: str | None = None
    ) -> tuple[Evidence, ...]:
        """Evidence of the lines that apply to ``url``."""
        if not self.entries:
            return ()
        path: str | None = None  # computed once, and only if some line has a path
        matching: list[int] = []
        for index, entry in enumerate(self.entries):
            if entry.matcher is not None:
                if path is None:
                    path = match_path(url)
                if not entry.matcher.matches(path):
                    continue
            matching.append(index)
        return self._memo.get(
            (tuple(matching), source, document_sha256),
            lambda: self._evidence(matching, source, document_sha256),
        )

    def _evidence(
        self, matching: list[int], source: str, document_sha256: str | None
    ) -> tuple[Evidence, ...]:
        best: dict[str, list[_Pref]] = {}
        for index in matching:
            entry = self.entries[index]
            for key, value in entry.items:
                _keep(best, _Pref(entry.length, entry.line, key, value))
        evidence: list[Evidence] = []
        for key, prefs in best.items():
            order = _USE_ORDER if key == _USE else _VALUES
            chosen = min(prefs, key=lambda p: (order.index(p.value), p.line.line))
            evidence.append(_evidence(chosen, source, document_sha256))
        evidence.sort(key=lambda e: (e.line or 0, e.reason or ""))
        return tuple(evidence)


def content_signals(
    robots: RobotsTxt,
    url: str,
    agent: str,
    *,
    source: str,
    document_sha256: str | None = None,
) -> tuple[Evidence, ...]:
    """Evidence of the Content-Signal lines that apply to ``url`` for our token ``agent``."""
    return ContentSignals.of(robots, agent).evidence(
        url, source=source, document_sha256=document_sha256
    )


def _keep(best: dict[str, list[_Pref]], pref: _Pref) -> None:
    """Keep only the prefs of the longest matching path for each key."""
    held = best.get(pref.key)
    if held is None or pref.length > held[0].length:
        best[pref.key] = [pref]
    elif pref.length == held[0].length:
        held.append(pref)


def _split(value: str) -> tuple[str | None, list[tuple[str, str]]]:
    """(path pattern or None, recognised (key, value) items) of one line's value."""
    text = value.strip(_WHITESPACE)
    pattern: str | None = None
    if text.startswith(("/", "*")):  # no key starts so: a path comes first
        cut = next((i for i, c in enumerate(text) if c in _WHITESPACE), len(text))
        pattern, text = text[:cut], text[cut:]
    items: list[tuple[str, str]] = []
    for item in text.split(","):
        key, sep, val = item.partition("=")
        if not sep:
            continue
        key = key.strip(_WHITESPACE).lower()
        val = val.strip(_WHITESPACE).lower()
        if (key in KEYS and val in _VALUES) or (key == _USE and val in _USE_ORDER):
            items.append((key, val))
    return pattern, items


def _evidence(pref: _Pref, source: str, document_sha256: str | None) -> Evidence:
    text = clip(f"Content-Signal: {pref.line.value}")
    if pref.key == _USE:
        # What may be kept, not whether to collect: recorded for the audit trail only.
        return Evidence(SIGNAL, source, text, Effect.INFO, None, document_sha256, pref.line.line)
    deny = pref.value == "no"
    return Evidence(
        signal=SIGNAL,
        source=source,
        value=text,
        effect=Effect.DENY if deny else Effect.ALLOW,
        reason=reason(SIGNAL, f"{pref.key}=no") if deny else None,
        document_sha256=document_sha256,
        line=pref.line.line,
        purposes=KEYS[pref.key],
    )
