"""The licence gate: the job's terms from settings, and RSL documents fetched once per URL,
kept within their max-age, unreadable ones denying every purpose."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.consent.model import Effect, LicenseStatus, Purpose, Reason
from crawler.exceptions import ConfigError
from crawler.services import services_of
from crawler.services.fetch import Fetched
from crawler.services.licences import RslLicences, rsl_unreadable

from .sites import ADDON

NS = "https://rslstandard.org/rsl"
URL = "https://news.test/license.xml"


def document(max_age: str | None = None) -> bytes:
    age = f' max-age="{max_age}"' if max_age is not None else ""
    return (f'<rsl xmlns="{NS}"{age}><content url="/"><license><prohibits type="usage">'
            "ai-train</prohibits></license></content></rsl>").encode()


def gate(answers: list[Fetched], **settings: Any) -> tuple[RslLicences, list[str]]:
    crawler = get_crawler(settings_dict={**ADDON,
                                         "CONSENT_PURPOSE": "train-genai", **settings})
    licences = services_of(crawler).licences
    asked: list[str] = []

    async def fetch(url: str, kind: str, max_size: int) -> Fetched:
        asked.append(url)
        return answers[min(len(asked), len(answers)) - 1]

    licences.fetcher.fetch = fetch  # type: ignore[method-assign]
    return licences, asked


def twice(licences: RslLicences) -> list[Any]:
    async def main() -> list[Any]:
        return [await licences.document(URL), await licences.document(URL)]

    return asyncio.run(main())


@pytest.mark.parametrize(("max_age", "fetches"), [(None, 1), ("30", 1), ("0", 2)])
def test_documents_are_kept_within_their_max_age(max_age: str | None, fetches: int) -> None:
    licences, asked = gate([Fetched("rsl", URL, 200, document(max_age))])
    first, _ = twice(licences)
    assert len(asked) == fetches
    [deny] = [e for e in first.evidence("https://news.test/a", licences.terms, via="robots.txt")
              if e.effect is Effect.DENY]
    assert deny.reason == "rsl-prohibited:ai-train"
    assert deny.document_sha256 == first.fetched.sha256


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (Fetched("rsl", URL, 503, b"busy"), Reason.RSL_UNREACHABLE),
        (Fetched("rsl", URL, None, None, error="TimeoutError"), Reason.RSL_UNREACHABLE),
        (Fetched("rsl", URL, 404, b"gone"), Reason.RSL_UNREACHABLE),
        (Fetched("rsl", URL, None, None,
                 error="Cancelling download: larger than download max size"), Reason.RSL_INVALID),
        (Fetched("rsl", URL, 200, b"<rsl>not the namespace</rsl>"), Reason.RSL_INVALID),
    ],
)
def test_unreadable_documents_deny_every_purpose(answer: Fetched, reason: Reason) -> None:
    licences, asked = gate([answer])
    found, _ = twice(licences)  # an error is kept for CONSENT_ROBOTS_ERROR_TTL, not refetched
    assert len(asked) == 1
    [deny] = found.evidence("https://news.test/a", licences.terms, via="robots.txt line 1")
    assert (deny.effect, deny.reason, deny.license_status) == (
        Effect.DENY, reason, LicenseStatus.RESERVED)
    assert all(deny.applies_to(p) for p in Purpose)


def test_unfollowable_declarations_deny_every_purpose() -> None:
    deny = rsl_unreadable("https://news.test/robots.txt", ["over 10 License lines"])
    assert (deny.effect, deny.reason, deny.purposes) == (Effect.DENY, Reason.RSL_INVALID,
                                                          frozenset())
    assert "over 10 License lines" in deny.value


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CONSENT_ACCEPT_LICENSES": ["NOT-A-LICENCE"]}, "--accept-license"),
        ({"CONSENT_LICENSES_HELD": ["not a url"]}, "--license-held"),
        ({"CONSENT_GEO": "Atlantis"}, "--geo"),
    ],
)
def test_bad_terms_in_settings_are_config_errors(settings: dict[str, Any], message: str) -> None:
    # The crawler's configuration is built with its extensions, before any component runs.
    with pytest.raises(ConfigError, match=message):
        get_crawler(settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings})
