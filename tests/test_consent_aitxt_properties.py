"""Properties of crawler.consent.aitxt (Spawning's /ai.txt).

1. Any body and content type give rules or a reason, never both, never an exception; rules
   always have a group, and every pattern they keep can match a path.
2. Reading is stable: the rules written back read the same; a body whose patterns all start
   with ``/`` or ``*`` reads exactly as robots.txt; ``Disallow: .jpg`` reads as ``*.jpg``.
3. Evidence: a DENY for training exactly when RobotsTxt.allowed says no.
4. Hostile inputs.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.aitxt import AI_TXT_PURPOSES, ai_txt_evidence, parse_ai_txt
from crawler.consent.model import Effect
from crawler.consent.robots import RobotsTxt, decode_robots

from . import hostile
from .strategies import (
    AITXT,
    HTML,
    QUERY_TOKENS,
    ROBOTS,
    any_text,
    model_groups,
    mutated,
    paths,
    render_robots,
    serialise_robots,
    urls,
)

SOURCE = "https://example.com/ai.txt"
content_types = st.one_of(
    st.none(),
    st.sampled_from(
        (
            "text/plain",
            "text/plain; charset=utf-8",
            "TEXT/PLAIN ;x=y",
            "text/html",
            "application/octet-stream",
            "",
            ";",
        )
    ),
    any_text,
)
bodies = st.one_of(
    mutated(AITXT),
    mutated(ROBOTS, max_mutations=2),
    mutated(HTML[:4], max_mutations=1),
    model_groups().flatmap(render_robots).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
)


@given(bodies, content_types)
@example(b"User-agent: *\nDisallow: .jpg\n", None)
@example(b"\xef\xbb\xbf   <html>", "text/plain")
@example(b"User-agent: *\x00", "text/plain")
def test_any_body_is_rules_or_a_reason(body: bytes, content_type: str | None) -> None:
    rules, why = parse_ai_txt(body, content_type)
    assert (rules is None) != (why is None)
    if rules is None:
        assert why
        return
    assert rules.groups
    for group in rules.groups:
        assert all(not r.pattern or r.pattern.startswith(("/", "*")) for r in group.rules)


@given(bodies)
def test_rules_read_back_the_same(body: bytes) -> None:
    rules, _ = parse_ai_txt(body, "text/plain")
    if rules is None:
        return
    again, why = parse_ai_txt(serialise_robots(rules).encode("utf-8", "surrogatepass"), None)
    assert why is None and again is not None
    assert serialise_robots(again) == serialise_robots(rules)


@given(model_groups().flatmap(render_robots))
def test_robots_style_patterns_read_as_robots_txt(text: str) -> None:
    rules, _ = parse_ai_txt(text.encode("utf-8", "surrogatepass"), None)
    robots = RobotsTxt.parse(decode_robots(text.encode("utf-8", "surrogatepass")))
    if rules is not None:  # model patterns start with "/" or "*" (or are empty)
        assert rules.groups == robots.groups


@given(st.sampled_from((".jpg", ".png$", "private", "a*b")), paths(), st.sampled_from(QUERY_TOKENS))
def test_a_bare_pattern_reads_as_a_wildcard(pattern: str, path: str, agent: str) -> None:
    rules, _ = parse_ai_txt(f"User-agent: *\nDisallow: {pattern}\n".encode(), None)
    starred = RobotsTxt.parse(f"User-agent: *\nDisallow: *{pattern}\n")
    assert rules is not None
    assert rules.allowed(path, agent).allowed == starred.allowed(path, agent).allowed


@given(bodies, st.sampled_from(QUERY_TOKENS), urls)
def test_evidence_denies_training_exactly_when_disallowed(
    body: bytes, agent: str, url: str
) -> None:
    rules, _ = parse_ai_txt(body, None)
    if rules is None:
        return
    (piece,) = ai_txt_evidence(rules, url, agent, source=SOURCE)
    verdict = rules.allowed(url, agent)
    if verdict.allowed:
        assert piece.effect is Effect.INFO
    else:
        assert piece.effect is Effect.DENY and piece.purposes == AI_TXT_PURPOSES
        assert piece.reason == "ai-txt-disallow" and piece.line == verdict.rule.line  # type: ignore[union-attr]


def test_hostile_bodies() -> None:
    reasons = {
        name: parse_ai_txt(build(), "text/plain")[1] for name, build in hostile.INPUTS.items()
    }
    assert reasons == {
        "1 MB of *": "no User-Agent group: not robots-style ai.txt",
        "1 MB line": "no User-Agent group: not robots-style ai.txt",
        "100k lines": None,
        "deep JSON": "no User-Agent group: not robots-style ai.txt",
        "deep XML": "looks like HTML",
        "billion laughs": "looks like HTML",
        "10k /*a*a* rules": None,
    }
    rules, _ = parse_ai_txt(hostile.star_rules(), None)
    assert rules is not None and rules.allowed(hostile.STAR_PATH_MISS, "x").allowed
    (deny,) = ai_txt_evidence(rules, hostile.STAR_PATH_HIT, "x", source=SOURCE)
    assert deny.effect is Effect.DENY
