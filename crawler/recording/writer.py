"""The writer process: WARC records and catalog batches, written off the crawler's process.

The crawler's process only copies what a decision needs into plain data (``Batch``) and sends
it here. Writing in a thread of the crawler's process made the two fight over the GIL (gzip,
hashing, SQLite each release and retake it many times per page): measured 1.34x plain Scrapy's
crawl time, against 1.10x with this separate process (benchmarks/crawl_overhead.py).

One process, so WARC offsets and catalog batches stay in order, started with "spawn" (a clean
interpreter, no copy of the reactor's state) and linked to the crawler by two one-way pipes of
which it holds only its own ends: when the crawler's process dies, however it dies, ``recv``
raises EOFError. The writer then writes what it was sent, closes the WARC file, closes the job
as ``crashed`` and exits, so nothing outlives the crawl holding the catalog or the WARC. While it
runs it beats the job's heartbeat every CONSENT_JOB_HEARTBEAT seconds (``storage.catalog.
liveness``: when even the writer is killed, the stale beat tells readers the job crashed).

It ignores SIGINT: on Ctrl-C the crawler stops and sends what is left, which must be written.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any
from uuid import UUID

from storage.catalog.catalog import Catalog
from storage.catalog.checkpoint import load_private_key
from storage.catalog.checkpoint import write as write_checkpoint
from storage.catalog.records import DocumentIn, EvidenceIn, RecordIn
from storage.errors import CatalogError
from storage.warc import WarcStore

from .. import stats
from ..consent.model import Decision, Evidence, Purpose

__all__ = ["Batch", "Entry", "Exchange", "WriteResult", "WriterConfig", "WriterGone", "WriterProcess"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WriterConfig:
    catalog_url: str
    warc_dir: str
    warc_max_size: int
    warc_prefix: str
    warc_info: dict[str, str]
    heartbeat: float  # seconds between beats of the job's heartbeat
    signing_key: str | None = None  # the checkpoints' Ed25519 key (None: none are signed)
    checkpoint_every: int = 100_000  # records between checkpoints (and one at the end)


@dataclass(slots=True)
class Exchange:
    """What the WARC needs of a collected response, copied off the Scrapy objects."""

    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True)
class Entry:
    """One URL's decision, ready to be recorded."""

    url: str
    decision: Decision
    decided_at: datetime
    kind: str = "page"
    source_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    exchange: Exchange | None = None


@dataclass(slots=True)
class Batch:
    documents: list[DocumentIn] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.documents) + len(self.entries)


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What the crawler's stats need to know of a written batch."""

    warc_records: int
    warc_bytes: int
    warc_files: tuple[str, ...]


