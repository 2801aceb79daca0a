"""Fetching policy documents (robots.txt, tdmrep.json, ai.txt, RSL licences) for the gates.

One probe request per document: it passes the blocklist, address and credential gates like any
request, is never retried (a failure is an answer) and its body is bounded; every document is
handed to the catalog verbatim (``policy_document_fetched``), whatever came back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http.request import NO_CALLBACK

from storage.catalog.records import DocumentIn

from .. import meta, signals, stats
from ..consent.model import Effect, Evidence, LicenseStatus, Purpose

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from ..config import ConsentConfig

__all__ = ["Fetched", "PolicyFetcher"]

DOWNLOAD_PRIORITY = 1000  # ahead of pages: a page waits for its origin's documents
MAX_CACHE_TTL = 86400.0  # RFC 9309 section 2.4: do not use a cached copy for more than 24 h


@dataclass(frozen=True, slots=True)
class Fetched:
    """One policy document as it came back (or why it did not)."""

    kind: str
    url: str
    status: int | None
    body: bytes | None
    content_type: str | None = None
    error: str | None = None
    sha256: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.body is not None:
            object.__setattr__(self, "sha256", hashlib.sha256(self.body).hexdigest())

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def absent(self) -> bool:
        """4xx other than 429: the site has no such file."""
        return self.status is not None and 400 <= self.status < 500 and self.status != 429

    @property
    def too_large(self) -> bool:
        # Scrapy cancels a download over download_maxsize with this message; there is no type.
        return "larger than download max size" in (self.error or "")

    @property
    def failure(self) -> str | None:
        """Why the document could not be read (None when it was read or is absent)."""
        if self.ok or self.absent:
            return None
        return self.error or f"HTTP {self.status}"

    def unreadable(
        self,
        reason: str,
        value: str,
        *,
        purposes: frozenset[Purpose] = frozenset(),
        license_status: LicenseStatus | None = None,
    ) -> Evidence:
        """The reservation a document that exists but cannot be read leaves behind: its specs
        are silent on errors, so what it speaks for is reserved."""
        return Evidence(
            signal=self.kind,
            source=self.url,
            value=value,
            effect=Effect.DENY,
            reason=reason,
            document_sha256=self.sha256,
            purposes=purposes,
            license_status=license_status,
        )


class PolicyFetcher:
    """Fetches policy documents, and knows how long what it fetched may be reused."""

    def __init__(self, crawler: Crawler, config: ConsentConfig) -> None:
        self.crawler = crawler
        self.timeout: float = config["CONSENT_ROBOTS_TIMEOUT"]
        self.ttl = min(config["CONSENT_ROBOTS_CACHE_TTL"], MAX_CACHE_TTL)
        self.error_ttl = min(config["CONSENT_ROBOTS_ERROR_TTL"], self.ttl)

    async def fetch(self, url: str, kind: str, max_size: int) -> Fetched:
        request = Request(
            url,
            priority=DOWNLOAD_PRIORITY,
            meta={
                meta.PROBE: True,
                "download_maxsize": max_size,
                "download_timeout": self.timeout,
                "allow_offsite": True,
                "dont_retry": True,
            },
            callback=NO_CALLBACK,
            dont_filter=True,
        )
        fetched_at = datetime.now(UTC)
        self.crawler.stats.inc_value(stats.document_fetched(kind))
        assert self.crawler.engine is not None
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # noqa: BLE001 - every failure to read is recorded, none raised
            result = Fetched(kind, url, None, None, error=f"{type(exc).__name__}: {exc}".strip(": "))
        else:
            result = _fetched(kind, url, response)
            self.crawler.stats.inc_value(stats.document_status(kind, response.status))
        self.record(result, fetched_at)
        return result

    def record(self, fetched: Fetched, fetched_at: datetime) -> None:
        """Hand a document to the catalog, verbatim."""
        document = DocumentIn(
            kind=fetched.kind,
            url=fetched.url,
            http_status=fetched.status,
            fetched_at=fetched_at,
            body=fetched.body,
            error=fetched.failure,
        )
        self.crawler.signals.send_catch_log(signals.policy_document_fetched, document=document)


def _fetched(kind: str, url: str, response: Response) -> Fetched:
    content_type = response.headers.get(b"Content-Type")
    return Fetched(
        kind,
        response.url if response.url != url else url,
        response.status,
        response.body,
        content_type=content_type.decode("latin-1") if content_type else None,
    )
