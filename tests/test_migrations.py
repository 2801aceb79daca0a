"""Upgrading a catalog made by the initial schema, and one made by the schema before the
host columns (chained records, a takedown): nothing lost, the new tables and columns usable,
the hash chains intact.

Downgrades are not supported past the blocklist revision (dropping append-only history
would bring taken-down records back into exports), so only their refusal is tested.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, inspect, text
from sqlalchemy.engine import Engine

from storage.audit import queries
from storage.audit.export import export_rows
from storage.audit.filters import RecordFilter
from storage.audit.verify import verify
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    JobSpec,
    RecordIn,
    TakedownIn,
    chain,
)
from storage.catalog.base import VERSION_TABLE
from storage.catalog.db import alembic_config, make_engine, schema_diff
from storage.catalog.records import HOST_COLUMNS, host_columns

INITIAL = "38df31d6fbc0"
BLOCKLISTS = "8f859d167e59"
TAMPER_EVIDENCE = "c4a1e2f7b9d3"
HOST_COLUMNS_REVISION = "d7e3b1a9c5f2"
EVIDENCE_LICENCE_REVISION = "e4b2c6d8f0a1"
LIVENESS_REVISION = "f1a2b3c4d5e6"
LEDGER_REVISION = "a7c9e1f3b5d2"
REINSTATEMENTS_REVISION = "b8d0f2a4c6e1"
HEAD = REINSTATEMENTS_REVISION
# Added by the tamper-evidence revision; null on the rows written before it.
CHAIN_COLUMNS = ("stream", "prev_hash", "chain_hash")
# Added by the host columns revision, which fills them in.
NEW_COLUMNS = (
    *CHAIN_COLUMNS, *HOST_COLUMNS, *chain.OPTIONAL_EVIDENCE_FIELDS, "heartbeat_at", "weakenings"
)
OLD_TABLES = ("catalog_job", "catalog_document", "catalog_record", "catalog_evidence")
NEW_TABLES = {
    "catalog_ledger",
    "catalog_reinstatement",
    "catalog_blocklist",
    "catalog_blocklist_version",
    "catalog_blocklist_entry",
    "catalog_blocklist_withdrawal",
    "catalog_takedown",
    "catalog_job_blocklist",
}
JOB_ID = uuid.UUID("0b7e4c1e-7d2f-4c9a-9d51-3f7a1d2e5c60")
T0 = datetime(2026, 11, 1, 12, 0, 0, 250000, tzinfo=UTC)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
ROBOTS_SHA = hashlib.sha256(ROBOTS).hexdigest()

# Types for the bound values only, so each backend gets its own form (UUID as 32 hex digits
# on SQLite, JSON text, …) exactly as the code of that time wrote them.
_TYPES: dict[str, Any] = {
    "job_id": sa.Uuid(),
    "catalog_job.id": sa.Uuid(),
    "started_at": sa.DateTime(timezone=True),
    "finished_at": sa.DateTime(timezone=True),
    "fetched_at": sa.DateTime(timezone=True),
    "recorded_at": sa.DateTime(timezone=True),
    "seeds": sa.JSON(),
    "settings": sa.JSON(),
    "summary": sa.JSON(),
    "reasons": sa.JSON(),
    "body": sa.LargeBinary(),
}


def insert(engine: Engine, table: str, **values: Any) -> None:
    """A plain INSERT as the initial schema's code would send it (no models involved)."""
    insert_rows(engine, table, [values])


def insert_rows(engine: Engine, table: str, rows: list[dict[str, Any]]) -> None:
    """Plain INSERTs of rows with the same keys, in one transaction."""
    names = list(rows[0])
    statement = text(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)})"
    )
    for name in names:
        type_ = _TYPES.get(f"{table}.{name}", _TYPES.get(name))
        if type_ is not None:
            statement = statement.bindparams(bindparam(name, type_=type_))
    with engine.begin() as connection:
        connection.execute(statement, rows)


