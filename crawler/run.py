"""Run one crawl job in this process: validate, build Scrapy settings, crawl, report.

The CLI and the demo both come through here, so they check their input the same way and fail
before anything is written: seeds, purpose, agent token and contact are checked first, then
the WARC folder, then the catalog (connect, then migrate).

While the crawl runs, ``on_job`` hears the job id as soon as the job is in the catalog and
``on_progress`` gets a ``CrawlProgress`` every ``interval`` seconds. The report's counts are
read from the catalog after the crawl (``crawler.recording.tally``).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.ossignal import signal_names
from twisted.internet.task import LoopingCall

from blocklists.formats import load_blocklist
from blocklists.model import BlocklistFormatError
from storage.addresses import LOCAL_NETWORKS
from storage.catalog.catalog import Catalog
from storage.catalog.db import mask_url
from storage.errors import CatalogError
from storage.warc import WarcStore

from . import stats
from .addon import ConsentAddon
from .config import ConsentConfig
from .consent.license_policy import LicenseTerms
from .consent.model import Purpose
from .consent.robots import is_valid_token
from .contact import contact_url
from .exceptions import ConfigError
from .recording.frontier import FrontierError
from .recording.recorder import CatalogRecorder
from .recording.tally import JobTally, tally
from .resume import RESUMES, ResumePlan, Resumption, plan
from .seeds import seed_problem
from .spiders.seed import SeedSpider

__all__ = [
    "CrawlOptions",
    "CrawlProgress",
    "CrawlReport",
    "check_seeds",
    "crawl_json",
    "resumed_options",
    "run_crawl",
]

logger = logging.getLogger(__name__)

#: Scrapy's finish reason for a crawl stopped by a signal.
SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    seeds: tuple[str, ...]
    purpose: Purpose
    catalog_url: str
    warc_dir: Path
    agent: str = "consentcrawl"
    contact: str | None = None  # CONSENT_CONTACT_URL (required, here or in extra_settings)
    depth: int = 3
    max_pages: int = 0
    require_permission: bool = False
    resolve: tuple[str, ...] = ()
    allow_offsite: bool = False
    allow_private: bool = False  # loopback and private networks (tests, the demo, intranets)
    blocklists: tuple[Path, ...] = ()  # rights holders' lists to store and apply
    licensing: LicenseTerms = field(default_factory=LicenseTerms)
    images: bool = False  # also the images of every downloaded page, each an item of its own
    concurrency: int = 16
    per_site_concurrency: int = 4
    delay: float = 0.25
    log_level: str = "WARNING"
    extra_settings: Mapping[str, Any] = field(default_factory=dict)
    resumes: Resumption | None = None  # a continuation: the old job's recorded configuration


#: Recorded values a continuation does not take over: the add-on builds the User-Agent from
#: the (possibly new) contact, foreign components are the project's, not settings, and the
#: agent table's identity is recorded anew from the table the continuation reads.
NOT_RESTORED = frozenset({"USER_AGENT", "components", "agent_table"})


def resumed_options(
    resumption: Resumption, catalog_url: str, contact: str | None, log_level: str
) -> CrawlOptions:
    """The options of a continuation: the old job's configuration, with this catalog URL and,
    if given, a new contact."""
    recorded = resumption.settings
    return CrawlOptions(
        seeds=resumption.seeds,
        purpose=Purpose.parse(resumption.purpose),
        catalog_url=catalog_url,
        warc_dir=Path(recorded["CONSENT_WARC_DIR"]),
        agent=recorded["CONSENT_AGENT"],
        contact=contact or recorded.get("CONSENT_CONTACT_URL"),
        blocklists=tuple(Path(p) for p in recorded.get("CONSENT_BLOCKLIST_FILES") or ()),
        log_level=log_level,
        resumes=resumption,
    )


@dataclass(frozen=True, slots=True)
class CrawlProgress:
    """The crawl so far, as the stats count it while it runs."""

    elapsed: float
    collected: int
    skipped: int
    queued: int  # requests waiting in the scheduler
    bytes_collected: int

    @property
    def rate(self) -> float:
        """URLs decided per second."""
        return (self.collected + self.skipped) / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(slots=True)
class CrawlReport:
    job_id: str | None
    finish_reason: str
    elapsed: float
    counts: JobTally = field(default_factory=JobTally)  # read from the catalog
    warc_files: list[Path] = field(default_factory=list)
    robots_fetched: int = 0
    robots_unreachable: int = 0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def interrupted(self) -> bool:
        return self.finish_reason == SHUTDOWN  # Ctrl-C / SIGTERM, once or twice


def check_seeds(seeds: Sequence[str]) -> tuple[str, ...]:
    if not seeds:
        raise ConfigError("no seed URLs given")
    for seed in seeds:
        problem = seed_problem(seed)
        if problem is not None:
            raise ConfigError(f"seed {problem}")
    return tuple(seeds)


def check_contact(contact: str | None, extra_settings: Mapping[str, Any]) -> str:
    """The contact a crawl will send, named by where it came from when it is unusable."""
    if "CONSENT_CONTACT_URL" in extra_settings:  # --set wins, as in settings_for
        return contact_url(extra_settings["CONSENT_CONTACT_URL"], "CONSENT_CONTACT_URL")
    return contact_url(contact, "--contact")


def settings_for(options: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "CONSENT_PURPOSE": options.purpose.value,
            "CONSENT_AGENT": options.agent,
            "CONSENT_CONTACT_URL": options.contact,
            "CONSENT_CATALOG_URL": options.catalog_url,
            "CONSENT_WARC_DIR": str(options.warc_dir),
            "CONSENT_MAX_PAGES": options.max_pages,
            "CONSENT_REQUIRE_PERMISSION": options.require_permission,
            "CONSENT_RESOLVE": list(options.resolve),
            "CONSENT_ALLOW_OFFSITE": options.allow_offsite,
            "CONSENT_ALLOW_PRIVATE_NETWORKS": list(LOCAL_NETWORKS if options.allow_private else ()),
            "CONSENT_SEEDS": list(options.seeds),
            "CONSENT_BLOCKLIST_FILES": [str(p) for p in options.blocklists],
            "CONSENT_ACCEPT_LICENSES": list(options.licensing.accepted.patterns),
            "CONSENT_COMMERCIAL": options.licensing.commercial,
            "CONSENT_LICENSES_HELD": sorted(options.licensing.held),
            "CONSENT_GEO": options.licensing.geo,
            "CONSENT_IMAGES": options.images,
            "DEPTH_LIMIT": options.depth,
            "CONSENT_FOLLOW_LINKS": options.depth > 0,
            "CONCURRENT_REQUESTS": options.concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": options.per_site_concurrency,
            "DOWNLOAD_DELAY": options.delay,
            "LOG_LEVEL": options.log_level,
            **options.extra_settings,
        },
        priority="cmdline",
    )
    if options.resumes is not None:
        restored = {k: v for k, v in options.resumes.settings.items() if k not in NOT_RESTORED}
        restored.update(
            {
                RESUMES: str(options.resumes.job_id),
                "CONSENT_CATALOG_URL": options.catalog_url,
                "CONSENT_CONTACT_URL": options.contact,
            }
        )
        settings.setdict(restored, priority="cmdline")
    return settings


#: Settings the crawl's own options set: naming one in --set is a usage error (it would
#: silently override the option, and the checks made on it).
OPTION_SETTINGS: dict[str, str] = {
    "CONSENT_PURPOSE": "--purpose",
    "CONSENT_AGENT": "--agent",
    "CONSENT_CATALOG_URL": "--catalog",
    "CONSENT_WARC_DIR": "--warc-dir",
    "CONSENT_MAX_PAGES": "--max-pages",
    "CONSENT_REQUIRE_PERMISSION": "--require-permission",
    "CONSENT_RESOLVE": "--resolve",
    "CONSENT_ALLOW_OFFSITE": "--allow-offsite",
    "CONSENT_ALLOW_PRIVATE_NETWORKS": "--allow-private-addresses",
    "CONSENT_SEEDS": "SEED_URL/--seeds-file",
    "CONSENT_BLOCKLIST_FILES": "--blocklist",
    "CONSENT_IMAGES": "--images",
    "DEPTH_LIMIT": "--depth",
    "CONSENT_FOLLOW_LINKS": "--depth",
    RESUMES: "--resume",
}


def configuration(options: CrawlOptions) -> ConsentConfig:
    """The configuration the crawl will run with, as the add-on completes it; ConfigError
    names the setting or option at fault, and a refused weakening."""
    for name in options.extra_settings:
        if name in OPTION_SETTINGS:
            raise ConfigError(f"--set {name}: use {OPTION_SETTINGS[name]} instead")
    settings = settings_for(options)
    ConsentAddon().update_settings(settings)
    return ConsentConfig.from_settings(settings)


def preflight(options: CrawlOptions) -> None:
    """Check everything that can be checked before the crawl, writing nothing on failure."""
    check_seeds(options.seeds)
    if not is_valid_token(options.agent):
        raise ConfigError(f"agent {options.agent!r} is not a robots.txt product token ([A-Za-z_-]+)")
    check_contact(options.contact, options.extra_settings)
    configuration(options)
    for path in options.blocklists:  # every problem of every list, before anything is written
        try:
            load_blocklist(path)
        except BlocklistFormatError as exc:
            raise ConfigError(f"{path}: not a valid blocklist:\n{exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    created = not options.warc_dir.exists()
    WarcStore(options.warc_dir).close()
    try:
        Catalog(options.catalog_url, mode="write").close()  # creates it, or refuses an old one
    except BaseException:
        if created:
            shutil.rmtree(options.warc_dir, ignore_errors=True)
        raise


def run_crawl(
    options: CrawlOptions,
    *,
    on_job: Callable[[str], None] | None = None,
    on_progress: Callable[[CrawlProgress], None] | None = None,
    interval: float = 0.5,
) -> CrawlReport:
    resume = _resume_plan(options)
    preflight(options)
    process = CrawlerProcess(settings_for(options))
    crawler = process.create_crawler(SeedSpider)
    started = time.monotonic()
    _watch(crawler, started, on_job, on_progress, interval)
    process.crawl(crawler, resume=resume)
    with _Stop(process, crawler).installed():
        process.start(install_signal_handlers=False)
    values = crawler.stats.get_stats() if crawler.stats else {}
    report = CrawlReport(
        job_id=values.get(stats.JOB_ID),
        finish_reason=str(values.get("finish_reason", "unknown")),
        elapsed=time.monotonic() - started,
        robots_fetched=int(values.get(stats.ROBOTS_FETCHED, 0)),
        robots_unreachable=int(values.get(stats.ROBOTS_UNREACHABLE, 0)),
    )
    recorder = _recorder(crawler)
    if recorder is not None:
        report.warc_files = list(recorder.warc_files)
        if recorder.failure is not None:
            report.failure = f"catalog/WARC write failed: {recorder.failure}"
    if report.job_id is None:
        if report.failure is None:
            report.failure = f"the crawl did not start ({report.finish_reason})"
        return report
    try:
        report.counts = tally(options.catalog_url, uuid.UUID(report.job_id))
    except CatalogError as exc:
        report.failure = "; ".join(filter(None, (report.failure, f"counting the job: {exc}")))
    return report


def _resume_plan(options: CrawlOptions) -> ResumePlan | None:
    if options.resumes is None:
        return None
    try:
        return plan(options.catalog_url, options.resumes)
    except FrontierError as exc:
        raise ConfigError(f"--resume {options.resumes.job_id}: {exc}") from None


def _watch(
    crawler: Crawler,
    started: float,
    on_job: Callable[[str], None] | None,
    on_progress: Callable[[CrawlProgress], None] | None,
    interval: float,
) -> None:
    """Call ``on_job`` once the job exists, ``on_progress`` every ``interval`` seconds."""

    def progress() -> None:
        if on_progress is None or crawler.stats is None:
            return
        scheduler = crawler.engine.scheduler if crawler.engine is not None else None
        value = crawler.stats.get_value
        on_progress(
            CrawlProgress(
                elapsed=time.monotonic() - started,
                collected=int(value(stats.outcome("collected"), 0)),
                skipped=int(value(stats.outcome("skipped"), 0)),
                queued=len(scheduler) if isinstance(scheduler, Sized) else 0,
                bytes_collected=int(value(stats.COLLECTED_BYTES, 0)),
            )
        )

    loops: list[LoopingCall] = []  # made on the reactor: a LoopingCall installs one if none is

    def engine_started() -> None:
        # The recorder starts the job on spider_opened, which Scrapy sends before this.
        job_id = crawler.stats.get_value(stats.JOB_ID) if crawler.stats else None
        if on_job is not None and job_id is not None:
            on_job(str(job_id))
        loops.append(LoopingCall(progress))
        loops[0].start(interval, now=True)

    def engine_stopped() -> None:
        for loop in loops:
            if loop.running:
                loop.stop()

    # Scrapy keeps weak references by default; these closures live only here.
    crawler.signals.connect(engine_started, signal=scrapy_signals.engine_started, weak=False)
    crawler.signals.connect(engine_stopped, signal=scrapy_signals.engine_stopped, weak=False)


def crawl_json(report: CrawlReport, catalog_url: str) -> dict[str, Any]:
    """The stable JSON summary of a crawl (documented in README "Crawling")."""
    counts = report.counts
    return {
        "job_id": report.job_id,
        "status": counts.status,
        "collected": counts.collected,
        "skipped": counts.skipped,
        "reasons": dict(counts.reasons.most_common()),
        "license_statuses": dict(counts.license_statuses.most_common()),
        "licenses": dict(counts.licenses.most_common()),
        "images": {
            "collected": counts.images["collected"],
            "skipped": counts.images["skipped"],
            "reasons": dict(counts.image_reasons.most_common()),
        },
        "bytes_collected": counts.bytes_collected,
        "elapsed_seconds": round(report.elapsed, 3),
        "catalog": mask_url(catalog_url),
        "warc_files": [str(path) for path in report.warc_files],
        "interrupted": report.interrupted,
        "failure": report.failure,
    }


def _recorder(crawler: Any) -> CatalogRecorder | None:
    extensions = getattr(crawler, "extensions", None)
    for extension in getattr(extensions, "middlewares", ()):
        if isinstance(extension, CatalogRecorder):
            return extension
    return None


class _Stop:
    """SIGINT and SIGTERM, in place of Scrapy's handlers (whose second one stops the reactor at
    once, leaving the job running and the decisions in hand unsent).

    The first stops gracefully: no new requests, those in flight finish and are recorded. The
    second stops sooner: the recorder closes the job (every decision made so far written, job
    ``interrupted``) without waiting for the downloads in flight, then the reactor stops.
    """

    def __init__(self, process: CrawlerProcess, crawler: Crawler) -> None:
        self.process, self.crawler = process, crawler
        self.received = 0

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _handle(self, signum: int, _: Any) -> None:
        # Only hand over to the reactor here: logging or closing inside a signal handler can
        # break what the signal interrupted.
        from twisted.internet import reactor

        self.received += 1
        if self.received <= 2:
            reactor.callFromThread(self._graceful if self.received == 1 else self._fast, signum)

    def _graceful(self, signum: int) -> None:
        logger.warning("Received %s: stopping; send it again to stop sooner", signal_names[signum])
        self.process.stop()  # the reactor stops when the crawl has ended

    def _fast(self, signum: int) -> None:
        logger.warning("Received %s twice: closing the job now", signal_names[signum])
        recorder = _recorder(self.crawler)
        if recorder is None:
            self._stop_reactor()
            return
        recorder.close(SHUTDOWN).add_done_callback(self._stop_reactor)

    def _stop_reactor(self, _: object = None) -> None:
        from twisted.internet import reactor

        if self.crawler.stats is not None and self.crawler.stats.get_value("finish_reason") is None:
            self.crawler.stats.set_value("finish_reason", SHUTDOWN)  # the engine never got to it
        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()  # type: ignore[misc]  # (twisted declares it self-less)
