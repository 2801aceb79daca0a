"""Tests of crawler.consent.robots_ai: robots.txt groups of AI agents read as opt-outs.

1. SIGNALS.md section 1 vectors 6 and 7, through the policy, for all four purposes.
2. Token matching (case, whole token, Applebot vs Applebot-Extended, merged groups) and rules.
3. Agreement with RobotsTxt.allowed, and the real corpus with the manifest's verdicts.
"""

from __future__ import annotations

from typing import Any

import pytest

from crawler.consent.agents import AgentTable
from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.policy import decide
from crawler.consent.robots import RobotsTxt, decode_robots
from crawler.consent.robots_ai import AiGroups, ai_optouts

from .vectors import DATA, GNSR, MANIFEST, G, R, S, letters

AGENT = "ExampleBot"
SOURCE = "https://site.test/robots.txt"
TABLE = AgentTable.default()




def optouts(text: str, url: str, purposes: tuple[Purpose, ...] = GNSR) -> tuple[Evidence, ...]:
    return ai_optouts(RobotsTxt.parse(text), url, TABLE, purposes, source=SOURCE)


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 1 vectors 6 and 7
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "text", "token", "expected"),
    [
        (6, "User-agent: GPTBot\nDisallow: /\n", "GPTBot", "NN??"),
        # Google documents the token for training and for grounding (prompt-time input), so
        # the agent table gives it ai-input too (see agents_import.CURATED).
        (7, "User-agent: Google-Extended\nDisallow: /\n", "Google-Extended", "NN?N"),
    ],
)
@pytest.mark.parametrize("url", ["https://site.test/", "https://site.test/any/page?q=1"])
def test_section1_vectors(vector: int, text: str, token: str, expected: str, url: str) -> None:
    # RFC 9309: our token has no group, so we may fetch ...
    assert RobotsTxt.parse(text).allowed(url, AGENT).allowed
    # ... but the site opted out of AI training (inference): G and N denied, search unknown.
    evidence = optouts(text, url)
    assert letters(evidence) == expected
    assert [e.reason for e in evidence] == [f"robots-ai-optout:{token}"]
    decision = decide(G, evidence)
    assert decision.reasons == (f"robots-ai-optout:{token}",)
    assert decision.license_status.value == "reserved"


def test_evidence_fields() -> None:
    text = "# AI\nUser-agent: GPTBot\nAllow: /ok\nDisallow: /\n"
    (evidence,) = ai_optouts(
        RobotsTxt.parse(text),
        "https://site.test/x",
        TABLE,
        [G],
        source=SOURCE,
        document_sha256="ab" * 32,
    )
    assert evidence == Evidence(
        signal="robots.txt",
        source=SOURCE,
        value="Disallow: / (group GPTBot)",
        effect=Effect.DENY,
        reason="robots-ai-optout:GPTBot",
        document_sha256="ab" * 32,
        line=4,
        purposes=frozenset({G}),
    )


# --------------------------------------------------------------------------
# 2. Token matching and rules
# --------------------------------------------------------------------------

DISALLOW_ALL = "\nDisallow: /\n"


@pytest.mark.parametrize(
    ("user_agent", "reasons"),
    [
        ("GPTBot", ["robots-ai-optout:GPTBot"]),
        ("gptbot", ["robots-ai-optout:GPTBot"]),  # case-insensitive; table spelling reported
        ("GPTBOT", ["robots-ai-optout:GPTBot"]),
        ("GPTBot/1.2", ["robots-ai-optout:GPTBot"]),  # product token of a full UA string
        ("GPTBot (+https://openai.com/gptbot)", ["robots-ai-optout:GPTBot"]),
        ("GPTBotX", []),  # whole token only
        ("GPT", []),
        ("Mozilla/5.0 GPTBot", []),  # the token names "mozilla"
        ("Applebot", ["robots-ai-optout:Applebot"]),  # Siri's answers; not Applebot-Extended
        ("Applebot-Extended", ["robots-ai-optout:Applebot-Extended"]),
        ("Google", []),  # does not bind Google-Extended
        ("*", []),  # the star group is our own token's business, never an AI opt-out
        ("Scrapy", []),  # not in the table
        ("AI2Bot", []),  # names the token "ai", which is not in the table
    ],
)
def test_token_matching(user_agent: str, reasons: list[str]) -> None:
    evidence = optouts(f"User-agent: {user_agent}{DISALLOW_ALL}", "/page")
    assert [e.reason for e in evidence] == reasons


