"""The SQL catalog on SQLite and PostgreSQL: schema, writes, export."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from storage.audit.export import EXPORT_FIELDS, export_rows, write_csv, write_jsonl
from storage.audit.filters import RecordFilter
from storage.audit.verify import verify
from storage.catalog import Catalog, DocumentIn, EvidenceIn, JobSpec, RecordIn
from storage.catalog.base import VERSION_TABLE
from storage.catalog.db import make_engine, schema_diff, upgrade
from storage.catalog.models import CrawlJob, Evidence, PolicyDocument, UrlRecord
from storage.catalog.records import HOST_COLUMNS, host_columns, reversed_domain, url_host
from storage.errors import CatalogError

ROOT = Path(__file__).resolve().parents[1]
TABLES = {
    "catalog_job",
    "catalog_document",
    "catalog_record",
    "catalog_evidence",
    "catalog_blocklist",
    "catalog_blocklist_version",
    "catalog_blocklist_entry",
    "catalog_blocklist_withdrawal",
    "catalog_takedown",
    "catalog_job_blocklist",
}
T0 = datetime(2026, 11, 29, 7, 0, 0, 123456, tzinfo=UTC)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"

SPEC = JobSpec(
    purpose="test crawl",
    agent="consentcrawl",
    user_agent="consentcrawl/0.1 (+https://example.org/bot)",
    seeds=("https://example.org/", "https://example.net/"),
    settings={"DEPTH_LIMIT": 2, "ROBOTSTXT_OBEY": True},
    software_version="0.1.0",
)


@pytest.fixture
def engine(catalog: Catalog, catalog_url: str) -> Iterator[Engine]:
    """A second engine on the catalog's database, to read back what it wrote."""
    opened = make_engine(catalog_url)
    yield opened
    opened.dispose()


def record(url: str, outcome: str = "collected", **fields: Any) -> RecordIn:
    return RecordIn(
        url=url,
        outcome=outcome,
        reasons=fields.pop("reasons", ()),
        license_status=fields.pop("license_status", "unknown"),
        recorded_at=fields.pop("recorded_at", T0),
        **fields,
    )


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (CrawlJob, PolicyDocument, UrlRecord, Evidence)
        }


# --- schema ---------------------------------------------------------------------------


