"""Properties of crawler.consent.content_signal (Cloudflare Content Signals in robots.txt).

1. Any robots.txt gives at most one piece of evidence per key, from a Content-Signal line of
   the groups that bind us; one compiled ContentSignals answers like a fresh one per URL.
2. parse(serialise(x)) == x: signals written in any spelling read back as written.
3. Adding ``key=no`` never lifts a DENY of that key nor grants it; the order of lines does not
   matter.
4. Hostile inputs.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.content_signal import KEYS, ContentSignals, content_signals
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

SOURCE = "https://example.com/robots.txt"
_USE = ("immediate", "reference", "full")

item = st.tuples(
    st.sampled_from(("search", "ai-input", "ai-train", "use", "AI-Train", "ai_train", "x")),
    st.sampled_from(("yes", "no", "YES", "No", "maybe", "", *_USE)),
).map(lambda kv: f"{kv[0]}={kv[1]}")
line_values = st.one_of(
    st.builds(
        lambda path, items: (f"{path} " if path else "") + ", ".join(items),
        st.none() | patterns(),
        st.lists(item | st.sampled_from(("noequals", "", "=", "a=b=c")), max_size=4),
    ),
    any_text,
)
signal_lines = st.tuples(st.just("Content-Signal"), line_values)
robots_texts = st.one_of(
    mutated(ROBOTS).map(decode_robots),
    model_groups(signal_lines).flatmap(render_robots),
)


def _outcomes(evidence: tuple[Evidence, ...]) -> set[tuple[Effect, str | None, frozenset[Purpose]]]:
    return {(e.effect, e.reason, e.purposes) for e in evidence}


def _key(piece: Evidence) -> str:
    """Which key a piece of evidence is about (``use`` is the INFO one)."""
    if piece.effect is Effect.INFO:
        return "use"
    return next(k for k, purposes in KEYS.items() if purposes == piece.purposes)


# --------------------------------------------------------------------------
# 1. Any robots.txt
# --------------------------------------------------------------------------


@given(robots_texts, st.sampled_from(QUERY_TOKENS), st.lists(urls, min_size=1, max_size=4))
@example("User-agent: *\nContent-Signal: ai-train=no, ai-train=yes, use=full\n", "x", ["/"])
def test_one_piece_per_key_from_our_groups(text: str, agent: str, targets: list[str]) -> None:
    robots = RobotsTxt.parse(text)
    signals = ContentSignals.of(robots, agent)
    ours = {
        line.line: line.value
        for group in robots.groups_for(agent)
        for line in group.lines
        if line.field == "content-signal"
    }
    for url in targets:
        evidence = signals.evidence(url, source=SOURCE)
        assert evidence == content_signals(robots, url, agent, source=SOURCE)
        keys = [_key(piece) for piece in evidence]
        assert len(keys) == len(set(keys))
        for piece in evidence:
            assert piece.line in ours and piece.source == SOURCE
            assert (piece.effect is Effect.DENY) == (piece.reason is not None)


# --------------------------------------------------------------------------
# 2. Written and read back
# --------------------------------------------------------------------------

_spell = st.sampled_from((str, str.upper, str.title))
_space = st.sampled_from(("", " ", "\t", "  "))


@st.composite
def _written(draw: st.DrawFn, signals: dict[str, str]) -> str:
    """``signals`` as one Content-Signal value, in any spelling, with junk items among them."""
    items = [
        f"{draw(_space)}{draw(_spell)(key)}{draw(_space)}={draw(_space)}{draw(_spell)(value)}"
        for key, value in signals.items()
    ]
    items += draw(st.lists(st.sampled_from(("x=y", "noequals", "", "ai-train=maybe")), max_size=2))
    return ",".join(draw(st.permutations(items)))


_Case = tuple[dict[str, str], str | None, str | None, str, str]


@st.composite
def _cases(draw: st.DrawFn) -> _Case:
    """(signals, use, path, the line's value, a URL the path matches)."""
    signals = draw(st.dictionaries(st.sampled_from(sorted(KEYS)), st.sampled_from(("yes", "no"))))
    use = draw(st.none() | st.sampled_from(_USE))
    path = draw(st.none() | patterns().filter(bool))
    value = draw(_written({**signals, **({"use": use} if use else {})}))
    url = draw(matching(path)) if path else draw(urls)
    return signals, use, path, value, url


@given(_cases())
@example(({"ai-train": "no"}, None, "/blog/", "AI-TRAIN = no", "/blog/x"))
@example(
    (
        {"search": "yes", "ai-input": "no"},
        "full",
        "*.pdf$",
        "search=yes,x=y,ai-input=NO,use=Full",
        "/a.pdf",
    )
)
def test_signals_read_back_as_written(case: _Case) -> None:
    signals, use, path, value, url = case
    text = f"User-agent: *\nContent-Signal: {path + ' ' if path else ''}{value}\n"
    evidence = content_signals(RobotsTxt.parse(text), url, "consentcrawl", source=SOURCE)
    expected = {
        (
            Effect.DENY if v == "no" else Effect.ALLOW,
            f"content-signal:{k}=no" if v == "no" else None,
            KEYS[k],
        )
        for k, v in signals.items()
    }
    if use:
        expected.add((Effect.INFO, None, frozenset()))
    assert _outcomes(evidence) == expected


# --------------------------------------------------------------------------
# 3. A "no" added; lines in another order
# --------------------------------------------------------------------------


@given(
    st.data(),
    st.lists(line_values, max_size=4),
    st.sampled_from(sorted(KEYS)),
    st.none() | patterns().filter(bool),
)
def test_adding_no_never_lifts_a_deny(
    data: st.DataObject, values: list[str], key: str, path: str | None
) -> None:
    head = "User-agent: *\n" + "".join(f"Content-Signal: {v}\n" for v in values)
    added = f"Content-Signal: {path + ' ' if path else ''}{key}=no\n"
    before = RobotsTxt.parse(head)
    after = RobotsTxt.parse(head + added)
    url = data.draw(matching(path) | urls) if path else data.draw(urls)
    old = [e for e in content_signals(before, url, "x", source=SOURCE) if e.purposes == KEYS[key]]
    new = [e for e in content_signals(after, url, "x", source=SOURCE) if e.purposes == KEYS[key]]
    if any(e.effect is Effect.DENY for e in old):
        assert [e.effect for e in new] == [Effect.DENY]
    if not any(e.effect is Effect.ALLOW for e in old):
        assert all(e.effect is not Effect.ALLOW for e in new)


@given(st.data(), st.lists(line_values, max_size=5))
def test_line_order_does_not_matter(data: st.DataObject, values: list[str]) -> None:
    shuffled = data.draw(st.permutations(values))
    url = data.draw(urls)

    def outcomes(lines: list[str]) -> set[tuple[Effect, str | None, frozenset[Purpose]]]:
        text = "User-agent: *\n" + "".join(f"Content-Signal: {v}\n" for v in lines)
        return _outcomes(content_signals(RobotsTxt.parse(text), url, "x", source=SOURCE))

    assert outcomes(shuffled) == outcomes(values)


# --------------------------------------------------------------------------
# 4. Hostile inputs
# --------------------------------------------------------------------------


def test_a_megabyte_line_and_a_megabyte_path() -> None:
    items = "ai-train=no, search=yes, " * (hostile.MB // 25)
    stars = "*" * hostile.MB
    text = f"User-agent: *\nContent-Signal: {items}\nContent-Signal: {stars} ai-input=no\n"
    robots = RobotsTxt.parse(text, max_bytes=len(text) * 2)
    evidence = content_signals(robots, "/" + "a" * 10_000, "x", source=SOURCE)
    assert _outcomes(evidence) == {
        (Effect.DENY, "content-signal:ai-train=no", KEYS["ai-train"]),
        (Effect.ALLOW, None, KEYS["search"]),
        (Effect.DENY, "content-signal:ai-input=no", KEYS["ai-input"]),
    }
    assert all(len(e.value) <= 300 for e in evidence), "evidence text is clipped"


def test_many_lines_compile_once() -> None:
    count = hostile.LINES // 5
    text = "User-agent: *\n" + "".join(
        f"Content-Signal: /p{i}/ ai-train=no\n" for i in range(count)
    )
    signals = ContentSignals.of(RobotsTxt.parse(text, max_bytes=len(text)), "x")
    assert len(signals.entries) == count
    (deny,) = signals.evidence("/p4999/x", source=SOURCE)
    assert deny.effect is Effect.DENY and deny.line == 4999 + 2
    assert signals.evidence("/q", source=SOURCE) == ()
