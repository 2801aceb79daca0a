"""A setting that narrows a gate is refused for the job's purpose, or recorded as a weakening."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.addon import ConsentAddon
from crawler.config import ConsentConfig
from crawler.exceptions import ConfigError
from crawler.weakenings import NARROWED

from .sites import CONTACT


def build(purpose: str, **values: Any) -> ConsentConfig:
    settings = Settings({"CONSENT_PURPOSE": purpose, "CONSENT_CONTACT_URL": CONTACT, **values})
    ConsentAddon().update_settings(settings)
    return ConsentConfig.from_settings(settings)


def settings_of(config: ConsentConfig) -> dict[str, Any]:
    return {w.setting: w.value for w in config.weakenings}


# (purpose, settings, the weakenings recorded: setting -> value)
RECORDED = [
    ("train-genai", {}, {}),
    ("train-genai", {"CONSENT_AI_AGENTS_DROP": ["GPTBot"]},
     {"CONSENT_AI_AGENTS_DROP": ["GPTBot"]}),
    # a dropped token that speaks for no purpose of the job narrows nothing
    ("search", {"CONSENT_AI_AGENTS_DROP": ["GPTBot"]}, {}),
    ("ai-input", {"CONSENT_AI_AGENTS_DROP": ["GPTBot", "PerplexityBot"]},
     {"CONSENT_AI_AGENTS_DROP": ["PerplexityBot"]}),
    # adding a token only widens what is honoured
    ("train-genai", {"CONSENT_AI_AGENTS_ADD": {"ExampleAI": ["training"]}}, {}),
    ("search", {"CONSENT_AI_AGENTS_OWN_ONLY": True}, {}),
    ("train-ai", {"CONSENT_ALLOW_PRIVATE_NETWORKS": ["10.0.0.0/8"]},
     {"CONSENT_ALLOW_PRIVATE_NETWORKS": ["10.0.0.0/8"]}),
    ("search", {"CONSENT_RESOLVE": ["a.example:127.0.0.1"]},
     {"CONSENT_RESOLVE": ["a.example:127.0.0.1"]}),
    ("train-genai", {"CONSENT_AUTH_URL_PATTERNS": ["/private/"]},
     {"CONSENT_AUTH_URL_PATTERNS": "left_out"}),
    ("train-genai", {"CONSENT_SITE_MAX_PAGES": 50_000}, {"CONSENT_SITE_MAX_PAGES": 50_000}),
    ("train-genai", {"CONSENT_SITE_MAX_PAGES": 100}, {}),  # a lower cap is stricter
    ("train-genai", {"CONSENT_MAX_PATH_SEGMENTS": 99}, {"CONSENT_MAX_PATH_SEGMENTS": 99}),
    ("train-genai", {"CONSENT_MAX_CRAWL_DELAY": 1.0}, {"CONSENT_MAX_CRAWL_DELAY": 1.0}),
    ("train-genai", {"CONSENT_MAX_CRAWL_DELAY": 60.0}, {}),
    ("train-genai", {"CONSENT_LICENSES_HELD": ["https://news.example/license.xml"]},
     {"CONSENT_LICENSES_HELD": ["https://news.example/license.xml"]}),
    ("train-genai", {"DOWNLOADER_MIDDLEWARES": {"myproject.mw.Rewrite": 105}},
     {"DOWNLOADER_MIDDLEWARES": {"myproject.mw.Rewrite": 105}}),
    # back-off thresholds and the job's own caps narrow no gate
    ("train-genai", {"CONSENT_AUTH_WALL_RATIO": 1.0, "CONSENT_MAX_PAGES": 10**6}, {}),
]


@pytest.mark.parametrize(("purpose", "values", "expected"), RECORDED)
def test_weakenings_recorded(purpose: str, values: dict[str, Any], expected: dict[str, Any]) -> None:
    found = settings_of(build(purpose, **values))
    assert set(found) == set(expected)
    for setting, value in expected.items():
        if value == "left_out":
            assert "/wp-login\\.php" in found[setting]["left_out"]
        else:
            assert found[setting] == value


def test_every_weakening_names_what_it_narrows() -> None:
    config = build("train-genai", CONSENT_AI_AGENTS_DROP=["GPTBot"], CONSENT_RESOLVE=["a:1.2.3.4"],
                   CONSENT_ALLOW_PRIVATE_NETWORKS=["127.0.0.0/8"])
    for weakening in config.weakenings:
        assert weakening.narrows and set(weakening.narrows) <= set(NARROWED)
        assert weakening.why
        assert weakening.to_json()["setting"] == weakening.setting


REFUSED = [
    ("train-genai", {"CONSENT_AI_AGENTS_OWN_ONLY": True}, "CONSENT_AI_AGENTS_OWN_ONLY"),
    ("train-ai", {"CONSENT_AI_AGENTS_OWN_ONLY": True}, "CONSENT_AI_AGENTS_OWN_ONLY"),
    ("ai-input", {"CONSENT_AI_AGENTS_OWN_ONLY": True}, "CONSENT_AI_AGENTS_OWN_ONLY"),
    # search too, when the job also gathers another purpose's evidence (check --purpose all)
    ("search", {"CONSENT_AI_AGENTS_OWN_ONLY": True, "CONSENT_EVALUATE": ["train-ai"]},
     "CONSENT_AI_AGENTS_OWN_ONLY"),
    ("search", {"CONSENT_AGENT": "Googlebot"}, "CONSENT_AGENT='Googlebot': the token of another"),
    ("train-genai", {"CONSENT_AGENT": "gptbot"}, "CONSENT_AGENT='gptbot'"),
    ("search", {"CONSENT_ROBOTS_PARSE_LIMIT": 1000}, "CONSENT_ROBOTS_PARSE_LIMIT=1000: below"),
]


@pytest.mark.parametrize(("purpose", "values", "message"), REFUSED)
def test_weakenings_refused(purpose: str, values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(purpose, **values)


# --------------------------------------------------------------------------
# CONSENT_AI_AGENTS_FILE: a table file in place of the packaged one
# --------------------------------------------------------------------------

PACKAGED = json.loads(resources.files("crawler.consent").joinpath("agents.json").read_text("utf-8"))


def table_file(tmp_path: Path, *, drop: tuple[str, ...] = (), training_only: tuple[str, ...] = (),
               add: tuple[str, ...] = ()) -> str:
    """The packaged table file without the names ``drop``, with ``training_only`` narrowed to
    training and ``add`` as new ai-input names (what an import of another robots.json gives)."""
    data = json.loads(json.dumps(PACKAGED))
    data["agents"] = [a for a in data["agents"] if a["name"] not in drop]
    for agent in data["agents"]:
        if agent["name"] in training_only:
            agent.update(category="training", purposes=["train-genai", "train-ai"])
    template = next(a for a in PACKAGED["agents"] if a["name"] == "Claude-User")
    data["agents"] += [{**template, "name": name, "token": name} for name in add]
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    ("purpose", "edits", "lost"),
    [
        ("train-genai", {"drop": ("GPTBot",)}, {"train-genai": ["GPTBot"]}),
        ("train-ai", {"drop": ("GPTBot", "Claude-User")}, {"train-ai": ["GPTBot"]}),
        ("ai-input", {"drop": ("GPTBot", "Claude-User")}, {"ai-input": ["Claude-User"]}),
        ("search", {"drop": ("GPTBot",)}, None),  # no opt-out of GPTBot speaks for search
        # a token that covers fewer purposes is lost for those
        ("ai-input", {"training_only": ("YouBot",)}, {"ai-input": ["YouBot"]}),
        ("train-genai", {"training_only": ("YouBot",)}, None),
        # two names, one token: dropping one keeps the token
        ("train-genai", {"drop": ("Meta-ExternalAgent",)}, None),
        ("train-genai", {"add": ("ExampleAI",)}, None),  # more agents only widen
    ],
)
def test_a_smaller_table_file_is_a_weakening(
    tmp_path: Path, purpose: str, edits: dict[str, Any], lost: dict[str, list[str]] | None
) -> None:
    path = table_file(tmp_path, **edits)
    found = settings_of(build(purpose, CONSENT_AI_AGENTS_FILE=path))
    if lost is None:
        assert "CONSENT_AI_AGENTS_FILE" not in found
    else:
        assert found["CONSENT_AI_AGENTS_FILE"] == {"file": path, "lost": lost}
    assert "CONSENT_AI_AGENTS_DROP" not in found  # the file's loss is the file's, not a drop


def test_drop_and_own_only_apply_to_the_file_table(tmp_path: Path) -> None:
    path = table_file(tmp_path, drop=("GPTBot",), add=("ExampleAI",))
    config = build("ai-input", CONSENT_AI_AGENTS_FILE=path,
                   CONSENT_AI_AGENTS_DROP=["GPTBot", "ExampleAI", "Claude-User"])
    assert settings_of(config)["CONSENT_AI_AGENTS_DROP"] == ["Claude-User", "ExampleAI"]
    assert "exampleai" not in config.agents.tokens and "exampleai" in config.agents_base.tokens
    with pytest.raises(ConfigError, match="CONSENT_AI_AGENTS_OWN_ONLY"):
        build("ai-input", CONSENT_AI_AGENTS_FILE=path, CONSENT_AI_AGENTS_OWN_ONLY=True)
    with pytest.raises(ConfigError, match="CONSENT_AGENT='ExampleAI': the token of another"):
        build("search", CONSENT_AI_AGENTS_FILE=path, CONSENT_AGENT="ExampleAI")
