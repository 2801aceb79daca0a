"""Withdrawing a blocklist entry reinstates what its takedowns removed (issue 13), on SQLite
and PostgreSQL: one chained reinstatement per item, the items back in export, query, domains,
summary and report, and a report per entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from typer.testing import CliRunner

from blocklists.intake import apply_takedowns, submit, withdraw_entry
from crawler.cli import app
from storage.audit.export import export_rows
from storage.audit.filters import RecordFilter
from storage.audit.queries import domains, query_records, record_history
from storage.audit.report import build_report
from storage.audit.summary import eu_summary
from storage.audit.verify import verify
from storage.catalog import Catalog, JobSpec, RecordIn
from storage.errors import CatalogError

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
PUB = "piracy.example\nhost: files.mirror.example\n"
URLS = {
    "http://piracy.example/a": 10,
    "http://www.piracy.example/b": 20,
    "http://keep.piracy.example/c": 30,
    "http://files.mirror.example/d": 40,
    "http://ok.example/e": 50,
}


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def collect(catalog: Catalog) -> dict[str, int]:
    job = catalog.start_job(JobSpec(
        purpose="train-genai", agent="consentcrawl", user_agent="consentcrawl/0.1",
        seeds=(), settings={}, software_version="0.1.0",
    ))
    catalog.write(job, records=[
        RecordIn(url, "collected", (), "unknown", T0, size=size) for url, size in URLS.items()
    ])
    catalog.finish_job(job, "finished", {})
    return {r.url: r.record_id for r in catalog.collected_records()}


@pytest.fixture
def taken_down(catalog: Catalog, tmp_path: Path) -> dict[str, int]:
    """Every URL but ok.example taken down by list "pub"; then list "other" lists keep.…"""
    submit(catalog, write(tmp_path, "pub.txt", PUB), submitter="Publisher")
    ids = collect(catalog)
    assert [t.items for t in apply_takedowns(catalog)] == [1, 3]  # by entry: host, domain
    submit(catalog, write(tmp_path, "other.txt", "host: keep.piracy.example\n"),
           submitter="Other")
    return ids


def exported(catalog: Catalog) -> list[str]:
    return [row["url"] for row in export_rows(catalog)]


def reinstatements(catalog: Catalog) -> list[tuple[Any, ...]]:
    with catalog.engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(
            "SELECT r.record_id, t.entry, r.reason, w.value FROM catalog_reinstatement r "
            "JOIN catalog_takedown t ON t.id = r.takedown_id "
            "JOIN catalog_blocklist_withdrawal w ON w.id = r.withdrawal_id ORDER BY r.id"
        ))]


def test_withdrawal_reinstates_its_takedowns(catalog: Catalog, taken_down: dict[str, int]) -> None:
    ids = taken_down
    assert exported(catalog) == ["http://ok.example/e"]

    report = withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal granted", by="legal")

    assert report.entries == 1
    [entry] = report.reinstated
    assert (entry.source, entry.entry, entry.kind, entry.items, entry.bytes) == (
        "pub", "piracy.example", "domain", 2, 30
    )
    assert [(k.record_id, k.url, k.by) for k in entry.kept_down] == [
        (ids["http://keep.piracy.example/c"], "http://keep.piracy.example/c",
         "other keep.piracy.example"),
    ]
    # One reinstatement per item, naming the withdrawal; the other entry's takedown stays.
    assert reinstatements(catalog) == [
        (ids["http://piracy.example/a"], "piracy.example", "appeal granted", "piracy.example"),
        (ids["http://www.piracy.example/b"], "piracy.example", "appeal granted", "piracy.example"),
    ]
    back = ["http://piracy.example/a", "http://www.piracy.example/b", "http://ok.example/e"]
    assert exported(catalog) == back
    assert [r.url for r in catalog.collected_records()] == back
    assert [r.url for r in query_records(catalog, RecordFilter()).items] == back
    assert sorted(d.collected for d in domains(catalog, by="host").items) == [1, 1, 1]
    assert {d.domain for d in domains(catalog, by="host").items} == {
        "piracy.example", "www.piracy.example", "ok.example"
    }
    summary = eu_summary(catalog)
    assert (summary.taken_down_records, summary.taken_down_bytes) == (2, 70)
    assert build_report(catalog).taken_down == 2
    # Still withdrawn: applying the lists again takes nothing down.
    assert apply_takedowns(catalog) == []
    assert exported(catalog) == back
    checked = verify(catalog)
    assert checked.ok, checked.problems
    assert checked.reinstatements == 2


def test_a_reinstated_item_listed_again_is_taken_down_again(
    catalog: Catalog, taken_down: dict[str, int], tmp_path: Path
) -> None:
    withdraw_entry(catalog, "pub", "piracy.example", "domain", reason="appeal granted", by="legal")
    # The rights holder lists the host again, in a new version.
    submit(catalog, write(tmp_path, "pub.txt", PUB + "host: www.piracy.example\n"),
           submitter="Publisher")
    [again] = apply_takedowns(catalog)
    assert (again.source, again.version, again.entry, again.items) == (
        "pub", 2, "www.piracy.example", 1
    )
    assert exported(catalog) == ["http://piracy.example/a", "http://ok.example/e"]
    rows = [(t.record_id, t.entry) for t in catalog.takedowns()]
    b = taken_down["http://www.piracy.example/b"]
    assert rows.count((b, "piracy.example")) == 1 and rows[-1] == (b, "www.piracy.example")
    # Withdrawing the new entry reinstates the new takedown only.
    report = withdraw_entry(catalog, "pub", "www.piracy.example", "host", reason="r", by="legal")
    assert [(e.entry, e.items, e.bytes) for e in report.reinstated] == [
        ("www.piracy.example", 1, 20)
    ]
    assert len(reinstatements(catalog)) == 3
    assert verify(catalog).ok


def test_kept_down_until_the_entry_keeping_it_is_withdrawn(
    catalog: Catalog, taken_down: dict[str, int]
) -> None:
    withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal", by="legal")
    assert "http://keep.piracy.example/c" not in exported(catalog)
    report = withdraw_entry(catalog, "other", "keep.piracy.example", None, reason="licensed",
                            by="legal")
    # Its own entry took nothing down; the item it kept down under pub's entry is back.
    assert [(e.source, e.entry, e.items, e.bytes, e.kept_down) for e in report.reinstated] == [
        ("pub", "piracy.example", 1, 30, ())
    ]
    assert "http://keep.piracy.example/c" in exported(catalog)
    assert len(reinstatements(catalog)) == 3
    assert reinstatements(catalog)[-1][2:] == ("licensed", "keep.piracy.example")
    # Withdrawing more reports nothing of the items reinstated before.
    report = withdraw_entry(catalog, "pub", "files.mirror.example", None, reason="r", by="l")
    assert [(e.entry, e.items) for e in report.reinstated] == [("files.mirror.example", 1)]


@pytest.mark.parametrize(
    ("value", "kind", "items", "kept"),
    [
        ("piracy.example", "domain", 2, 1),
        ("files.mirror.example", "host", 1, 0),
        ("files.mirror.example", None, 1, 0),
    ],
)
def test_report_per_entry(
    catalog: Catalog, taken_down: dict[str, int], value: str, kind: str | None, items: int,
    kept: int,
) -> None:
    report = withdraw_entry(catalog, "pub", value, kind, reason="appeal", by="legal")
    assert [(e.entry, e.items, len(e.kept_down)) for e in report.reinstated] == [
        (value, items, kept)
    ]


def test_entry_without_takedowns_reports_none(catalog: Catalog, tmp_path: Path) -> None:
    submit(catalog, write(tmp_path, "pub.txt", PUB), submitter="Publisher")
    collect(catalog)
    report = withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal", by="legal")
    assert (report.entries, report.reinstated) == (1, ())
    assert reinstatements(catalog) == []


def test_failed_withdrawal_reinstates_nothing(
    catalog: Catalog, taken_down: dict[str, int]
) -> None:
    withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal", by="legal")
    with pytest.raises(CatalogError, match="withdrawn already"):
        withdraw_entry(catalog, "pub", "piracy.example", "domain", reason="again", by="legal")
    assert len(reinstatements(catalog)) == 2


@pytest.mark.parametrize("as_json", [False, True])
def test_cli_prints_the_report(
    catalog: Catalog, catalog_url: str, taken_down: dict[str, int], as_json: bool
) -> None:
    result = CliRunner().invoke(app, [
        "blocklist", "withdraw", "pub", "piracy.example", "--reason", "appeal granted",
        "--by", "legal", "--catalog", catalog_url, *(["--json"] if as_json else []),
    ])
    assert result.exit_code == 0, result.output
    if as_json:
        report = json.loads(result.output)
        assert report["entries"] == 1
        [entry] = report["reinstated"]
        assert (entry["entry"], entry["kind"], entry["items"], entry["bytes"]) == (
            "piracy.example", "domain", 2, 30
        )
        assert [k["by"] for k in entry["kept_down"]] == ["other keep.piracy.example"]
    else:
        assert result.output.splitlines() == [
            "pub: piracy.example withdrawn (1 entry)",
            "domain piracy.example: 2 items, 30 bytes reinstated, 1 kept down",
            "  http://keep.piracy.example/c kept down by other keep.piracy.example",
        ]
    assert exported(catalog) == [
        "http://piracy.example/a", "http://www.piracy.example/b", "http://ok.example/e"
    ]


def test_history_shows_the_takedown_in_force(
    catalog: Catalog, taken_down: dict[str, int], tmp_path: Path
) -> None:
    url = "http://www.piracy.example/b"

    def takedowns_shown() -> list[str | None]:
        return [v.takedown and v.takedown.entry for v in record_history(catalog, url)]

    assert takedowns_shown() == ["piracy.example"]
    withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal", by="legal")
    assert takedowns_shown() == [None]
    submit(catalog, write(tmp_path, "pub.txt", PUB + "host: www.piracy.example\n"),
           submitter="Publisher")
    apply_takedowns(catalog)
    assert takedowns_shown() == ["www.piracy.example"]  # one row, not one per takedown


def test_checkpoint_covers_the_reinstatements(
    catalog: Catalog, taken_down: dict[str, int]
) -> None:
    withdraw_entry(catalog, "pub", "piracy.example", None, reason="appeal", by="legal")
    key = Ed25519PrivateKey.generate()
    signed = catalog.checkpoint(key)
    assert {"table": "catalog_reinstatement", "stream": "reinstatements"}.items() <= next(
        s for s in signed.body["streams"] if s["table"] == "catalog_reinstatement"
    ).items()
    with catalog.engine.begin() as connection:
        connection.execute(text(
            "DELETE FROM catalog_reinstatement WHERE id = (SELECT MAX(id) FROM "
            "catalog_reinstatement)"
        ))
    found = verify(catalog, checkpoint=(signed, key.public_key())).problems
    assert ("truncated", "catalog_reinstatement") in {(p.kind, p.table) for p in found}
