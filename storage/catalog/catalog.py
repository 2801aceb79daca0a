"""The catalog facade used by the crawler and the CLI."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Final, TypeAlias, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import ColumnElement, Select, and_, exists, func, insert, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from storage.catalog import chain, ledger, liveness
from storage.catalog import checkpoint as checkpoints
from storage.catalog.base import Base
from storage.catalog.checkpoint import Checkpoint
from storage.catalog.db import OpenMode, describe_error, mask_url, open_engine
from storage.catalog.models import (
    JOB_STATUSES,
    Blocklist,
    BlocklistEntry,
    BlocklistVersion,
    CrawlJob,
    EntryWithdrawal,
    Evidence,
    JobBlocklist,
    PolicyDocument,
    Reinstatement,
    Takedown,
    UrlRecord,
)
from storage.catalog.records import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    DocumentIn,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
    host_columns,
)
from storage.catalog.results import (
    BlocklistEntryRow,
    BlocklistVersionInfo,
    CollectedRecord,
    EntryReinstatement,
    KeptDown,
    TakedownRow,
    WithdrawalInfo,
    WithdrawalReport,
)
from storage.catalog.taken_down import IN_FORCE, TAKEN_DOWN
from storage.closing import Closing
from storage.errors import CatalogError
from storage.times import utc_text

# The value types are re-exported so callers can import them with the Catalog.
__all__ = [
    "BlocklistEntryRow",
    "BlocklistVersionInfo",
    "Catalog",
    "CollectedRecord",
    "TakedownRow",
    "WithdrawalInfo",
    "WithdrawalReport",
]

_T = TypeVar("_T")

_EXPORT_BATCH = 1000
# Entries per executemany when a list version is loaded (PostgreSQL uses COPY instead).
_ENTRY_CHUNK = 20_000
# Bound parameters per IN (…) list, well under SQLite's and PostgreSQL's limits.
_IN_CHUNK = 1000
# pg_advisory_xact_lock key of the shared chains, takedowns and reinstatements ("ccTD"): one
# key for both, so a withdrawal reads the takedowns in force and chains its reinstatements
# with no takedown written in between.
_SHARED_LOCK: Final = 0x63635444

# Write None as NULL instead of omitting the column, so rows share one INSERT shape and
# a batch is not split into groups by which optional fields are empty.
_BULK: Final = {"render_nulls": True}



def _record_row(job_id: uuid.UUID, record: RecordIn) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "kind": record.kind,
        "url": record.url,
        "source_url": record.source_url,
        "outcome": record.outcome,
        "reasons": list(record.reasons),
        "http_status": record.http_status,
        "content_type": record.content_type,
        "size": record.size,
        "sha256": record.sha256,
        "warc_file": record.warc_file,
        "warc_offset": record.warc_offset,
        "warc_length": record.warc_length,
        "license_status": record.license_status,
        "license": record.license,
        "fetched_at": record.fetched_at,
        "recorded_at": record.recorded_at,
        **host_columns(record.url),  # derived, not chained
    }


def _evidence_row(e: EvidenceIn) -> dict[str, Any]:
    return {
        "signal": e.signal,
        "source": e.source,
        "value": e.value,
        "effect": e.effect,
        "reason": e.reason,
        "document_sha256": e.document_sha256,
        "line": e.line,
        "license": e.license,
        "strength": e.strength,
        "purposes": e.purposes,
    }


def _lock_job(session: Session, job_id: uuid.UUID) -> None:
    # One writer per job stream: on PostgreSQL the job row's lock makes a second writer of
    # the same job wait for this batch, so it reads the chains' heads after it.
    session.execute(select(CrawlJob.id).where(CrawlJob.id == job_id).with_for_update())


def _chain(
    session: Session,
    model: type[UrlRecord | PolicyDocument | Takedown | Reinstatement],
    stream: str,
    rows: list[dict[str, Any]],
    contents: Iterable[Mapping[str, Any]],
) -> None:
    """Chain rows onto the end of their stream, in order (same transaction as the insert)."""
    prev = session.scalar(
        select(model.chain_hash).where(model.stream == stream).order_by(model.id.desc()).limit(1)
    ) or chain.genesis(stream)
    for row, content in zip(rows, contents, strict=True):
        row["stream"] = stream
        row["prev_hash"] = prev
        prev = row["chain_hash"] = chain.chain_hash(prev, content)


def _seal(
    session: Session, model: type[Takedown | Reinstatement], stream: str, now: datetime
) -> None:
    """A ledger event with a shared stream's count and head after each write to it, so that
    deleting its last rows shows (a job's streams are sealed by its close event instead)."""
    count, head = ledger.stream_heads(session.connection(), model, stream).get(stream, (0, None))
    content = ledger.stream_sealed_content(model.__tablename__, stream, count, head)
    ledger.append(session, ledger.STREAM_SEALED, stream, content, now)


def _close(
    session: Session,
    job_id: uuid.UUID,
    status: str,
    finished_at: datetime,
    now: datetime | None = None,
) -> None:
    """The job's close event: its status and the count and head of each of its streams."""
    stream = str(job_id)
    connection = session.connection()
    streams = {}
    for model in (UrlRecord, PolicyDocument):
        count, head = ledger.stream_heads(connection, model, stream).get(stream, (0, None))
        streams[model.__tablename__] = {"stream": stream, "count": count, "head": head}
    content = ledger.job_closed_content(job_id, status, finished_at, streams)
    ledger.append(session, ledger.JOB_CLOSED, stream, content, now or finished_at)


def _insert_ordered(
    session: Session, model: type[Base], rows: list[dict[str, Any]], *, returning: bool = True
) -> Sequence[int]:
    """Insert rows with ids ascending in input order (the order the chains are verified in);
    returns the ids in input order, or () when not `returning` on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        # Drawing the ids from the sequence first is ~4x faster with psycopg than a
        # multi-row INSERT … RETURNING that has to be sorted back into input order.
        table = model.__table__
        sequence = func.pg_get_serial_sequence(table.name, "id")  # type: ignore[attr-defined]
        ids = sorted(
            session.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
            ).all()
        )
        session.execute(
            insert(model),
            [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)],
            execution_options=_BULK,
        )
        return ids
    if not returning:
        # One executemany: SQLite inserts the rows one after the other, ids ascending.
        session.execute(insert(model), rows, execution_options=_BULK)
        return ()
    # SQLite cannot promise the order of a multi-row RETURNING, so SQLAlchemy sends one
    # (cheap, in-process) INSERT per row.
    return session.scalars(
        insert(model).returning(model.id, sort_by_parameter_order=True),  # type: ignore[attr-defined]
        rows,
        execution_options=_BULK,
    ).all()


def _lock_shared(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Serialise the writers of the shared chains until commit (SQLite has one writer).
        session.execute(select(func.pg_advisory_xact_lock(_SHARED_LOCK)))


def _write_shared(
    session: Session,
    model: type[Takedown | Reinstatement],
    stream: str,
    rows: list[dict[str, Any]],
    content: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    now: datetime,
) -> None:
    """Chain rows onto a shared stream in order, insert them and seal the stream."""
    _lock_shared(session)
    _chain(session, model, stream, rows, map(content, rows))
    _insert_ordered(session, model, rows, returning=False)
    _seal(session, model, stream, now)


def _entry_withdrawn() -> ColumnElement[bool]:
    """On a query over Takedown: the entry that asked for it is withdrawn."""
    return exists().where(
        EntryWithdrawal.blocklist_id == Blocklist.id,
        Blocklist.source == Takedown.source,
        EntryWithdrawal.value == Takedown.entry,
        or_(EntryWithdrawal.kind.is_(None), EntryWithdrawal.kind == Takedown.kind),
    )


def _reinstate(
    session: Session,
    source: str,
    withdrawal: EntryWithdrawal,
    kept_down: Callable[[str], str | None] | None,
) -> tuple[EntryReinstatement, ...]:
    """Reinstate the items in force that a withdrawn entry took down (the one withdrawn now,
    or one withdrawn earlier whose items another entry kept down until now), unless
    `kept_down` names an entry in force that lists the URL; one report per entry and kind."""
    _lock_shared(session)
    query = (
        select(
            Takedown.id, Takedown.source, Takedown.entry, Takedown.kind,
            UrlRecord.id, UrlRecord.url, UrlRecord.size,
        )
        .join(UrlRecord, UrlRecord.id == Takedown.record_id)
        .where(IN_FORCE, _entry_withdrawn())  # the new withdrawal is flushed: covered too
        .order_by(Takedown.id)
    )
    rows: list[dict[str, Any]] = []
    totals: dict[tuple[str, str, str], tuple[int, int, list[KeptDown]]] = {}
    for takedown_id, of_source, entry, kind, record_id, url, size in session.execute(query):
        key = (of_source, entry, kind)
        own = (of_source, entry) == (source, withdrawal.value) and withdrawal.kind in (None, kind)
        by = kept_down(url) if kept_down is not None else None
        if by is not None:
            if own:  # an earlier entry's items kept down were reported by its withdrawal
                items, size_sum, kept = totals.get(key, (0, 0, []))
                totals[key] = (items, size_sum, [*kept, KeptDown(record_id, url, by)])
            continue
        items, size_sum, kept = totals.get(key, (0, 0, []))
        totals[key] = (items + 1, size_sum + (size or 0), kept)
        rows.append(
            {
                "takedown_id": takedown_id,
                "record_id": record_id,
                "withdrawal_id": withdrawal.id,
                "reason": withdrawal.reason,
                "reinstated_at": withdrawal.withdrawn_at,
            }
        )
    if rows:
        _write_shared(
            session, Reinstatement, chain.REINSTATEMENT_STREAM, rows,
            chain.reinstatement_content, withdrawal.withdrawn_at,
        )
    return tuple(
        EntryReinstatement(*key, items, size_sum, tuple(kept))
        for key, (items, size_sum, kept) in sorted(totals.items())
    )


def _chunks(items: Iterable[_T], size: int) -> Iterator[list[_T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _check_entry(source: str, entry: BlocklistEntryIn) -> None:
    # An empty value would match every URL as a prefix.
    if not entry.value or not entry.value.strip() or not entry.kind:
        raise CatalogError(
            f"blocklist {source!r}: entry on line {entry.line} has an empty value or kind: "
            f"{entry!r}"
        )


_ENTRY_COLUMNS: Final = ("version_id", "value", "kind", "reason", "evidence_url", "added", "line")


def _insert_entries(
    session: Session, source: str, version_id: int, entries: Sequence[BlocklistEntryIn]
) -> None:
    """Bulk-load one version's entries, in input order (ids ascend with the input)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        # COPY, in the session's transaction: 200,000 entries in 1.1 s against 4.0 s for
        # SQLAlchemy's batched INSERTs (measured 2026-11-29).
        driver_connection: Any = connection.connection.driver_connection
        statement = f"COPY {BlocklistEntry.__tablename__} ({', '.join(_ENTRY_COLUMNS)}) FROM STDIN"
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for entry in entries:
                    _check_entry(source, entry)
                    copy.write_row(
                        (
                            version_id,
                            entry.value,
                            entry.kind,
                            entry.reason,
                            entry.evidence_url,
                            entry.added,
                            entry.line,
                        )
                    )
        except dbapi_error as exc:
            # Raw driver errors bypass SQLAlchemy: wrap them as it would (IntegrityError …).
            raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
        return
    for chunk in _chunks(entries, _ENTRY_CHUNK):
        rows = []
        for entry in chunk:
            _check_entry(source, entry)
            rows.append(
                {
                    "version_id": version_id,
                    "value": entry.value,
                    "kind": entry.kind,
                    "reason": entry.reason,
                    "evidence_url": entry.evidence_url,
                    "added": entry.added,
                    "line": entry.line,
                }
            )
        connection.execute(insert(BlocklistEntry), rows)  # one executemany per chunk


def _check_owner(session: Session, blocklist_id: int, source: str, submitter: str) -> None:
    """Refuse a version of a list by anyone but its owner (the submitter of its version 1)."""
    owner = session.scalar(
        select(BlocklistVersion.submitter).where(
            BlocklistVersion.blocklist_id == blocklist_id, BlocklistVersion.version == 1
        )
    )
    if owner is not None and owner != submitter:
        raise CatalogError(
            f"blocklist {source!r} belongs to {owner!r} (the submitter of its version 1); "
            f"a list from {submitter!r} cannot become a version of it: store it as a list of "
            "its own with --source ID"
        )


def _version_info(
    source: str, version: BlocklistVersion, *, unchanged: bool = False
) -> BlocklistVersionInfo:
    return BlocklistVersionInfo(
        source=source,
        version=version.version,
        submitter=version.submitter,
        submitted_at=version.submitted_at,
        sha256=version.sha256,
        entry_count=version.entry_count,
        filename=version.filename,
        url=version.url,
        etag=version.etag,
        last_modified=version.last_modified,
        unchanged=unchanged,
    )


def _withdrawal_info(source: str, withdrawal: EntryWithdrawal) -> WithdrawalInfo:
    return WithdrawalInfo(
        source=source,
        value=withdrawal.value,
        kind=withdrawal.kind,
        reason=withdrawal.reason,
        withdrawn_by=withdrawal.withdrawn_by,
        withdrawn_at=withdrawal.withdrawn_at,
    )


def _current_versions() -> Select[str, BlocklistVersion]:
    """(source, latest version) of every list, by source."""
    latest = (
        select(BlocklistVersion.blocklist_id, func.max(BlocklistVersion.version).label("version"))
        .group_by(BlocklistVersion.blocklist_id)
        .subquery()
    )
    return (
        select(Blocklist.source, BlocklistVersion)
        .join(BlocklistVersion, BlocklistVersion.blocklist_id == Blocklist.id)
        .join(
            latest,
            and_(
                latest.c.blocklist_id == BlocklistVersion.blocklist_id,
                latest.c.version == BlocklistVersion.version,
            ),
        )
        .order_by(Blocklist.source)
    )


# Withdrawals of one list by value, oldest first; matched in Python, as they are few.
_Withdrawals: TypeAlias = dict[str, list[WithdrawalInfo]]


def _withdrawals_by_value(session: Session, source: str, blocklist_id: int) -> _Withdrawals:
    by_value: _Withdrawals = {}
    rows = session.scalars(
        select(EntryWithdrawal)
        .where(EntryWithdrawal.blocklist_id == blocklist_id)
        .order_by(EntryWithdrawal.id)
    )
    for row in rows:
        by_value.setdefault(row.value, []).append(_withdrawal_info(source, row))
    return by_value


def _withdrawal_of(withdrawals: _Withdrawals, value: str, kind: str) -> WithdrawalInfo | None:
    for withdrawal in withdrawals.get(value, ()):
        if withdrawal.kind is None or withdrawal.kind == kind:
            return withdrawal
    return None


_ENTRY_FIELDS: Final = (
    BlocklistEntry.value,
    BlocklistEntry.kind,
    BlocklistEntry.reason,
    BlocklistEntry.evidence_url,
    BlocklistEntry.added,
    BlocklistEntry.line,
)


def _stream_entries(
    session: Session, version_id: int, withdrawals: _Withdrawals, include_withdrawn: bool
) -> Iterator[BlocklistEntryRow]:
    query = (
        select(*_ENTRY_FIELDS)
        .where(BlocklistEntry.version_id == version_id)
        .order_by(BlocklistEntry.id)
        .execution_options(yield_per=_EXPORT_BATCH * 10)
    )
    # `with` closes the server-side cursor also when the caller stops iterating early.
    with session.execute(query) as result:
        for value, kind, reason, evidence_url, added, line in result:
            withdrawn = _withdrawal_of(withdrawals, value, kind) if withdrawals else None
            if withdrawn is not None and not include_withdrawn:
                continue
            yield BlocklistEntryRow(value, kind, reason, evidence_url, added, line, withdrawn)


def _document_row(job_id: uuid.UUID, document: DocumentIn) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "kind": document.kind,
        "url": document.url,
        "http_status": document.http_status,
        "fetched_at": document.fetched_at,
        "sha256": document.sha256,
        "body": document.body,
        "error": document.error,
    }


