"""A setting that narrows a gate is refused for the job's purpose, or recorded as a weakening."""

from __future__ import annotations

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
