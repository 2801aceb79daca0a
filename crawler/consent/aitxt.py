"""Spawning's /ai.txt: may media from this host be used to train AI models (SIGNALS.md section 6).

Pure: body and content type in, a RobotsTxt and Evidence out; never raises.

There is no formal spec. The file uses robots.txt grammar, mostly with file-extension wildcards
(``Disallow: *.jpg``), so it is parsed by our RFC 9309 reader and matched with RFC 9309 rules
(our assumption; the matching is unspecified). It speaks for training only: it is silent on
search and on AI input. Other files share the name (aitxt.ing Markdown, llms.txt-style
profiles), so a body is read only when it is plain text that actually has robots-style groups.

``Disallow: *.jpg`` needs no help: RFC 9309 matching reads ``*`` as any sequence from the start
of the path, so it matches ``/a.jpg``, ``/dir/a.jpg`` and ``/a.jpg?w=1``. A pattern that starts
with neither ``/`` nor ``*`` (``Disallow: .jpg``) can never match a path under RFC 9309; in an
ai.txt it can only mean "ends in / contains this", so it is read as ``*`` + pattern.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from .model import Effect, Evidence, Purpose, reason
from .robots import Group, RobotsTxt, decode_robots

__all__ = ["AI_TXT_PURPOSES", "SIGNAL", "ai_txt_evidence", "parse_ai_txt"]

SIGNAL: Final = "ai.txt"
#: Reason family of a disallow (in model.RESERVATION_FAMILIES).
DISALLOW: Final = "ai-txt-disallow"
AI_TXT_PURPOSES: Final = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI})

_SNIFF_BYTES: Final = 4096  # enough of the head to recognise an HTML page or a binary


def parse_ai_txt(body: bytes, content_type: str | None) -> tuple[RobotsTxt | None, str | None]:
    """(rules, None), or (None, why the response is not an ai.txt to follow)."""
    try:
        data = bytes(body)
    except (TypeError, ValueError):
        return None, f"body is not bytes ({type(body).__name__})"
    media_type = _media_type(content_type)
    if media_type is not None and media_type != "text/plain":
        return None, f"served as {media_type}, not text/plain"
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head:
        return None, "binary content (NUL bytes)"
    # An HTML error or catch-all page is also served as text/plain by some hosts.
    content = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\f\v")
    if not content:
        return None, "empty"
    if content.startswith(b"<") or b"<html" in head.lower():
        return None, "looks like HTML"
    try:
        rules = RobotsTxt.parse(decode_robots(data))
    except (TypeError, ValueError):
        return None, "unreadable"
    if not rules.groups:
        return None, "no User-Agent group: not robots-style ai.txt"
    return _with_spawning_patterns(rules), None


def _media_type(content_type: str | None) -> str | None:
    if content_type is None:
        return None
    media = str(content_type).split(";", 1)[0].strip().lower()
    return media or None


def _with_spawning_patterns(rules: RobotsTxt) -> RobotsTxt:
    """Read a pattern that starts with neither "/" nor "*" as "*" + pattern (module doc)."""

    def fix(group: Group) -> Group:
        fixed = tuple(
            replace(rule, pattern="*" + rule.pattern)
            if rule.pattern and not rule.pattern.startswith(("/", "*"))
            else rule
            for rule in group.rules
        )
        return group if fixed == group.rules else replace(group, rules=fixed)

    groups = tuple(fix(group) for group in rules.groups)
    if groups == rules.groups:
        return rules
    return RobotsTxt(groups, rules.lines, rules.sitemaps, rules.truncated)


def ai_txt_evidence(
    aitxt: RobotsTxt,
    url: str,
    agent: str,
    *,
    source: str,
    document_sha256: str | None = None,
) -> tuple[Evidence, ...]:
    """Evidence for ``url`` under the rules for ``agent`` (falling back to ``*``)."""
    try:
        verdict = aitxt.allowed(url, agent)
    except (TypeError, ValueError, AttributeError):
        return (
            Evidence(SIGNAL, source, f"could not match {url!r}", document_sha256=document_sha256),
        )
    group = verdict.matched_token or "no group"
    rule = verdict.rule
    if rule is None:
        text = "no rule matches" if verdict.matched_token else "no group for our agent or *"
        return (Evidence(SIGNAL, source, f"{text} ({group})", document_sha256=document_sha256),)
    text = f"{rule.text} (group {group})"
    if rule.allow:
        return (Evidence(SIGNAL, source, text, document_sha256=document_sha256, line=rule.line),)
    return (
        Evidence(
            signal=SIGNAL,
            source=source,
            value=text,
            effect=Effect.DENY,
            reason=reason(DISALLOW),
            document_sha256=document_sha256,
            line=rule.line,
            purposes=AI_TXT_PURPOSES,
        ),
    )
