"""``consentcrawl check``: would the crawler take this page, and why?

``check_url`` runs one crawl of one URL exactly as ``consentcrawl crawl`` would make it (the same
add-on, gates and settings, through ``crawler.run``), with depth 0 and a budget of one page, into
a temporary SQLite catalog and WARC folder that are deleted afterwards. The origin's policy
documents (robots.txt, tdmrep.json, ai.txt) are fetched, then the page unless a gate refuses it
before download; redirects are followed, each hop decided on its own (``redirect``), and the
final URL's decision is the answer.

Several purposes are checked in that one crawl: CONSENT_PURPOSE is the first of them and
CONSENT_EVALUATE names all of them, so the origin gate gathers the evidence of every purpose (the
AI agents' robots.txt groups of each) and refuses the page before download only when that
evidence denies all of them. Each purpose's decision is then ``decide(purpose, evidence)`` over
the final URL's evidence: the page's own signals apply to every purpose.

A Twisted reactor cannot restart, so this runs once per process, like a crawl.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.crawler import CrawlerProcess

from . import meta, signals
from .consent.license_policy import LicenseTerms
from .consent.model import Decision, Evidence, Purpose
from .consent.policy import decide
from .exceptions import ConfigError
from .recording.recorder import CatalogRecorder
from .run import CrawlOptions, check_contact, preflight, settings_for
from .spiders.seed import SeedSpider

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from storage.catalog.records import DocumentIn

__all__ = [
    "CheckFailed",
    "CheckInterrupted",
    "CheckResult",
    "FetchedDocument",
    "check_json",
    "check_url",
    "parse_purposes",
]

#: Settings the check sets itself: a ``--set`` of one of them is a usage error.
OWN_SETTINGS = frozenset(
    {
        "CONSENT_AGENT",
        "CONSENT_CATALOG_URL",
        "CONSENT_EVALUATE",
        "CONSENT_MAX_PAGES",
        "CONSENT_PURPOSE",
        "CONSENT_REQUIRE_PERMISSION",
        "CONSENT_SEEDS",
        "CONSENT_WARC_DIR",
        "DEPTH_LIMIT",
    }
)


class CheckFailed(RuntimeError):
    """The check could not run to a decision (runtime failure, exit code 1)."""


class CheckInterrupted(RuntimeError):
    """The check was stopped (Ctrl-C, SIGTERM) before it reached a decision."""


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """One policy document fetch of the check (``policy_document_fetched``)."""

    kind: str  # robots.txt, tdmrep.json, ai.txt
    url: str
    status: int | None  # None when the fetch failed below HTTP
    error: str | None = None  # why it could not be read (None when read or absent)
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What the crawler would do with one URL, for each purpose asked for."""

    url: str
    final_url: str
    hops: tuple[tuple[str, int | None], ...]  # (URL, redirect status) of each redirect hop
    http_status: int | None  # of the final URL; None when it was not downloaded
    decisions: Mapping[Purpose, Decision]  # in the order asked for
    agent: str = "consentcrawl"
    evidence: tuple[Evidence, ...] = ()  # the final URL's evidence, shared by every purpose
    documents: tuple[FetchedDocument, ...] = ()

    @property
    def downloaded(self) -> bool:
        return self.http_status is not None


def parse_purposes(value: str) -> tuple[Purpose, ...]:
    """``all`` (the four purposes) or one purpose name; UnknownPurpose otherwise."""
    if value.strip().lower() == "all":
        return tuple(Purpose)
    return (Purpose.parse(value),)


def check_target(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"URL {url!r} is not an http(s) URL")
    return url


def check_url(
    url: str,
    purposes: Iterable[Purpose],
    *,
    agent: str = "consentcrawl",
    contact: str | None = None,
    resolve: Sequence[str] = (),
    require_permission: bool = False,
    licensing: LicenseTerms | None = None,
    allow_private: bool = False,
    extra_settings: Mapping[str, Any] | None = None,
    log_level: str = "WARNING",
) -> CheckResult:
    """Fetch what the crawler would fetch for ``url`` and decide it for each purpose.

    Raises ConfigError on bad input (nothing fetched), CatalogError/WarcStoreError when the
    temporary catalog or WARC folder cannot be set up, CheckFailed when no decision was made and
    CheckInterrupted when the crawl was stopped.
    """
    chosen = tuple(dict.fromkeys(purposes))
    if not chosen:
        raise ConfigError("no purpose to check")
    check_target(url)
    extra = dict(extra_settings or {})
    clash = sorted(OWN_SETTINGS & extra.keys())
    if clash:
        raise ConfigError(f"--set {clash[0]}: consentcrawl check sets it itself")
    check_contact(contact, extra)  # before the temporary folder is made
    collector = _Collector()
    with tempfile.TemporaryDirectory(prefix="consentcrawl-check-") as folder:
        work = Path(folder)
        options = CrawlOptions(
            seeds=(url,),
            purpose=chosen[0],
            catalog_url=f"sqlite:///{work / 'catalog.sqlite'}",
            warc_dir=work / "warc",
            agent=agent,
            contact=contact,
            depth=0,
            max_pages=1,
            require_permission=require_permission,
            licensing=licensing or LicenseTerms(),
            resolve=tuple(resolve),
            allow_private=allow_private,
            delay=0.0,
            log_level=log_level,
            extra_settings={**extra, "CONSENT_EVALUATE": [p.value for p in chosen]},
        )
        _crawl(options, collector)
    return collector.result(url, chosen, agent=agent, require_permission=require_permission)