def test_upgrade_creates_tables_idempotently(catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        upgrade(engine)
        upgrade(engine)  # already at head: nothing to do
        assert TABLES | {VERSION_TABLE} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            versions = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        assert len(versions) == 1
        assert schema_diff(engine) == []  # the models match the migration
    finally:
        engine.dispose()


def test_alembic_cli_sees_no_pending_changes(catalog: Catalog, catalog_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "-x", f"url={catalog_url}", "check"],
        cwd=ROOT,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "catalog.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert path.parent.is_dir()
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    finally:
        engine.dispose()


# --- jobs -----------------------------------------------------------------------------


def test_job_lifecycle(catalog: Catalog, engine: Engine) -> None:
    job_id = catalog.start_job(SPEC)
    with Session(engine) as session:
        job = session.get(CrawlJob, job_id)
        assert job is not None
        assert job.status == "running"
        assert job.finished_at is None and job.summary is None
        assert job.started_at.tzinfo == UTC
        assert job.seeds == list(SPEC.seeds)
        assert job.settings == {"DEPTH_LIMIT": 2, "ROBOTSTXT_OBEY": True}
        assert (job.agent, job.user_agent, job.purpose) == (
            SPEC.agent,
            SPEC.user_agent,
            SPEC.purpose,
        )

    catalog.finish_job(job_id, "finished", {"collected": 3, "skipped": 1})
    with Session(engine) as session:
        job = session.get(CrawlJob, job_id)
        assert job is not None
        assert job.status == "finished"
        assert job.finished_at is not None and job.finished_at.tzinfo == UTC
        assert job.finished_at >= job.started_at
        assert job.summary == {"collected": 3, "skipped": 1}


def test_finish_job_rejects_unknown_job_and_status(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="no crawl job"):
        catalog.finish_job(uuid.uuid4(), "finished", {})
    job_id = catalog.start_job(SPEC)
    with pytest.raises(ValueError, match="final job status"):
        catalog.finish_job(job_id, "running", {})


# --- writes ---------------------------------------------------------------------------


def test_write_documents_records_and_evidence(catalog: Catalog, engine: Engine) -> None:
    job_id = catalog.start_job(SPEC)
    robots = DocumentIn(
        kind="robots.txt",
        url="https://example.org/robots.txt",
        http_status=200,
        fetched_at=T0,
        body=ROBOTS,
    )
    failed = DocumentIn(
        kind="robots.txt",
        url="https://down.example/robots.txt",
        http_status=None,
        fetched_at=T0,
        body=None,
        error="DNS lookup failed",
    )
    paris = timezone(timedelta(hours=1))
    collected = record(
        "https://example.org/a",
        reasons=("all-signals-allow",),
        license_status="licensed",
        license="CC-BY-4.0",
        http_status=200,
        content_type="text/html",
        size=1234,
        sha256="ab" * 32,
        warc_file="consentcrawl-x.warc.gz",
        warc_offset=0,
        warc_length=900,
        fetched_at=T0.astimezone(paris),
        source_url="https://example.org/",
        evidence=(
            EvidenceIn(
                signal="robots.txt",
                source=robots.url,
                value="Allow: /",
                effect="allow",
                document_sha256=robots.sha256,
                line=2,
            ),
        ),
    )
    skipped = record(
        "https://example.org/private/b",
        outcome="skipped",
        reasons=("robots-disallow", "noai-meta"),
        evidence=(
            EvidenceIn(
                signal="robots.txt",
                source=robots.url,
                value="Disallow: /private/",
                effect="deny",
                reason="robots-disallow",
                document_sha256=robots.sha256,
                line=2,
            ),
            EvidenceIn(
                signal="x-robots-tag",
                source="header:X-Robots-Tag",
                value="noai",
                effect="deny",
                reason="noai-meta",
            ),
        ),
    )
    catalog.write(job_id, documents=[robots, failed], records=[collected, skipped])

    with Session(engine) as session:
        docs = session.scalars(select(PolicyDocument).order_by(PolicyDocument.id)).all()
        assert [(d.url, d.http_status, d.body, d.error) for d in docs] == [
            (robots.url, 200, ROBOTS, None),
            (failed.url, None, None, "DNS lookup failed"),
        ]
        assert docs[0].sha256 == robots.sha256 and len(docs[0].sha256 or "") == 64
        assert docs[1].sha256 is None
        assert all(d.job_id == job_id and d.fetched_at == T0 for d in docs)
        assert docs[0].fetched_at.tzinfo == UTC

        rows = session.scalars(select(UrlRecord).order_by(UrlRecord.id)).all()
        assert [r.url for r in rows] == [collected.url, skipped.url]
        first, second = rows
        assert first.fetched_at == T0 and first.fetched_at.tzinfo == UTC  # +01:00 normalised
        assert first.recorded_at.tzinfo == UTC
        assert first.reasons == ["all-signals-allow"]
        assert second.reasons == ["robots-disallow", "noai-meta"]
        assert (first.size, first.warc_offset, first.warc_length) == (1234, 0, 900)
        assert (first.license, first.license_status, first.kind) == (
            "CC-BY-4.0",
            "licensed",
            "page",
        )
        assert second.http_status is None and second.fetched_at is None

        evidence = session.scalars(select(Evidence).order_by(Evidence.id)).all()
        assert [(e.record_id, e.effect, e.reason) for e in evidence] == [
            (first.id, "allow", None),
            (second.id, "deny", "robots-disallow"),
            (second.id, "deny", "noai-meta"),
        ]
        linked = session.scalars(
            select(PolicyDocument.url)
            .join(Evidence, Evidence.document_sha256 == PolicyDocument.sha256)
            .where(Evidence.record_id == second.id)
        ).all()
        assert linked == [robots.url]


def test_failing_batch_writes_nothing(catalog: Catalog, engine: Engine) -> None:
    job_id = catalog.start_job(SPEC)
    document = DocumentIn(
        kind="robots.txt",
        url="https://example.org/robots.txt",
        http_status=200,
        fetched_at=T0,
        body=ROBOTS,
    )
    good = record(
        "https://example.org/ok",
        evidence=(
            EvidenceIn(signal="robots.txt", source=document.url, value="Allow: /", effect="allow"),
        ),
    )
    bad = record("https://example.org/bad", outcome="maybe")  # violates the CHECK
    before = counts(engine)
    with pytest.raises(CatalogError, match="writing a batch failed"):
        catalog.write(job_id, documents=[document], records=[good, bad])
    assert (
        counts(engine)
        == before
        == {
            "catalog_job": 1,
            "catalog_document": 0,
            "catalog_record": 0,
            "catalog_evidence": 0,
        }
    )
    catalog.write(job_id, documents=[document], records=[good])  # still usable afterwards
    assert counts(engine)["catalog_evidence"] == 1


def test_write_to_unknown_job_is_refused(catalog: Catalog) -> None:
    with pytest.raises(CatalogError):
        catalog.write(uuid.uuid4(), records=[record("https://example.org/")])


# An input value's fields are its table's columns: the catalog maps one onto the other by
# name, and the chain hashes columns the input gives.
@pytest.mark.parametrize(
    ("value", "table", "not_given"),
    [
        (RecordIn, UrlRecord, {"id", "job_id", "stream", "prev_hash", "chain_hash", *HOST_COLUMNS}),
        (EvidenceIn, Evidence, {"id", "record_id"}),
        (
            DocumentIn,
            PolicyDocument,
            {"id", "job_id", "sha256", "stream", "prev_hash", "chain_hash"},
        ),
    ],
)
def test_input_fields_are_the_columns(value: Any, table: Any, not_given: set[str]) -> None:
    given = {f.name for f in dataclasses.fields(value)} - {"evidence"}
    assert given == {c.name for c in table.__table__.columns} - not_given


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record("https://example.org/", recorded_at=datetime(2026, 11, 29, 7, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        DocumentIn(
            kind="robots.txt",
            url="https://example.org/robots.txt",
            http_status=200,
            fetched_at=datetime(2026, 11, 29),
            body=b"",
        )


def test_large_batch(catalog: Catalog, engine: Engine, catalog_url: str) -> None:
    job_id = catalog.start_job(SPEC)
    records = [
        record(
            f"https://example.org/page/{i}",
            outcome="collected" if i % 3 else "skipped",
            reasons=("robots-disallow",) if i % 3 == 0 else (),
            evidence=tuple(
                EvidenceIn(
                    signal="robots.txt",
                    source="https://example.org/robots.txt",
                    value=f"rule {i}.{j}",
                    effect="info",
                )
                for j in range(i % 3)
            ),
        )
        for i in range(2000)
    ]
    started = time.perf_counter()
    catalog.write(job_id, records=records)
    elapsed = time.perf_counter() - started
    print(f"\n2,000-record batch on {make_url(catalog_url).get_backend_name()}: {elapsed:.3f}s")

    assert counts(engine)["catalog_record"] == 2000
    with Session(engine) as session:
        pairs = session.execute(
            select(UrlRecord.url, Evidence.value).join(Evidence, Evidence.record_id == UrlRecord.id)
        ).all()
    assert len(pairs) == sum(i % 3 for i in range(2000))
    # Each evidence row hangs off the record it was given with.
    assert all(url.rsplit("/", 1)[1] == value.split()[1].split(".")[0] for url, value in pairs)
    assert elapsed < 30


# --- derived host columns -------------------------------------------------------------

HOSTS = [
    # (URL, host, reversed host, registrable domain)
    ("https://www.example.com/a", "www.example.com", "com.example.www", "example.com"),
    ("HTTP://User:Pw@A.Example.COM.:8080/x?y#z", "a.example.com", "com.example.a", "example.com"),
    ("https://blog.example.co.uk/", "blog.example.co.uk", "uk.co.example.blog", "example.co.uk"),
    ("https://a.b.github.io/", "a.b.github.io", "io.github.b.a", "b.github.io"),  # private suffix
    ("https://co.uk/", "co.uk", "uk.co", "co.uk"),  # a public suffix itself
    (
        "https://bücher.example/",
        "xn--bcher-kva.example",
        "example.xn--bcher-kva",
        "xn--bcher-kva.example",
    ),
    ("https://BÜCHER.de/", "xn--bcher-kva.de", "de.xn--bcher-kva", "xn--bcher-kva.de"),
    ("https://straße.de/", "xn--strae-oqa.de", "de.xn--strae-oqa", "xn--strae-oqa.de"),
    ("https://ＥＸＡＭＰＬＥ．com/", "example.com", "com.example", "example.com"),  # full width
    ("https://x_y.test/", "x_y.test", "test.x_y", "x_y.test"),  # no PSL rule: the host
    ("http://localhost:8080/", "localhost", "localhost", "localhost"),
    ("http://10.0.0.1:8080/", "10.0.0.1", "[10.0.0.1]", "10.0.0.1"),
    ("http://[2001:DB8:0::1]:443/", "[2001:db8::1]", "[2001:db8::1]", "[2001:db8::1]"),
    ("https://a..b.com/", "a..b.com", "com.b..a", "b.com"),
    (
        "https://" + "a" * 70 + "é.com/",
        "a" * 70 + "é.com",
        "com." + "a" * 70 + "é",
        "a" * 70 + "é.com",
    ),
    ("mailto:someone@example.com", "", "", ""),
    ("https:///no-host", "", "", ""),
    ("not a url", "", "", ""),
]


@pytest.mark.parametrize(("url", "host", "reversed_", "domain"), HOSTS)
def test_host_columns(url: str, host: str, reversed_: str, domain: str) -> None:
    assert host_columns(url) == dict(zip(HOST_COLUMNS, (host, reversed_, domain), strict=True))
    assert url_host(url) == host
    assert reversed_domain(host) == reversed_  # a stored host names its own range


def test_write_stores_host_columns_outside_the_chain(catalog: Catalog, engine: Engine) -> None:
    job_id = catalog.start_job(SPEC)
    catalog.write(job_id, records=[record(url) for url, *_ in HOSTS])
    with Session(engine) as session:
        stored = session.execute(
            select(
                UrlRecord.url, UrlRecord.host, UrlRecord.host_reversed, UrlRecord.registrable_domain
            ).order_by(UrlRecord.id)
        ).all()
    assert [tuple(row) for row in stored] == [tuple(case) for case in HOSTS]
    # The chain covers the URL, not what is derived from it: rewriting a derived column
    # is no tampering, rewriting the URL is.
    with engine.begin() as connection:
        connection.execute(update(UrlRecord).values(host="elsewhere.test"))
    report = verify(catalog)
    assert report.ok and report.records == len(HOSTS)
    with engine.begin() as connection:
        connection.execute(
            update(UrlRecord).where(UrlRecord.url == HOSTS[0][0]).values(url="https://evil.test/")
        )
    assert [p.kind for p in verify(catalog).problems] == ["changed"]


# --- export ---------------------------------------------------------------------------


def _two_jobs(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    first, second = catalog.start_job(SPEC), catalog.start_job(SPEC)
    catalog.write(
        first,
        records=[
            record(
                "https://example.org/a",
                reasons=(),
                license_status="licensed",
                license="MIT",
                http_status=200,
                content_type="text/html",
                size=10,
                sha256="cd" * 32,
                warc_file="w.warc.gz",
                warc_offset=123,
                warc_length=456,
                fetched_at=T0,
            ),
            record(
                "https://example.org/b",
                outcome="skipped",
                reasons=("robots-disallow", "tdm-reserved"),
                source_url="https://example.org/a",
            ),
        ],
    )
    catalog.write(second, records=[record("https://example.net/c")])
    return first, second


def test_export_rows(catalog: Catalog) -> None:
    first, second = _two_jobs(catalog)
    rows = list(export_rows(catalog, RecordFilter(job_id=first)))
    assert [list(row) for row in rows] == [list(EXPORT_FIELDS)] * 2
    collected, skipped = rows
    assert collected == {
        "job_id": str(first),
        "purpose": SPEC.purpose,
        "kind": "page",
        "url": "https://example.org/a",
        "source_url": None,
        "outcome": "collected",
        "reasons": [],
        "http_status": 200,
        "content_type": "text/html",
        "size": 10,
        "sha256": "cd" * 32,
        "license_status": "licensed",
        "license": "MIT",
        "fetched_at": "2026-11-29T07:00:00.123456Z",
        "recorded_at": "2026-11-29T07:00:00.123456Z",
        "warc_file": "w.warc.gz",
        "warc_offset": 123,
        "warc_length": 456,
    }
    assert skipped["outcome"] == "skipped"
    assert skipped["reasons"] == ["robots-disallow", "tdm-reserved"]
    assert skipped["source_url"] == "https://example.org/a"
    assert skipped["fetched_at"] is None and skipped["http_status"] is None
    assert skipped["warc_file"] is None and skipped["size"] is None

    everything = list(export_rows(catalog))
    assert [row["url"] for row in everything] == [
        "https://example.org/a",
        "https://example.org/b",
        "https://example.net/c",
    ]
    assert everything[2]["job_id"] == str(second)


def test_jsonl_and_csv_writers(catalog: Catalog) -> None:
    first, _ = _two_jobs(catalog)
    rows = list(export_rows(catalog, RecordFilter(job_id=first)))

    buffer = io.StringIO()
    assert write_jsonl(iter(rows), buffer) == 2
    assert [json.loads(line) for line in buffer.getvalue().splitlines()] == rows

    buffer = io.StringIO(newline="")
    assert write_csv(iter(rows), buffer) == 2
    parsed = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert parsed[0] == list(EXPORT_FIELDS)
    table = [dict(zip(parsed[0], line, strict=True)) for line in parsed[1:]]
    assert table[0]["reasons"] == "" and table[0]["warc_offset"] == "123"
    assert table[1]["reasons"] == "robots-disallow;tdm-reserved"
    assert table[1]["fetched_at"] == "" and table[1]["license"] == ""

    empty = io.StringIO(newline="")
    assert write_csv([], empty) == 0
    assert empty.getvalue().strip() == ",".join(EXPORT_FIELDS)


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not-a-url", "not a database URL: 'not-a-url'"),
        ("mysql+nosuchdriver://x", "unsupported catalog database mysql+nosuchdriver://x"),
        (
            "postgresql://crawler:s3cret@127.0.0.1:1/catalog",
            "cannot connect to catalog postgresql+psycopg://crawler:***@127.0.0.1:1/catalog",
        ),
    ],
)
def test_bad_urls_raise_catalog_error(url: str, expected: str) -> None:
    with pytest.raises(CatalogError) as raised:
        Catalog(url, mode="write")
    assert expected in str(raised.value)
    assert "s3cret" not in str(raised.value)


def test_unwritable_sqlite_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(CatalogError, match="cannot create folder"):
        Catalog(f"sqlite:///{blocker / 'sub' / 'catalog.sqlite'}", mode="write")


def test_password_masked_in_repr(catalog_url: str) -> None:
    url = make_url(catalog_url)
    if url.get_backend_name() == "postgresql":
        url = url.set(password="hunter2")  # the test server trusts, ignoring it
    with Catalog(url.render_as_string(hide_password=False), mode="write") as catalog:
        assert "hunter2" not in repr(catalog) + str(catalog) + catalog.url
        assert catalog.url.startswith(url.drivername)
