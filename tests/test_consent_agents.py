"""Tests of crawler.consent.agents: the packaged AI agent token table and its per-job changes."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from crawler.consent.agents import CATEGORIES, AgentTable, AgentTableError
from crawler.consent.model import Purpose
from crawler.consent.robots import is_valid_token

G, N, S, R = Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT
TRAINING = frozenset({G, N})
AI_INPUT = frozenset({R})

DATA: dict[str, Any] = json.loads(
    resources.files("crawler.consent").joinpath("agents.json").read_text("utf-8")
)

# The three lists of SIGNALS.md section 1 the table is built from (copied here so that a change
# to the packaged file has to account for every name: kept, or explained in its notes).
SIGNALS_TRAINING = """AI2Bot, Ai2Bot-Dolma, aiHitBot, anthropic-ai, ApifyBot, Applebot-Extended,
Awario, Brightbot, Brightbot 1.0, Bytespider, CCBot, ChatGLM-Spider, ClaudeBot, CloudVertexBot,
cohere-training-data-crawler, Cotoyogi, Datenbank Crawler, DeepSeekBot, Echobot Bot, FacebookBot,
Factset_spyderbot, FirecrawlAgent, FriendlyCrawler, Google-Extended, GPTBot, ICC-Crawler,
imageSpider, img2dataset, ISSCyberRiskCrawler, Kangaroo Bot, laion-huggingface-processor,
LAIONDownloader, LCC, Lightpanda, Linguee Bot, meta-externalagent, Meta-ExternalAgent,
MyCentralAIScraperBot, NagetBot, netEstate Imprint Crawler, newsai, omgili, PanguBot, Panscient,
panscient.com, Scrapy, Sidetrade indexer bot, Spider, Terra Cotta, TerraCotta, TikTokSpider,
Timpibot, VelenPublicWebCrawler, WARDBot, Webzio-Extended, webzio-extended, YandexAdditional,
YandexAdditionalBot, YouBot"""
SIGNALS_AI_INPUT = """AddSearchBot, Amzn-SearchBot, Andibot, Anomura, Applebot, atlassian-bot,
AzureAI-SearchBot, Channel3Bot, Claude-SearchBot, Cloudflare-AutoRAG, ExaBot, ExaSearchBot,
LinkupBot, OAI-SearchBot, PerplexityBot, PetalBot, Querit-SearchBot, ZanistaBot,
AI2Bot-DeepResearchEval, amazon-QBusiness, AmazonBuyForMe, Amzn-User, bigsur.ai, ChatGPT Agent,
ChatGPT-User, Claude-Code, Claude-User, Code, cohere-ai, Cursor, Devin, DuckAssistBot,
GeistHaus-PageFetcher, Gemini-Deep-Research, Google-Agent, Google-Gemini-CLI, Google-NotebookLM,
GoogleAgent-Mariner, GoogleAgent-URLContext, HenkBot, kagi-fetcher, Kimi-User, KlaviyoAIBot,
LinerBot, Manus-User, meta-externalfetcher, Meta-ExternalFetcher, meta-webindexer,
MistralAI-User, MistralAI-User/1.0, NotebookLM, NovaAct, opencode, Operator, Perplexity-User,
PhindBot, Poggio-Citations, QualifiedBot, Shap-User, TongyiBot, Trae, TwinAgent, UseAI, YiyanBot"""


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.replace("\n", " ").split(",")]


# --------------------------------------------------------------------------
# The packaged table
# --------------------------------------------------------------------------


def test_default_is_loaded_once() -> None:
    assert AgentTable.default() is AgentTable.default()


def test_default_sizes() -> None:
    table = AgentTable.default()
    assert len(table.for_purpose(G)) == len(table.for_purpose(N)) == 42
    assert len(table.for_purpose(R)) == 55
    assert table.for_purpose(S) == ()  # no agent's opt-out speaks for classic search
    assert len(table.tokens) == 97


@pytest.mark.parametrize(
    ("name", "purposes"),
    [
        ("GPTBot", TRAINING),
        ("CCBot", TRAINING),
        ("Google-Extended", TRAINING),
        ("ClaudeBot", TRAINING),
        ("anthropic-ai", TRAINING),
        ("Applebot-Extended", TRAINING),
        ("Bytespider", TRAINING),
        ("meta-externalagent", TRAINING),
        ("cohere-training-data-crawler", TRAINING),
        ("FacebookBot", TRAINING),
        ("OAI-SearchBot", AI_INPUT),
        ("ChatGPT-User", AI_INPUT),
        ("Claude-SearchBot", AI_INPUT),
        ("Claude-User", AI_INPUT),
        ("PerplexityBot", AI_INPUT),
        ("Perplexity-User", AI_INPUT),
        ("meta-externalfetcher", AI_INPUT),
        ("MistralAI-User", AI_INPUT),
    ],
)
def test_default_tokens(name: str, purposes: frozenset[Purpose]) -> None:
    table = AgentTable.default()
    assert table.tokens[name.lower()] == purposes
    assert table.names[name.lower()] == name  # spelled as in the list, for reason codes


@pytest.mark.parametrize(
    "name",
    [
        "Scrapy",  # generic crawler framework
        "Spider",  # generic word
        "Lightpanda",  # generic headless browser
        "Code",  # generic word
        "Applebot",  # general search crawler; Applebot-Extended is the AI token
        "PetalBot",  # general search crawler
        "AI2Bot",  # digit: a group for it names "ai"
        "Channel3Bot",
        "img2dataset",
        "Diffbot",  # data provider list, not included
    ],
)
def test_left_out(name: str) -> None:
    assert name.lower() not in AgentTable.default().tokens
    assert name in " ".join(DATA["notes"])  # and the notes say why


def test_every_listed_name_is_kept_or_explained() -> None:
    table = AgentTable.default()
    notes = " ".join(DATA["notes"])
    for text, purposes in ((SIGNALS_TRAINING, TRAINING), (SIGNALS_AI_INPUT, AI_INPUT)):
        for name in _names(text):
            if name.lower() in table.tokens:
                assert table.tokens[name.lower()] == purposes, name
            else:
                assert f"'{name}'" in notes or name in notes, name


def test_packaged_file_shape() -> None:
    assert DATA["updated"] == "2026-11-29"
    assert DATA["source"]
    for name, category in DATA["categories"].items():
        assert frozenset(Purpose(p) for p in category["purposes"]) == CATEGORIES[name]
        tokens = category["tokens"]
        assert all(is_valid_token(t) for t in tokens)
        assert len({t.lower() for t in tokens}) == len(tokens)  # no case duplicates left


def test_for_purpose_is_sorted_and_lower_case() -> None:
    tokens = AgentTable.default().for_purpose(G)
    assert list(tokens) == sorted(tokens)
    assert all(t == t.lower() for t in tokens)
    assert "gptbot" in tokens and "oai-searchbot" not in tokens


def test_table_is_read_only_and_a_value() -> None:
    table = AgentTable.default()
    with pytest.raises(TypeError):
        table.tokens["newbot"] = TRAINING  # type: ignore[index]
    assert table.configured() == table
    assert hash(table.configured()) == hash(table)
    assert table.configured() is not table


# --------------------------------------------------------------------------
# configured(): per-job changes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["train-genai"], frozenset({G})),
        (["TRAIN-AI", " search "], frozenset({N, S})),
        (["training"], TRAINING),
        (["ai-input"], AI_INPUT),
        ("training", TRAINING),  # one name as a bare string
        (("training", "ai-input", "search"), frozenset(Purpose)),
    ],
)
def test_add(names: list[str] | str, expected: frozenset[Purpose]) -> None:
    table = AgentTable.default().configured(add={"ExampleAI": names})
    assert table.tokens["exampleai"] == expected
    assert table.names["exampleai"] == "ExampleAI"
    assert "exampleai" not in AgentTable.default().tokens  # the default is untouched


def test_add_merges_with_an_existing_token() -> None:
    table = AgentTable.default().configured(add={"gptbot": ["ai-input"]})
    assert table.tokens["gptbot"] == frozenset({G, N, R})
    assert table.names["gptbot"] == "GPTBot"  # the table's spelling stays


def test_drop_is_case_insensitive_and_ignores_unknown_tokens() -> None:
    table = AgentTable.default().configured(drop=["gptbot", "CCBOT", "NoSuchBot"])
    assert "gptbot" not in table.tokens and "ccbot" not in table.tokens
    assert len(table.tokens) == len(AgentTable.default().tokens) - 2


def test_drop_then_add() -> None:
    table = AgentTable.default().configured(drop=["GPTBot"], add={"GPTBot": ["train-genai"]})
    assert table.tokens["gptbot"] == frozenset({G})


def test_own_only() -> None:
    assert AgentTable.default().configured(own_only=True).tokens == {}
    table = AgentTable.default().configured(own_only=True, add={"ExampleAI": ["training"]})
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
        AgentTable.default().configured(add=add, drop=drop)
    assert isinstance(info.value, AgentTableError)
    assert named in str(info.value)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"categories": []},
        {"categories": {"training": []}},
        {"categories": {"training": {"purposes": ["training"]}}},
        {"categories": {"training": {"purposes": ["nope"], "tokens": ["A"]}}},
        {"categories": {"training": {"purposes": ["training"], "tokens": ["A B"]}}},
    ],
)
def test_from_json_rejects_bad_data(data: dict[str, Any]) -> None:
    with pytest.raises(AgentTableError):
        AgentTable.from_json(data)


def test_from_json_token_in_two_categories_covers_both() -> None:
    table = AgentTable.from_json(
        {
            "categories": {
                "a": {"purposes": ["training"], "tokens": ["FooBot"]},
                "b": {"purposes": ["ai-input"], "tokens": ["foobot"]},
            }
        }
    )
    assert dict(table.tokens) == {"foobot": frozenset({G, N, R})}
    assert table.names["foobot"] == "FooBot"
