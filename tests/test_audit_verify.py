"""Tamper evidence: hash-chained records and takedowns, and `consentcrawl audit verify`."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from storage.audit.verify import VerifyReport, verify
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.chain import chain_hash, genesis, record_content
from storage.cli import app
from storage.warc import WarcStore

T0 = datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=UTC)
SPEC = JobSpec(
    purpose="ai-training",
    agent="consentcrawl",
    user_agent="consentcrawl/1.0",
    seeds=("https://example.com/",),
    settings={},
    software_version="1.0",
)


def record(n: int, outcome: str = "collected", **fields: Any) -> RecordIn:
    evidence = fields.pop("evidence", None) or (
        (EvidenceIn("robots.txt", "https://example.com/robots.txt", "Disallow: /", "deny"),)
        if outcome == "skipped"
        else ()
    )
    return RecordIn(
        url=f"https://example.com/{n}",
        outcome=outcome,
        reasons=("robots-disallow",) if outcome == "skipped" else (),
        license_status="unknown",
        recorded_at=T0 + timedelta(seconds=n),
        evidence=evidence,
        **fields,
    )


@pytest.fixture
def engine(catalog: Catalog) -> Engine:
    return catalog.engine


def sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def ids(engine: Engine, job: uuid.UUID) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                text("SELECT id FROM catalog_record WHERE stream = :s ORDER BY id"),
                {"s": str(job)},
            )
        )


def kinds(report: VerifyReport) -> list[tuple[str, int]]:
    return [(p.kind, p.id) for p in report.problems]


def two_jobs(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    a = catalog.start_job(SPEC)
    b = catalog.start_job(SPEC)
    # Interleaved batches: each job's chain is its own, whatever the ids in between.
    catalog.write(a, records=[record(1), record(2, "skipped")])
    catalog.write(b, records=[record(10)])
    catalog.write(a, records=[record(3), record(4)])
    catalog.write(b, records=[record(11, "skipped"), record(12)])
    return a, b


def test_intact_catalog_verifies(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    report = verify(catalog)
    assert report.ok and report.problems == []
    assert (report.chains, report.records, report.takedowns) == (2, 7, 0)
    assert (report.unchained_records, report.warc_checked) == (0, 0)
    with engine.connect() as connection:
        first = connection.execute(
            text("SELECT prev_hash, chain_hash FROM catalog_record WHERE stream = :s ORDER BY id"),
            {"s": str(a)},
        ).all()
    assert first[0][0] == genesis(str(a))
    assert [row[0] for row in first[1:]] == [row[1] for row in first[:-1]]
    assert verify(engine).ok  # an Engine works too


def test_changed_outcome_is_reported(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    target = ids(engine, a)[1]
    sql(engine, "UPDATE catalog_record SET outcome = 'collected' WHERE id = :id", id=target)
    assert kinds(verify(catalog)) == [("changed", target)]


def test_changed_evidence_is_reported(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    target = ids(engine, a)[1]
    sql(engine, "UPDATE catalog_evidence SET effect = 'allow' WHERE record_id = :id", id=target)
    assert kinds(verify(catalog)) == [("changed", target)]


LICENCE = EvidenceIn("license", "link[rel=license] (head)",
                     "https://creativecommons.org/licenses/by/4.0/", "allow",
                     license="CC-BY-4.0", strength="strong", purposes="train-genai,train-ai")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE catalog_evidence SET strength = 'weak' WHERE record_id = :id",
        "UPDATE catalog_evidence SET license = 'CC0-1.0' WHERE record_id = :id",
        "UPDATE catalog_evidence SET license = NULL WHERE record_id = :id",
        # A search job's reservation made to read as one for training, or the reverse.
        "UPDATE catalog_evidence SET purposes = 'search' WHERE record_id = :id",
        "UPDATE catalog_evidence SET purposes = NULL WHERE record_id = :id",
    ],
)
def test_changed_licence_evidence_is_reported(
    catalog: Catalog, engine: Engine, statement: str
) -> None:
    job = catalog.start_job(SPEC)
    catalog.write(job, records=[record(1), record(2, evidence=(LICENCE,), license="CC-BY-4.0")])
    assert verify(catalog).ok
    target = ids(engine, job)[1]
    sql(engine, statement, id=target)
    assert kinds(verify(catalog)) == [("changed", target)]


def test_deleted_record_is_a_gap(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    first, second, third, _ = ids(engine, a)
    sql(engine, "DELETE FROM catalog_evidence WHERE record_id = :id", id=second)
    sql(engine, "DELETE FROM catalog_record WHERE id = :id", id=second)
    report = verify(catalog)
    assert kinds(report) == [("gap", third)]
    assert report.problems[0].stream == str(a)
    # The first record too.
    sql(engine, "DELETE FROM catalog_record WHERE id = :id", id=first)
    assert kinds(verify(catalog)) == [("gap", third)]


def test_swapped_ids_are_reported(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    _, _, third, fourth = ids(engine, a)  # no evidence rows point at these
    sql(engine, "UPDATE catalog_record SET id = -1 WHERE id = :id", id=third)
    sql(engine, "UPDATE catalog_record SET id = :a WHERE id = :b", a=third, b=fourth)
    sql(engine, "UPDATE catalog_record SET id = :b WHERE id = -1", b=fourth)
    report = verify(catalog)
    assert {p.kind for p in report.problems} == {"reordered"}
    assert {p.id for p in report.problems} == {third, fourth}


def test_swapped_recorded_order_is_reported(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    first, second, *_ = ids(engine, a)
    sql(
        engine,
        "UPDATE catalog_record SET recorded_at = (SELECT recorded_at FROM catalog_record "
        "WHERE id = :other) WHERE id = :id",
        id=first,
        other=second,
    )
    assert kinds(verify(catalog)) == [("changed", first)]


def test_rechained_edit_is_still_caught(catalog: Catalog, engine: Engine) -> None:
    """Rewriting a record's chain_hash to match its new content breaks the next link."""
    a, _ = two_jobs(catalog)
    first, second, *_ = ids(engine, a)
    sql(engine, "UPDATE catalog_record SET chain_hash = :h WHERE id = :id", h="0" * 64, id=first)
    assert kinds(verify(catalog)) == [("changed", first), ("gap", second)]


