"""Crawl jobs in the catalog: a job's start, its batches of documents and records (each
chained on the job's streams), its heartbeat and its close.

A job's start and close are events of the ledger; the close names the count and head of each
of its streams. Functions take a connection in the caller's transaction
(``storage.catalog.access``), except ``mark_crashed``, which runs its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from storage.catalog import blocklists, chain, ledger, liveness, streams
from storage.catalog.access import url_of
from storage.catalog.models import CrawlJob, Evidence, JobBlocklist, PolicyDocument, UrlRecord
from storage.catalog.records import DocumentIn, EvidenceIn, JobSpec, RecordIn, host_columns
from storage.errors import CatalogError

__all__ = ["finish", "heartbeat", "mark_crashed", "start", "write"]


# The input values' fields are their tables' columns (tests/test_catalog.py holds them
# equal), so a row is the value's fields by name.
_RECORD_FIELDS: Final = tuple(f.name for f in fields(RecordIn) if f.name != "evidence")
_EVIDENCE_FIELDS: Final = tuple(f.name for f in fields(EvidenceIn))
_DOCUMENT_FIELDS: Final = (*(f.name for f in fields(DocumentIn)), "sha256")  # sha256: of body
_record_values: Final = attrgetter(*_RECORD_FIELDS)
_evidence_values: Final = attrgetter(*_EVIDENCE_FIELDS)
_document_values: Final = attrgetter(*_DOCUMENT_FIELDS)


def _record_row(job_id: uuid.UUID, record: RecordIn) -> dict[str, Any]:
    row = dict(zip(_RECORD_FIELDS, _record_values(record), strict=True))
    row["reasons"] = list(record.reasons)
    return {**row, "job_id": job_id, **host_columns(record.url)}  # hosts: derived, not chained


def _evidence_row(evidence: EvidenceIn) -> dict[str, Any]:
    return dict(zip(_EVIDENCE_FIELDS, _evidence_values(evidence), strict=True))


def _document_row(job_id: uuid.UUID, document: DocumentIn) -> dict[str, Any]:
    return {
        **dict(zip(_DOCUMENT_FIELDS, _document_values(document), strict=True)),
        "job_id": job_id,
    }


def _lock(connection: Connection, job_id: uuid.UUID) -> None:
    # One writer per job stream: on PostgreSQL the job row's lock makes a second writer of
    # the same job wait for this batch, so it reads the chains' heads after it.
    connection.execute(select(CrawlJob.id).where(CrawlJob.id == job_id).with_for_update())


def _close(
    connection: Connection,
    job_id: uuid.UUID,
    status: str,
    finished_at: datetime,
    now: datetime | None = None,
) -> None:
    """The job's close event: its status and the count and head of each of its streams."""
    stream = str(job_id)
    heads = {}
    for model in (UrlRecord, PolicyDocument):
        count, head = ledger.stream_head(connection, model, stream)
        heads[model.__tablename__] = {"stream": stream, "count": count, "head": head}
    content = ledger.job_closed_content(job_id, status, finished_at, heads)
    ledger.append(connection, ledger.JOB_CLOSED, stream, content, now or finished_at)


def start(connection: Connection, spec: JobSpec) -> uuid.UUID:
    """Record a running job and the list versions in force for it (`Catalog.start_job`)."""
    job_id = uuid.uuid4()
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": job_id,
        "started_at": now,
        "purpose": spec.purpose,
        "agent": spec.agent,
        "user_agent": spec.user_agent,
        "seeds": list(spec.seeds),
        "settings": dict(spec.settings),
        "software_version": spec.software_version,
        "weakenings": None if spec.weakenings is None else [dict(w) for w in spec.weakenings],
    }
    # alive from the start: the writer beats from here on
    connection.execute(insert(CrawlJob).values(status="running", heartbeat_at=now, **values))
    if spec.blocklists:
        connection.execute(
            insert(JobBlocklist),
            [
                {"job_id": job_id, "version_id": id_}
                for id_ in blocklists.version_ids(connection, spec.blocklists)
            ],
        )
    content = ledger.job_started_content(values, dict.fromkeys(spec.blocklists))
    ledger.append(connection, ledger.JOB_STARTED, str(job_id), content, now)
    return job_id


def write(
    connection: Connection,
    job_id: uuid.UUID,
    documents: Sequence[DocumentIn],
    records: Sequence[RecordIn],
) -> None:
    """Chain and store one batch of the job's documents and records with their evidence."""
    stream = str(job_id)
    _lock(connection, job_id)
    if documents:
        rows = [_document_row(job_id, d) for d in documents]
        streams.chain_rows(
            connection, PolicyDocument, stream, rows, map(chain.document_content, rows)
        )
        streams.insert_ordered(connection, PolicyDocument, rows, returning=False)
    if not records:
        return
    rows = [_record_row(job_id, r) for r in records]
    evidence_of = [[_evidence_row(e) for e in r.evidence] for r in records]
    contents = (chain.record_content(row, ev) for row, ev in zip(rows, evidence_of))
    streams.chain_rows(connection, UrlRecord, stream, rows, contents)
    if not any(evidence_of):
        streams.insert_ordered(connection, UrlRecord, rows, returning=False)
        return
    ids = streams.insert_ordered(connection, UrlRecord, rows)
    evidence = [
        {"record_id": record_id, **row}
        for record_id, rows_of in zip(ids, evidence_of, strict=True)
        for row in rows_of
    ]
    connection.execute(insert(Evidence), evidence)


def finish(
    connection: Connection, job_id: uuid.UUID, status: str, summary: Mapping[str, Any]
) -> None:
    """Close a job with its final status and summary counts (`Catalog.finish_job`)."""
    now = datetime.now(UTC)
    _lock(connection, job_id)
    closed = connection.execute(
        update(CrawlJob)
        .where(CrawlJob.id == job_id)
        .values(status=status, finished_at=now, summary=dict(summary))
    )
    if not closed.rowcount:
        raise CatalogError(f"no crawl job {job_id} in catalog {url_of(connection)}")
    _close(connection, job_id, status, now)


def heartbeat(connection: Connection, job_id: uuid.UUID) -> None:
    """Stamp a running job's heartbeat (a job no longer running is left as it is)."""
    connection.execute(
        update(CrawlJob)
        .where(CrawlJob.id == job_id, CrawlJob.status == "running")
        .values(heartbeat_at=datetime.now(UTC))
    )


def mark_crashed(connection: Connection) -> list[uuid.UUID]:
    """Close every running job whose heartbeat went stale as ``crashed``, each in a
    transaction of its own (`Catalog.mark_crashed_jobs`); returns their ids."""
    now = datetime.now(UTC)
    with connection.begin():
        running = connection.execute(
            select(CrawlJob.id, *liveness.COLUMNS).where(CrawlJob.status == "running")
        ).all()
    crashed = []
    for row in running:
        if not liveness.is_stale(row.heartbeat_at, row.settings, now):
            continue
        with connection.begin():
            _lock(connection, row.id)
            marked = connection.execute(
                update(CrawlJob)
                .where(
                    CrawlJob.id == row.id,
                    CrawlJob.status == "running",
                    CrawlJob.heartbeat_at == row.heartbeat_at,
                )
                .values(status="crashed", finished_at=row.heartbeat_at)
            )
            if marked.rowcount:
                _close(connection, row.id, "crashed", row.heartbeat_at, now)
                crashed.append(row.id)
    return crashed
