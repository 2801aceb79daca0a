"""The README tables are the contract: every setting, stat and reason code is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler import stats
from crawler.consent.model import LicenseStatus, Reason
from crawler.defaults import CONSENT_DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _settings_read_in_code() -> set[str]:
    names: set[str] = set()
    for package in ("crawler", "storage", "blocklists"):
        for path in (ROOT / package).rglob("*.py"):
            names |= set(re.findall(r"\bCONSENT_[A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    names.discard("CONSENT_DEFAULTS")
    return names


def test_every_setting_in_code_has_a_default() -> None:
    assert _settings_read_in_code() <= set(CONSENT_DEFAULTS) | {"CONSENT_TEST_POSTGRES_URL"}


@pytest.mark.parametrize("name", sorted(CONSENT_DEFAULTS))
def test_setting_documented(name: str) -> None:
    assert f"| `{name}` |" in README


@pytest.mark.parametrize("reason", list(Reason))
def test_reason_code_documented(reason: Reason) -> None:
    assert f"| `{reason.value}` |" in README


@pytest.mark.parametrize("status", list(LicenseStatus))
def test_license_status_documented(status: LicenseStatus) -> None:
    assert f"`{status.value}`" in README


STAT_KEYS = sorted(
    {
        value
        for name, value in vars(stats).items()
        if name.isupper() and isinstance(value, str) and "/" in value and not value.endswith("/")
    }
    | {
        stats.denied_reason("{reason}"),
        *(stats.document_status(kind, "{status}") for kind in stats.DOCUMENTS),
        *(stats.document_fetched(kind) for kind in stats.DOCUMENTS),
        stats.crawl_delay("{slot}"),
        stats.license_status("{status}"),
        stats.license("{spdx}"),
        stats.image_outcome("{outcome}"),
        stats.image_denied_reason("{reason}"),
    }
)


@pytest.mark.parametrize("key", STAT_KEYS)
def test_stat_documented(key: str) -> None:
    assert f"| `{key}` |" in README


def test_outcome_stats_documented() -> None:
    assert "| `catalog/outcome_count/{collected,skipped}` |" in README