def test_removed_hashes_are_reported(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    first, *_ = ids(engine, a)
    sql(engine, "UPDATE catalog_record SET stream = NULL WHERE id = :id", id=first)
    report = verify(catalog)
    assert ("missing-hash", first) in kinds(report)
    assert not report.ok


def test_takedowns_are_chained(catalog: Catalog, engine: Engine) -> None:
    a, _ = two_jobs(catalog)
    first, _, third, fourth = ids(engine, a)
    listed = catalog.add_blocklist_version(
        BlocklistVersionIn(
            source="mpa",
            submitter="MPA",
            sha256=hashlib.sha256(b"example.com").hexdigest(),
            entries=(BlocklistEntryIn("example.com", "domain", line=1),),
        )
    )

    def takedown(id_: int) -> TakedownIn:
        return TakedownIn(id_, "mpa", listed.version, "example.com", "domain", "listed")

    assert catalog.record_takedowns([takedown(first), takedown(third)]) == 2
    assert catalog.record_takedowns([takedown(fourth)]) == 1
    report = verify(catalog)
    assert report.ok and (report.chains, report.takedowns) == (3, 3)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, stream, prev_hash, chain_hash FROM catalog_takedown ORDER BY id")
        ).all()
    assert {row.stream for row in rows} == {"takedowns"}
    assert rows[0].prev_hash == genesis("takedowns")
    assert [r.prev_hash for r in rows[1:]] == [r.chain_hash for r in rows[:-1]]

    sql(engine, "UPDATE catalog_takedown SET reason = 'oops' WHERE id = :id", id=rows[0].id)
    assert kinds(verify(catalog)) == [("changed", rows[0].id)]
    sql(engine, "DELETE FROM catalog_takedown WHERE id = :id", id=rows[1].id)
    # The chain shows the hole; the ledger's count of the stream shows a row is gone.
    assert kinds(verify(catalog)) == [
        ("truncated", "takedowns"), ("changed", rows[0].id), ("gap", rows[2].id)
    ]


def test_hashes_stripped_from_records_of_the_ledger_era_are_reported(
    catalog: Catalog, engine: Engine
) -> None:
    # Rows without stream and hashes pass as written before tamper evidence only when they
    # are older than the ledger (test_migrations upgrades such a catalog): stripped now, they
    # are reported, not counted as old.
    two_jobs(catalog)
    job = catalog.start_job(SPEC)
    catalog.write(job, records=[record(20), record(21, "skipped")])
    stripped = ids(engine, job)
    chained = verify(catalog).records
    sql(engine, "UPDATE catalog_record SET stream = NULL, prev_hash = NULL, chain_hash = NULL "
                "WHERE job_id = (SELECT job_id FROM catalog_record WHERE url = :u)",
        u="https://example.com/20")
    report = verify(catalog)
    assert kinds(report) == [("missing-hash", id_) for id_ in stripped]
    assert (report.records, report.unchained_records) == (chained - 2, 0)


