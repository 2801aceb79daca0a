"""Properties of crawler.consent.content_usage (IETF AIPREF Content-Usage, header and robots.txt).

1. Any text is preferences or an error message, never an exception; short (remembered) and
   long values read alike.
2. parse(serialise(x)) == x: preferences serialised as an RFC 9651 Dictionary read back as
   written (other keys and parameters ignored, a repeated key: the last one).
3. Header evidence: one piece per key, or one INFO for a malformed value; field lines combine.
4. robots.txt rules: written and read back; the longest path decides; line order does not
   matter; one compiled ContentUsageRules answers like a fresh one per URL.
5. Hostile inputs.
"""

from __future__ import annotations

import http_sf
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.content_usage import (
    KEYS,
    ContentUsageRules,
    content_usage_header,
    content_usage_robots,
    parse_preferences,
)
from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.robots import RobotsTxt, decode_robots

from . import hostile
from .strategies import (
    QUERY_TOKENS,
    ROBOTS,
    any_text,
    matching,
    model_groups,
    mutated,
    patterns,
    render_robots,
    urls,
)

SOURCE = "https://example.com/"
_OTHER_KEYS = ("bots", "all", "train-genai", "search-x", "ai")

member_values = st.one_of(
    st.sampled_from(("y", "n")).map(http_sf.Token),
    st.sampled_from(("n", "y", "no")).map(str),  # Strings: unknown
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(("maybe", "yes")).map(http_sf.Token),
)
parameters = st.dictionaries(st.sampled_from(("a", "exp", "q")), st.integers(0, 9), max_size=2)


def _ser(members: dict[str, tuple[object, object]]) -> str:
    return http_sf.ser(members) if members else ""  # http_sf refuses to write an empty field


dictionaries = st.dictionaries(
    st.sampled_from((*KEYS, *_OTHER_KEYS)), st.tuples(member_values, parameters), max_size=6
)
texts = st.one_of(
    dictionaries.map(_ser),
    st.lists(st.sampled_from((*KEYS, "Train-AI", "x")), max_size=4).map(", ".join),
    st.sampled_from(("train-ai=n,", "train-ai=n;", "train-ai=?1", 'search="n"', "=n", "")),
    any_text,
)
usage_lines = st.tuples(
    st.just("Content-Usage"),
    st.builds(lambda p, t: f"{p} {t}" if p else t, st.none() | patterns(), texts),
)


def _expected(members: dict[str, tuple[object, object]]) -> dict[str, bool]:
    """What the vocabulary makes of a Dictionary: Tokens y/n of the decisive keys."""
    found = {}
    for key in KEYS:
        value = members.get(key, (None,))[0]
        if isinstance(value, http_sf.Token) and str(value) in ("y", "n"):
            found[key] = str(value) == "y"
    return found


def _outcomes(evidence: tuple[Evidence, ...]) -> set[tuple[Effect, str | None, frozenset[Purpose]]]:
    return {(e.effect, e.reason, e.purposes) for e in evidence}


def _as_evidence(prefs: dict[str, bool]) -> set[tuple[Effect, str | None, frozenset[Purpose]]]:
    return {
        (Effect.ALLOW if v else Effect.DENY, None if v else f"content-usage:{k}=n", KEYS[k])
        for k, v in prefs.items()
    }


# --------------------------------------------------------------------------
# 1-2. Parsing
# --------------------------------------------------------------------------


@given(texts)
@example("Train-AI=n")
@example("train-ai=n, train-ai=y")
@example("\udcff")
def test_text_is_preferences_or_an_error(text: str) -> None:
    prefs = parse_preferences(text)
    if isinstance(prefs, str):
        assert prefs, "an error says what is wrong"
    else:
        assert set(prefs) <= set(KEYS) and all(isinstance(v, bool) for v in prefs.values())
    padded = parse_preferences(text + " " * 600)  # over the remembered length
    assert isinstance(padded, str) == isinstance(prefs, str)
    if not isinstance(prefs, str):
        assert padded == prefs


@given(dictionaries)
@example({"train-ai": (http_sf.Token("n"), {}), "bots": (http_sf.Token("y"), {})})
@example({"search": ("n", {}), "ai-use": (True, {"a": 1})})
def test_serialised_preferences_read_back(members: dict[str, tuple[object, object]]) -> None:
    assert parse_preferences(_ser(members)) == _expected(members)


@given(st.lists(st.tuples(st.sampled_from(sorted(KEYS)), st.sampled_from("yn")), max_size=6))
def test_a_repeated_key_the_last_one_wins(items: list[tuple[str, str]]) -> None:
    text = ", ".join(f"{key}={value}" for key, value in items)
    assert parse_preferences(text) == {key: value == "y" for key, value in items}


# --------------------------------------------------------------------------
# 3. Header evidence
# --------------------------------------------------------------------------


