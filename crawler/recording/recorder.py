"""CatalogRecorder: writes every decision to the SQL catalog and every collected item to WARC.

Scrapy extension, connected to ``consent_decided`` and ``policy_document_fetched``. The reactor
only copies each decision into plain data; one writer process (``crawler.recording.writer``) writes the
WARC records and the catalog batches, in order. Batches go out every CONSENT_CATALOG_BATCH_SIZE
entries or CONSENT_CATALOG_FLUSH_INTERVAL seconds, and all of them are written when the spider
closes, also after Ctrl-C. While more than CONSENT_CATALOG_MAX_PENDING batches wait for the
writer, the engine is paused, so a slow catalog slows the crawl instead of filling memory.

If the catalog or the WARC store fails (or the writer process dies), the crawl stops
(``catalog_error``): collecting what cannot be recorded is not allowed.

``close`` closes the job once, from ``spider_closed`` or, on a second Ctrl-C, before the
engine has stopped (``crawler.run``): decisions made after it are neither recorded nor counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from scrapy import signals as scrapy_signals
from twisted.internet.task import LoopingCall

from storage.catalog.catalog import Catalog
from storage.catalog.records import DocumentIn, JobSpec

from .. import __version__, meta, signals, stats
from ..config import config_of
from ..consent.model import Decision
from ..services import services_of
from .writer import Batch, Entry, Exchange, WriterConfig, WriteResult, WriterGone, WriterProcess

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

class CatalogRecorder:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.crawler = crawler
        self.batch_size: int = config["CONSENT_CATALOG_BATCH_SIZE"]
        self.flush_interval: float = config["CONSENT_CATALOG_FLUSH_INTERVAL"]
        self.max_pending: int = config["CONSENT_CATALOG_MAX_PENDING"]
        self.config = WriterConfig(
            catalog_url=config["CONSENT_CATALOG_URL"],
            warc_dir=config["CONSENT_WARC_DIR"],
            warc_max_size=config["CONSENT_WARC_MAX_SIZE"],
            warc_prefix=config["CONSENT_WARC_PREFIX"],
            warc_info={"software": f"consentcrawl/{__version__}", "robots": "obey (RFC 9309)"},
            heartbeat=config["CONSENT_JOB_HEARTBEAT"],
            signing_key=config["CONSENT_SIGNING_KEY"],
            checkpoint_every=config["CONSENT_CHECKPOINT_EVERY"],
        )
        self.job_id: UUID | None = None
        self.failure: BaseException | None = None
        self.warc_files: list[Path] = []
        self._batch = Batch()
        self._writer: WriterProcess | None = None
        self._closing: asyncio.Future[None] | None = None
        self._last: Future[Any] | None = None
        self._pending = 0
        self._paused = False
        self._loop: LoopingCall | None = None
        self._open = True  # decisions are recorded until the job closes
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
        config = config_of(self.crawler)
        spec = JobSpec(
            purpose=config.purpose.value,
            agent=config.agent,
            user_agent=str(config.scrapy["USER_AGENT"]),
            seeds=tuple(str(s) for s in getattr(spider, "start_urls", ()) or ()),
            settings=config.recorded(),  # the whole configuration
            software_version=__version__,
            blocklists=services_of(self.crawler).blocklists.versions,
            weakenings=tuple(w.to_json() for w in config.weakenings),
        )
        self._review_blocklists(spider)
        self._event_loop = asyncio.get_running_loop()
        # Opened here, not when the crawler is built (the CLI's preflight checked it already):
        # from here on, only the writer process touches the catalog.
        with Catalog(self.config.catalog_url, mode="write") as catalog:
            for crashed in catalog.mark_crashed_jobs():
                logger.warning("Job %s stopped beating its heartbeat: marked crashed", crashed)
            self.job_id = catalog.start_job(spec)
            shown = catalog.url
        self.crawler.stats.set_value(stats.JOB_ID, str(self.job_id))
        logger.info("Catalog job %s in %s", self.job_id, shown)
        self._writer = WriterProcess(self.config, self.job_id)
        if self.flush_interval > 0:
            self._loop = LoopingCall(self._submit)
            self._loop.start(self.flush_interval, now=False)

    def _review_blocklists(self, spider: Spider) -> None:
        services = services_of(self.crawler)
        threshold = services.config["CONSENT_BLOCKLIST_REVIEW_SHARE"]
        seeds = getattr(spider, "start_urls", ()) or ()
        for source, share in services.blocklists.review(seeds, threshold).items():
            # Applied all the same (blocking more never collects more), but a person should look.
            logger.warning("Blocklist %s blocks %.0f%% of the seeds: review it", source, 100 * share)
            self.crawler.stats.set_value(stats.blocklist_review(source), round(share, 3))

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        await self.close(reason)

    def close(self, reason: str) -> asyncio.Future[None]:
        """Send what is left, wait for it to be written, and close the job; once."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._close(reason))
        return self._closing

    async def _close(self, reason: str) -> None:
        self._open = False
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
        if self._writer is None:
            return
        try:
            await asyncio.wrap_future(self._writer.finish(status, _jsonable(summary)))
        except Exception:  # the writer is gone: close the job from here
            logger.exception("The writer could not close job %s; marking it failed", self.job_id)
            self._finish_here(summary)
        finally:
            self._writer.close()

    def _finish_here(self, summary: dict[str, Any]) -> None:
        if self.job_id is None:
            return
        with Catalog(self.config.catalog_url, mode="write") as catalog:
            catalog.finish_job(self.job_id, "failed", _jsonable(summary))

    # -- consentcrawl signals -----------------------------------------------------------------

    def consent_decided(self, request: Request, response: Response | None, decision: Decision) -> None:
        if not self._open:  # closed early (a second Ctrl-C): this one is not recorded
            return
        entry = Entry(
            url=request.url,
            decision=decision,
            decided_at=datetime.now(UTC),
            kind=meta.kind_of(request),
            source_url=_header(request.headers.get(b"Referer")),
        )
        _, hop_status = meta.hop_status_of(request)
        if isinstance(hop_status, int):
            entry.http_status = hop_status
        if response is not None:
            entry.http_status = response.status
            entry.content_type = _header(response.headers.get(b"Content-Type"))
            entry.body = response.body
            if decision.allowed:
                self.crawler.stats.inc_value(stats.COLLECTED_BYTES, len(response.body))
                entry.exchange = Exchange(
                    method=request.method,
                    request_headers=_headers(request.headers),
                    status=response.status,
                    reason="",
                    response_headers=_headers(response.headers),
                    body=response.body,
                )
        self._count(decision, entry.kind)
        self._batch.entries.append(entry)
        if len(self._batch) >= self.batch_size:
            self._submit()

    def policy_document_fetched(self, document: DocumentIn) -> None:
        if not self._open:
            return
        self.crawler.stats.inc_value(stats.CATALOG_DOCUMENTS)
        self._batch.documents.append(document)
        if len(self._batch) >= self.batch_size:
            self._submit()

    # -- writing ---------------------------------------------------------------------------------

    def _count(self, decision: Decision, kind: str) -> None:
        inc = self.crawler.stats.inc_value
        outcome = "collected" if decision.allowed else "skipped"
        image = kind == "image"
        inc(stats.CATALOG_RECORDS)
        inc(stats.outcome(outcome))
        inc(stats.license_status(decision.license_status))
        if image:
            inc(stats.image_outcome(outcome))
        if decision.license is not None:
            inc(stats.license(decision.license))
        if not decision.allowed:
            inc(stats.DENIED)
            for reason in decision.reasons:
                inc(stats.denied_reason(reason))
                if image:
                    inc(stats.image_denied_reason(reason))

    def _submit(self) -> None:
        writer = self._writer
        if not len(self._batch) or self.failure is not None or writer is None:
            return
        batch, self._batch = self._batch, Batch()
        try:
            future = writer.write(batch)
        except WriterGone as exc:
            self._fail(exc)
            return
        loop = self._event_loop
        assert loop is not None
        # Completed from the writer's receiver thread: hop onto the reactor's loop.
        future.add_done_callback(lambda f: loop.call_soon_threadsafe(self._on_done, f))
        self._last = future
        self._pending += 1
        engine = self.crawler.engine
        if self._pending > self.max_pending and not self._paused and engine is not None:
            engine.pause()
            self._paused = True

    def _on_done(self, future: Future[WriteResult]) -> None:
        self._pending -= 1
        engine = self.crawler.engine
        if self._paused and self._pending <= self.max_pending // 2 and engine is not None:
            engine.unpause()
            self._paused = False
        exc = future.exception()
        if exc is None:
            result = future.result()
            set_value = self.crawler.stats.set_value
            self.crawler.stats.inc_value(stats.CATALOG_BATCHES)
            self.crawler.stats.inc_value(stats.WARC_RECORDS, result.warc_records)
            set_value(stats.WARC_BYTES, result.warc_bytes)
            set_value(stats.WARC_FILES, len(result.warc_files))
            self.warc_files = [Path(p) for p in result.warc_files]
            return
        self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        if self.failure is not None:
            return
        self.failure = exc
        logger.error("Catalog/WARC write failed, stopping the crawl: %r", exc, exc_info=exc)
        engine = self.crawler.engine
        if self._paused and engine is not None:
            engine.unpause()
            self._paused = False
        if engine is not None and engine.spider is not None:
            asyncio.ensure_future(engine.close_spider_async(reason="catalog_error"))


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
