"""Run one crawl job in this process: validate, build Scrapy settings, crawl, report.

The CLI and the demo both come through here, so they check their input the same way and fail
before anything is written: seeds, purpose and agent token are checked first, then the WARC
folder, then the catalog (connect, then migrate).
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from blocklists.formats import load_blocklist
from blocklists.model import BlocklistFormatError
from storage.addresses import LOCAL_NETWORKS
from storage.catalog.catalog import Catalog
from storage.warc import WarcStore

from . import signals, stats
from .consent.license_policy import LicenseTerms
from .consent.model import Decision, Purpose
from .consent.robots import is_valid_token
from .exceptions import ConfigError
from .hostmap import HostMap
from .recorder import CatalogRecorder
from .spiders.seed import SeedSpider

__all__ = ["CrawlOptions", "CrawlReport", "check_seeds", "run_crawl"]


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    seeds: tuple[str, ...]
    purpose: Purpose
    catalog_url: str
    warc_dir: Path
    agent: str = "consentcrawl"
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


@dataclass(slots=True)
class CrawlReport:
    job_id: str | None
    finish_reason: str
    elapsed: float
    collected: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    license_statuses: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    images: Counter[str] = field(default_factory=Counter)  # by outcome
    image_reasons: Counter[str] = field(default_factory=Counter)
    bytes_collected: int = 0
    warc_files: list[Path] = field(default_factory=list)
    robots_fetched: int = 0
    robots_unreachable: int = 0
    failure: str | None = None

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def interrupted(self) -> bool:
        return self.finish_reason == "shutdown"  # Scrapy's reason for Ctrl-C / SIGTERM


def check_seeds(seeds: Sequence[str]) -> tuple[str, ...]:
    if not seeds:
        raise ConfigError("no seed URLs given")
    for seed in seeds:
        parts = urlsplit(seed)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"seed {seed!r} is not an http(s) URL")
    return tuple(seeds)


def settings_for(options: CrawlOptions) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "CONSENT_PURPOSE": options.purpose.value,
            "CONSENT_AGENT": options.agent,
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
    return settings


def preflight(options: CrawlOptions) -> None:
    """Check everything that can be checked before the crawl, writing nothing on failure."""
    check_seeds(options.seeds)
    if not is_valid_token(options.agent):
        raise ConfigError(f"agent {options.agent!r} is not a robots.txt product token ([A-Za-z_-]+)")
    HostMap.parse(options.resolve)
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
        Catalog(options.catalog_url).close()  # connects, then migrates to the current schema
    except BaseException:
        if created:
            shutil.rmtree(options.warc_dir, ignore_errors=True)
        raise


def run_crawl(
    options: CrawlOptions, *, on_decision: Callable[[str, Decision], None] | None = None
) -> CrawlReport:
    preflight(options)
    process = CrawlerProcess(settings_for(options))
    crawler = process.create_crawler(SeedSpider)
    if on_decision is not None:
        callback = on_decision  # bound for the closure below; Scrapy keeps weak references

        def decided(request: Any, response: Any, decision: Decision) -> None:
            callback(request.url, decision)

        crawler.signals.connect(decided, signal=signals.consent_decided, weak=False)
    started = time.monotonic()
    process.crawl(crawler)
    process.start()
    values = crawler.stats.get_stats() if crawler.stats else {}
    report = CrawlReport(
        job_id=values.get(stats.JOB_ID),
        finish_reason=str(values.get("finish_reason", "unknown")),
        elapsed=time.monotonic() - started,
        collected=int(values.get(stats.outcome("collected"), 0)),
        skipped=int(values.get(stats.outcome("skipped"), 0)),
        bytes_collected=int(values.get(stats.COLLECTED_BYTES, 0)),
        robots_fetched=int(values.get(stats.ROBOTS_FETCHED, 0)),
        robots_unreachable=int(values.get(stats.ROBOTS_UNREACHABLE, 0)),
    )
    for counter, prefix in (
        (report.reasons, stats.DENIED_REASON_PREFIX),
        (report.license_statuses, stats.LICENSE_STATUS_PREFIX),
        (report.licenses, stats.LICENSE_PREFIX),
        (report.images, stats.IMAGE_OUTCOME_PREFIX),
        (report.image_reasons, stats.IMAGE_DENIED_REASON_PREFIX),
    ):
        counter.update({k[len(prefix) :]: int(v) for k, v in values.items() if k.startswith(prefix)})
    recorder = _recorder(crawler)
    if recorder is not None:
        report.warc_files = list(recorder.warc_files)
        if recorder.failure is not None:
            report.failure = f"catalog/WARC write failed: {recorder.failure}"
    if report.job_id is None and report.failure is None:
        report.failure = f"the crawl did not start ({report.finish_reason})"
    return report


def _recorder(crawler: Any) -> CatalogRecorder | None:
    extensions = getattr(crawler, "extensions", None)
    for extension in getattr(extensions, "middlewares", ()):
        if isinstance(extension, CatalogRecorder):
            return extension
    return None