def test_groups_of_a_token_are_merged() -> None:
    text = (
        "User-agent: GPTBot\nDisallow: /a\n\n"
        "User-agent: CCBot\nDisallow: /\n\n"
        "User-agent: gptbot\nDisallow: /b\n"
    )
    by_url = {
        url: sorted((e.reason or "", e.line) for e in optouts(text, url, (G,)))
        for url in ("/a", "/b", "/c")
    }
    assert by_url == {
        "/a": [("robots-ai-optout:CCBot", 5), ("robots-ai-optout:GPTBot", 2)],
        "/b": [("robots-ai-optout:CCBot", 5), ("robots-ai-optout:GPTBot", 8)],
        "/c": [("robots-ai-optout:CCBot", 5)],
    }


def test_several_tokens_in_one_group() -> None:
    text = "User-agent: GPTBot\nUser-agent: ClaudeBot\nUser-agent: OAI-SearchBot\nDisallow: /\n"
    training = optouts(text, "/x", (G,))
    assert sorted(e.reason or "" for e in training) == [
        "robots-ai-optout:ClaudeBot",
        "robots-ai-optout:GPTBot",
    ]
    assert all(e.purposes == frozenset({G}) for e in training)  # only what was asked
    both = optouts(text, "/x", (G, R))
    search_bot = [e for e in both if e.reason == "robots-ai-optout:OAI-SearchBot"]
    assert [e.purposes for e in search_bot] == [frozenset({R})]
    assert letters(both) == "N??N"  # train-ai was not asked about


@pytest.mark.parametrize(
    ("text", "url", "denied"),
    [
        ("User-agent: GPTBot\nDisallow: /\nAllow: /public/", "/public/x", False),
        ("User-agent: GPTBot\nDisallow: /\nAllow: /public/", "/private", True),
        ("User-agent: GPTBot\nAllow: /p\nDisallow: /p", "/page", False),  # tie: Allow wins
        ("User-agent: GPTBot\nDisallow: /*.pdf$", "/x.pdf", True),
        ("User-agent: GPTBot\nDisallow: /*.pdf$", "/x.pdf?y=1", False),
        ("User-agent: GPTBot\nDisallow: /private", "/private/pub", True),
        ("User-agent: GPTBot\nDisallow: /private\nAllow: /private/pub", "/private/pub/a", False),
        ("User-agent: GPTBot\nDisallow:", "/x", False),  # empty Disallow never matches
        ("User-agent: GPTBot\nAllow: /", "/x", False),
        ("User-agent: GPTBot\nDisallow: /", "/robots.txt", False),  # always allowed
        ("User-agent: GPTBot\nDisallow: /caf%C3%A9", "https://site.test/café", True),
        ("User-agent: GPTBot\nDisallow: /a%2fb", "/a%2Fb", True),
        ("Disallow: /\nUser-agent: GPTBot\nAllow: /", "/x", False),  # rule before any group
    ],
)
def test_rules(text: str, url: str, denied: bool) -> None:
    evidence = optouts(text, url, (G,))
    assert bool(evidence) is denied
    assert RobotsTxt.parse(text).allowed(url, "GPTBot").allowed is not denied


@pytest.mark.parametrize("purposes", [(S,), (), (S, S)])
def test_purposes_the_token_does_not_cover(purposes: tuple[Purpose, ...]) -> None:
    assert optouts("User-agent: GPTBot\nDisallow: /\n", "/x", purposes) == ()