def _some(ids: Sequence[int], shown: int = 10) -> str:
    listed = ", ".join(str(id_) for id_ in ids[:shown])
    return listed + (f" … ({len(ids)} in all)" if len(ids) > shown else "")


class Catalog(Closing):
    """Synchronous access to one catalog database; use from one thread at a time."""

    def __init__(self, url: str, *, mode: OpenMode) -> None:
        """Open the catalog at `url`: ``read`` (audits; never writes, creates or migrates),
        ``write`` (crawls, list intake; creates a new catalog, refuses an older one) or
        ``upgrade`` (migrates). Raises CatalogError when it cannot be opened so."""
        self._engine: Engine = open_engine(url, mode)

    @property
    def engine(self) -> Engine:
        """For the readers (``storage.audit``); writes go through the methods."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self._engine.url)

    def __repr__(self) -> str:
        return f"Catalog({self.url!r})"

    __str__ = __repr__

    @contextmanager
    def _failures(self, action: str) -> Iterator[None]:
        # One exception type for callers; the driver's error stays chained as __cause__.
        try:
            yield
        except SQLAlchemyError as exc:
            raise CatalogError(
                f"{action} failed in catalog {self.url}: {describe_error(exc)}"
            ) from exc

    def start_job(self, spec: JobSpec) -> uuid.UUID:
        """Record a running job, and the blocklist versions in force for it.

        Raises CatalogError when a (source, version) in `spec.blocklists` is not in the
        catalog or its sha256 differs: the crawl must not claim a list it did not load.
        """
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
        with self._failures("starting a job"), Session(self._engine) as session, session.begin():
            # alive from the start: the writer beats from here on
            session.add(CrawlJob(status="running", heartbeat_at=now, **values))
            session.flush()  # the job row first: the links reference it
            if spec.blocklists:
                version_ids = self._versions_in_force(session, spec.blocklists)
                session.execute(
                    insert(JobBlocklist),
                    [{"job_id": job_id, "version_id": id_} for id_ in version_ids],
                )
            content = ledger.job_started_content(values, dict.fromkeys(spec.blocklists))
            ledger.append(session, ledger.JOB_STARTED, str(job_id), content, now)
        return job_id

    def _versions_in_force(
        self, session: Session, in_force: Sequence[tuple[str, int, str]]
    ) -> list[int]:
        ids: list[int] = []
        for source, number, sha256 in dict.fromkeys(in_force):
            found = session.execute(
                select(BlocklistVersion.id, BlocklistVersion.sha256)
                .join(Blocklist, Blocklist.id == BlocklistVersion.blocklist_id)
                .where(Blocklist.source == source, BlocklistVersion.version == number)
            ).one_or_none()
            if found is None:
                raise CatalogError(
                    f"no version {number} of blocklist {source!r} in catalog {self.url}"
                )
            if found.sha256 != sha256:
                raise CatalogError(
                    f"version {number} of blocklist {source!r} has sha256 {found.sha256} in "
                    f"catalog {self.url}, not {sha256}"
                )
            if found.id not in ids:
                ids.append(found.id)
        return ids

    def job_blocklists(self, job_id: uuid.UUID) -> list[BlocklistVersionInfo]:
        """The blocklist versions that were in force for a job, by source."""
        with self._failures("reading a job's blocklists"), Session(self._engine) as session:
            if session.get(CrawlJob, job_id) is None:
                raise CatalogError(f"no crawl job {job_id} in catalog {self.url}")
            rows = session.execute(
                select(Blocklist.source, BlocklistVersion)
                .join(BlocklistVersion, BlocklistVersion.blocklist_id == Blocklist.id)
                .join(JobBlocklist, JobBlocklist.version_id == BlocklistVersion.id)
                .where(JobBlocklist.job_id == job_id)
                .order_by(Blocklist.source, BlocklistVersion.version)
            ).all()
            return [_version_info(source, version) for source, version in rows]

    def write(
        self,
        job_id: uuid.UUID,
        documents: Sequence[DocumentIn] = (),
        records: Sequence[RecordIn] = (),
    ) -> None:
        """Store documents, records and their evidence in one transaction: all or nothing."""
        if not documents and not records:
            return
        stream = str(job_id)
        with self._failures("writing a batch"), Session(self._engine) as session, session.begin():
            _lock_job(session, job_id)
            if documents:
                rows = [_document_row(job_id, d) for d in documents]
                _chain(session, PolicyDocument, stream, rows, map(chain.document_content, rows))
                _insert_ordered(session, PolicyDocument, rows, returning=False)
            if not records:
                return
            rows = [_record_row(job_id, r) for r in records]
            evidence_of = [[_evidence_row(e) for e in r.evidence] for r in records]
            contents = (chain.record_content(row, ev) for row, ev in zip(rows, evidence_of))
            _chain(session, UrlRecord, stream, rows, contents)
            if not any(evidence_of):
                _insert_ordered(session, UrlRecord, rows, returning=False)
                return
            ids = _insert_ordered(session, UrlRecord, rows)
            evidence = [
                {"record_id": record_id, **row}
                for record_id, rows_of in zip(ids, evidence_of, strict=True)
                for row in rows_of
            ]
            session.execute(insert(Evidence), evidence, execution_options=_BULK)

    def finish_job(self, job_id: uuid.UUID, status: str, summary: Mapping[str, Any]) -> None:
        if status not in JOB_STATUSES or status == "running":
            raise ValueError(f"not a final job status: {status!r}")
        now = datetime.now(UTC)
        with self._failures("finishing a job"), Session(self._engine) as session, session.begin():
            _lock_job(session, job_id)
            job = session.get(CrawlJob, job_id)
            if job is None:
                raise CatalogError(f"no crawl job {job_id} in catalog {self.url}")
            job.status = status
            job.finished_at = now
            job.summary = dict(summary)
            _close(session, job_id, status, now)

    def heartbeat(self, job_id: uuid.UUID) -> None:
        """The job's writer is alive: stamp its heartbeat (a job no longer running is left)."""
        with self._failures("beating a job's heartbeat"), self._engine.begin() as connection:
            connection.execute(
                update(CrawlJob)
                .where(CrawlJob.id == job_id, CrawlJob.status == "running")
                .values(heartbeat_at=datetime.now(UTC))
            )

    def mark_crashed_jobs(self) -> list[uuid.UUID]:
        """Close every running job whose heartbeat went stale as ``crashed``; return their ids.

        Its finished_at is its last beat, the last moment it was known to run; its close event
        seals its streams as they are. A job that beat again since it was read is left running.
        """
        now = datetime.now(UTC)
        with self._failures("marking crashed jobs"), Session(self._engine) as session:
            with session.begin():
                running = session.execute(
                    select(CrawlJob.id, *liveness.COLUMNS).where(CrawlJob.status == "running")
                ).all()
            crashed = []
            for row in running:
                if not liveness.is_stale(row.heartbeat_at, row.settings, now):
                    continue
                with session.begin():
                    _lock_job(session, row.id)
                    marked = session.execute(
                        update(CrawlJob)
                        .where(
                            CrawlJob.id == row.id,
                            CrawlJob.status == "running",
                            CrawlJob.heartbeat_at == row.heartbeat_at,
                        )
                        .values(status="crashed", finished_at=row.heartbeat_at)
                    )
                    if getattr(marked, "rowcount", 0):
                        _close(session, row.id, "crashed", row.heartbeat_at, now)
                        crashed.append(row.id)
        return crashed

    # --- blocklists -------------------------------------------------------------------

    def add_blocklist_version(self, version: BlocklistVersionIn) -> BlocklistVersionInfo:
        """Store a submitted list as its next version (1 for a new source), all or nothing.

        A list is identified by its source and its owner, the submitter of version 1: a
        submission by anyone else is refused (CatalogError), since it would replace the owner's
        entries in force. Submitting the current version's file again (same sha256) makes no
        new version: the current one is returned with `unchanged=True`. Raises CatalogError
        for an entry with an empty value or kind.
        """
        source = version.source
        now = datetime.now(UTC)
        with (
            self._failures(f"adding a version of blocklist {source!r}"),
            Session(self._engine) as session,
            session.begin(),
        ):
            # FOR UPDATE (PostgreSQL) serialises submissions of one list; SQLite has one writer.
            blocklist = session.scalars(
                select(Blocklist).where(Blocklist.source == source).with_for_update()
            ).one_or_none()
            number = 1
            if blocklist is None:
                blocklist = Blocklist(source=source, created_at=now)
                session.add(blocklist)
                session.flush()
            else:
                _check_owner(session, blocklist.id, source, version.submitter)
                current = session.scalars(
                    select(BlocklistVersion)
                    .where(BlocklistVersion.blocklist_id == blocklist.id)
                    .order_by(BlocklistVersion.version.desc())
                    .limit(1)
                ).first()
                if current is not None:
                    if current.sha256 == version.sha256:
                        return _version_info(source, current, unchanged=True)
                    number = current.version + 1
            row = BlocklistVersion(
                blocklist_id=blocklist.id,
                version=number,
                submitter=version.submitter,
                submitted_at=now,
                sha256=version.sha256,
                filename=version.filename,
                url=version.url,
                etag=version.etag,
                last_modified=version.last_modified,
                entry_count=len(version.entries),
            )
            session.add(row)
            session.flush()
            _insert_entries(session, source, row.id, version.entries)
            info = _version_info(source, row)
            digest = ledger.entries_digest(
                (e.value, e.kind, e.reason, e.evidence_url, e.added, e.line)
                for e in version.entries
            )
            content = ledger.blocklist_version_content(
                {"source": source, **{n: getattr(row, n) for n in ledger.VERSION_FIELDS[1:]}},
                digest,
            )
            ledger.append(session, ledger.BLOCKLIST_VERSION, f"{source}:{number}", content, now)
        return info

    def blocklists(self) -> list[BlocklistVersionInfo]:
        """The current (latest) version of every list, by source."""
        with self._failures("reading blocklists"), Session(self._engine) as session:
            return [_version_info(s, v) for s, v in session.execute(_current_versions())]

    def blocklist_history(self, source: str) -> list[BlocklistVersionInfo]:
        """Every version of one list, oldest first."""
        with self._failures(f"reading blocklist {source!r}"), Session(self._engine) as session:
            blocklist_id = self._blocklist_id(session, source)
            versions = session.scalars(
                select(BlocklistVersion)
                .where(BlocklistVersion.blocklist_id == blocklist_id)
                .order_by(BlocklistVersion.version)
            )
            return [_version_info(source, v) for v in versions]

    def _blocklist_id(self, session: Session, source: str) -> int:
        found = session.scalar(select(Blocklist.id).where(Blocklist.source == source))
        if found is None:
            raise CatalogError(f"no blocklist {source!r} in catalog {self.url}")
        return found

    def _version_id(self, session: Session, source: str, number: int | None) -> tuple[int, int]:
        """(version id, version number) of a list's `number`, or of its current version."""
        blocklist_id = self._blocklist_id(session, source)
        query = select(BlocklistVersion.id, BlocklistVersion.version).where(
            BlocklistVersion.blocklist_id == blocklist_id
        )
        if number is None:
            query = query.order_by(BlocklistVersion.version.desc()).limit(1)
        else:
            query = query.where(BlocklistVersion.version == number)
        found = session.execute(query).first()
        if found is None:
            raise CatalogError(f"no version {number} of blocklist {source!r} in catalog {self.url}")
        return found.id, found.version

    def _snapshot(self) -> Session:
        # Several SELECTs that must agree: one snapshot for the whole read on PostgreSQL
        # (a SQLite read transaction already is one).
        engine = self._engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        return Session(engine)

    def blocklist_entries(
        self, source: str, version: int | None = None, *, include_withdrawn: bool = False
    ) -> Iterator[BlocklistEntryRow]:
        """The entries of one version (default: the current one) in file order, streamed.

        Withdrawn entries are left out unless `include_withdrawn`; their `withdrawn` tells
        when and why. An unknown source or version raises CatalogError at once.
        """
        with self._failures(f"reading blocklist {source!r}"), Session(self._engine) as session:
            self._version_id(session, source, version)  # fail here, not at the first next()
        return self._entries(source, version, include_withdrawn)

    def _entries(
        self, source: str, version: int | None, include_withdrawn: bool
    ) -> Iterator[BlocklistEntryRow]:
        with (
            self._failures(f"reading blocklist {source!r}"),
            self._snapshot() as session,
            session.begin(),
        ):
            version_id, _ = self._version_id(session, source, version)
            withdrawals = _withdrawals_by_value(
                session, source, self._blocklist_id(session, source)
            )
            yield from _stream_entries(session, version_id, withdrawals, include_withdrawn)

    def active_blocklist_entries(self) -> Iterator[tuple[str, int, BlocklistEntryRow]]:
        """(source, version, entry) of every list's current version, withdrawn entries left
        out, by source then file order: what a crawl loads. Streamed from one snapshot."""
        with self._failures("reading blocklists"), self._snapshot() as session, session.begin():
            for source, version in session.execute(_current_versions()).all():
                withdrawals = _withdrawals_by_value(session, source, version.blocklist_id)
                for entry in _stream_entries(session, version.id, withdrawals, False):
                    yield source, version.version, entry

    def withdraw_blocklist_entry(
        self,
        source: str,
        value: str,
        kind: str | None,
        *,
        reason: str,
        by: str,
        kept_down: Callable[[str], str | None] | None = None,
    ) -> WithdrawalReport:
        """Take (source, kind, value) out of the list from now on, in every version, and
        reinstate what its takedowns removed, in one transaction.

        `kind` None covers every kind with that value. Each item in force that the entry
        took down gets a reinstatement (back in export), unless `kept_down(url)` names
        another entry in force that lists it ("LIST ENTRY"): then it stays down. Reports how
        many entries of the current version it takes out (those not withdrawn already) and,
        per entry kind, the items reinstated and kept down. Raises CatalogError for an unknown
        source, an empty reason or withdrawer, no such entry in the current version, or an
        entry that is withdrawn already.
        """
        if not reason.strip():
            raise CatalogError(f"withdrawing {value!r} from blocklist {source!r}: give a reason")
        if not by.strip():
            raise CatalogError(f"withdrawing {value!r} from blocklist {source!r}: say who by")
        what = f"{kind} {value!r}" if kind else repr(value)
        with (
            self._failures(f"withdrawing {what} from blocklist {source!r}"),
            Session(self._engine) as session,
            session.begin(),
        ):
            blocklist = session.scalars(
                select(Blocklist).where(Blocklist.source == source).with_for_update()
            ).one_or_none()
            if blocklist is None:
                raise CatalogError(f"no blocklist {source!r} in catalog {self.url}")
            version_id, number = self._version_id(session, source, None)
            matching = select(BlocklistEntry.kind, func.count()).where(
                BlocklistEntry.version_id == version_id, BlocklistEntry.value == value
            )
            if kind is not None:
                matching = matching.where(BlocklistEntry.kind == kind)
            by_kind: dict[str, int] = {
                k: n for k, n in session.execute(matching.group_by(BlocklistEntry.kind))
            }
            if not by_kind:
                raise CatalogError(
                    f"no entry {what} in version {number} (current) of blocklist {source!r} "
                    f"in catalog {self.url}"
                )
            earlier = _withdrawals_by_value(session, source, blocklist.id).get(value, [])
            covered = sum(
                n
                for k, n in by_kind.items()
                if not any(w.kind is None or w.kind == k for w in earlier)
            )
            if covered == 0:
                first = earlier[0]
                raise CatalogError(
                    f"entry {what} of blocklist {source!r} was withdrawn already, on "
                    f"{utc_text(first.withdrawn_at)} by {first.withdrawn_by!r}: {first.reason}"
                )
            withdrawal = EntryWithdrawal(
                blocklist_id=blocklist.id,
                value=value,
                kind=kind,
                reason=reason,
                withdrawn_by=by,
                withdrawn_at=datetime.now(UTC),
            )
            session.add(withdrawal)
            session.flush()
            content = ledger.withdrawal_content(
                {"source": source, **{n: getattr(withdrawal, n) for n in ledger.WITHDRAWAL_FIELDS
                                      if n != "source"}}
            )
            ledger.append(
                session, ledger.WITHDRAWAL, str(withdrawal.id), content, withdrawal.withdrawn_at
            )
            reinstated = _reinstate(session, source, withdrawal, kept_down)
        return WithdrawalReport(covered, reinstated)

    def withdrawals(self, source: str) -> list[WithdrawalInfo]:
        """The withdrawals from one list, oldest first."""
        with self._failures(f"reading blocklist {source!r}"), Session(self._engine) as session:
            blocklist_id = self._blocklist_id(session, source)
            rows = session.scalars(
                select(EntryWithdrawal)
                .where(EntryWithdrawal.blocklist_id == blocklist_id)
                .order_by(EntryWithdrawal.id)
            )
            return [_withdrawal_info(source, row) for row in rows]

    # --- takedowns --------------------------------------------------------------------

    def collected_records(self) -> Iterator[CollectedRecord]:
        """Collected records without a takedown, in id order, streamed: what a new list is
        matched against."""
        query = (
            select(UrlRecord.id, UrlRecord.url, UrlRecord.size, UrlRecord.job_id)
            .where(UrlRecord.outcome == "collected", ~TAKEN_DOWN)
            .order_by(UrlRecord.id)
            .execution_options(yield_per=_EXPORT_BATCH)
        )
        with (
            self._failures("reading collected records"),
            Session(self._engine) as session,
            session.begin(),
            session.execute(query) as result,
        ):
            for record_id, url, size, job_id in result:
                yield CollectedRecord(record_id, url, size, job_id)

    def record_takedowns(self, takedowns: Sequence[TakedownIn]) -> int:
        """Take collected records out of every later export, all or nothing.

        A record taken down already (earlier, or earlier in `takedowns`) is skipped.
        Returns how many takedowns were added. Raises CatalogError for an unknown list
        version or record, or a record that was not collected.
        """
        if not takedowns:
            return 0
        now = datetime.now(UTC)
        with (
            self._failures("recording takedowns"),
            Session(self._engine) as session,
            session.begin(),
        ):
            for source, number in dict.fromkeys((t.source, t.version) for t in takedowns):
                self._version_id(session, source, number)
            wanted = list(dict.fromkeys(t.record_id for t in takedowns))
            outcomes: dict[int, str] = {}
            done: set[int] = set()
            for chunk in _chunks(wanted, _IN_CHUNK):
                found = session.execute(
                    select(UrlRecord.id, UrlRecord.outcome).where(UrlRecord.id.in_(chunk))
                )
                outcomes.update((id_, outcome) for id_, outcome in found)
                done.update(
                    session.scalars(
                        select(Takedown.record_id).where(Takedown.record_id.in_(chunk), IN_FORCE)
                    )
                )
            missing = [id_ for id_ in wanted if id_ not in outcomes]
            if missing:
                raise CatalogError(f"no records {_some(missing)} in catalog {self.url}")
            skipped = [id_ for id_ in wanted if outcomes[id_] != "collected"]
            if skipped:
                raise CatalogError(
                    f"records {_some(skipped)} were not collected: nothing to take down"
                )
            rows = []
            for takedown in takedowns:
                if takedown.record_id in done:
                    continue
                done.add(takedown.record_id)
                rows.append(
                    {
                        "record_id": takedown.record_id,
                        "source": takedown.source,
                        "version": takedown.version,
                        "entry": takedown.entry,
                        "kind": takedown.kind,
                        "reason": takedown.reason,
                        "taken_down_at": now,
                    }
                )
            if rows:
                _write_shared(
                    session, Takedown, chain.TAKEDOWN_STREAM, rows, chain.takedown_content, now
                )
        return len(rows)

    def takedowns(self) -> list[TakedownRow]:
        """Every takedown, oldest first, with the record's URL and job."""
        query = (
            select(Takedown, UrlRecord.url, UrlRecord.job_id)
            .join(UrlRecord, UrlRecord.id == Takedown.record_id)
            .order_by(Takedown.id)
        )
        with self._failures("reading takedowns"), Session(self._engine) as session:
            return [
                TakedownRow(
                    record_id=t.record_id,
                    url=url,
                    job_id=job_id,
                    source=t.source,
                    version=t.version,
                    entry=t.entry,
                    kind=t.kind,
                    reason=t.reason,
                    taken_down_at=t.taken_down_at,
                )
                for t, url, job_id in session.execute(query)
            ]

    def checkpoint(self, key: Ed25519PrivateKey) -> Checkpoint:
        """Sign the heads and counts of every stream as they are now, and add the checkpoint
        to the ledger (storage.catalog.checkpoint)."""
        with (
            self._failures("signing a checkpoint"),
            Session(self._engine) as session,
            session.begin(),
        ):
            return checkpoints.sign(session, key)

    def close(self) -> None:
        self._engine.dispose()
