"""`storage.cli_support` and `storage.times`: what every command line shares."""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from crawler.cli import app as consentcrawl
from crawler.defaults import CONSENT_DEFAULTS
from storage.catalog import chain
from storage.cli_support import DEFAULT_CATALOG_URL, FAILED, USAGE, fail, opened, plain
from storage.times import utc_text

UTC_FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 12, 4, 21, 28, 7, tzinfo=UTC), "2026-12-04T21:28:07.000000Z"),
        (datetime(2026, 12, 4, 21, 28, 7, 120, tzinfo=UTC), "2026-12-04T21:28:07.000120Z"),
        (
            datetime(2026, 12, 5, 0, 28, 7, 5, tzinfo=timezone(timedelta(hours=3))),
            "2026-12-04T21:28:07.000005Z",
        ),
        (
            datetime(2026, 12, 4, 16, 0, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "2026-12-04T21:30:00.000000Z",
        ),
        (datetime(999, 1, 2, 3, 4, 5, 999_999, tzinfo=UTC), "0999-01-02T03:04:05.999999Z"),
        (None, None),
    ],
)
def test_the_one_utc_form(moment: datetime | None, text: str | None) -> None:
    assert utc_text(moment) == text
    if moment is not None:
        assert UTC_FORM.fullmatch(utc_text(moment))
        assert chain.plain(moment) == text  # the chains hash this very text
        assert datetime.fromisoformat(utc_text(moment)) == moment


@dataclasses.dataclass(frozen=True)
class _Inner:
    at: datetime
    ids: tuple[uuid.UUID, ...]


@dataclasses.dataclass(frozen=True)
class _Outer:
    name: str
    inner: _Inner | None
    counts: dict[int, int]


JOB = uuid.UUID("0b5cbb4e-8a9f-4d7e-9a57-3f0f2c1f6b11")
AT = datetime(2026, 11, 29, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (AT, "2026-11-29T07:00:00.000000Z"),
        (JOB, str(JOB)),
        ((1, "a", None), [1, "a", None]),
        ({1: AT}, {"1": "2026-11-29T07:00:00.000000Z"}),
        (
            _Outer("n", _Inner(AT, (JOB,)), {2: 3}),
            {
                "name": "n",
                "inner": {"at": "2026-11-29T07:00:00.000000Z", "ids": [str(JOB)]},
                "counts": {"2": 3},
            },
        ),
        (_Outer("n", None, {}), {"name": "n", "inner": None, "counts": {}}),
    ],
)
def test_plain_makes_json(value: Any, expected: Any) -> None:
    assert plain(value) == expected
    assert json.loads(json.dumps(plain(value))) == expected


def _failing(*messages: str, code: int) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run() -> None:
        raise fail(*messages, code=code)

    return app


@pytest.mark.parametrize(
    ("messages", "code", "lines"),
    [
        (("bad --limit",), USAGE, ["consentcrawl: error: bad --limit"]),
        (
            ("no catalog at x\nsecond line",),
            FAILED,
            ["consentcrawl: error: no catalog at x second line"],
        ),
        (
            ("a.txt:3: 'ftp://x'", "a.txt:5: 'mailto:y'"),
            USAGE,
            ["consentcrawl: error: a.txt:3: 'ftp://x'", "consentcrawl: error: a.txt:5: 'mailto:y'"],
        ),
    ],
)
def test_fail_is_one_line_per_message_and_an_exit_code(
    messages: tuple[str, ...], code: int, lines: list[str]
) -> None:
    result = CliRunner().invoke(_failing(*messages, code=code), [])
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.splitlines() == lines


def test_opened_turns_catalog_failures_into_one_line(tmp_path: Path) -> None:
    app = typer.Typer()

    @app.command()
    def run(url: str, broken_pipe: bool = False) -> None:
        with opened(url, "read"):
            if broken_pipe:
                raise BrokenPipeError
            raise OSError("disk gone")

    missing = tmp_path / "missing.sqlite"
    result = CliRunner().invoke(app, [f"sqlite:///{missing}"])
    assert (result.exit_code, result.stderr) == (
        FAILED,
        f"consentcrawl: error: no catalog at {missing}\n",
    )
    assert not missing.exists()

    url = f"sqlite:///{tmp_path / 'cat.sqlite'}"
    from storage.catalog import Catalog

    Catalog(url, mode="write").close()
    result = CliRunner().invoke(app, [url])
    assert (result.exit_code, result.stderr) == (FAILED, "consentcrawl: error: disk gone\n")
    result = CliRunner().invoke(app, [url, "--broken-pipe"])
    assert isinstance(result.exception, BrokenPipeError)  # left to the caller


def _catalog_options(command: Any, path: str = "consentcrawl") -> list[tuple[str, Any]]:
    """(command path, its --catalog option) of every command under `command` (typer's click
    objects, read by attribute: typer bundles its own click)."""
    found = [(path, p) for p in command.params if "--catalog" in p.opts]
    for name, sub in getattr(command, "commands", {}).items():
        found += _catalog_options(sub, f"{path} {name}")
    return found


def test_every_catalog_option_is_the_one() -> None:
    options = _catalog_options(get_command(consentcrawl))
    commands = {path for path, _ in options}
    assert {
        "consentcrawl crawl",
        "consentcrawl audit export",
        "consentcrawl blocklist add",
        "consentcrawl catalog upgrade",
    } <= commands
    for path, option in options:
        assert (option.default, option.envvar, option.metavar) == (
            DEFAULT_CATALOG_URL,
            "CONSENT_CATALOG_URL",
            "URL",
        ), path
    assert CONSENT_DEFAULTS["CONSENT_CATALOG_URL"] == DEFAULT_CATALOG_URL


FILTERS = (
    "--domain",
    "--job",
    "--purpose",
    "--outcome",
    "--reason",
    "--license-status",
    "--since",
    "--until",
)


@pytest.mark.parametrize("command", ["query", "export"])
def test_query_and_export_share_the_record_filters(command: str) -> None:
    audit: Any = get_command(consentcrawl)
    options = [opt for p in audit.commands["audit"].commands[command].params for opt in p.opts]
    assert [o for o in options if o in FILTERS] == list(FILTERS)