def test_configured_tables() -> None:
    robots = RobotsTxt.parse("User-agent: ExampleAI\nUser-agent: GPTBot\nDisallow: /\n")
    added = TABLE.configured(add={"ExampleAI": ["train-genai"]}, drop=["GPTBot"])
    evidence = ai_optouts(robots, "/x", added, GNSR, source=SOURCE)
    assert [(e.reason, e.purposes) for e in evidence] == [
        ("robots-ai-optout:ExampleAI", frozenset({G}))
    ]
    assert letters(evidence) == "N???"
    empty = TABLE.configured(own_only=True)
    assert ai_optouts(robots, "/x", empty, GNSR, source=SOURCE) == ()


def test_our_own_agent_listed_in_the_table_is_still_reported() -> None:
    # The robots gate decides our own token; this one only adds the AI reading.
    evidence = optouts("User-agent: GPTBot\nDisallow: /\n", "/x", (G,))
    assert RobotsTxt.parse("User-agent: GPTBot\nDisallow: /\n").allowed("/x", "GPTBot").rule
    assert len(evidence) == 1


def test_results_follow_source_and_hash() -> None:
    # Outcomes are memoised per file; the evidence must still name the caller's document.
    robots = RobotsTxt.parse("User-agent: GPTBot\nDisallow: /\n")
    first = ai_optouts(robots, "/x", TABLE, [G], source="https://a.test/robots.txt")
    second = ai_optouts(
        robots, "/y", TABLE, [G], source="https://b.test/robots.txt", document_sha256="00"
    )
    assert (first[0].source, first[0].document_sha256) == ("https://a.test/robots.txt", None)
    assert (second[0].source, second[0].document_sha256) == ("https://b.test/robots.txt", "00")


def test_ai_groups_object() -> None:
    text = "User-agent: GPTBot\nDisallow: /a\n\nUser-agent: CCBot\nDisallow: /a\n"
    robots = RobotsTxt.parse(text)
    groups = AiGroups.of(robots, TABLE)
    assert [m.name for m in groups.members] == ["CCBot", "GPTBot"]
    assert groups.deciders == 1  # identical rules are decided once
    lines = [e.line for e in groups.optouts("/a/b", [G], source=SOURCE)]
    assert lines == [5, 2]  # each token still reports its own rule
    assert groups.optouts("/b", [G], source=SOURCE) == ()
    assert AiGroups.of(RobotsTxt.parse(""), TABLE).optouts("/", GNSR, source=SOURCE) == ()


def test_many_files_and_tables() -> None:
    # More (robots, table) pairs than the identity cache holds: answers stay right.
    tables = [TABLE, TABLE.configured(drop=["GPTBot"])]
    files = [RobotsTxt.parse(f"User-agent: GPTBot\nDisallow: /{i}\n") for i in range(100)]
    for _ in range(2):
        for i, robots in enumerate(files):
            assert len(ai_optouts(robots, f"/{i}", tables[0], [G], source=SOURCE)) == 1
            assert ai_optouts(robots, f"/{i}", tables[1], [G], source=SOURCE) == ()
            assert ai_optouts(robots, f"/x{i}", tables[0], [G], source=SOURCE) == ()


# --------------------------------------------------------------------------
# 3. Real corpus
# --------------------------------------------------------------------------

ROBOTS_FILES = {entry["file"]: entry for entry in MANIFEST["robots"]}


def _load(name: str) -> RobotsTxt:
    return RobotsTxt.parse(decode_robots((DATA / name).read_bytes()))


def _paths(robots: RobotsTxt, entry: dict[str, Any]) -> list[str]:
    paths = ["/", entry["deeper_path"], "/robots.txt", "/some/page.html?q=1"]
    for group in robots.groups[:40]:
        paths.extend(rule.pattern.replace("*", "x").rstrip("$") or "/" for rule in group.rules[:5])
    return list(dict.fromkeys(p if p.startswith("/") else "/" + p for p in paths))