def _crawl(options: CrawlOptions, collector: _Collector) -> None:
    # crawler.run.run_crawl, plus the two signals the check reads (statuses and documents).
    preflight(options)
    process = CrawlerProcess(settings_for(options))
    crawler = process.create_crawler(SeedSpider)
    crawler.signals.connect(collector.decided, signal=signals.consent_decided, weak=False)
    crawler.signals.connect(
        collector.document_fetched, signal=signals.policy_document_fetched, weak=False
    )
    process.crawl(crawler)
    process.start()
    values = crawler.stats.get_stats() if crawler.stats else {}
    collector.finish_reason = str(values.get("finish_reason", "unknown"))
    recorder = _recorder(crawler)
    if recorder is not None and recorder.failure is not None:
        collector.failure = f"catalog/WARC write failed: {recorder.failure}"


def _recorder(crawler: Crawler) -> CatalogRecorder | None:
    extensions = getattr(crawler, "extensions", None)
    for extension in getattr(extensions, "middlewares", ()):
        if isinstance(extension, CatalogRecorder):
            return extension
    return None


@dataclass(slots=True)
class _Collector:
    """Gathers, on the reactor thread, what the crawl of the one URL decided and fetched."""

    hops: list[tuple[str, int | None, Decision]] = field(default_factory=list)
    final: tuple[str, int | None, Decision] | None = None
    documents: list[FetchedDocument] = field(default_factory=list)
    finish_reason: str = "unknown"
    failure: str | None = None

    def decided(self, request: Request, response: Response | None, decision: Decision) -> None:
        is_hop, status = meta.hop_status_of(request)
        if is_hop:  # the stand-in request of a redirect hop
            self.hops.append((request.url, status if isinstance(status, int) else None, decision))
        else:
            self.final = (request.url, None if response is None else response.status, decision)

    def document_fetched(self, document: DocumentIn) -> None:
        self.documents.append(
            FetchedDocument(
                kind=document.kind,
                url=document.url,
                status=document.http_status,
                error=document.error,
                sha256=document.sha256,
            )
        )

    def result(
        self, url: str, purposes: tuple[Purpose, ...], *, agent: str, require_permission: bool
    ) -> CheckResult:
        if self.failure is not None:
            raise CheckFailed(self.failure)
        final = self.final
        hops = [(hop_url, status) for hop_url, status, _ in self.hops]
        if final is None and self.hops:
            # A redirect whose target was already asked for (a loop): the scheduler drops it,
            # so the last hop, recorded as a redirect, is where the crawler stopped.
            last_url, last_status, last_decision = self.hops[-1]
            final, hops = (last_url, last_status, last_decision), hops[:-1]
        if final is None:
            if self.finish_reason == "shutdown":
                raise CheckInterrupted(f"interrupted before {url} was decided")
            raise CheckFailed(f"no decision was made for {url} ({self.finish_reason})")
        final_url, status, decision = final
        evidence = decision.evidence
        return CheckResult(
            url=url,
            final_url=final_url,
            hops=tuple(hops),
            http_status=status,
            decisions={
                p: decide(p, evidence, require_permission=require_permission) for p in purposes
            },
            agent=agent,
            evidence=evidence,
            documents=tuple(self.documents),
        )


def check_json(result: CheckResult) -> dict[str, Any]:
    """The stable JSON rendering of a check (documented in README "Checking one URL")."""
    return {
        "url": result.url,
        "final_url": result.final_url,
        "redirects": [{"url": url, "status": status} for url, status in result.hops],
        "http_status": result.http_status,
        "agent": result.agent,
        "purposes": {
            purpose.value: {
                "allowed": decision.allowed,
                "reasons": [str(code) for code in decision.reasons],
                "license_status": decision.license_status.value,
                "license": decision.license,
            }
            for purpose, decision in result.decisions.items()
        },
        "evidence": [evidence_json(e) for e in result.evidence],
        "documents": [
            {
                "kind": d.kind,
                "url": d.url,
                "status": d.status,
                "error": d.error,
                "sha256": d.sha256,
            }
            for d in result.documents
        ],
    }


def evidence_json(evidence: Evidence) -> dict[str, Any]:
    return {
        "signal": evidence.signal,
        "source": evidence.source,
        "value": evidence.value,
        "effect": evidence.effect.value,
        "reason": None if evidence.reason is None else str(evidence.reason),
        "line": evidence.line,
        "document_sha256": evidence.document_sha256,
        "purposes": purposes_of(evidence),
        "license": evidence.license,
        "strength": evidence.strength,
    }


def purposes_of(evidence: Evidence) -> list[str]:
    """The purposes a piece of evidence speaks for, in contract order; empty means all."""
    return [p.value for p in Purpose if p in evidence.purposes]
