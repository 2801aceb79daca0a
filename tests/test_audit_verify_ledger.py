"""Tamper evidence over the whole catalog: jobs, their configuration, weakenings, status and
close, policy documents, blocklists, entries, withdrawals, job-list links, takedowns and
reinstatements.

Each case edits the database behind the catalog's back, as someone with write access could,
and verify must name the table and the kind of each problem (both backends)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from storage.audit.verify import verify
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    DocumentIn,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)

T0 = datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
LIST = b"pirate.example\nmirror.example\n"


def spec(blocklists: tuple[tuple[str, int, str], ...] = ()) -> JobSpec:
    return JobSpec(
        purpose="train-genai",
        agent="consentcrawl",
        user_agent="consentcrawl/1.0 (+https://operator.example/contact)",
        seeds=("https://example.com/",),
        settings={"CONSENT_PURPOSE": "train-genai", "DOWNLOAD_DELAY": 0.25},
        software_version="1.0",
        blocklists=blocklists,
        weakenings=({"setting": "CONSENT_RESOLVE", "value": ["a:127.0.0.1"], "narrows": ["dns"],
                     "why": "resolve map"},),
    )


def record(n: int, outcome: str = "collected") -> RecordIn:
    return RecordIn(
        url=f"https://example.com/{n}",
        outcome=outcome,
        reasons=("robots-disallow",) if outcome == "skipped" else (),
        license_status="unknown",
        recorded_at=T0 + timedelta(seconds=n),
        size=100 + n,
        evidence=(EvidenceIn("robots.txt", "https://example.com/robots.txt", "Allow: /", "info"),),
    )


def sql(engine: Engine, statement: str, **params: Any) -> None:
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def scalar(engine: Engine, statement: str, **params: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(statement), params).scalar()


@pytest.fixture
def built(catalog: Catalog) -> dict[str, Any]:
    """A finished job (a list in force, documents, records, a takedown), an unclosed job and
    a withdrawal: every kind of ledger-covered row."""
    version = catalog.add_blocklist_version(BlocklistVersionIn(
        source="acme", submitter="Acme Rights", sha256=hashlib.sha256(LIST).hexdigest(),
        entries=(BlocklistEntryIn("pirate.example", "domain", line=1),
                 BlocklistEntryIn("mirror.example", "domain", line=2)),
    ))
    job = catalog.start_job(spec(((version.source, version.version, version.sha256),)))
    catalog.write(
        job,
        documents=[DocumentIn("robots.txt", "https://example.com/robots.txt", 200, T0, ROBOTS)],
        records=[record(1), record(2, "skipped"), record(3)],
    )
    first = scalar(catalog.engine, "SELECT MIN(id) FROM catalog_record")
    catalog.record_takedowns([TakedownIn(first, "acme", 1, "example.com", "domain", "listed")])
    catalog.finish_job(job, "finished", {"catalog/records": 3})
    running = catalog.start_job(spec())
    catalog.write(running, records=[record(10)])
    catalog.withdraw_blocklist_entry("acme", "mirror.example", None, reason="appeal granted",
                                     by="Acme Rights")
    return {"job": str(job), "running": str(running), "first": first}


def problems(catalog: Catalog) -> set[tuple[str, str]]:
    return {(p.kind, p.table) for p in verify(catalog).problems}


def test_intact_catalog_verifies_with_an_unclosed_job(
    catalog: Catalog, built: dict[str, Any]
) -> None:
    report = verify(catalog)
    assert report.ok, report.problems
    assert (report.jobs, report.documents, report.takedowns) == (2, 1, 1)
    assert report.ledger == 7  # created, list, 2 starts, takedowns sealed, 1 close, withdrawal
    assert [(u.id, u.status) for u in report.unclosed] == [(built["running"], "running")]


# (what is done behind the catalog's back, the problems verify must name)
TAMPERING: dict[str, tuple[list[str], set[tuple[str, str]]]] = {
    "job purpose changed": (
        ["UPDATE catalog_job SET purpose = 'search' WHERE id = :job"],
        {("changed", "catalog_job")},
    ),
    "job settings edited": (
        ["UPDATE catalog_job SET settings = :settings WHERE id = :job"],
        {("changed", "catalog_job")},
    ),
    "weakenings erased": (
        ["UPDATE catalog_job SET weakenings = :empty WHERE id = :job"],
        {("changed", "catalog_job")},
    ),
    "job status edited": (
        ["UPDATE catalog_job SET status = 'finished' WHERE id = :running"],
        {("changed", "catalog_job")},
    ),
    "robots.txt body replaced": (
        ["UPDATE catalog_document SET body = :body"],
        {("changed", "catalog_document")},
    ),
    "blocklist entry edited": (
        ["UPDATE catalog_blocklist_entry SET value = 'other.example' WHERE line = 1"],
        {("changed", "catalog_blocklist_entry")},
    ),
    "blocklist version's submitter edited": (
        ["UPDATE catalog_blocklist_version SET submitter = 'Someone Else'"],
        {("changed", "catalog_blocklist_version")},
    ),
    "job-list links deleted": (
        ["DELETE FROM catalog_job_blocklist"],
        {("changed", "catalog_job_blocklist")},
    ),
    "withdrawal deleted": (
        ["DELETE FROM catalog_blocklist_withdrawal"],
        {("deleted", "catalog_blocklist_withdrawal")},
    ),
    "last takedown deleted": (
        ["DELETE FROM catalog_takedown"],
        {("truncated", "catalog_takedown")},
    ),
    "a job's last record deleted": (
        [("DELETE FROM catalog_evidence WHERE record_id = (SELECT MAX(id) FROM catalog_record "
         "WHERE job_id = :job)"),
         ("DELETE FROM catalog_record WHERE id = (SELECT MAX(id) FROM catalog_record "
         "WHERE job_id = :job)")],
        {("truncated", "catalog_record")},
    ),
    "a whole job deleted": (
        ["DELETE FROM catalog_job WHERE id = :running"],
        {("deleted", "catalog_job")},
    ),
    "a job inserted": (
        [("INSERT INTO catalog_job (id, started_at, status, purpose, agent, user_agent, seeds, "
         "settings, software_version) SELECT :fake, started_at, status, purpose, agent, "
         "user_agent, seeds, settings, software_version FROM catalog_job WHERE id = :job")],
        {("unrecorded", "catalog_job")},
    ),
    "a ledger event edited": (
        [("UPDATE catalog_ledger SET content = REPLACE(content, 'train-genai', 'search') "
         "WHERE kind = 'job-started'")],
        # the event no longer matches its job either: verify cannot tell which side lies
        {("changed", "catalog_ledger"), ("changed", "catalog_job")},
    ),
    "a ledger event deleted": (
        # the last event: no gap follows it, but its withdrawal is now unaccounted for
        ["DELETE FROM catalog_ledger WHERE kind = 'withdrawal'"],
        {("unrecorded", "catalog_blocklist_withdrawal")},
    ),
    "a ledger event in the middle deleted": (
        ["DELETE FROM catalog_ledger WHERE kind = 'blocklist-version'"],
        {("gap", "catalog_ledger"), ("unrecorded", "catalog_blocklist_version")},
    ),
    "the ledger deleted": (
        ["DELETE FROM catalog_ledger"],
        {("missing", "catalog_ledger")},
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_is_named(catalog: Catalog, built: dict[str, Any], case: str) -> None:
    statements, expected = TAMPERING[case]
    engine = catalog.engine
    ids = {
        "job": uuid.UUID(built["job"]), "running": uuid.UUID(built["running"]),
        "fake": uuid.uuid4(),
    }
    if engine.dialect.name == "sqlite":  # UUIDs as SQLAlchemy stores them there
        ids = {k: v.hex for k, v in ids.items()}  # type: ignore[misc]
    params: dict[str, Any] = {
        **ids, "settings": '{"CONSENT_PURPOSE": "train-genai"}', "empty": "[]",
        "body": b"User-agent: *\nAllow: /\n",
    }
    for statement in statements:
        sql(engine, statement, **{k: v for k, v in params.items() if f":{k}" in statement})
    found = problems(catalog)
    assert expected <= found, found
    # Nothing else is blamed: each tampering names its own table (a deleted ledger event also
    # breaks the ledger's chain, which is reported as a gap in catalog_ledger).
    assert {table for _, table in found} <= {table for _, table in expected} | {"catalog_ledger"}


@pytest.fixture
def reinstated(catalog: Catalog, built: dict[str, Any]) -> Catalog:
    """Two takedowns by an entry, then the entry withdrawn: two chained reinstatements."""
    catalog.add_blocklist_version(BlocklistVersionIn(
        source="bpi", submitter="BPI", sha256=hashlib.sha256(b"bpi").hexdigest(),
        entries=(BlocklistEntryIn("example.com", "domain", line=1),),
    ))
    ids = [r.record_id for r in catalog.collected_records()]
    catalog.record_takedowns(
        [TakedownIn(id_, "bpi", 1, "example.com", "domain", "listed") for id_ in ids]
    )
    report = catalog.withdraw_blocklist_entry("bpi", "example.com", None, reason="appeal",
                                              by="BPI")
    assert [e.items for e in report.reinstated] == [len(ids)] == [2]
    checked = verify(catalog)
    assert checked.ok, checked.problems
    assert checked.reinstatements == 2
    return catalog


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (("DELETE FROM catalog_reinstatement WHERE id = "
         "(SELECT MAX(id) FROM catalog_reinstatement)"), ("truncated", "catalog_reinstatement")),
        (("DELETE FROM catalog_reinstatement WHERE id = "
         "(SELECT MIN(id) FROM catalog_reinstatement)"), ("gap", "catalog_reinstatement")),
        ("UPDATE catalog_reinstatement SET reason = 'no reason'",
         ("changed", "catalog_reinstatement")),
        # pointed at another record (the one taken down first)
        ("UPDATE catalog_reinstatement SET record_id = (SELECT MIN(id) FROM catalog_record)",
         ("changed", "catalog_reinstatement")),
    ],
)
def test_reinstatement_tampering_is_named(
    reinstated: Catalog, statement: str, expected: tuple[str, str]
) -> None:
    sql(reinstated.engine, statement)
    found = problems(reinstated)
    assert expected in found, found
    assert {table for _, table in found} <= {"catalog_reinstatement"}