@pytest.mark.parametrize("name", sorted(ROBOTS_FILES))
def test_corpus_agrees_with_the_robots_matcher(name: str) -> None:
    robots = _load(name)
    groups = AiGroups.of(robots, TABLE)
    for path in _paths(robots, ROBOTS_FILES[name]):
        got = {e.reason: e.line for e in ai_optouts(robots, path, TABLE, GNSR, source=SOURCE)}
        expected = {}
        for token in TABLE.tokens:
            if robots.has_group(token):
                verdict = robots.allowed(path, token)
                if not verdict.allowed:
                    assert verdict.rule is not None
                    expected[f"robots-ai-optout:{TABLE.names[token]}"] = verdict.rule.line
        assert got == expected, path
        assert groups.optouts(path, GNSR, source=SOURCE) == ai_optouts(
            robots, path, TABLE, GNSR, source=SOURCE
        )


VERDICTS = [
    (entry["file"], verdict)
    for entry in MANIFEST["robots"]
    for verdict in entry["verdicts"]
    if verdict["agent"] != "*"
]


@pytest.mark.parametrize(
    ("name", "verdict"),
    VERDICTS,
    ids=[f"{name}-{v['agent']}-{v['path'][:30]}" for name, v in VERDICTS],
)
def test_corpus_manifest_verdicts(name: str, verdict: dict[str, Any]) -> None:
    """A named group that disallows is an opt-out for train-genai; anything else is not."""
    agent = verdict["agent"]
    evidence = ai_optouts(_load(name), verdict["path"], TABLE, [G], source=SOURCE)
    reasons = {e.reason for e in evidence}
    opted_out = verdict["matched_group"] == "named group" and not verdict["allowed"]
    assert (f"robots-ai-optout:{agent}" in reasons) is opted_out


@pytest.mark.parametrize(
    ("name", "tokens"),
    [
        ("robots/www.nytimes.com.txt", ["GPTBot", "CCBot", "ClaudeBot", "Google-Extended"]),
        ("robots/medium.com.txt", ["GPTBot"]),
        ("robots/mcpjunction.ai.txt", ["GPTBot", "ClaudeBot", "anthropic-ai", "CCBot"]),
    ],
)
def test_corpus_gptbot_and_friends_opted_out_at_root(name: str, tokens: list[str]) -> None:
    evidence = ai_optouts(_load(name), "/", TABLE, [G], source=SOURCE)
    reasons = {e.reason for e in evidence}
    for token in tokens:
        assert f"robots-ai-optout:{token}" in reasons
    assert letters(evidence)[0] == "N"


def test_corpus_ai_input_agents_allowed_by_mcpjunction() -> None:
    # It welcomes ChatGPT-User, Claude-User, OAI-SearchBot, PerplexityBot ... with Allow: /,
    # and shuts out what it calls training crawlers. Those whose tokens also speak for AI input
    # (cohere-ai answers prompts, Google-Extended grounds Gemini, Amazonbot answers for Alexa,
    # YouBot for You.com, ImagesiftBot retrieves, Diffbot and omgilibot sell data) are read as
    # ai-input opt-outs too: the table's reading of the token, not the site's comment.
    evidence = ai_optouts(_load("robots/mcpjunction.ai.txt"), "/", TABLE, [R], source=SOURCE)
    assert [(e.reason, e.line) for e in evidence] == [
        ("robots-ai-optout:Amazonbot", 143),
        ("robots-ai-optout:cohere-ai", 155),
        ("robots-ai-optout:Diffbot", 151),
        ("robots-ai-optout:Google-Extended", 123),
        ("robots-ai-optout:ImagesiftBot", 163),
        ("robots-ai-optout:omgilibot", 159),
        ("robots-ai-optout:YouBot", 167),
    ]
