"""CatalogRecorder: writes every decision to the SQL catalog and every collected item to WARC.

Scrapy extension, connected to ``consent_decided`` and ``policy_document_fetched``. The reactor
thread only builds small entries; a single worker thread writes the WARC records and the catalog
batches, in order (one worker keeps offsets and batches sequential and never blocks the crawl).
Batches go out every CONSENT_CATALOG_BATCH_SIZE entries or CONSENT_CATALOG_FLUSH_INTERVAL
seconds, and all of them are flushed when the spider closes, also after Ctrl-C.

If the catalog or the WARC store fails, the crawl stops (``catalog_error``): collecting what
cannot be recorded is not allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from twisted.internet.task import LoopingCall

from storage.catalog.catalog import Catalog
from storage.catalog.records import DocumentIn, EvidenceIn, JobSpec, RecordIn
from storage.warc import WarcStore

from . import __version__, meta, signals, stats
from .consent.model import Decision, Evidence

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Settings recorded with each job (what an auditor needs to know how the job ran).
RECORDED_SETTINGS = (
    "CONSENT_AGENT",
    "CONSENT_ALLOW_OFFSITE",
    "CONSENT_MAX_PAGES",
    "CONSENT_MAX_REDIRECTS",
    "CONSENT_PURPOSE",
    "CONSENT_REQUIRE_PERMISSION",
    "CONSENT_ROBOTS_CACHE_TTL",
    "CONSENT_ROBOTS_ERROR_TTL",
    "CONSENT_ROBOTS_PARSE_LIMIT",
    "CONSENT_WARC_MAX_SIZE",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DEPTH_LIMIT",
    "DOWNLOAD_DELAY",
    "USER_AGENT",
)


@dataclass(slots=True)
class _Exchange:
    """What the WARC needs of a collected response, copied off the Scrapy objects."""

    method: str
    request_headers: list[tuple[str, str]]
    status: int
    reason: str
    response_headers: list[tuple[str, str]]
    body: bytes


@dataclass(slots=True)
class _Entry:
    url: str
    decision: Decision
    decided_at: datetime
    kind: str = "page"
    source_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    body: bytes | None = None
    exchange: _Exchange | None = None


@dataclass(slots=True)
class _Batch:
    documents: list[DocumentIn] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.documents) + len(self.entries)


class CatalogRecorder:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.get("CONSENT_PURPOSE"):
            raise NotConfigured("CONSENT_PURPOSE is not set")
        self.crawler = crawler
        self.batch_size = max(1, settings.getint("CONSENT_CATALOG_BATCH_SIZE"))
        self.flush_interval = settings.getfloat("CONSENT_CATALOG_FLUSH_INTERVAL")
        self.catalog = Catalog(settings.get("CONSENT_CATALOG_URL"))
        self.warc = WarcStore(
            settings.get("CONSENT_WARC_DIR"),
            max_size=settings.getint("CONSENT_WARC_MAX_SIZE"),
            prefix=settings.get("CONSENT_WARC_PREFIX"),
            info={"software": f"consentcrawl/{__version__}", "robots": "obey (RFC 9309)"},
        )
        self.job_id: UUID | None = None
        self.failure: BaseException | None = None
        self._batch = _Batch()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="consent-catalog")
        self._last: Future[None] | None = None
        self._loop: LoopingCall | None = None
        self._event_loop: asyncio.AbstractEventLoop | None = None
        connect = crawler.signals.connect
        connect(self.spider_opened, signal=scrapy_signals.spider_opened)
        connect(self.spider_closed, signal=scrapy_signals.spider_closed)
        connect(self.consent_decided, signal=signals.consent_decided)
        connect(self.policy_document_fetched, signal=signals.policy_document_fetched)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # -- Scrapy signals ------------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        spec = JobSpec(
            purpose=str(settings.get("CONSENT_PURPOSE")),
            agent=str(settings.get("CONSENT_AGENT")),
            user_agent=str(settings.get("USER_AGENT")),
            seeds=tuple(str(s) for s in getattr(spider, "start_urls", ()) or ()),
            settings={name: _jsonable(settings.get(name)) for name in RECORDED_SETTINGS},
            software_version=__version__,
        )
        self._event_loop = asyncio.get_running_loop()
        self.job_id = self.catalog.start_job(spec)
        self.crawler.stats.set_value(stats.JOB_ID, str(self.job_id))
        logger.info("Catalog job %s in %s", self.job_id, self.catalog.url)
        if self.flush_interval > 0:
            self._loop = LoopingCall(self._submit)
            self._loop.start(self.flush_interval, now=False)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._submit()
        if self._last is not None:
            # A failure was already reported by _on_done; the job is marked failed below.
            with contextlib.suppress(Exception):
                await asyncio.wrap_future(self._last)
        status = "failed" if self.failure else _job_status(reason)
        summary = {k: v for k, v in self.crawler.stats.get_stats().items() if _summary_key(k)}
        summary["finish_reason"] = reason
        job_id = self.job_id
        try:
            await asyncio.wrap_future(
                self._executor.submit(self._finish, job_id, status, _jsonable(summary))
            )
        finally:
            self._executor.shutdown(wait=True)

    # -- consentcrawl signals -----------------------------------------------------------------

    def consent_decided(self, request: Request, response: Response | None, decision: Decision) -> None:
        entry = _Entry(
            url=request.url,
            decision=decision,
            decided_at=datetime.now(UTC),
            source_url=_header(request.headers.get(b"Referer")),
        )
        hop_status = request.meta.get(meta.HOP_STATUS)
        if isinstance(hop_status, int):
            entry.http_status = hop_status
        if response is not None:
            entry.http_status = response.status
            entry.content_type = _header(response.headers.get(b"Content-Type"))
            entry.body = response.body
            if decision.allowed:
                self.crawler.stats.inc_value(stats.COLLECTED_BYTES, len(response.body))
                entry.exchange = _Exchange(
                    method=request.method,
                    request_headers=_headers(request.headers),
                    status=response.status,
                    reason="",
                    response_headers=_headers(response.headers),
                    body=response.body,
                )
        self._count(decision)
        self._batch.entries.append(entry)
        if len(self._batch) >= self.batch_size:
            self._submit()

    def policy_document_fetched(self, document: DocumentIn) -> None:
        self.crawler.stats.inc_value(stats.CATALOG_DOCUMENTS)
        self._batch.documents.append(document)
        if len(self._batch) >= self.batch_size:
            self._submit()

    # -- writing ---------------------------------------------------------------------------------

    def _count(self, decision: Decision) -> None:
        inc = self.crawler.stats.inc_value
        inc(stats.CATALOG_RECORDS)
        inc(stats.outcome("collected" if decision.allowed else "skipped"))
        inc(stats.license_status(decision.license_status))
        if not decision.allowed:
            inc(stats.DENIED)
            for reason in decision.reasons:
                inc(stats.denied_reason(reason))

    def _submit(self) -> None:
        if not len(self._batch) or self.failure is not None:
            return
        batch, self._batch = self._batch, _Batch()
        future = self._executor.submit(self._write, batch)
        future.add_done_callback(self._threadsafe(self._on_done))
        self._last = future

    def _threadsafe(self, callback: Callable[[Future[None]], None]) -> Callable[[Future[None]], None]:
        loop = self._event_loop

        def call(future: Future[None]) -> None:
            if loop is None or loop.is_closed():
                callback(future)
            else:
                loop.call_soon_threadsafe(callback, future)

        return call

    def _on_done(self, future: Future[None]) -> None:
        exc = future.exception()
        if exc is None or self.failure is not None:
            return
        self.failure = exc
        logger.error("Catalog/WARC write failed, stopping the crawl: %s", exc, exc_info=exc)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            asyncio.ensure_future(engine.close_spider_async(reason="catalog_error"))

    def _write(self, batch: _Batch) -> None:
        """Runs in the worker thread: WARC first, so each record can name its location."""
        assert self.job_id is not None
        records = [self._record(entry) for entry in batch.entries]
        self.catalog.write(self.job_id, batch.documents, records)
        self.crawler.stats.inc_value(stats.CATALOG_BATCHES)

    def _record(self, entry: _Entry) -> RecordIn:
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
                    "job_id": str(self.job_id),
                    "purpose": decision.purpose.value,
                    "outcome": "collected",
                    "license_status": decision.license_status.value,
                    "sha256": sha256,
                    "evidence": [asdict(e) for e in evidence],
                },
            )
            warc_file, warc_offset, warc_length = location.file, location.offset, location.length
            self.crawler.stats.inc_value(stats.WARC_RECORDS, 3)
            self.crawler.stats.set_value(stats.WARC_BYTES, self.warc.bytes_written)
            self.crawler.stats.set_value(stats.WARC_FILES, len(self.warc.files))
        return RecordIn(
            url=entry.url,
            outcome="collected" if decision.allowed else "skipped",
            reasons=tuple(str(r) for r in decision.reasons),
            license_status=decision.license_status.value,
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

    def _finish(self, job_id: UUID | None, status: str, summary: Any) -> None:
        try:
            if job_id is not None:
                self.catalog.finish_job(job_id, status, summary)
        finally:
            self.warc.close()
            self.catalog.close()


def _job_status(reason: str) -> str:
    # Scrapy's close reasons: "finished" is a complete crawl; "shutdown" (Ctrl-C), the
    # closespider_* limits and anything else ended it early.
    return "finished" if reason == "finished" else "interrupted"


def _summary_key(key: str) -> bool:
    return key.startswith(("consent/", "catalog/", "warc/")) or key in (
        "start_time",
        "finish_time",
        "elapsed_time_seconds",
        "downloader/response_bytes",
        "downloader/request_count",
    )


def _header(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value else None


def _headers(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


def _evidence_in(e: Evidence) -> EvidenceIn:
    return EvidenceIn(
        signal=e.signal,
        source=e.source,
        value=e.value,
        effect=e.effect.value,
        reason=None if e.reason is None else str(e.reason),
        document_sha256=e.document_sha256,
        line=e.line,
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
