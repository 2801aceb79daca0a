"""Tests of crawler.consent.agents and agents_import: the AI agent table, generated from
ai.robots.txt's robots.json (copy in tests/data/realweb/agents), and its per-job changes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from crawler.consent.agents import CATEGORIES, AgentTable, AgentTableError
from crawler.consent.agents_import import (
    CURATED,
    EXCLUDED,
    FUNCTION_CATEGORIES,
    RobotsJsonError,
    import_agents,
    parse_robots_json,
    render,
)
from crawler.consent.model import Purpose
from crawler.consent.robots import product_token

G, N, S, R = Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT
TRAINING = frozenset({G, N})
AI_INPUT = frozenset({R})
ALL_AI = frozenset({G, N, R})

ROOT = Path(__file__).resolve().parent.parent
COPY = ROOT / "tests" / "data" / "realweb" / "agents" / "robots.json"
RAW = COPY.read_bytes()
LISTED = json.loads(RAW)
COMMIT = "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"  # the MANIFEST's
DATE = "2026-08-22"
SHA256 = "b8ddd5fdd5a384766fa556f7183a05656b5722082b5931d63a0e5ec91961a3ec"
PACKAGED = resources.files("crawler.consent").joinpath("agents.json").read_text("utf-8")
TABLE = AgentTable.default()


def imported(raw: bytes = RAW, **kwargs: Any) -> Any:
    return import_agents(
        parse_robots_json(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        commit=COMMIT,
        date=DATE,
        **kwargs,
    )


# --------------------------------------------------------------------------
# The packaged table is the importer's output for the copy of robots.json
# --------------------------------------------------------------------------


def test_copy_is_the_manifests_file() -> None:
    assert hashlib.sha256(RAW).hexdigest() == SHA256
    manifest = (COPY.parent / "MANIFEST.md").read_text("utf-8")
    assert SHA256 in manifest and COMMIT in manifest and DATE in manifest
    assert len(LISTED) == 166


def test_packaged_table_is_the_importers_output() -> None:
    assert render(imported().data) == PACKAGED  # byte for byte: no hand edits, no drift


def test_import_against_the_packaged_table_changes_nothing() -> None:
    result = imported(base=TABLE)
    assert render(result.data) == PACKAGED
    summary = result.summary
    assert (summary.added, summary.removed, summary.changed) == ((), (), ())
    assert (summary.unclassified, summary.review) == ((), ())  # every free-text function read


def test_packaged_source_and_identity() -> None:
    assert TABLE.source is not None
    assert (TABLE.source.commit, TABLE.source.date, TABLE.source.sha256) == (COMMIT, DATE, SHA256)
    assert TABLE.source.names == 166
    assert TABLE.identity() == {
        "file": "packaged",
        "sha256": hashlib.sha256(PACKAGED.encode()).hexdigest(),
        "tokens": len(TABLE.tokens),
        "source_commit": COMMIT,
        "source_date": DATE,
        "source_sha256": SHA256,
    }


def test_every_name_is_an_agent_or_excluded() -> None:
    agents = [a.name for entries in TABLE.entries.values() for a in entries]
    excluded = [e.name for e in TABLE.excluded]
    assert sorted(agents + excluded) == sorted(LISTED)
    assert not set(agents) & set(excluded)
    assert all(e.reason and e.source for e in TABLE.excluded)


def test_sizes() -> None:
    assert len(TABLE.tokens) == 147
    assert len(TABLE.excluded) == 11
    assert len(TABLE.for_purpose(G)) == len(TABLE.for_purpose(N)) == 84
    assert len(TABLE.for_purpose(R)) == 111
    assert TABLE.for_purpose(S) == ()  # no agent's opt-out speaks for classic search
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "147 tokens" in readme and "166 names" in readme  # the README says what the file has


def test_each_name_maps_to_the_token_a_parser_reads() -> None:
    for key, entries in TABLE.entries.items():
        assert entries, key
        for agent in entries:
            assert product_token(agent.name) == key == agent.token.lower()
            assert agent.purposes == CATEGORIES[agent.category]
            assert agent.decided_by and agent.source and agent.function
        # a token covers the union of its names' purposes
        assert TABLE.tokens[key] == frozenset().union(*(a.purposes for a in entries))


@pytest.mark.parametrize(
    ("token", "purposes"),
    [
        # names with spaces or versions read as their leading token (were dropped)
        ("kangaroo", TRAINING),  # "Kangaroo Bot"
        ("linguee", TRAINING),  # "Linguee Bot"
        ("sidetrade", TRAINING),  # "Sidetrade indexer bot"
        ("poseidon", ALL_AI),  # "Poseidon Research Crawler": AI research, use not said
        ("datenbank", TRAINING),
        ("netestate", TRAINING),
        ("echobot", TRAINING),
        ("chatgpt", AI_INPUT),  # "ChatGPT Agent"
        ("terra", ALL_AI),  # "Terra Cotta", a data provider
        ("bigsur", AI_INPUT),  # "bigsur.ai"
        ("mistralai-user", AI_INPUT),  # and "MistralAI-User/1.0"
        ("iaskspider", ALL_AI),  # undocumented, and "iaskspider/2.0" answers
        ("brightbot", ALL_AI),  # data provider, and "Brightbot 1.0" trains
        ("panscient", ALL_AI),  # and "panscient.com"
        ("quillbot", ALL_AI),  # and "quillbot.com"
        # they answer too: an ai-input job honours their opt-outs
        ("yandexadditional", ALL_AI),
        ("yandexadditionalbot", ALL_AI),
        ("youbot", ALL_AI),
        ("google-extended", ALL_AI),  # training and grounding (Google's documentation)
        # data providers for search and RAG: every AI purpose
        ("firecrawlagent", ALL_AI),
        ("apifybot", ALL_AI),
        ("terracotta", ALL_AI),
        ("diffbot", ALL_AI),
        ("tavilybot", ALL_AI),
        ("bravebot", ALL_AI),
        ("omgilibot", ALL_AI),
        ("exabot", ALL_AI),
        # undocumented or open-ended
        ("claude-web", ALL_AI),
        ("googleother", ALL_AI),
        ("amazonbot", ALL_AI),
        ("openai", ALL_AI),
        # the well-known ones keep their reading
        ("gptbot", TRAINING),
        ("ccbot", TRAINING),
        ("claudebot", TRAINING),
        ("anthropic-ai", TRAINING),
        ("applebot-extended", TRAINING),
        ("bytespider", TRAINING),
        ("meta-externalagent", TRAINING),  # and "Meta-ExternalAgent"
        ("cohere-training-data-crawler", TRAINING),
        ("oai-searchbot", AI_INPUT),
        ("chatgpt-user", AI_INPUT),
        ("claude-searchbot", AI_INPUT),
        ("claude-user", AI_INPUT),
        ("perplexitybot", AI_INPUT),
        ("perplexity-user", AI_INPUT),
        ("meta-externalfetcher", AI_INPUT),
        ("cohere-ai", AI_INPUT),
    ],
)
def test_token_purposes(token: str, purposes: frozenset[Purpose]) -> None:
    assert TABLE.tokens[token] == purposes


@pytest.mark.parametrize(
    "name",
    [
        "Applebot",
        "PetalBot",
        "OAI-SearchBot",
        "Claude-SearchBot",
        "PerplexityBot",
        "Amzn-SearchBot",
        "AzureAI-SearchBot",
        "ExaSearchBot",
        "AddSearchBot",
        "LinkupBot",
        "ImagesiftBot",
    ],
)
def test_search_crawlers_are_never_training(name: str) -> None:
    assert TABLE.tokens[product_token(name)] == AI_INPUT


@pytest.mark.parametrize(
    ("name", "token", "why"),
    [
        ("AI2Bot", "ai", "generic word"),
        ("Ai2Bot-Dolma", "ai", "generic word"),
        ("AI2Bot-DeepResearchEval", "ai", "generic word"),
        ("img2dataset", "img", "anyone runs"),
        ("Channel3Bot", "channel", "generic word"),
        ("Crawl4AI", "crawl", "anyone runs"),
        ("Spider", "spider", "generic word"),
        ("Code", "code", "generic word"),
        ("Scrapy", "scrapy", "framework"),
        ("Lightpanda", "lightpanda", "headless browser"),
        ("facebookexternalhit", "facebookexternalhit", "link-preview"),
    ],
)
def test_exclusions_name_their_reason(name: str, token: str, why: str) -> None:
    (exclusion,) = [e for e in TABLE.excluded if e.name == name]
    assert exclusion.token == token
    assert why in exclusion.reason
    assert token not in TABLE.tokens


def test_curated_names_exist_in_robots_json() -> None:
    # A curated decision for a name robots.json no longer lists is dead weight: remove it.
    assert set(CURATED) <= set(LISTED)
    assert set(EXCLUDED) <= set(LISTED)
    assert not set(CURATED) & set(EXCLUDED)


def test_function_categories_decide_the_rest() -> None:
    for entries in TABLE.entries.values():
        for agent in entries:
            if agent.name not in CURATED:
                assert agent.category == FUNCTION_CATEGORIES[agent.function], agent.name
                assert agent.source == "robots.json function"


def test_curated_sources_cite_where_the_words_are() -> None:
    extended = next(a for a in TABLE.entries["google-extended"])
    assert extended.source.endswith("google-common-crawlers#google-extended")
    assert "grounding" in extended.decided_by
    (youbot,) = TABLE.entries["youbot"]
    assert youbot.source == "robots.json function and description"
    assert "'web search engine and LLMs' (ai-input)" in youbot.decided_by


def test_file_categories_are_the_codes() -> None:
    data = json.loads(PACKAGED)
    assert {
        k: frozenset(Purpose(p) for p in v["purposes"]) for k, v in data["categories"].items()
    } == dict(CATEGORIES)
    assert data["notes"] and data["format"] == "consentcrawl-agent-table/2"


# --------------------------------------------------------------------------
# Importing a newer robots.json
# --------------------------------------------------------------------------


def newer(**changes: dict[str, str] | None) -> bytes:
    data = json.loads(RAW)
    for name, fields in changes.items():
        name = name.replace("__", " ")
        if fields is None:
            del data[name]
        else:
            data[name] = {
                **data.get(
                    name,
                    {
                        "operator": "Unclear at this time.",
                        "respect": "Unclear at this time.",
                        "frequency": "Unclear at this time.",
                        "description": "A new bot.",
                    },
                ),
                **fields,
            }
    return json.dumps(data).encode()


def test_newer_file_added_removed_changed() -> None:
    raw = newer(
        GPTBot=None,  # removed
        NewAssistBot={"function": "AI Assistants"},  # new, category: ai-input
        NewTextBot={"function": "Collects data for things."},  # new, free text: every AI purpose
        Bot2000={"function": "AI Data Scrapers"},  # new, reads as "bot": excluded
        Fresh__Crawler={"function": "AI Data Scrapers"},  # new, with a space: token "Fresh"
        ExaSearchBot={"function": "AI Data Scrapers"},  # known ai-input, now scraper: both
        Cursor={"function": "Helps with code."},  # known, now free text: decision kept
        ClaudeBot={"function": "Teaches models.", "description": "Teaches."},  # words gone
    )
    result = imported(raw, base=TABLE)
    summary = result.summary
    table = result.table
    assert summary.added == ("NewAssistBot", "NewTextBot", "Bot2000", "Fresh Crawler")
    assert summary.removed == ("GPTBot",)
    assert summary.unclassified == ("NewTextBot",)
    assert summary.review == ("ClaudeBot",)
    assert table.tokens["newassistbot"] == AI_INPUT
    assert table.tokens["newtextbot"] == ALL_AI
    assert table.tokens["fresh"] == TRAINING and table.names["fresh"] == "Fresh"
    assert "bot" not in table.tokens and "gptbot" not in table.tokens
    assert table.tokens["exasearchbot"] == ALL_AI  # the known ai-input kept beside training
    assert table.tokens["cursor"] == AI_INPUT
    assert table.tokens["claudebot"] == TRAINING  # curated: kept, and reported for review
    changed = {c["name"]: c["changes"] for c in summary.changed}
    assert changed == {
        "ExaSearchBot": {
            "category": ["ai-input", "all-ai"],
            "function": ["AI Search Crawlers", "AI Data Scrapers"],
        },
        "ClaudeBot": {
            "function": ["Scrapes data to train Anthropic's AI products.", "Teaches models."]
        },
        "Cursor": {"function": ["AI Coding Agents", "Helps with code."]},
    }


def test_fresh_import_follows_the_rules_alone() -> None:
    raw = newer(ExaSearchBot={"function": "AI Data Scrapers"}, Cursor={"function": "Codes."})
    fresh = imported(raw, base=TABLE, keep=False)
    assert fresh.table.tokens["exasearchbot"] == TRAINING  # the new category alone
    assert fresh.table.tokens["cursor"] == ALL_AI  # free text, no words on record
    assert fresh.summary.unclassified == ("Cursor",)
    assert {c["name"] for c in fresh.summary.changed} == {"ExaSearchBot", "Cursor"}
    kept = imported(raw, base=TABLE)
    assert kept.table.tokens["exasearchbot"] == ALL_AI
    assert kept.table.tokens["cursor"] == AI_INPUT
    # curated words decide whatever the function says
    assert imported(newer(GPTBot={"function": "AI Assistants"})).table.tokens["gptbot"] == TRAINING


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "line 1 column 2"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "expected an object of agent names"),
        (b"{}", "expected an object of agent names"),
        (b'{"A": 3}', "name 'A': expected an object of fields"),
        (b'{"A": {"operator": "x", "description": "y"}}', "name 'A': field 'function'"),
        (
            b'{"A": {"operator": "x", "function": 5, "description": "y"}}',
            "name 'A': field 'function' must be a non-empty text",
        ),
        (b'{"A": {"operator": "", "function": "f", "description": "y"}}', "field 'operator'"),
        (b'{" ": {"operator": "x", "function": "f", "description": "y"}}', "an empty name"),
        (
            (
                b'{"A": {"operator": "x", "function": "f", "description": "y"}, '
                b'"A": {"operator": "x", "function": "f", "description": "y"}}'
            ),
            "'A' is listed twice",
        ),
    ],
)
def test_bad_robots_json_names_the_fault(raw: bytes, message: str) -> None:
    with pytest.raises(RobotsJsonError, match=message):
        parse_robots_json(raw)


# --------------------------------------------------------------------------
# Table files
# --------------------------------------------------------------------------


def test_from_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "agents.json"
    path.write_text(PACKAGED, encoding="utf-8")
    table = AgentTable.from_file(path)
    assert table == replace(TABLE, file=str(path))
    assert table.identity()["file"] == str(path)
    assert table.identity()["sha256"] == TABLE.identity()["sha256"]


def _broken(edit: str) -> dict[str, Any]:
    data = json.loads(PACKAGED)
    first = data["agents"][0]
    if edit == "format":
        data["format"] = "consentcrawl-agent-table/1"
    elif edit == "token":
        first["token"] = "Other"
    elif edit == "bad token":
        first["token"] = "Add Search"
    elif edit == "category":
        first["category"] = "training"
    elif edit == "purposes":
        first["purposes"] = ["nope"]
    elif edit == "duplicate":
        data["agents"].append(first)
    elif edit == "both":
        data["excluded"].append({**data["excluded"][0], "name": first["name"]})
    elif edit == "missing":
        del first["source"]
    elif edit == "categories":
        data["categories"]["training"]["purposes"] = ["train-genai"]
    elif edit == "source":
        data["source"]["names"] = "many"
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("format", "'format' is 'consentcrawl-agent-table/1'"),
        ("token", "token 'Other' is not what a parser reads from the name"),
        ("bad token", "'Add Search' is not a robots.txt product token"),
        ("category", "purposes differ from category 'training'"),
        ("purposes", "unknown purpose 'nope'"),
        ("duplicate", "name 'AddSearchBot' twice"),
        ("both", "is both an agent and excluded"),
        ("missing", r"agents\[0\] \('AddSearchBot'\): 'source' must be a non-empty text"),
        ("categories", "category 'training' must be one of"),
        ("source", "source 'names' must be a count"),
    ],
)
def test_bad_table_data_names_the_fault(edit: str, message: str) -> None:
    with pytest.raises(AgentTableError, match=message):
        AgentTable.from_json(_broken(edit))


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"{", "not a JSON table file"), (b'{"format": 1}', "'format'")],
)
def test_from_file_errors_name_the_file(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "t.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AgentTableError, match=message) as info:
        AgentTable.from_file(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


# --------------------------------------------------------------------------
# The table API its callers use
# --------------------------------------------------------------------------


def test_default_is_loaded_once() -> None:
    assert AgentTable.default() is AgentTable.default()


def test_names_are_spelt_as_the_first_name_spells_them() -> None:
    assert TABLE.names["gptbot"] == "GPTBot"
    assert TABLE.names["meta-externalagent"] == "meta-externalagent"  # robots.json order
    assert TABLE.names["kangaroo"] == "Kangaroo"
    assert TABLE.names["mistralai-user"] == "MistralAI-User"


def test_for_purpose_is_sorted_and_lower_case() -> None:
    tokens = TABLE.for_purpose(G)
    assert list(tokens) == sorted(tokens)
    assert all(t == t.lower() for t in tokens)
    assert "gptbot" in tokens and "oai-searchbot" not in tokens


def test_table_is_read_only_and_a_value() -> None:
    with pytest.raises(TypeError):
        TABLE.tokens["newbot"] = TRAINING  # type: ignore[index]
    assert TABLE.configured() == TABLE
    assert hash(TABLE.configured()) == hash(TABLE)
    assert TABLE.configured() is not TABLE


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["train-genai"], frozenset({G})),
        (["TRAIN-AI", " search "], frozenset({N, S})),
        (["training"], TRAINING),
        (["ai-input"], AI_INPUT),
        (["all-ai"], ALL_AI),
        ("training", TRAINING),  # one name as a bare string
        (("training", "ai-input", "search"), frozenset(Purpose)),
    ],
)
def test_add(names: list[str] | str, expected: frozenset[Purpose]) -> None:
    table = TABLE.configured(add={"ExampleAI": names})
    assert table.tokens["exampleai"] == expected
    assert table.names["exampleai"] == "ExampleAI"
    assert "exampleai" not in table.entries  # no robots.json name behind it
    assert "exampleai" not in AgentTable.default().tokens  # the default is untouched


def test_add_merges_with_an_existing_token() -> None:
    table = TABLE.configured(add={"gptbot": ["ai-input"]})
    assert table.tokens["gptbot"] == ALL_AI
    assert table.names["gptbot"] == "GPTBot"  # the table's spelling stays


def test_drop_is_case_insensitive_and_ignores_unknown_tokens() -> None:
    table = TABLE.configured(drop=["gptbot", "CCBOT", "NoSuchBot"])
    assert "gptbot" not in table.tokens and "ccbot" not in table.tokens
    assert "gptbot" not in table.entries
    assert len(table.tokens) == len(TABLE.tokens) - 2
    assert table.identity()["sha256"] == TABLE.identity()["sha256"]  # still that file's table


def test_drop_then_add() -> None:
    table = TABLE.configured(drop=["GPTBot"], add={"GPTBot": ["train-genai"]})
    assert table.tokens["gptbot"] == frozenset({G})


def test_own_only() -> None:
    assert TABLE.configured(own_only=True).tokens == {}
    table = TABLE.configured(own_only=True, add={"ExampleAI": ["training"]})
    assert dict(table.tokens) == {"exampleai": TRAINING}


@pytest.mark.parametrize(
    ("add", "drop", "named"),
    [
        ({"Example AI": ["training"]}, (), "'Example AI'"),
        ({"AI2Bot": ["training"]}, (), "'AI2Bot'"),
        ({"GPTBot/1.0": ["training"]}, (), "'GPTBot/1.0'"),
        ({"": ["training"]}, (), "''"),
        ({"*": ["training"]}, (), "'*'"),
        ({"ExampleAI": ["genai"]}, (), "'genai'"),
        ({"ExampleAI": ["training", "indexing"]}, (), "'indexing'"),
        ({"ExampleAI": []}, (), "names no purpose"),
        ({"ExampleAI": [3]}, (), "3"),
        (None, ["bad token"], "'bad token'"),
        (None, "x.y", "'x.y'"),
    ],
)
def test_bad_configuration_names_the_culprit(
    add: dict[str, Any] | None, drop: Any, named: str
) -> None:
    with pytest.raises(ValueError, match="agent") as info:
        TABLE.configured(add=add, drop=drop)
    assert isinstance(info.value, AgentTableError)
    assert named in str(info.value)
