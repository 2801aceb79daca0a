"""Tests of crawler.consent.content_signal: Cloudflare Content Signals in robots.txt.

1. SIGNALS.md section 2 vectors 1-6, through the policy, for all four purposes.
2. Reading lines: case, whitespace, paths, precedence, bad input.
3. The real corpus.
"""

from __future__ import annotations

import dataclasses

import pytest

from crawler.consent.content_signal import content_signals
from crawler.consent.model import Effect, Evidence
from crawler.consent.robots import RobotsTxt, decode_robots

from .vectors import DATA, MANIFEST, G, N, S, letters

AGENT = "ExampleBot"
SOURCE = "https://site.test/robots.txt"




def signals(text: str, url: str = "/page", agent: str = AGENT) -> tuple[Evidence, ...]:
    return content_signals(RobotsTxt.parse(text), url, agent, source=SOURCE)


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 2 vectors
# --------------------------------------------------------------------------

V1 = "User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"
V2 = (
    "User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n\n"
    "User-agent: ExampleBot\nContent-Signal: ai-input=no\nAllow: /\n"
)
# Vector 2 as SIGNALS.md abbreviates it, with no Allow/Disallow line in the groups.
V2_LITERAL = (
    "User-agent: *\nContent-Signal: ai-train=no\n\n"
    "User-agent: ExampleBot\nContent-Signal: ai-input=no\n"
)
V3 = "User-agent: *\nAllow: /\n"
V4 = "User-agent: *\nContent-Signal: search=yes,ai-train=no,use=reference\nAllow: /\n"
V5 = "User-agent: *\nContent-Signal: ai-train=yes\nDisallow: /x\n"
V6 = "User-agent: *\nContent-Signal: /blog/ ai-train=no\nAllow: /\n"


@pytest.mark.parametrize(
    ("vector", "text", "url", "expected"),
    [
        (1, V1, "/page", "NNY?"),
        (2, V2, "/page", "???N"),  # our own group only (inference)
        (3, V3, "/page", "????"),
        (4, V4, "/page", "NNY?"),
        (5, V5, "/x", "YY??"),  # a grant, but see test_vector5: /x must not be fetched
        (5, V5, "/y", "YY??"),
        (6, V6, "/blog/p", "NN??"),
        (6, V6, "/about", "????"),
    ],
)
def test_section2_vectors(vector: int, text: str, url: str, expected: str) -> None:
    assert letters(signals(text, url)) == expected


def test_vector2_literal_without_rules() -> None:
    assert letters(signals(V2_LITERAL)) == "???N"


def test_vector2_other_agents_use_the_star_group() -> None:
    assert letters(signals(V2, agent="OtherBot")) == "NN??"


def test_vector4_use_is_recorded_not_decided() -> None:
    infos = [e for e in signals(V4) if e.effect is Effect.INFO]
    assert [(e.value, e.line, e.reason, e.purposes) for e in infos] == [
        ("Content-Signal: search=yes,ai-train=no,use=reference", 2, None, frozenset())
    ]


def test_vector5_signals_never_unlock_crawling() -> None:
    assert not RobotsTxt.parse(V5).allowed("/x", AGENT).allowed  # X: must not fetch
    assert RobotsTxt.parse(V5).allowed("/y", AGENT).allowed


def test_evidence_fields() -> None:
    robots = RobotsTxt.parse(V1)
    evidence = content_signals(robots, "/", AGENT, source=SOURCE, document_sha256="cd" * 32)
    allow = Evidence(
        signal="content-signal",
        source=SOURCE,
        value="Content-Signal: search=yes, ai-train=no",
        effect=Effect.ALLOW,
        document_sha256="cd" * 32,
        line=2,
        purposes=frozenset({S}),
    )
    deny = dataclasses.replace(
        allow,
        effect=Effect.DENY,
        reason="content-signal:ai-train=no",
        purposes=frozenset({G, N}),
    )
    assert sorted(evidence, key=lambda e: e.effect) == [allow, deny]


# --------------------------------------------------------------------------
# 2. Reading lines
# --------------------------------------------------------------------------


