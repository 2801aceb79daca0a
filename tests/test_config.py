"""The crawl's configuration: every setting typed and checked once, recorded whole."""

from __future__ import annotations

import hashlib
import json
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from scrapy.settings import Settings

from crawler.addon import ConsentAddon
from crawler.config import READERS, SCRAPY_RECORDED, ConsentConfig
from crawler.consent.agents import AgentTable
from crawler.consent.model import Purpose
from crawler.defaults import CONSENT_DEFAULTS
from crawler.exceptions import ConfigError
from crawler.resume import Resumption
from crawler.run import resumed_options, settings_for

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


def test_the_agent_table_in_force_is_recorded() -> None:
    identity = build().recorded()["agent_table"]
    assert identity == AgentTable.default().identity()
    assert identity["file"] == "packaged" and identity["tokens"] == 147
    assert identity["source_commit"] == "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"


def test_an_agent_table_file_is_used_and_recorded(tmp_path: Path) -> None:
    data = json.loads(resources.files("crawler.consent").joinpath("agents.json").read_text("utf-8"))
    template = data["agents"][0]
    data["agents"].append({**template, "name": "ExampleAI", "token": "ExampleAI"})
    data["source"]["commit"] = "abcdef1"
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    config = build(CONSENT_AI_AGENTS_FILE=str(path), CONSENT_AI_AGENTS_DROP="GPTBot",
                   CONSENT_AI_AGENTS_ADD={"OtherAI": ["training"]})
    assert {"exampleai", "otherai"} <= set(config.agents.tokens)  # ADD/DROP on top of the file
    assert "gptbot" not in config.agents.tokens and "gptbot" in config.agents_base.tokens
    recorded = config.recorded()
    assert recorded["CONSENT_AI_AGENTS_FILE"] == str(path)
    assert recorded["agent_table"] == {
        "file": str(path),
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "tokens": 148,
        "source_commit": "abcdef1",
        "source_date": "2026-08-22",
        "source_sha256": AgentTable.default().identity()["source_sha256"],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("[1, 2]", "agent table: expected a JSON object"),
        ('{"format": "consentcrawl-agent-table/2", "categories": []}', "'categories'"),
        ("not json", "not a JSON table file"),
    ],
)
def test_a_bad_agent_table_file_names_setting_and_file(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "agents.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        build(CONSENT_AI_AGENTS_FILE=str(path))
    text = str(info.value)
    assert text.startswith(f"setting CONSENT_AI_AGENTS_FILE={str(path)!r}: ")
    assert str(path) in text.split(": ", 1)[1] and "\n" not in text


def test_a_continuation_records_the_table_it_reads(tmp_path: Path) -> None:
    recorded = build(CONSENT_WARC_DIR=str(tmp_path)).recorded()
    recorded["agent_table"] = {"file": "packaged", "sha256": "an older table", "tokens": 97}
    resumption = Resumption(uuid.uuid4(), "train-genai", ("https://a.example/",), recorded,
                            ())
    settings = settings_for(resumed_options(resumption, "sqlite://", CONTACT, "WARNING"))
    assert settings.get("agent_table") is None  # not taken over as a setting
    ConsentAddon().update_settings(settings)
    assert ConsentConfig.from_settings(settings).recorded()["agent_table"] == (
        AgentTable.default().identity()
    )