class _Writer:
    def __init__(self, config: WriterConfig) -> None:
        self.catalog = Catalog(config.catalog_url, mode="write")
        self.warc = WarcStore(
            config.warc_dir,
            max_size=config.warc_max_size,
            prefix=config.warc_prefix,
            info=config.warc_info,
        )

        self.records = self.batches = self.warc_records = 0
        self.key = (
            None if config.signing_key is None
            else load_private_key(Path(config.signing_key).expanduser())
        )
        self.checkpoint_every = config.checkpoint_every
        self.checkpoints = Path(config.warc_dir) / "checkpoints"

    def write(self, job_id: UUID, batch: Batch) -> WriteResult:
        """WARC first, so each record can name its location; then one catalog transaction."""
        records = [self._record(job_id, entry) for entry in batch.entries]
        self.catalog.write(job_id, batch.documents, records)
        collected = sum(1 for entry in batch.entries if entry.exchange is not None)
        before, self.records = self.records, self.records + len(records)
        self.batches += 1
        self.warc_records += 3 * collected
        if self.records // self.checkpoint_every > before // self.checkpoint_every:
            self._checkpoint(job_id)
        return WriteResult(
            3 * collected, self.warc.bytes_written, tuple(str(p) for p in self.warc.files)
        )

    def crashed_summary(self) -> dict[str, Any]:
        """What this writer wrote: all that is known of a job whose crawler died."""
        return {
            "finish_reason": "crashed",
            stats.CATALOG_RECORDS: self.records,
            stats.CATALOG_BATCHES: self.batches,
            stats.WARC_RECORDS: self.warc_records,
            stats.WARC_BYTES: self.warc.bytes_written,
            stats.WARC_FILES: len(self.warc.files),
        }

    def finish(self, job_id: UUID, status: str, summary: dict[str, Any]) -> None:
        try:
            self.catalog.finish_job(job_id, status, summary)
            self._checkpoint(job_id)  # after the close event, which it then covers
        finally:
            self.warc.close()
            self.catalog.close()

    def _checkpoint(self, job_id: UUID) -> None:
        """Sign the catalog's heads into its ledger, the job's WARC and a file to publish."""
        if self.key is None:
            return
        signed = self.catalog.checkpoint(self.key)
        moment = datetime.now(UTC)
        self.warc.write_metadata(f"urn:consentcrawl:checkpoint:{job_id}", signed.to_json(), moment)
        self.checkpoints.mkdir(exist_ok=True)
        stamp = moment.strftime("%Y%m%dT%H%M%S%fZ")
        write_checkpoint(self.checkpoints / f"{job_id}-{stamp}.json", signed)

    def _record(self, job_id: UUID, entry: Entry) -> RecordIn:
        decision = entry.decision
        sha256 = hashlib.sha256(entry.body).hexdigest() if entry.body is not None else None
        evidence = tuple(_evidence_in(e) for e in decision.evidence)
        warc_file = warc_offset = warc_length = None
        if entry.exchange is not None:
            ex = entry.exchange
            location = self.warc.write_exchange(
                url=entry.url,
                method=ex.method,
                request_headers=ex.request_headers,
                status=ex.status,
                reason=ex.reason,
                response_headers=ex.response_headers,
                body=ex.body,
                fetched_at=entry.decided_at,
                metadata={
                    "job_id": str(job_id),
                    "purpose": decision.purpose.value,
                    "outcome": "collected",
                    "license_status": decision.license_status.value,
                    "license": decision.license,
                    "sha256": sha256,
                    "evidence": [asdict(e) for e in evidence],
                },
            )
            warc_file, warc_offset, warc_length = location.file, location.offset, location.length
        return RecordIn(
            url=entry.url,
            outcome="collected" if decision.allowed else "skipped",
            reasons=tuple(str(r) for r in decision.reasons),
            license_status=decision.license_status.value,
            license=decision.license,
            recorded_at=entry.decided_at,
            kind=entry.kind,
            source_url=entry.source_url,
            http_status=entry.http_status,
            content_type=entry.content_type,
            size=len(entry.body) if entry.body is not None else None,
            sha256=sha256,
            warc_file=warc_file,
            warc_offset=warc_offset,
            warc_length=warc_length,
            fetched_at=entry.decided_at if entry.body is not None else None,
            evidence=evidence,
        )


def _evidence_in(e: Evidence) -> EvidenceIn:
    return EvidenceIn(
        signal=e.signal,
        source=e.source,
        value=e.value,
        effect=e.effect.value,
        reason=None if e.reason is None else str(e.reason),
        document_sha256=e.document_sha256,
        line=e.line,
        license=e.license,
        strength=e.strength,
        purposes=",".join(p.value for p in Purpose if p in e.purposes) or None,
    )


class WriterGone(RuntimeError):
    """The writer process ended: nothing more can be recorded."""