def _star(*lines: str) -> str:
    return "User-agent: *\n" + "\n".join(lines) + "\nAllow: /\n"


@pytest.mark.parametrize(
    ("lines", "url", "expected"),
    [
        (["CONTENT-SIGNAL: AI-TRAIN=NO, Search=Yes"], "/", "NNY?"),
        (["content-signal:ai-input = no ,  search =yes"], "/", "??YN"),
        (["Content-Signal:\tai-train=no\t"], "/", "NN??"),
        (["Content-Signal: ai-input=yes"], "/", "???Y"),
        (["Content-Signal: search=yes, ai-input=yes, ai-train=yes"], "/", "YYYY"),
        # unknown keys and values, items without "=": ignored, the rest still counts
        (["Content-Signal: ai-train=maybe, foo=no, search, =no, ai-input=no"], "/", "???N"),
        (["Content-Signal: ai-train=no # a comment"], "/", "NN??"),
        # duplicated keys and identical paths combine most restrictively
        (["Content-Signal: ai-train=yes, ai-train=no"], "/", "NN??"),
        (["Content-Signal: ai-train=no", "Content-Signal: ai-train=yes"], "/", "NN??"),
        (["Content-Signal: ai-train=yes", "Content-Signal: / ai-train=no"], "/x", "NN??"),
        (["Content-Signal: /a ai-train=yes", "Content-Signal: /a ai-train=no"], "/a", "NN??"),
        # for each key the longest matching path wins
        (["Content-Signal: ai-train=no", "Content-Signal: /blog/ ai-train=yes"], "/blog/p", "YY??"),
        (["Content-Signal: ai-train=no", "Content-Signal: /blog/ ai-train=yes"], "/blogs", "NN??"),
        # ... per key: the shorter path still speaks for keys the longer one leaves out
        (["Content-Signal: search=no", "Content-Signal: /blog/ ai-train=yes"], "/blog/p", "YYN?"),
        (["Content-Signal: /*.pdf$ ai-train=no"], "/x.pdf", "NN??"),
        (["Content-Signal: /*.pdf$ ai-train=no"], "/x.pdf?y=1", "????"),
        (["Content-Signal: *.pdf ai-train=no"], "/x.pdf", "NN??"),
        (["Content-Signal: /caf%c3%a9/ ai-train=no"], "https://site.test/café/menu", "NN??"),
        (["Content-Signal: /blog/"], "/blog/p", "????"),  # a path and nothing else
        (["Content-Signal: /blog/,ai-train=no"], "/blog/p", "????"),  # no space: all path
    ],
)
def test_lines(lines: list[str], url: str, expected: str) -> None:
    assert letters(signals(_star(*lines), url)) == expected


@pytest.mark.parametrize(
    ("value", "use_lines"),
    [
        ("use=immediate", 1),
        ("use=REFERENCE", 1),
        ("use=full", 1),
        ("use=everything", 0),  # not one of the three: ignored
        ("use=", 0),
    ],
)
def test_use_values(value: str, use_lines: int) -> None:
    evidence = signals(_star(f"Content-Signal: {value}"))
    assert len(evidence) == use_lines
    assert all(e.effect is Effect.INFO for e in evidence)


def test_use_most_restrictive_wins_on_a_tie() -> None:
    text = _star("Content-Signal: use=full", "Content-Signal: use=immediate")
    (evidence,) = signals(text)
    assert evidence.value == "Content-Signal: use=immediate"


@pytest.mark.parametrize(
    "text",
    [
        # before any user-agent line: in no group
        "Content-Signal: ai-train=no\nUser-agent: *\nAllow: /\n",
        # in another agent's group
        "User-agent: OtherBot\nContent-Signal: ai-train=no\nAllow: /\n\nUser-agent: *\nAllow: /\n",
        # a Content-Signal line of another field name
        "User-agent: *\nContent-Signals: ai-train=no\nX-Content-Signal: ai-train=no\n",
    ],
)
def test_lines_that_do_not_apply(text: str) -> None:
    assert signals(text) == ()


