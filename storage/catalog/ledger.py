"""The ledger: one hash chain over everything in the catalog that is neither a record nor a
takedown (those have chains of their own, storage.catalog.chain).

Each event is one row of ``catalog_ledger``: its kind, its subject (a job id, a list version …)
and its content as the canonical JSON that was hashed, chained on the stream "ledger":

- ``catalog-created`` (written by the revision that created the ledger): the catalog's id, and
  what existed before (those rows are unchained: tamper evidence covers what came after);
- ``job-started``: the job's purpose, agent, user agent, seeds, whole configuration,
  weakenings, software version, start time and the blocklist versions in force for it;
- ``job-closed``: a job's final status (finished, interrupted, failed, crashed) and the count
  and head of each of its streams (records and documents), so that deleting a job's last rows,
  or the whole job, shows in the catalog;
- ``stream-sealed``: the count and head of a stream that no job closes (the takedowns), after
  each write to it;
- ``blocklist-version``: a submitted list version with the digest of its entries;
- ``withdrawal``: an entry withdrawn from a list;
- ``checkpoint``: a signed checkpoint (storage.catalog.checkpoint).

The live tables stay as the code reads them; ``verify`` recomputes each event's content from
them (storage.audit.verify_ledger) and reports every difference. Events are appended in the
same transaction as the change they record.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from storage.catalog import chain
from storage.catalog.models import LedgerEntry, PolicyDocument, Reinstatement, Takedown, UrlRecord

__all__ = [
    "BLOCKLIST_VERSION",
    "CATALOG_CREATED",
    "CHECKPOINT",
    "ENTRY_FIELDS",
    "JOB_CLOSED",
    "JOB_STARTED",
    "KINDS",
    "STREAM_SEALED",
    "VERSION_FIELDS",
    "WITHDRAWAL",
    "WITHDRAWAL_FIELDS",
    "append",
    "blocklist_version_content",
    "entries_digest",
    "job_closed_content",
    "job_started_content",
    "stream_head",
    "stream_heads",
    "stream_sealed_content",
    "withdrawal_content",
]

CATALOG_CREATED: Final = "catalog-created"
JOB_STARTED: Final = "job-started"
JOB_CLOSED: Final = "job-closed"
STREAM_SEALED: Final = "stream-sealed"
BLOCKLIST_VERSION: Final = "blocklist-version"
WITHDRAWAL: Final = "withdrawal"
CHECKPOINT: Final = "checkpoint"
KINDS: Final = (
    CATALOG_CREATED,
    JOB_STARTED,
    JOB_CLOSED,
    STREAM_SEALED,
    BLOCKLIST_VERSION,
    WITHDRAWAL,
    CHECKPOINT,
)

# pg_advisory_xact_lock key of the ledger ("ccLG"): one writer at a time appends.
_LOCK: Final = 0x63634C47


def _value(value: Any) -> Any:
    """A value as the ledger keeps it: times in the chain's ISO form, ids as text."""
    if isinstance(value, Mapping):
        return {str(k): _value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return chain.plain(value)


def _doc(content: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _value(v) for k, v in content.items()}


def append(
    connection: Connection,
    kind: str,
    subject: str | None,
    content: Mapping[str, Any],
    now: datetime,
) -> str:
    """Chain one event onto the ledger, in the connection's transaction; returns its hash."""
    if connection.dialect.name == "postgresql":
        # Serialise ledger writers until commit (SQLite has one writer anyway).
        connection.execute(select(func.pg_advisory_xact_lock(_LOCK)))
    prev = connection.scalar(
        select(LedgerEntry.chain_hash).order_by(LedgerEntry.id.desc()).limit(1)
    ) or chain.genesis(chain.LEDGER_STREAM)
    text = chain.canonical(_doc(content))
    digest = chain.chain_hash(prev, text)
    connection.execute(
        insert(LedgerEntry).values(
            kind=kind,
            subject=subject,
            content=text,
            recorded_at=now,
            prev_hash=prev,
            chain_hash=digest,
        )
    )
    return digest


# --- what each event holds: built from the same values on write and on verify ------------


def job_started_content(
    job: Mapping[str, Any], blocklists: Iterable[Sequence[Any]]
) -> dict[str, Any]:
    """`job`: the job row's id, purpose, agent, user_agent, seeds, settings, software_version,
    started_at and weakenings; `blocklists`: (source, version, sha256) of each list version in
    force for it."""
    return _doc(
        {
            **{name: job[name] for name in _JOB_FIELDS},
            "blocklists": sorted([str(s), int(v), str(h)] for s, v, h in blocklists),
        }
    )


_JOB_FIELDS: Final = (
    "id",
    "purpose",
    "agent",
    "user_agent",
    "seeds",
    "settings",
    "software_version",
    "started_at",
    "weakenings",
)


def job_closed_content(
    job_id: uuid.UUID | str,
    status: str,
    finished_at: datetime,
    streams: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """`streams`: per table ("catalog_record", "catalog_document"), {"stream", "count", "head"}
    of the job's stream in it (head None for an empty stream)."""
    return _doc({"job": job_id, "status": status, "finished_at": finished_at, "streams": streams})


def stream_sealed_content(table: str, stream: str, count: int, head: str | None) -> dict[str, Any]:
    return {"table": table, "stream": stream, "count": count, "head": head}


def blocklist_version_content(version: Mapping[str, Any], entries_sha256: str) -> dict[str, Any]:
    """`version`: source, version, submitter, submitted_at, sha256, filename, url, etag,
    last_modified and entry_count."""
    return _doc({**{n: version[n] for n in VERSION_FIELDS}, "entries_sha256": entries_sha256})


VERSION_FIELDS: Final = (
    "source",
    "version",
    "submitter",
    "submitted_at",
    "sha256",
    "filename",
    "url",
    "etag",
    "last_modified",
    "entry_count",
)


def withdrawal_content(withdrawal: Mapping[str, Any]) -> dict[str, Any]:
    """`withdrawal`: id, source, value, kind, reason, withdrawn_by and withdrawn_at."""
    return _doc({n: withdrawal[n] for n in WITHDRAWAL_FIELDS})


WITHDRAWAL_FIELDS: Final = (
    "id",
    "source",
    "value",
    "kind",
    "reason",
    "withdrawn_by",
    "withdrawn_at",
)

#: A list version's entries, in file order, as the digest reads them.
ENTRY_FIELDS: Final = ("value", "kind", "reason", "evidence_url", "added", "line")


def entries_digest(entries: Iterable[Sequence[Any]]) -> str:
    """sha256 over a version's entries (ENTRY_FIELDS order, file order), one canonical JSON
    array a line."""
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(chain.canonical({"e": list(entry)}).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def stream_head(
    connection: Connection,
    model: type[UrlRecord | PolicyDocument | Takedown | Reinstatement],
    stream: str,
) -> tuple[int, str | None]:
    """(rows, chain_hash of its last row) of one stream; (0, None) for an empty one."""
    return stream_heads(connection, model, stream).get(stream, (0, None))


def stream_heads(
    connection: Connection,
    model: type[UrlRecord | PolicyDocument | Takedown | Reinstatement],
    stream: str | None = None,
) -> dict[str, tuple[int, str | None]]:
    """stream -> (rows, chain_hash of its last row) of a chained table (one stream, or all)."""
    query = sa.select(model.stream, sa.func.count(), sa.func.max(model.id)).where(
        model.stream.is_not(None)
    )
    if stream is not None:
        query = query.where(model.stream == stream)
    counts = connection.execute(query.group_by(model.stream)).all()
    heads: dict[str, tuple[int, str | None]] = {}
    for name, count, last in counts:
        head = connection.scalar(sa.select(model.chain_hash).where(model.id == last))
        heads[str(name)] = (int(count), head)
    return heads