@given(st.lists(texts | st.binary(max_size=40), max_size=3))
def test_header_evidence_is_one_piece_per_key_or_one_info(lines: list[str | bytes]) -> None:
    evidence = content_usage_header(lines, source=SOURCE)
    decoded = [x.decode("latin-1") if isinstance(x, bytes) else x for x in lines]
    text = ", ".join(v for v in decoded if v.strip(" \t"))  # RFC 9110 field lines, OWS-blank
    assert content_usage_header(text, source=SOURCE) == evidence
    prefs = parse_preferences(text)
    if not text.strip(" \t"):
        assert evidence == ()
    elif isinstance(prefs, str):
        (info,) = evidence
        assert info.effect is Effect.INFO and info.value.startswith("malformed, ignored")
    else:
        assert _outcomes(evidence) == _as_evidence(prefs)
    assert all(len(e.value) <= 300 for e in evidence)


# --------------------------------------------------------------------------
# 4. robots.txt rules
# --------------------------------------------------------------------------

robots_texts = st.one_of(
    mutated(ROBOTS).map(decode_robots),
    model_groups(usage_lines).flatmap(render_robots),
)


@given(robots_texts, st.sampled_from(QUERY_TOKENS), st.lists(urls, min_size=1, max_size=4))
def test_rules_decide_from_our_groups(text: str, agent: str, targets: list[str]) -> None:
    robots = RobotsTxt.parse(text)
    rules = ContentUsageRules.of(robots, agent)
    ours = {
        line.line
        for group in robots.groups_for(agent)
        for line in group.lines
        if line.field == "content-usage"
    }
    for url in targets:
        evidence = rules.evidence(url, source=SOURCE)
        assert evidence == content_usage_robots(robots, url, agent, source=SOURCE)
        deciding = [e for e in evidence if e.effect is not Effect.INFO]
        assert len({e.purposes for e in deciding}) == len(deciding), "one piece per key"
        assert all(e.line in ours for e in evidence)


@st.composite
def _rule_cases(draw: st.DrawFn) -> tuple[str, dict[str, tuple[object, object]], str]:
    path = draw(patterns().filter(lambda p: p.startswith("/")))
    members = draw(dictionaries)
    return path, members, draw(matching(path))


@given(_rule_cases())
@example(("/blog/", {"train-ai": (http_sf.Token("n"), {})}, "/blog/post"))
def test_robots_rules_read_back(case: tuple[str, dict[str, tuple[object, object]], str]) -> None:
    path, members, url = case
    line = _ser(members)
    text = f"User-agent: *\nContent-Usage: {path} {line}\nContent-Usage: /none$ search=n\n"
    evidence = content_usage_robots(RobotsTxt.parse(text), url, "x", source=SOURCE)
    if not line:
        (info,) = evidence  # a rule needs preferences after its path
        assert info.effect is Effect.INFO
    else:
        assert _outcomes(evidence) == _as_evidence(_expected(members))


@given(st.data(), st.lists(usage_lines.map(lambda fv: fv[1]), max_size=5), urls)
def test_line_order_does_not_matter(data: st.DataObject, values: list[str], url: str) -> None:
    def outcomes(lines: list[str]) -> set[tuple[Effect, str | None, frozenset[Purpose]]]:
        text = "User-agent: *\n" + "".join(f"Content-Usage: {v}\n" for v in lines)
        evidence = content_usage_robots(RobotsTxt.parse(text), url, "x", source=SOURCE)
        return _outcomes(tuple(e for e in evidence if e.effect is not Effect.INFO))

    assert outcomes(data.draw(st.permutations(values))) == outcomes(values)


@given(st.lists(st.tuples(patterns().filter(bool), texts), min_size=1, max_size=4), urls)
def test_the_longest_matching_path_decides(rules: list[tuple[str, str]], url: str) -> None:
    text = "User-agent: *\n" + "".join(f"Content-Usage: {p} {t}\n" for p, t in rules)
    robots = RobotsTxt.parse(text)
    evidence = content_usage_robots(robots, url, "x", source=SOURCE)
    deciding = [e for e in evidence if e.effect is not Effect.INFO]
    if not deciding:
        return
    lines = {e.line for e in deciding}
    (group,) = robots.groups
    lengths = {len(line.value.split()[0]) for line in group.lines if line.line in lines}
    assert len(lengths) == 1, "only rules of one (the longest) length decide"


# --------------------------------------------------------------------------
# 5. Hostile inputs
# --------------------------------------------------------------------------


def test_hostile_header_values() -> None:
    many = ", ".join(f"k{i}=y" for i in range(hostile.MB // 8)) + ", train-ai=n"
    assert parse_preferences(many) == {"train-ai": False}
    assert parse_preferences(hostile.stars().decode()) == {}  # "*" starts a key: one bare key
    for value in (hostile.commas(), "train-ai=" + "n" * hostile.MB + "?", "a=(" * hostile.MB):
        assert isinstance(parse_preferences(value), str)
        (info,) = content_usage_header(value, source=SOURCE)
        assert info.effect is Effect.INFO and len(info.value) <= 300


def test_many_rules_compile_once() -> None:
    count = hostile.LINES // 5
    text = "User-agent: *\n" + "".join(f"Content-Usage: /p{i}/ train-ai=n\n" for i in range(count))
    rules = ContentUsageRules.of(RobotsTxt.parse(text, max_bytes=len(text)), "x")
    assert len(rules.rules) == count
    (deny,) = rules.evidence("/p4999/x", source=SOURCE)
    assert deny.effect is Effect.DENY and deny.line == 4999 + 2
    assert rules.evidence("/q", source=SOURCE) == ()
