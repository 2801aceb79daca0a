"""The licence service: the job's terms, and RSL documents fetched once and cached.

An RSL licence can be declared by robots.txt (``License:``, read by the origin gate before any
page of the origin is fetched), by a page's ``Link`` header or ``<link>`` (read after download,
before the page is stored) or inline. Each document is fetched once per URL however many pages
point at it, kept for its ``max-age`` (at most CONSENT_ROBOTS_CACHE_TTL), stored verbatim in the
catalog, and asked per URL. A declared licence that cannot be read (an error answer, a timeout,
a file over CONSENT_RSL_MAX_SIZE, invalid XML) keeps everything it could cover out: the site
said terms exist, we cannot tell what they allow.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..consent.license_policy import LicenseTerms
from ..consent.licenses import RSL_TYPE
from ..consent.model import Effect, Evidence, LicenseStatus, Reason
from ..consent.rsl import RslDocument, parse_rsl, rsl_evidence
from ..consent.text import clip
from .async_cache import AsyncCache
from .fetch import Fetched, PolicyFetcher

if TYPE_CHECKING:
    from ..config import ConsentConfig

__all__ = ["MAX_DOCUMENTS", "RSL", "RslFound", "RslLicences", "rsl_unreadable"]

RSL = "rsl"  # the policy document kind in the catalog
MAX_DOCUMENTS = 10  # RSL documents one robots.txt may name (a page: licenses.py's bound)


@dataclass(frozen=True, slots=True)
class RslFound:
    """An RSL document as fetched, parsed when it could be read."""

    fetched: Fetched
    document: RslDocument | None
    expires: float

    def evidence(self, url: str, terms: LicenseTerms, *, via: str) -> tuple[Evidence, ...]:
        if self.document is None:
            fetched = self.fetched
            why = fetched.failure or f"HTTP {fetched.status}"
            return (
                fetched.unreadable(
                    Reason.RSL_UNREACHABLE,
                    f"RSL licence declared by {via} cannot be read ({why})",
                    license_status=LicenseStatus.RESERVED,
                ),
            )
        return rsl_evidence(
            self.document,
            url,
            held=terms.held,
            user=terms.user,
            geo=terms.geo,
            document_sha256=self.fetched.sha256,
        )


def rsl_unreadable(source: str, problems: Sequence[str]) -> Evidence:
    """RSL licences a page or robots.txt declares that cannot be followed (a bad URL, more
    documents than the bounds allow): the site said terms exist, so every purpose is denied."""
    return Evidence(
        signal=RSL,
        source=source,
        value=clip("RSL licences declared but not read: " + "; ".join(problems)),
        effect=Effect.DENY,
        reason=Reason.RSL_INVALID,
        license_status=LicenseStatus.RESERVED,
    )


class RslLicences:
    def __init__(self, config: ConsentConfig, fetcher: PolicyFetcher) -> None:
        self.terms = config.licensing
        self.max_size: int = config["CONSENT_RSL_MAX_SIZE"]
        self.fetcher = fetcher
        self._documents: AsyncCache[RslFound] = AsyncCache(lambda found: found.expires)

    async def document(self, url: str) -> RslFound:
        return await self._documents.get(url, lambda: self._load(url))

    async def _load(self, url: str) -> RslFound:
        fetched = await self.fetcher.fetch(url, RSL, self.max_size)
        now, fetcher = time.monotonic(), self.fetcher
        if fetched.too_large:
            document = RslDocument(fetched.url, errors=(f"over {self.max_size} bytes",))
            return RslFound(fetched, document, now + fetcher.error_ttl)
        if not fetched.ok or fetched.body is None:
            return RslFound(fetched, None, now + fetcher.error_ttl)
        document = parse_rsl(fetched.body, url=fetched.url, max_bytes=self.max_size)
        if not document.valid:
            return RslFound(fetched, document, now + fetcher.error_ttl)
        return RslFound(fetched, document, now + min(document.max_age_days * 86400.0, fetcher.ttl))

    def inline(self, text: str, page_url: str, index: int) -> RslFound:
        """An RSL document written into the page itself, stored like a fetched one."""
        body = text.encode("utf-8")
        fetched = Fetched(RSL, f"{page_url}#rsl-inline-{index}", 200, body, RSL_TYPE)
        self.fetcher.record(fetched, datetime.now(UTC))
        return RslFound(fetched, parse_rsl(body, url=page_url, max_bytes=self.max_size), 0.0)