# --- WARC payloads -----------------------------------------------------------------------


def collect(catalog: Catalog, store: WarcStore, job: uuid.UUID, bodies: list[bytes]) -> None:
    records = []
    for n, body in enumerate(bodies):
        url = f"https://example.com/page/{n}"
        where = store.write_exchange(
            url=url,
            method="GET",
            request_headers=[("User-Agent", "consentcrawl/1.0")],
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/html")],
            body=body,
            fetched_at=T0,
            metadata={"outcome": "collected"},
        )
        records.append(
            RecordIn(
                url=url,
                outcome="collected",
                reasons=(),
                license_status="unknown",
                recorded_at=T0,
                http_status=200,
                content_type="text/html",
                size=len(body),
                sha256=hashlib.sha256(body).hexdigest(),
                warc_file=where.file,
                warc_offset=where.offset,
                warc_length=where.length,
                fetched_at=T0,
            )
        )
    catalog.write(job, records=records)


@pytest.fixture
def warc_catalog(catalog: Catalog, tmp_path: Path) -> Iterator[tuple[Catalog, Path]]:
    folder = tmp_path / "warc"
    with WarcStore(folder) as store:
        job = catalog.start_job(SPEC)
        collect(catalog, store, job, [b"<p>one</p>", b"<p>two</p>", b"<p>three</p>"])
        catalog.write(job, records=[record(99, "skipped")])
    yield catalog, folder


def test_warc_payloads_verify(warc_catalog: tuple[Catalog, Path]) -> None:
    catalog, folder = warc_catalog
    report = verify(catalog, warc_dir=folder)
    assert report.ok and report.warc_checked == 3


def test_rewritten_warc_payload_is_reported(warc_catalog: tuple[Catalog, Path]) -> None:
    catalog, folder = warc_catalog
    (path,) = folder.glob("*.warc.gz")
    with catalog.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, warc_offset, warc_length FROM catalog_record "
                "WHERE warc_file IS NOT NULL ORDER BY id"
            )
        ).all()
    # Another response record of the same URL and size, written where the last one was (its
    # gzip member's length may differ: nothing checked comes after it).
    target = rows[-1]
    other = folder / "other"
    with WarcStore(other) as forger:
        where = forger.write_exchange(
            url="https://example.com/page/2",
            method="GET",
            request_headers=[],
            status=200,
            reason="OK",
            response_headers=[("Content-Type", "text/html")],
            body=b"<p>THREE</p>",
            fetched_at=T0,
            metadata={},
        )
        (forged_file,) = forger.files
    forged = forged_file.read_bytes()[where.offset : where.offset + where.length]
    data = bytearray(path.read_bytes())
    data[target.warc_offset : target.warc_offset + target.warc_length] = forged
    path.write_bytes(bytes(data))
    report = verify(catalog, warc_dir=folder)
    assert kinds(report) == [("warc-sha256", target.id)]
    assert not verify(catalog, warc_dir=folder).ok
    assert verify(catalog).ok  # the catalog itself is intact


def test_wrong_sha256_missing_file_and_bad_offset(
    warc_catalog: tuple[Catalog, Path],
) -> None:
    catalog, folder = warc_catalog
    engine = catalog.engine
    with engine.connect() as connection:
        first, second, third = connection.scalars(
            text("SELECT id FROM catalog_record WHERE warc_file IS NOT NULL ORDER BY id")
        ).all()
    sql(engine, "UPDATE catalog_record SET sha256 = :h WHERE id = :id", h="ab" * 32, id=first)
    sql(engine, "UPDATE catalog_record SET warc_file = 'gone.warc.gz' WHERE id = :id", id=second)
    sql(engine, "UPDATE catalog_record SET warc_offset = 3 WHERE id = :id", id=third)
    report = verify(catalog, warc_dir=folder)
    found = kinds(report)
    for expected in [
        ("changed", first),
        ("warc-sha256", first),
        ("changed", second),
        ("warc-missing", second),
        ("changed", third),
        ("warc-unreadable", third),
    ]:
        assert expected in found
    sql(
        engine,
        "UPDATE catalog_record SET warc_file = '../escape.warc.gz' WHERE id = :id",
        id=second,
    )
    assert ("warc-missing", second) in kinds(verify(catalog, warc_dir=folder))