def insert_job(engine: Engine, **values: Any) -> None:
    """The finished job JOB_ID, as every schema so far stores it."""
    job = {
        "id": JOB_ID,
        "started_at": T0,
        "finished_at": T0,
        "status": "finished",
        "purpose": "old crawl",
        "agent": "consentcrawl",
        "user_agent": "consentcrawl/0.1",
        "seeds": [],
        "settings": {},
        "software_version": "0.1.0",
        "summary": None,
    }
    insert(engine, "catalog_job", **(job | values))


def at_revision(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


@pytest.fixture
def old_catalog(catalog_url: str) -> Iterator[Engine]:
    """A catalog at the initial revision holding one finished job's rows."""
    engine = make_engine(catalog_url)
    at_revision(engine, INITIAL)
    assert current_revision(engine) == INITIAL
    assert not NEW_TABLES & set(inspect(engine).get_table_names())

    insert_job(
        engine,
        seeds=["https://pirate.example/"],
        settings={"DEPTH_LIMIT": 1},
        summary={"collected": 2, "skipped": 1},
    )
    insert(
        engine,
        "catalog_document",
        job_id=JOB_ID,
        kind="robots.txt",
        url="https://pirate.example/robots.txt",
        http_status=200,
        fetched_at=T0,
        sha256=ROBOTS_SHA,
        body=ROBOTS,
        error=None,
    )
    # Ids from the database's own sequence, as the old code let it.
    for n, url, outcome, reasons in [
        (1, "https://pirate.example/a", "collected", []),
        (2, "https://pirate.example/private/b", "skipped", ["robots-disallow"]),
        (3, "https://ok.example/c", "collected", []),
    ]:
        collected = outcome == "collected"
        insert(
            engine,
            "catalog_record",
            job_id=JOB_ID,
            kind="page",
            url=url,
            source_url=None,
            outcome=outcome,
            reasons=reasons,
            http_status=200 if collected else None,
            content_type="text/html" if collected else None,
            size=100 * n if collected else None,
            sha256="ab" * 32 if collected else None,
            warc_file="old.warc.gz" if collected else None,
            warc_offset=10 * n if collected else None,
            warc_length=5 if collected else None,
            license_status="unknown",
            license=None,
            fetched_at=T0 if collected else None,
            recorded_at=T0,
        )
    insert(
        engine,
        "catalog_evidence",
        record_id=record_ids(engine)[1],
        signal="robots.txt",
        source="https://pirate.example/robots.txt",
        value="Disallow: /private/",
        effect="deny",
        reason="robots-disallow",
        document_sha256=ROBOTS_SHA,
        line=2,
    )
    yield engine
    engine.dispose()


def stored_hosts(engine: Engine) -> list[tuple[Any, ...]]:
    """(url, *HOST_COLUMNS) of every record, in id order."""
    with engine.connect() as connection:
        query = text(f"SELECT url, {', '.join(HOST_COLUMNS)} FROM catalog_record ORDER BY id")
        return [tuple(row) for row in connection.execute(query)]


def record_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT id FROM catalog_record ORDER BY id")))


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the old tables, in the old tables' columns."""
    inspector = inspect(engine)
    with engine.connect() as connection:
        rows = {}
        for table in OLD_TABLES:
            columns = [
                c["name"] for c in inspector.get_columns(table) if c["name"] not in NEW_COLUMNS
            ]
            query = text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1")
            rows[table] = [tuple(row) for row in connection.execute(query)]
        return rows


def test_one_line_of_revisions() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == [HEAD]
    assert script.get_revision(REINSTATEMENTS_REVISION).down_revision == LEDGER_REVISION
    assert script.get_revision(EVIDENCE_LICENCE_REVISION).down_revision == HOST_COLUMNS_REVISION
    assert script.get_revision(HOST_COLUMNS_REVISION).down_revision == TAMPER_EVIDENCE
    assert script.get_revision(TAMPER_EVIDENCE).down_revision == BLOCKLISTS
    assert script.get_revision(BLOCKLISTS).down_revision == INITIAL


def test_upgrade_keeps_old_rows_and_adds_working_tables(
    old_catalog: Engine, catalog_url: str
) -> None:
    before = table_rows(old_catalog)
    assert [len(rows) for rows in before.values()] == [1, 1, 3, 1]

    with Catalog(catalog_url, mode="upgrade") as catalog:
        assert current_revision(old_catalog) == HEAD
        assert table_rows(old_catalog) == before  # nothing lost, nothing rewritten
        with old_catalog.connect() as connection:  # the old records are unchained
            assert (
                connection.execute(
                    text(f"SELECT {', '.join(CHAIN_COLUMNS)} FROM catalog_record")
                ).all()
                == [(None, None, None)] * 3
            )
        assert stored_hosts(old_catalog) == [  # and have their hosts
            ("https://pirate.example/a", "pirate.example", "example.pirate", "pirate.example"),
            ("https://pirate.example/private/b", *host_columns("https://pirate.example/").values()),
            ("https://ok.example/c", "ok.example", "example.ok", "ok.example"),
        ]
        assert NEW_TABLES <= set(inspect(old_catalog).get_table_names())
        assert schema_diff(old_catalog) == []  # the models match the migrated database

        # The old rows read back through today's code.
        rows = list(export_rows(catalog))
        assert [(r["url"], r["outcome"], r["reasons"]) for r in rows] == [
            ("https://pirate.example/a", "collected", []),
            ("https://pirate.example/private/b", "skipped", ["robots-disallow"]),
            ("https://ok.example/c", "collected", []),
        ]
        assert rows[0]["job_id"] == str(JOB_ID)
        assert rows[0]["fetched_at"] == "2026-11-01T12:00:00.250000Z"
        assert (rows[0]["size"], rows[0]["warc_offset"]) == (100, 10)
        first, _, third = record_ids(old_catalog)
        assert [r.record_id for r in catalog.collected_records()] == [first, third]

        # The new tables work with the old rows.
        listed = catalog.add_blocklist_version(
            BlocklistVersionIn(
                source="mpa",
                submitter="MPA",
                sha256=hashlib.sha256(b"pirate.example").hexdigest(),
                entries=(BlocklistEntryIn("pirate.example", "domain", line=1),),
            )
        )
        assert (
            catalog.record_takedowns(
                [TakedownIn(first, "mpa", listed.version, "pirate.example", "domain", "listed")]
            )
            == 1
        )
        assert [r["url"] for r in export_rows(catalog, RecordFilter(job_id=JOB_ID))] == [
            "https://pirate.example/private/b",
            "https://ok.example/c",
        ]
        new_job = catalog.start_job(
            JobSpec(
                purpose="new crawl",
                agent="consentcrawl",
                user_agent="consentcrawl/0.2",
                seeds=(),
                settings={},
                software_version="0.2.0",
                blocklists=(("mpa", listed.version, listed.sha256),),
            )
        )
        assert [v.source for v in catalog.job_blocklists(new_job)] == ["mpa"]
        catalog.write(
            new_job,
            records=[RecordIn("https://ok.example/d", "collected", (), "unknown", T0)],
        )
        assert [r["url"] for r in export_rows(catalog, RecordFilter(job_id=new_job))] == ["https://ok.example/d"]
        assert catalog.job_blocklists(JOB_ID) == []  # the old job had none

    # The old rows are still there, as they were; the takedown is a row of its own.
    after = table_rows(old_catalog)
    assert after["catalog_record"][:3] == before["catalog_record"]  # then the new job's
    assert after["catalog_evidence"] == before["catalog_evidence"]


def test_upgrade_is_idempotent(old_catalog: Engine) -> None:
    at_revision(old_catalog, "head")
    at_revision(old_catalog, "head")
    assert current_revision(old_catalog) == HEAD
    assert schema_diff(old_catalog) == []


@pytest.mark.parametrize("target", [INITIAL, TAMPER_EVIDENCE])
def test_downgrade_is_refused_and_changes_nothing(old_catalog: Engine, target: str) -> None:
    at_revision(old_catalog, "head")
    hosts = stored_hosts(old_catalog)
    config = alembic_config()
    with (
        pytest.raises(NotImplementedError, match="append-only"),
        old_catalog.begin() as connection,
    ):
        config.attributes["connection"] = connection
        command.downgrade(config, target)
    assert current_revision(old_catalog) == HEAD
    assert NEW_TABLES <= set(inspect(old_catalog).get_table_names())
    assert stored_hosts(old_catalog) == hosts
    assert schema_diff(old_catalog) == []


def test_upgrade_from_the_ledger_lets_old_takedowns_be_reinstated(
    old_catalog: Engine, catalog_url: str
) -> None:
    """A catalog at the ledger revision with a takedown (record_id unique then): upgraded,
    the takedown is reinstated by a withdrawal and the record can be taken down again."""
    first, _, third = record_ids(old_catalog)
    at_revision(old_catalog, LIVENESS_REVISION)  # a takedown of before the ledger: unchained
    insert(
        old_catalog, "catalog_takedown", record_id=first, source="mpa", version=1,
        entry="pirate.example", kind="domain", reason="listed", taken_down_at=T0,
    )
    at_revision(old_catalog, LEDGER_REVISION)
    with Catalog(catalog_url, mode="upgrade") as catalog:
        assert current_revision(old_catalog) == HEAD
        assert schema_diff(old_catalog) == []
        assert [r.record_id for r in catalog.collected_records()] == [third]
        catalog.add_blocklist_version(BlocklistVersionIn(
            source="mpa", submitter="MPA", sha256=hashlib.sha256(b"mpa").hexdigest(),
            entries=(BlocklistEntryIn("pirate.example", "domain", line=1),),
        ))
        report = catalog.withdraw_blocklist_entry("mpa", "pirate.example", None, reason="appeal",
                                                  by="legal")
        assert [(e.entry, e.items, e.bytes) for e in report.reinstated] == [
            ("pirate.example", 1, 100)
        ]
        assert [r.record_id for r in catalog.collected_records()] == [first, third]
        # No longer unique: the reinstated record can be taken down again.
        assert catalog.record_takedowns(
            [TakedownIn(first, "mpa", 1, "pirate.example", "domain", "listed again")]
        ) == 1
        assert [t.record_id for t in catalog.takedowns()] == [first, first]
        assert [r.record_id for r in catalog.collected_records()] == [third]
        checked = verify(catalog)
        assert checked.ok, checked.problems
        assert (checked.unchained_takedowns, checked.takedowns, checked.reinstatements) == (1, 1, 1)


# --- the schema before the host columns ------------------------------------------------------

# Hosts the backfill must get right, as the records' URLs spell them.
WRITTEN_HOSTS = (
    "example.com",
    "WWW.Example.com.",
    "a.b.example.com:8080",
    "ample.com",
    "bücher.example",
    "10.0.0.1:8080",
    "[2001:db8::1]",
)


def backfill_batch() -> int:
    """Records the host columns revision fills per statement."""
    script = ScriptDirectory.from_config(alembic_config())
    return int(script.get_revision(HOST_COLUMNS_REVISION).module._BATCH)


@pytest.fixture
def chained_catalog(catalog_url: str) -> Iterator[Engine]:
    """A catalog at the tamper-evidence revision: a job's chained records (more than two
    backfill batches), evidence, and a chained takedown, as the code of that time wrote them."""
    engine = make_engine(catalog_url)
    at_revision(engine, TAMPER_EVIDENCE)
    insert_job(engine)
    stream = str(JOB_ID)
    head = chain.genesis(stream)
    records, evidence = [], []
    for n in range(2 * backfill_batch() + 1):
        collected = n % 3 != 0
        row: dict[str, Any] = {
            "id": n + 1,
            "job_id": JOB_ID,
            "kind": "page",
            "url": f"https://{WRITTEN_HOSTS[n % len(WRITTEN_HOSTS)]}/page/{n}",
            "source_url": None,
            "outcome": "collected" if collected else "skipped",
            "reasons": [] if collected else ["robots-disallow"],
            "http_status": 200 if collected else None,
            "content_type": "text/html" if collected else None,
            "size": n if collected else None,
            "sha256": None,
            "warc_file": None,
            "warc_offset": None,
            "warc_length": None,
            "license_status": "unknown",
            "license": None,
            "fetched_at": T0 if collected else None,
            "recorded_at": T0,
        }
        facts = []
        if not collected and n < 30:
            facts = [
                {
                    "signal": "robots.txt",
                    "source": "https://example.com/robots.txt",
                    "value": "Disallow: /",
                    "effect": "deny",
                    "reason": "robots-disallow",
                    "document_sha256": None,
                    "line": 2,
                }
            ]
            evidence += [{"record_id": n + 1, **fact} for fact in facts]
        row |= {"stream": stream, "prev_hash": head}
        head = row["chain_hash"] = chain.chain_hash(head, chain.record_content(row, facts))
        records.append(row)
    insert_rows(engine, "catalog_record", records)
    insert_rows(engine, "catalog_evidence", evidence)
    insert(
        engine,
        "catalog_blocklist",
        id=1,
        source="mpa",
        created_at=T0,
    )
    insert(
        engine,
        "catalog_blocklist_version",
        id=1,
        blocklist_id=1,
        version=1,
        submitter="MPA",
        submitted_at=T0,
        sha256="c" * 64,
        entry_count=1,
    )
    takedown: dict[str, Any] = {
        "record_id": 2,
        "source": "mpa",
        "version": 1,
        "entry": "example.com",
        "kind": "domain",
        "reason": "listed",
        "taken_down_at": T0,
        "stream": chain.TAKEDOWN_STREAM,
        "prev_hash": chain.genesis(chain.TAKEDOWN_STREAM),
    }
    takedown["chain_hash"] = chain.chain_hash(
        takedown["prev_hash"], chain.takedown_content(takedown)
    )
    insert(engine, "catalog_takedown", **takedown)
    yield engine
    engine.dispose()


def test_upgrade_fills_host_columns_and_keeps_the_chains(
    chained_catalog: Engine, catalog_url: str
) -> None:
    before = table_rows(chained_catalog)
    with chained_catalog.connect() as connection:
        takedowns_before = connection.execute(text("SELECT * FROM catalog_takedown")).all()
    count = 2 * backfill_batch() + 1
    with Catalog(catalog_url, mode="upgrade") as catalog:
        assert current_revision(chained_catalog) == HEAD
        assert table_rows(chained_catalog) == before  # nothing lost, nothing rewritten
        with chained_catalog.connect() as connection:
            assert connection.execute(text("SELECT * FROM catalog_takedown")).all() == (
                takedowns_before
            )
        hosts = stored_hosts(chained_catalog)
        assert len(hosts) == count  # every batch, the last one of a single record too
        assert [row[1:] for row in hosts] == [tuple(host_columns(row[0]).values()) for row in hosts]
        assert {row[1] for row in hosts} == {
            "example.com",
            "www.example.com",
            "a.b.example.com",
            "ample.com",
            "xn--bcher-kva.example",
            "10.0.0.1",
            "[2001:db8::1]",
        }
        assert schema_diff(chained_catalog) == []
        indexes = {ix["name"] for ix in inspect(chained_catalog).get_indexes("catalog_record")}
        assert {"ix_catalog_record_host_reversed", "ix_catalog_record_job_id_id"} <= indexes
        assert not {"ix_catalog_record_job_id", "ix_catalog_record_outcome"} & indexes

        # The chains are as intact as before: the derived columns are outside them.
        report = verify(catalog)
        assert report.ok, report.problems
        assert (report.records, report.takedowns, report.unchained_records) == (count, 1, 0)

        # The old records answer the indexed queries, taken-down record left out.
        example = queries.query_records(
            catalog, queries.RecordFilter(domain="example.com"), limit=10
        )
        in_example = [n for n in range(count) if n % len(WRITTEN_HOSTS) in (0, 1, 2)]
        assert example.total == len(in_example) - 1  # record 2 (n = 1) was taken down
        assert [r.id for r in example.items] == [n + 1 for n in in_example if n != 1][:10]
        by_domain = {d.domain: d.considered for d in queries.domains(catalog).items}
        assert by_domain["example.com"] == example.total
        assert by_domain["xn--bcher-kva.example"] == len(
            [n for n in range(count) if n % len(WRITTEN_HOSTS) == 4]
        )
