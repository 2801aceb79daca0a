"""Check the catalog's tamper evidence: recompute every hash chain and, optionally, the WARC
payloads the collected records point at.

Pure reads, in one snapshot, a page of rows at a time. What it finds:

- changed: a row's content no longer hashes to its chain_hash (edited after it was written);
- gap: a row's prev_hash is no row's chain_hash in its stream (the rows before it were
  deleted, or the previous row's hash was rewritten);
- reordered: a row's prev_hash is the chain_hash of a row elsewhere in its stream, or the
  stream's genesis value for a row that is not first (ids swapped or rows moved);
- missing-hash: a chained row lost its stream, prev_hash or chain_hash;
- with a WARC folder, for every collected record with a WARC location: warc-missing (no
  such file, or a name that is not a plain file name), warc-unreadable (no response record
  at the offset), warc-url (the response is of another URL), warc-sha256 (its payload's
  sha256 is not the catalog's).

Rows written before the chains existed (stream, prev_hash and chain_hash all null) are
counted as unchained, not reported. The deletion of a stream's last rows leaves no trace in
the chain itself: compare the job's summary counts for that.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any, Final

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.engine import Connection
from warcio.archiveiterator import ArchiveIterator

from storage.audit.verify_ledger import LEDGER_PROBLEMS, check_ledger
from storage.catalog import chain
from storage.catalog.access import Source, engine_of, pages, reading
from storage.catalog.checkpoint import CHECKPOINT_PROBLEMS, Checkpoint
from storage.catalog.checkpoint import check as check_checkpoint
from storage.catalog.db import make_engine
from storage.catalog.models import Evidence, PolicyDocument, Reinstatement, Takedown, UrlRecord

__all__ = ["PROBLEM_KINDS", "Problem", "UnclosedJob", "VerifyReport", "verify"]

PROBLEM_KINDS: Final = (
    *LEDGER_PROBLEMS,
    *CHECKPOINT_PROBLEMS,
    "changed",
    "gap",
    "reordered",
    "missing-hash",
    "warc-missing",
    "warc-unreadable",
    "warc-url",
    "warc-sha256",
)

_MAX_WORKERS = 8
_OPEN_FILES = 8
_READ = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_BODY_PAGE = 100  # policy documents per page: bodies can be large


@dataclass(frozen=True, slots=True)
class Problem:
    kind: str  # one of PROBLEM_KINDS
    table: str  # "catalog_record", "catalog_ledger", "catalog_job" …
    id: int | str  # the row's id (a job's is its UUID; a list version's "source:version")
    stream: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class UnclosedJob:
    """A job without a close event: still running, or crashed (its heartbeat went stale)."""

    id: str
    status: str


@dataclass(slots=True)
class VerifyReport:
    chains: int = 0  # streams walked (jobs' records and documents, "takedowns", "reinstatements")
    records: int = 0  # chained records checked
    documents: int = 0  # chained policy documents checked
    takedowns: int = 0  # chained takedowns checked
    reinstatements: int = 0  # chained reinstatements checked
    ledger: int = 0  # ledger events checked
    jobs: int = 0  # jobs checked against their ledger events
    unchained_records: int = 0  # written before tamper evidence
    unchained_documents: int = 0
    unchained_takedowns: int = 0
    unchained_reinstatements: int = 0  # always 0: they were chained from the first
    unchained_jobs: int = 0  # jobs started before the ledger
    warc_checked: int = 0  # WARC payloads read (0 without a WARC folder)
    checkpoint: str | None = None  # the checkpoint checked against, if any ("signed at …")
    unclosed: list[UnclosedJob] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


# Times, UUIDs and JSON are read as the driver gives them, without SQLAlchemy's result
# processing (a third of verify's time): ``_stored`` turns them into the chain's canonical
# values, the same ones the writer hashed.
_TIMES: Final = frozenset({"fetched_at", "recorded_at", "taken_down_at"})
_RAW: Final = _TIMES | {"job_id", "reasons"}


def _columns(table: _Table, names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(
        sa.type_coerce(getattr(table, name), sa.String).label(name)
        if name in _RAW
        else getattr(table, name)
        for name in names
    )


def _stored(names: Sequence[str]) -> Callable[[Sequence[Any]], list[Any]]:
    """A converter of one raw row in ``names`` order to the values ``chain`` hashes."""
    raw = [(i, name) for i, name in enumerate(names) if name in _RAW]
    uuids: dict[str, str] = {}

    def convert(values: Sequence[Any]) -> list[Any]:
        out = list(values)
        for i, name in raw:
            value = out[i]
            if not isinstance(value, str):
                continue  # PostgreSQL's driver already gives datetime, UUID, list
            if name in _TIMES:  # SQLite keeps UTC text; read as sqltypes.UTCDateTime does
                out[i] = datetime.fromisoformat(value).replace(tzinfo=UTC)
            elif name == "job_id":  # SQLite keeps 32 hex digits
                out[i] = uuids.get(value) or uuids.setdefault(value, str(uuid.UUID(value)))
            else:
                out[i] = json.loads(value)
        return out

    return convert


_RECORD_COLUMNS: Final = _columns(UrlRecord, chain.RECORD_FIELDS)
_DOCUMENT_COLUMNS: Final = _columns(PolicyDocument, chain.DOCUMENT_FIELDS)
_EVIDENCE_COLUMNS: Final = tuple(
    getattr(Evidence, name) for name in (*chain.EVIDENCE_FIELDS, *chain.OPTIONAL_EVIDENCE_FIELDS)
)
_TAKEDOWN_COLUMNS: Final = _columns(Takedown, chain.TAKEDOWN_FIELDS)
_REINSTATEMENT_COLUMNS: Final = _columns(Reinstatement, chain.REINSTATEMENT_FIELDS)

_Table = type[UrlRecord | PolicyDocument | Takedown | Reinstatement]
# Rows are plain tuples (id, prev_hash, chain_hash, *hashed columns): a mapping per row costs
# more than the hashing itself on a catalog of millions.
_Row = Sequence[Any]
_Contents = Callable[[Connection, Sequence[_Row]], list[dict[str, Any]]]


def _record_contents(connection: Connection, rows: Sequence[_Row]) -> list[dict[str, Any]]:
    stored = _stored(chain.RECORD_FIELDS)
    evidence: dict[int, list[_Row]] = {row[0]: [] for row in rows}
    query = (
        sa.select(Evidence.record_id, *_EVIDENCE_COLUMNS)
        .where(Evidence.record_id.in_(list(evidence)))
        .order_by(Evidence.record_id, Evidence.id)
    )
    for found in connection.execute(query).all():
        evidence[found[0]].append(found[1:])
    return [chain.record_content_of(stored(row[3:]), evidence[row[0]]) for row in rows]


def _document_contents(connection: Connection, rows: Sequence[_Row]) -> list[dict[str, Any]]:
    stored = _stored(chain.DOCUMENT_FIELDS)
    return [chain.document_content_of(stored(row[3:])) for row in rows]


def _takedown_contents(connection: Connection, rows: Sequence[_Row]) -> list[dict[str, Any]]:
    stored = _stored(chain.TAKEDOWN_FIELDS)
    return [chain.takedown_content_of(stored(row[3:])) for row in rows]


def _reinstatement_contents(connection: Connection, rows: Sequence[_Row]) -> list[dict[str, Any]]:
    stored = _stored(chain.REINSTATEMENT_FIELDS)
    return [chain.reinstatement_content_of(stored(row[3:])) for row in rows]


def _pages(
    connection: Connection,
    table: _Table,
    columns: Sequence[Any],
    stream: str,
    after: int | None = None,
    until: int | None = None,
) -> Iterator[Sequence[_Row]]:
    """A stream's rows in id order (those after ``after``, up to ``until``), a page at a time
    (keyset on the (stream, id) index)."""
    query = sa.select(table.id, table.prev_hash, table.chain_hash, *columns).where(
        table.stream == stream
    )
    if until is not None:
        query = query.where(table.id <= until)
    yield from pages(connection, query, table.id, after=after)


_TABLES: Final[dict[str, tuple[_Table, tuple[Any, ...], _Contents]]] = {
    UrlRecord.__tablename__: (UrlRecord, _RECORD_COLUMNS, _record_contents),
    PolicyDocument.__tablename__: (PolicyDocument, _DOCUMENT_COLUMNS, _document_contents),
    Takedown.__tablename__: (Takedown, _TAKEDOWN_COLUMNS, _takedown_contents),
    Reinstatement.__tablename__: (Reinstatement, _REINSTATEMENT_COLUMNS, _reinstatement_contents),
}


def _walk(
    connection: Connection,
    name: str,
    stream: str,
    report: VerifyReport,
    after: int | None = None,
    until: int | None = None,
) -> int:
    """Check a stream's rows after ``after`` up to ``until`` (a range of it, or all of it)."""
    table, columns, contents = _TABLES[name]
    start = chain.genesis(stream)
    expected = start
    if after is not None:
        # What the walk of the rows before would expect next: the stored hash of the row
        # before the range (if that row lost it, its recomputation from its own prev_hash).
        [before] = list(_pages(connection, table, columns, stream, after - 1, after))
        [(_, prev, stored)] = [row[:3] for row in before]
        expected = stored or chain.chain_hash(prev or start, contents(connection, before)[0])
    checked = 0
    for page in _pages(connection, table, columns, stream, after, until):
        for row, content in zip(page, contents(connection, page), strict=True):
            checked += 1
            id_, prev, stored = row[0], row[1], row[2]

            def problem(kind: str, detail: str, id_: int = id_) -> None:
                report.problems.append(Problem(kind, name, id_, stream, detail))

            if prev is None or stored is None:
                problem("missing-hash", "its prev_hash or chain_hash was removed")
            if prev is not None and prev != expected:
                if prev == start:
                    problem("reordered", "the stream's first row comes after others (ids changed?)")
                else:
                    moved = connection.scalar(
                        sa.select(table.id)
                        .where(table.stream == stream, table.chain_hash == prev)
                        .limit(1)
                    )
                    if moved is not None:
                        problem(
                            "reordered",
                            f"it follows row {moved} in the chain, which is not the row "
                            "before it (ids changed?)",
                        )
                    else:
                        problem(
                            "gap",
                            "the row it follows in the chain is missing: deleted, or its "
                            "hash rewritten",
                        )
            recomputed = chain.chain_hash(prev if prev is not None else expected, content)
            if stored is not None and recomputed != stored:
                problem("changed", "its content does not match its chain_hash (edited)")
            expected = stored if stored is not None else recomputed
    return checked