# --- CLI -------------------------------------------------------------------------------------


def test_cli_exit_codes(warc_catalog: tuple[Catalog, Path], catalog_url: str) -> None:
    catalog, folder = warc_catalog
    runner = CliRunner()
    args = ["verify", "--catalog", catalog_url]

    result = runner.invoke(app, [*args, "--warc-dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "chains checked: 1" in result.output
    assert "records checked: 4" in result.output
    assert "WARC payloads checked: 3" in result.output
    assert "OK" in result.output

    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output)["ok"] is True

    result = runner.invoke(app, [*args, "--warc-dir", str(folder / "nope")])
    assert result.exit_code == 2
    result = runner.invoke(app, [*args, "--bogus"])
    assert result.exit_code == 2

    sql(catalog.engine, "UPDATE catalog_record SET url = 'https://evil.example/' WHERE id = 1")
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "TAMPERED: 1 problem(s) found" in result.output
    assert "changed: catalog_record id 1" in result.output
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 1
    parsed = json.loads(result.output)
    assert parsed["ok"] is False and parsed["problems"][0]["kind"] == "changed"


def test_chain_hash_is_stable_across_versions() -> None:
    # A catalog written by an earlier version must still verify: the canonical content and its
    # hash may never change. The digest was computed by the implementation of commit b458b0b.
    row = {
        "url": "https://example.com/é?q=1", "kind": "page", "source_url": None,
        "outcome": "skipped", "reasons": ["robots-disallow", "content-signal:ai-train=no"],
        "http_status": 200, "content_type": None, "size": 1234, "sha256": "ab" * 32,
        "warc_file": "a.warc.gz", "warc_offset": 0, "warc_length": 10,
        "license_status": "reserved", "license": "CC-BY-4.0",
        "fetched_at": datetime(2026, 11, 30, 10, 0, 0, 5, tzinfo=timezone(timedelta(hours=1))),
        "recorded_at": datetime(2026, 11, 30, 9, 0, 0, 123456, tzinfo=UTC),
        "job_id": uuid.UUID("0b5cbb4e-8a9f-4d7e-9a57-3f0f2c1f6b11"),
    }
    evidence = [
        {"signal": "robots.txt", "source": "https://example.com/robots.txt",
         "value": "Disallow: /", "effect": "deny", "reason": "robots-disallow",
         "document_sha256": "cd" * 32, "line": 2},
        {"signal": "license", "source": "link[rel=license] (head)",
         "value": "https://creativecommons.org/licenses/by/4.0/", "effect": "allow",
         "reason": None, "document_sha256": None, "line": None, "license": "CC-BY-4.0",
         "strength": "strong"},
    ]
    assert chain_hash(genesis("job"), record_content(row, evidence)) == (
        "04ad4279001a3c243abb225f3873e747afd61b0ea8d38281a36bc219ddd443b5"
    )


TAMPERING = {
    "intact": [],
    "edited": ["UPDATE catalog_record SET url = 'https://evil.example/' WHERE id = :second"],
    "deleted": ["DELETE FROM catalog_evidence WHERE record_id = :third",
                "DELETE FROM catalog_record WHERE id = :third"],
    "hash-removed": ["UPDATE catalog_record SET chain_hash = NULL WHERE id = :second"],
    "swapped": ["UPDATE catalog_record SET id = -1 WHERE id = :first",  # no evidence rows
                "UPDATE catalog_record SET id = :first WHERE id = :second",
                "UPDATE catalog_record SET id = :second WHERE id = -1"],
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_parallel_ranges_report_what_one_walk_reports(
    catalog: Catalog, engine: Engine, case: str
) -> None:
    # Runs of two rows in two worker processes, each starting from the stored hash of the
    # row before its run: the same counts and problems, in the same order, as one walk.
    job = catalog.start_job(SPEC)
    catalog.write(job, records=[record(n, "skipped" if n % 3 == 0 else "collected")
                                for n in range(1, 10)])
    first, second, third = ids(engine, job)[:3]
    for statement in TAMPERING[case]:
        sql(engine, statement, first=first, second=second, third=third)
    whole = verify(catalog, workers=1, chunk=1_000)
    runs = verify(catalog, workers=2, chunk=2)
    assert (runs.records, runs.chains, runs.problems) == (
        whole.records, whole.chains, whole.problems)
    assert whole.ok is (case == "intact")