def test_groups_of_our_token_are_merged() -> None:
    text = (
        "User-agent: examplebot\nContent-Signal: ai-train=no\nDisallow: /a\n\n"
        "User-agent: *\nContent-Signal: search=no\nAllow: /\n\n"
        "User-agent: ExampleBot\nContent-Signal: ai-input=no\n"
    )
    assert letters(signals(text)) == "NN?N"


@pytest.mark.parametrize(
    "value",
    [
        "",
        ",,,",
        "=",
        "====",
        "ai-train",
        "ai-train=",
        "=no",
        "ai-train==no",
        "ai-train=no=yes",
        "\x00\x01\x7f",
        "ai‐train=no",  # a Unicode hyphen: not the key
        "ﬀ=no, ai-train=nö",
        "/",
        "/ ",
        "/\t/\t/",
        "*",
        "$",
        "/[(?=)]* ai-train=no",
        "ai-train=no " * 5_000,  # one long item: "no no no ..." is not a value
        ", ".join(["ai-train=yes"] * 20_000),  # 200 KB line
    ],
)
def test_bad_input_never_raises(value: str) -> None:
    evidence = signals(_star(f"Content-Signal: {value}"))
    assert all(len(e.value) <= 300 for e in evidence)
    letters(evidence)  # consistent with the policy whatever came out


def test_huge_line_gives_one_clipped_piece_per_key() -> None:
    value = ", ".join(["ai-train=yes"] * 20_000 + ["ai-train=no"])
    evidence = signals(_star(f"Content-Signal: {value}"))
    assert letters(evidence) == "NN??"
    assert len(evidence) == 1 and evidence[0].value.endswith("…")


# --------------------------------------------------------------------------
# 3. Real corpus
# --------------------------------------------------------------------------

ROBOTS_FILES = {entry["file"]: entry for entry in MANIFEST["robots"]}


def _load(name: str) -> RobotsTxt:
    return RobotsTxt.parse(decode_robots((DATA / name).read_bytes()))


@pytest.mark.parametrize("name", sorted(ROBOTS_FILES))
def test_corpus_runs_and_finds_the_manifest_lines(name: str) -> None:
    robots = _load(name)
    entry = ROBOTS_FILES[name]
    for agent in (AGENT, "GPTBot", "Googlebot", "ChatGPT-User"):
        for path in ("/", entry["deeper_path"]):
            letters(content_signals(robots, path, agent, source=SOURCE))
    found = [
        line.value
        for group in robots.groups
        for line in group.lines
        if line.field == "content-signal"
    ]
    expected = [
        text.partition(":")[2].strip() for text in entry["features"]["content_signal_lines"]
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("name", "agent", "expected", "line"),
    [
        # Cloudflare's managed default under *: search=yes, ai-train=no
        ("robots/crawlstop.com.txt", AGENT, "NNY?", 29),
        ("robots/crawlstop.com.txt", "GPTBot", "????", None),  # own group, no signal
        ("robots/davidtofan.com.txt", AGENT, "NNYY", 38),
        ("robots/janpetrlik.com.txt", AGENT, "NNYN", 46),
        ("robots/openpoem.org.txt", AGENT, "NNYY", 13),
        ("robots/mcpjunction.ai.txt", AGENT, "NNYY", 51),
        ("robots/mcpjunction.ai.txt", "GPTBot", "NN??", 110),  # its own group: ai-train=no
        ("robots/mcpjunction.ai.txt", "ChatGPT-User", "NNYY", 77),
    ],
)
def test_corpus_signals(name: str, agent: str, expected: str, line: int | None) -> None:
    evidence = content_signals(_load(name), "/", agent, source=SOURCE)
    assert letters(evidence) == expected
    assert {e.line for e in evidence} == ({line} if line else set())


def test_corpus_cloudflare_policy_text_alone_says_nothing() -> None:
    # The file holds Cloudflare's policy preamble only (all comments): no signal line, and the
    # comment "content-signal = yes" is not one.
    robots = _load("robots/cloudflare-content-signals-policy-default.txt")
    assert robots.groups == ()
    assert content_signals(robots, "/", AGENT, source=SOURCE) == ()
