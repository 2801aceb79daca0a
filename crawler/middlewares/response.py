"""ResponseSignalsMiddleware: the AI signals a page carries itself, read before its body is stored.

From the response headers (``X-Robots-Tag``, ``Content-Usage``, ``tdm-reservation`` and
``tdm-policy``, ``Link``) and the page's markup (robots and user-agent-scoped robots meta,
``tdm-reservation``/``tdm-policy`` meta, licence declarations) it adds evidence to the request;
TDMRep combines the origin's ``tdmrep.json`` rule (carried here by OriginPolicyMiddleware) with
the header and the meta tags, later channels overriding earlier ones. The page's licence is
judged against the job's licence terms; an RSL licence the page points at (``Link`` header,
``<link>``) is fetched (once per URL, by the licence service) and asked before the page is stored,
and one written inline is read in place. The decision itself is the outcome middleware's, which
sees the response after this one, so nothing denied here reaches a WARC file.

The markup comes from ``response.selector``, the parse tree Scrapy caches on the response, so
licence detection and the spider's link extraction reuse it instead of parsing the page again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.http import HtmlResponse

from .. import meta
from ..config import config_of
from ..consent.content_usage import content_usage_header
from ..consent.license_policy import license_evidence
from ..consent.licenses import LicenseFinding
from ..consent.model import Evidence
from ..consent.robots_tags import page_tag_evidence
from ..consent.tdmrep import header_value, meta_value, tdm_evidence
from ..pages.reading import header_values, read_page
from ..services import services_of
from ..services.licences import rsl_unreadable

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response


class ResponseSignalsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.agent = config.agent
        self.tokens = config.agents.tokens
        self.licences = services_of(crawler).licences

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(
        self, request: Request, response: Response
    ) -> Response | Coroutine[Any, Any, Response]:
        if meta.is_probe(request) or not 200 <= response.status < 300:
            return response  # an error page carries no signal about content we never store
        evidence, finding = self.evidence(request, response)
        meta.add_evidence(request, *evidence)
        if finding.rsl_unreadable:  # declared terms we cannot read: most restrictive
            meta.add_evidence(request, rsl_unreadable(response.url, finding.rsl_unreadable))
        if finding.rsl_links or finding.rsl_inline:
            return self._rsl(request, response, finding)  # awaited by Scrapy: fetches first
        return response

    async def _rsl(self, request: Request, response: Response, finding: LicenseFinding) -> Response:
        terms = self.licences.terms
        found = await asyncio.gather(*(self.licences.document(u) for u in finding.rsl_links))
        for item in found:
            meta.add_evidence(request, *item.evidence(response.url, terms, via="the page"))
        for index, text in enumerate(finding.rsl_inline, start=1):
            inline = self.licences.inline(text, response.url, index)
            meta.add_evidence(request, *inline.evidence(response.url, terms, via="the page"))
        return response

    def evidence(self, request: Request, response: Response) -> tuple[list[Evidence], LicenseFinding]:
        reading = read_page(response)
        if isinstance(response, HtmlResponse):  # for the page's images (--images)
            meta.set_page_tags(request, reading.tags)
            images = reading.image_licences()
            if images:  # their licence, not the page's
                meta.set_image_licences(request, images)
        evidence = list(
            page_tag_evidence(
                reading.tags.header,
                reading.tags.meta,
                agent=self.agent,
                tokens=self.tokens,
                kind=meta.kind_of(request),
                sources=("header:X-Robots-Tag", f"meta:{response.url}"),
                now=datetime.now(UTC),  # for unavailable_after
            )
        )
        usage = header_values(response.headers, b"Content-Usage")
        if usage:
            evidence += content_usage_header(", ".join(usage), source="header:Content-Usage")
        evidence += self._tdmrep(request, response, reading.metas)
        evidence += license_evidence(reading.finding, self.licences.terms)
        return evidence, reading.finding

    def _tdmrep(
        self, request: Request, response: Response, metas: tuple[tuple[str, str], ...]
    ) -> tuple[Evidence, ...]:
        file = meta.tdm_file_of(request) or meta.TdmFileMatch(None, "", None, ())
        reservation = header_values(response.headers, b"tdm-reservation")
        policy = header_values(response.headers, b"tdm-policy")
        header, header_errors = header_value(
            reservation[-1] if reservation else None, policy[-1] if policy else None
        )
        page, meta_errors = meta_value(metas)
        return tdm_evidence(
            file.rule,
            header,
            page,
            file_source=file.url,
            page_source=response.url,
            document_sha256=file.sha256,
            errors=(*file.errors, *header_errors, *meta_errors),
        )