def serve(requests: Connection, results: Connection, config: WriterConfig, job_id: UUID) -> None:
    """The writer process: write each batch sent, in order, until told to finish or orphaned.

    Replies are ``(seq, ok, value)``: a WriteResult or None, or the exception raised.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    writer = _Writer(config)
    beat = _Heartbeat(writer.catalog, job_id, config.heartbeat)
    while True:
        try:
            if not requests.poll(beat.due_in()):  # no batch: beat all the same
                if os.getppid() != parent:  # a second line, should EOF never come
                    raise EOFError
                beat()
                continue
            seq, action, args = requests.recv()
        except EOFError:  # the crawler's process is gone: close its job as what it is
            writer.finish(job_id, "crashed", writer.crashed_summary())
            return
        try:
            value = getattr(writer, action)(job_id, *args)
        except Exception as exc:  # noqa: BLE001 - sent back: the crawler stops on it
            _reply(results, (seq, False, _sendable(exc)))
        else:
            _reply(results, (seq, True, value))
        if action == "finish":
            return
        if not beat.due_in():  # also while batches keep it busy
            beat()


class _Heartbeat:
    def __init__(self, catalog: Catalog, job_id: UUID, period: float) -> None:
        self.catalog, self.job_id, self.period = catalog, job_id, period
        self.due = time.monotonic() + period

    def due_in(self) -> float:
        return max(0.0, self.due - time.monotonic())

    def __call__(self) -> None:
        self.due = time.monotonic() + self.period
        try:
            self.catalog.heartbeat(self.job_id)
        except CatalogError as exc:  # the next batch's write reports a broken catalog
            logger.warning("Heartbeat of job %s failed: %s", self.job_id, exc)


def _reply(results: Connection, message: tuple[int, bool, Any]) -> None:
    # The crawler may be gone already: the next recv says so, and the job is closed then.
    with contextlib.suppress(OSError):
        results.send(message)


def _sendable(exc: Exception) -> Exception:
    try:
        ForkingPickler.dumps(exc)
    except Exception:  # noqa: BLE001 - some exceptions cannot be pickled
        return WriterGone(repr(exc))
    return exc


class WriterProcess:
    """The crawler's end of the writer process.

    ``write`` and ``finish`` return at once with a Future, completed from a receiver thread;
    a sender thread does the sending, so the reactor never blocks on a full pipe. When the
    process ends, every open Future fails with WriterGone and so does every later call.
    """

    def __init__(self, config: WriterConfig, job_id: UUID) -> None:
        context = multiprocessing.get_context("spawn")
        theirs_requests, self._requests = context.Pipe(duplex=False)
        self._results, theirs_results = context.Pipe(duplex=False)
        self._process = context.Process(
            target=serve,
            args=(theirs_requests, theirs_results, config, job_id),
            name="consentcrawl-writer",
        )
        self._process.start()
        # Only the writer holds its ends, so each side sees EOF when the other dies.
        theirs_requests.close()
        theirs_results.close()
        self._outbox: queue.SimpleQueue[tuple[int, str, tuple[Any, ...]] | None] = (
            queue.SimpleQueue()
        )
        self._waiting: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._gone: WriterGone | None = None
        self._sender = threading.Thread(target=self._send, name="writer-send", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="writer-recv", daemon=True)
        self._sender.start()
        self._receiver.start()
        # At exit, before multiprocessing joins its children: a writer still waiting for
        # batches must see EOF, or the join would wait for it forever.
        Finalize(self, self._stop_sending, exitpriority=100)

    def write(self, batch: Batch) -> Future[WriteResult]:
        return self._call("write", batch)

    def finish(self, status: str, summary: dict[str, Any]) -> Future[None]:
        """Close the job; the writer process exits after it."""
        return self._call("finish", status, summary)

    def close(self, timeout: float = 30) -> None:
        """Stop sending, and wait for the process to end (it does once finished or orphaned)."""
        self._stop_sending()
        self._process.join(timeout)

    def _call(self, action: str, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._gone is not None:
                raise self._gone
            seq = next(self._seq)
            self._waiting[seq] = future
        self._outbox.put((seq, action, args))
        return future

    def _stop_sending(self) -> None:
        self._outbox.put(None)
        self._sender.join(5)

    def _send(self) -> None:
        while (item := self._outbox.get()) is not None:
            try:
                self._requests.send(item)
            except OSError:  # the writer is gone; the receiver reports it
                break
        self._requests.close()

    def _receive(self) -> None:
        while True:
            try:
                seq, ok, value = self._results.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                future = self._waiting.pop(seq)
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._process.join(5)
        gone = WriterGone(f"the writer process ended (exit code {self._process.exitcode})")
        with self._lock:
            self._gone = gone
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(gone)