def _in_memory(url: str) -> bool:
    return url.startswith("sqlite") and url.rstrip("/").endswith((":memory:", "sqlite:"))


def _streams(connection: Connection, table: _Table) -> list[str]:
    query = sa.select(table.stream).where(table.stream.is_not(None)).distinct()
    return sorted(s for s in connection.scalars(query) if s is not None)


def _unchained(
    connection: Connection, table: _Table, report: VerifyReport, before: int | None
) -> int:
    """Count rows from before the chains; report rows that lost their stream, and unchained
    rows written after the ledger began (``before``: the last id the ledger found)."""
    no_stream = table.stream.is_(None)
    unchained = sa.and_(no_stream, table.prev_hash.is_(None), table.chain_hash.is_(None))
    if before is not None:
        for id_ in connection.scalars(
            sa.select(table.id).where(unchained, table.id > before).order_by(table.id)
        ):
            report.problems.append(
                Problem(
                    "missing-hash",
                    table.__tablename__,
                    id_,
                    None,
                    "written after tamper evidence began but not chained (inserted behind the "
                    "writer's back, or its hashes removed)",
                )
            )
        unchained = sa.and_(unchained, table.id <= before)
    count = connection.scalar(sa.select(sa.func.count()).where(unchained))
    partial = connection.scalars(
        sa.select(table.id)
        .where(no_stream, sa.or_(table.prev_hash.is_not(None), table.chain_hash.is_not(None)))
        .order_by(table.id)
    )
    for id_ in partial:
        report.problems.append(
            Problem("missing-hash", table.__tablename__, id_, None, "its stream was removed")
        )
    return int(count or 0)


