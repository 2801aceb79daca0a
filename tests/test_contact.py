"""The operator's contact: required, an http(s) URL or a mailto: URI, carried in USER_AGENT."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler import __version__
from crawler.addon import ConsentAddon
from crawler.contact import contact_url
from crawler.exceptions import ConfigError


@pytest.mark.parametrize(
    "value",
    ["https://crawl.example/about", "http://example.org/", "mailto:ops@crawl.example",
     "MAILTO:ops@crawl.example", "https://example.org/bot?ref=ua#contact"],
)
def test_accepted(value: str) -> None:
    assert contact_url(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "CONSENT_CONTACT_URL is required"),
        ("  ", "CONSENT_CONTACT_URL is required"),
        ("ftp://crawl.example/", "'ftp://crawl.example/' is not an http(s) URL or a mailto: URI"),
        ("crawl.example", "is not an http(s) URL"),
        ("https://", "is not an http(s) URL"),
        ("mailto:", "is not an http(s) URL"),
        ("mailto:nobody", "is not an http(s) URL"),
        ("mailto:a@b", "is not an http(s) URL"),
        ("https://crawl.example/a b", "is not an http(s) URL"),
        ("https://crawl.example/\r\nX-Evil: 1", "is not an http(s) URL"),
        ("https://crawl.example/(x)", "is not an http(s) URL"),
        ("javascript:alert(1)", "is not an http(s) URL"),
    ],
)
def test_refused(value: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        contact_url(value)


def test_refusal_names_the_option() -> None:
    with pytest.raises(ConfigError, match="^--contact 'x' is not"):
        contact_url("x", "--contact")


def settings_of(**extra: Any) -> Any:
    return get_crawler(
        settings_dict={"ADDONS": {ConsentAddon: 0}, "CONSENT_PURPOSE": "search", **extra}
    ).settings


@pytest.mark.parametrize(
    ("agent", "contact"),
    [("consentcrawl", "https://crawl.example/about"), ("examplebot", "mailto:ops@crawl.example")],
)
def test_addon_puts_the_contact_in_the_user_agent(agent: str, contact: str) -> None:
    settings = settings_of(CONSENT_AGENT=agent, CONSENT_CONTACT_URL=contact)
    assert settings.get("USER_AGENT") == f"{agent}/{__version__} (+{contact})"


@pytest.mark.parametrize(
    ("extra", "message"),
    [({}, "CONSENT_CONTACT_URL is required"),
     ({"CONSENT_CONTACT_URL": "ftp://x.example/"}, "CONSENT_CONTACT_URL 'ftp://x.example/' is not")],
    ids=["missing", "bad"],
)
def test_a_plain_scrapy_project_without_a_usable_contact_fails(
    extra: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_of(**extra)
