"""The writer process: WARC records and catalog batches, written off the crawler's process.

The crawler's process only copies what a decision needs into plain data (``Batch``) and sends
it here. Writing in a thread of the crawler's process made the two fight over the GIL (gzip,
hashing, SQLite each release and retake it many times per page): measured 1.34x plain Scrapy's
crawl time, against 1.10x with this separate process (benchmarks/crawl_overhead.py).

One worker process, so WARC offsets and catalog batches stay in order. It ignores SIGINT: on
Ctrl-C the crawler stops gracefully and sends what is left, which this process must still write.
"""

from __future__ import annotations

import hashlib
import signal
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from storage.catalog.catalog import Catalog
from storage.catalog.records import DocumentIn, EvidenceIn, RecordIn
from storage.warc import WarcStore

from .consent.model import Decision, Evidence, Purpose

__all__ = ["Batch", "Entry", "Exchange", "WriteResult", "WriterConfig", "finish", "start", "write"]


@dataclass(frozen=True, slots=True)
class WriterConfig:
    catalog_url: str
    warc_dir: str
    warc_max_size: int
    warc_prefix: str
    warc_info: dict[str, str]


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

    def write(self, job_id: UUID, batch: Batch) -> WriteResult:
        """WARC first, so each record can name its location; then one catalog transaction."""
        records = [self._record(job_id, entry) for entry in batch.entries]
        self.catalog.write(job_id, batch.documents, records)
        collected = sum(1 for entry in batch.entries if entry.exchange is not None)
        return WriteResult(
            3 * collected, self.warc.bytes_written, tuple(str(p) for p in self.warc.files)
        )

    def finish(self, job_id: UUID | None, status: str, summary: dict[str, Any]) -> None:
        try:
            if job_id is not None:
                self.catalog.finish_job(job_id, status, summary)
        finally:
            self.warc.close()
            self.catalog.close()

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


# The worker process's one writer; these functions are what the pool calls by name.
_writer: _Writer | None = None


def start(config: WriterConfig) -> None:
    """Pool initializer: runs once in the worker process."""
    global _writer
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _writer = _Writer(config)


def write(job_id: UUID, batch: Batch) -> WriteResult:
    assert _writer is not None, "writer process not started"
    return _writer.write(job_id, batch)


def finish(job_id: UUID | None, status: str, summary: dict[str, Any]) -> None:
    assert _writer is not None, "writer process not started"
    _writer.finish(job_id, status, summary)
