"""Properties of crawler.consent.robots_ai (other AI agents' robots.txt groups as opt-outs).

1. The opt-outs are exactly what RobotsTxt.allowed says of each table token that has a group
   of its own (differential: one matcher and one precedence), for the purposes asked.
2. One AiGroups, reused for many URLs (its memo and shared deciders), answers like a fresh one.
3. The ``*`` group is never an AI opt-out.
4. Hostile inputs: thousands of wildcard rules and groups.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crawler.consent.agents import AgentTable
from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.robots import RobotsTxt, decode_robots
from crawler.consent.robots_ai import AiGroups, ai_optouts

from . import hostile
from .strategies import ROBOTS, model_groups, mutated, paths, render_robots, urls

SOURCE = "https://example.com/robots.txt"
SMALL = AgentTable().configured(
    add={
        "GPTBot": ["training"],
        "ccbot": ["train-ai"],
        "Applebot": ["ai-input"],
        "Google-Extended": ["training", "ai-input"],
        "a_b": ["search"],
    }
)
tables = st.sampled_from((SMALL, AgentTable.default()))
purposes = st.sets(st.sampled_from(list(Purpose)), min_size=1)
robots_texts = st.one_of(mutated(ROBOTS).map(decode_robots), model_groups().flatmap(render_robots))


def _reference(
    robots: RobotsTxt, url: str, table: AgentTable, wanted: frozenset[Purpose]
) -> dict[str, tuple[int, frozenset[Purpose]]]:
    """Opt-outs by agent name from the public robots API: (deciding line, purposes)."""
    found = {}
    for token, covers in table.tokens.items():
        covered = covers & wanted
        if covered and robots.has_group(token):
            verdict = robots.allowed(url, token)
            if not verdict.allowed:
                assert verdict.rule is not None
                found[table.names[token]] = (verdict.rule.line, covered)
    return found


def _by_agent(evidence: tuple[Evidence, ...]) -> dict[str, tuple[int, frozenset[Purpose]]]:
    found = {}
    for piece in evidence:
        assert piece.effect is Effect.DENY and piece.reason is not None
        family, _, name = piece.reason.partition(":")
        assert family == "robots-ai-optout" and piece.line is not None
        found[name] = (piece.line, piece.purposes)
    assert len(found) == len(evidence), "one piece per agent"
    return found


@given(robots_texts, tables, purposes, st.lists(urls | paths(), min_size=1, max_size=5))
def test_optouts_are_what_each_agents_own_groups_say(
    text: str, table: AgentTable, wanted: set[Purpose], targets: list[str]
) -> None:
    robots = RobotsTxt.parse(text)
    groups = AiGroups.of(robots, table)
    for url in targets:
        evidence = groups.optouts(url, wanted, source=SOURCE)
        assert _by_agent(evidence) == _reference(robots, url, table, frozenset(wanted))
        assert evidence == ai_optouts(robots, url, table, wanted, source=SOURCE)


@given(robots_texts, purposes, urls)
def test_the_star_group_is_never_an_optout(text: str, wanted: set[Purpose], url: str) -> None:
    robots = RobotsTxt.parse(text)
    star = RobotsTxt(tuple(g for g in robots.groups if g.tokens == ("*",)))
    assert ai_optouts(star, url, AgentTable.default(), wanted, source=SOURCE) == ()


def test_many_wildcard_rules_for_one_agent() -> None:
    body = hostile.star_rules().replace(b"User-agent: *", b"User-agent: GPTBot")
    robots = RobotsTxt.parse(decode_robots(body))
    groups = AiGroups.of(robots, SMALL)
    train = {Purpose.TRAIN_GENAI}
    assert groups.optouts(hostile.STAR_PATH_MISS, train, source=SOURCE) == ()
    (deny,) = groups.optouts(hostile.STAR_PATH_HIT, train, source=SOURCE)
    assert deny.reason == "robots-ai-optout:GPTBot"


def test_thousands_of_identical_groups_are_decided_once() -> None:
    table = AgentTable.default()
    names = sorted(table.names.values())
    text = "".join(
        f"User-agent: {names[i % len(names)]}\nDisallow: /\n" for i in range(len(names) * 50)
    )
    groups = AiGroups.of(RobotsTxt.parse(text), table)
    assert groups.deciders == 1 and len(groups.members) == len(names)
    evidence = groups.optouts("/x", set(Purpose), source=SOURCE)
    assert {e.reason for e in evidence} == {f"robots-ai-optout:{n}" for n in names}