def _check_bodies(connection: Connection, report: VerifyReport) -> None:
    """Each stored policy document's body against its sha256 (the chain covers the sha256)."""
    query = sa.select(
        PolicyDocument.id, PolicyDocument.stream, PolicyDocument.sha256, PolicyDocument.body
    )
    for page in pages(connection, query, PolicyDocument.id, _BODY_PAGE):
        for id_, stream, sha256, body in page:
            actual = None if body is None else hashlib.sha256(body).hexdigest()
            if actual != sha256:
                report.problems.append(
                    Problem(
                        "changed",
                        PolicyDocument.__tablename__,
                        id_,
                        stream,
                        "its body does not match its sha256 (the stored document was replaced)",
                    )
                )


class _Files:
    """A few WARC files open at once, for records read roughly in file order."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._open: dict[str, IO[bytes]] = {}

    def get(self, name: str) -> IO[bytes] | None:
        handle = self._open.get(name)
        if handle is not None:
            return handle
        if not name or Path(name).name != name or name in (".", ".."):
            return None  # only plain names inside the folder
        try:
            handle = (self._directory / name).open("rb")
        except OSError:
            return None
        if len(self._open) >= _OPEN_FILES:
            oldest = next(iter(self._open))
            self._open.pop(oldest).close()
        self._open[name] = handle
        return handle

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
        self._open.clear()


def _payload(handle: IO[bytes], offset: int) -> tuple[str | None, str, str]:
    """(target URI, payload sha256, "") of the response record at offset, or (None, "",
    why not)."""
    try:
        handle.seek(offset)
        # Each record of a .warc.gz is a gzip member of its own: an offset inside one is no
        # record's (warcio may still read some record out of the bytes that follow it).
        if getattr(handle, "name", "").endswith(".gz") and handle.read(2) != _GZIP_MAGIC:
            return None, "", "no WARC record at this offset (not the start of a gzip member)"
        handle.seek(offset)
        record = next(iter(ArchiveIterator(handle)), None)
        if record is None:
            return None, "", "no WARC record at this offset"
        if record.rec_type != "response":
            return None, "", f"a {record.rec_type} record, not a response, at this offset"
        digest = hashlib.sha256()
        stream = record.content_stream()
        while chunk := stream.read(_READ):
            digest.update(chunk)
        return record.rec_headers.get_header("WARC-Target-URI") or "", digest.hexdigest(), ""
    except Exception as exc:  # noqa: BLE001 - warcio raises many kinds for a corrupt member
        return None, "", f"unreadable at this offset: {type(exc).__name__}: {exc}"


def _check_warcs(connection: Connection, directory: Path, report: VerifyReport) -> None:
    name = UrlRecord.__tablename__
    files = _Files(directory)
    query = sa.select(
        UrlRecord.id,
        UrlRecord.stream,
        UrlRecord.url,
        UrlRecord.sha256,
        UrlRecord.warc_file,
        UrlRecord.warc_offset,
    ).where(UrlRecord.outcome == "collected", UrlRecord.warc_file.is_not(None))
    try:
        for page in pages(connection, query, UrlRecord.id):
            for id_, stream, url, sha256, warc_file, offset in page:
                report.warc_checked += 1
                where = f"{warc_file} at offset {offset}"
                handle = files.get(warc_file or "")
                if handle is None:
                    report.problems.append(
                        Problem("warc-missing", name, id_, stream, f"no WARC file {warc_file!r}")
                    )
                    continue
                if offset is None or offset < 0:
                    report.problems.append(
                        Problem("warc-unreadable", name, id_, stream, f"{where}: no offset")
                    )
                    continue
                target, digest, why = _payload(handle, offset)
                if target is None:
                    report.problems.append(
                        Problem("warc-unreadable", name, id_, stream, f"{where}: {why}")
                    )
                    continue
                if target != url:
                    report.problems.append(
                        Problem("warc-url", name, id_, stream, f"{where} is of {target!r}")
                    )
                if sha256 is not None and digest != sha256:
                    report.problems.append(
                        Problem(
                            "warc-sha256",
                            name,
                            id_,
                            stream,
                            f"{where}: payload sha256 {digest}, catalog {sha256}",
                        )
                    )
    finally:
        files.close()


def _ranges(
    connection: Connection, table: _Table, stream: str, size: int
) -> list[tuple[int | None, int | None]]:
    """A stream cut into runs of ``size`` rows: (after id, last id) each; the last run open."""
    numbered = (
        sa.select(table.id, sa.func.row_number().over(order_by=table.id).label("n"))
        .where(table.stream == stream)
        .subquery()
    )
    cuts = list(connection.scalars(sa.select(numbered.c.id).where(numbered.c.n % size == 0)))
    starts: list[int | None] = [None, *cuts]
    ends: list[int | None] = [*cuts, None]
    return list(zip(starts, ends, strict=True))


_Task = tuple[str, str, int | None, int | None]  # table, stream, after, until
# VerifyReport's counter of each chained table (also the name of its unchained_ counter).
_COUNTERS_BY_TABLE: Final = (
    (UrlRecord, "records"),
    (PolicyDocument, "documents"),
    (Takedown, "takedowns"),
    (Reinstatement, "reinstatements"),
)
_COUNTERS: Final = {table.__tablename__: name for table, name in _COUNTERS_BY_TABLE}
_CHAINED: Final = tuple(table for table, _ in _COUNTERS_BY_TABLE)


def _walk_task(url: str, task: _Task) -> tuple[int, list[Problem]]:
    """One range, in a worker process with a connection of its own."""
    engine = make_engine(url, "read")
    try:
        with engine.connect() as connection:
            report = VerifyReport()
            checked = _walk(connection, *task[:2], report, *task[2:])
            return checked, report.problems
    finally:
        engine.dispose()


def verify(
    catalog: Source,
    *,
    warc_dir: Path | None = None,
    workers: int | None = None,
    chunk: int = 100_000,
    checkpoint: tuple[Checkpoint, Ed25519PublicKey] | None = None,
) -> VerifyReport:
    """Recompute every record and takedown chain; with `warc_dir`, check the WARC payloads.

    A chain is checked in runs of ``chunk`` rows (each needs only the stored hash of the row
    before it), in ``workers`` processes (default: the CPUs, at most 8) when a stream is
    longer than one run and the catalog is a database other processes can open. The workers read
    what was committed when they start: rows appended meanwhile are after the runs' ends.

    With `checkpoint` (a signed checkpoint and the public key to check it with), also
    everything the checkpoint covered: a rewrite, truncation or deletion shows even when every
    hash after it was recomputed.

    Raises CatalogError when the catalog cannot be read.
    """
    report = VerifyReport()
    engine = engine_of(catalog)
    url = engine.url.render_as_string(hide_password=False)  # for the workers' connections
    with reading(catalog, "verifying") as connection:
        state = check_ledger(connection)
        report.ledger, report.jobs = state.events, state.jobs_checked
        report.unchained_jobs = state.unchained_jobs
        report.unclosed = [UnclosedJob(job, status) for job, status in state.unclosed]
        report.problems += [Problem(f.kind, f.table, f.id, None, f.detail) for f in state.problems]
        tasks: list[_Task] = []
        for table in _CHAINED:
            for stream in _streams(connection, table):
                report.chains += 1
                tasks += [
                    (table.__tablename__, stream, after, until)
                    for after, until in _ranges(connection, table, stream, max(1, chunk))
                ]
        count = min(workers or os.cpu_count() or 1, _MAX_WORKERS, len(tasks))
        # Worker processes pay for themselves only past a run of ``chunk`` rows in a stream.
        if count > 1 and len(tasks) > report.chains and not _in_memory(url):
            with ProcessPoolExecutor(count, mp_context=get_context("forkserver")) as pool:
                results = list(pool.map(_walk_task, [url] * len(tasks), tasks))
        else:
            results = []
            for task in tasks:
                partial = VerifyReport()
                results.append((_walk(connection, *task[:2], partial, *task[2:]), partial.problems))
        for task, (checked, problems) in zip(tasks, results, strict=True):
            counter = _COUNTERS[task[0]]
            setattr(report, counter, getattr(report, counter) + checked)
            report.problems += problems
        before = state.before
        for table, name in _COUNTERS_BY_TABLE:
            setattr(
                report,
                f"unchained_{name}",
                _unchained(
                    connection, table, report, None if before is None else before.get(name, 0)
                ),
            )
        _check_bodies(connection, report)
        if checkpoint is not None:
            signed, key = checkpoint
            report.checkpoint = signed.summary
            report.problems += [
                Problem(p.kind, p.table, p.stream or "-", p.stream, p.detail)
                for p in check_checkpoint(connection, signed, key)
            ]
        if warc_dir is not None:
            _check_warcs(connection, warc_dir, report)
    return report
