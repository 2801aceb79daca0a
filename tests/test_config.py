"""The crawl's configuration: every setting typed and checked once, recorded whole."""

from __future__ import annotations

import json
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.addon import ConsentAddon
from crawler.config import READERS, SCRAPY_RECORDED, ConsentConfig
from crawler.consent.model import Purpose
from crawler.defaults import CONSENT_DEFAULTS
from crawler.exceptions import ConfigError

from .sites import CONTACT


def build(**values: Any) -> ConsentConfig:
    settings = Settings({"CONSENT_PURPOSE": "train-genai", "CONSENT_CONTACT_URL": CONTACT, **values})
    ConsentAddon().update_settings(settings)
    return ConsentConfig.from_settings(settings)


def test_every_setting_has_a_reader() -> None:
    assert set(READERS) == set(CONSENT_DEFAULTS)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        # what `--set NAME=VALUE` gives: text, typed here, never a traceback later
        ({"CONSENT_MAX_PAGES": "abc"}, r"setting CONSENT_MAX_PAGES='abc'"),
        ({"CONSENT_MAX_PAGES": "-1"}, r"CONSENT_MAX_PAGES='-1': must not be negative"),
        ({"CONSENT_IMAGES": "maybe"}, r"setting CONSENT_IMAGES='maybe'"),
        ({"CONSENT_AUTH_WALL_RATIO": "2"}, r"CONSENT_AUTH_WALL_RATIO='2': must be between 0 and 1"),
        ({"CONSENT_SITE_MAX_PAGES": "0"}, r"CONSENT_SITE_MAX_PAGES='0': must be at least 1"),
        ({"CONSENT_ROBOTS_TIMEOUT": "nan"}, r"CONSENT_ROBOTS_TIMEOUT='nan'"),
        ({"CONSENT_AI_AGENTS_ADD": "{not json"}, r"setting CONSENT_AI_AGENTS_ADD="),
        ({"CONSENT_AGENT": ""}, r"setting CONSENT_AGENT=''"),
        ({"CONSENT_AGENT": "my bot"}, r"CONSENT_AGENT='my bot': not a robots.txt product token"),
        ({"CONSENT_PURPOSE": "ai-training"}, r"unknown purpose 'ai-training'"),
        ({"CONSENT_PURPOSE": None}, r"CONSENT_PURPOSE is not set"),
        ({"CONSENT_MAXPAGES": "5"}, r"unknown setting CONSENT_MAXPAGES"),
        ({"CONSENT_ALLOW_PRIVATE_NETWORKS": ["not-a-net"]}, r"'not-a-net' is not an IP network"),
        ({"CONSENT_RESOLVE": ["a.example"]}, r"expected HOST:ADDRESS"),
        ({"CONSENT_AUTH_URL_PATTERNS": ["("]}, r"CONSENT_AUTH_URL_PATTERNS"),
        ({"CONSENT_GEO": "Atlantis"}, r"--geo"),
    ],
)
def test_bad_values_name_the_setting(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build(**values)


def test_values_are_typed() -> None:
    config = build(CONSENT_MAX_PAGES="12", CONSENT_IMAGES="true", CONSENT_ROBOTS_TIMEOUT="2.5",
                   CONSENT_EVALUATE="search,ai-input", CONSENT_AI_AGENTS_DROP="GPTBot")
    assert config["CONSENT_MAX_PAGES"] == 12
    assert config["CONSENT_IMAGES"] is True
    assert config["CONSENT_ROBOTS_TIMEOUT"] == 2.5
    assert config.evaluate == {Purpose.TRAIN_GENAI, Purpose.SEARCH, Purpose.AI_INPUT}
    assert "gptbot" not in config.agents.tokens


def test_recorded_holds_every_setting_as_json() -> None:
    config = build(CONSENT_RESOLVE=["*.demo.test:127.0.0.1"], DOWNLOAD_DELAY=0.5)
    recorded = config.recorded()
    assert set(CONSENT_DEFAULTS) | set(SCRAPY_RECORDED) <= set(recorded)
    assert recorded["CONSENT_RESOLVE"] == ["*.demo.test:127.0.0.1"]
    assert recorded["DOWNLOAD_DELAY"] == 0.5
    assert recorded["USER_AGENT"].startswith("consentcrawl/")
    assert json.loads(json.dumps(recorded)) == recorded


def test_foreign_components_are_recorded() -> None:
    config = build(DOWNLOADER_MIDDLEWARES={"myproject.middlewares.StripHeaders": 105})
    assert config.recorded()["components"] == {
        "DOWNLOADER_MIDDLEWARES": {"myproject.middlewares.StripHeaders": 105}
    }
