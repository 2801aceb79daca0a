"""ResponseSignalsMiddleware: the AI signals a page carries itself, read before its body is stored.

From the response headers (``X-Robots-Tag``, ``Content-Usage``, ``tdm-reservation`` and
``tdm-policy``) and the page's ``<meta>`` tags (robots and user-agent-scoped robots meta,
``tdm-reservation``/``tdm-policy``) it adds evidence to the request; TDMRep combines the origin's
``tdmrep.json`` rule (carried here by OriginPolicyMiddleware) with the header and the meta tags,
later channels overriding earlier ones. The decision itself is the outcome middleware's, which
sees the response after this one, so nothing denied here reaches a WARC file.

The ``<meta>`` tags come from ``response.selector``, the parse tree Scrapy caches on the
response, so the spider's link extraction reuses it instead of parsing the page again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from scrapy.http import HtmlResponse

from .. import meta
from ..consent.content_usage import content_usage_header
from ..consent.model import Evidence
from ..consent.robots_tags import parse_meta_robots, parse_x_robots_tag, robots_tag_evidence
from ..consent.tdmrep import header_value, meta_value, tdm_evidence
from .origin import agent_table

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.http.headers import Headers


class ResponseSignalsMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.agent: str = crawler.settings.get("CONSENT_AGENT")
        self.tokens = agent_table(crawler.settings).tokens

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if meta.is_probe(request) or not 200 <= response.status < 300:
            return response  # an error page carries no signal about content we never store
        meta.add_evidence(request, *self.evidence(request, response))
        return response

    def evidence(self, request: Request, response: Response) -> list[Evidence]:
        headers = response.headers
        metas = page_metas(response)
        now = datetime.now(UTC)  # for unavailable_after
        evidence = list(
            robots_tag_evidence(
                parse_x_robots_tag(_values(headers, b"X-Robots-Tag")),
                channel="x-robots-tag",
                agent=self.agent,
                tokens=self.tokens,
                source="header:X-Robots-Tag",
                now=now,
            )
        )
        evidence += robots_tag_evidence(
            parse_meta_robots(metas),
            channel="meta-robots",
            agent=self.agent,
            tokens=self.tokens,
            source=f"meta:{response.url}",
            now=now,
        )
        usage = _values(headers, b"Content-Usage")
        if usage:
            evidence += content_usage_header(", ".join(usage), source="header:Content-Usage")
        evidence += self._tdmrep(request, response, metas)
        return evidence

    def _tdmrep(
        self, request: Request, response: Response, metas: list[tuple[str, str]]
    ) -> tuple[Evidence, ...]:
        rule, file_url, file_sha, file_errors = request.meta.get(
            meta.TDM_FILE, (None, "", None, ())
        )
        reservation = _values(response.headers, b"tdm-reservation")
        policy = _values(response.headers, b"tdm-policy")
        header, header_errors = header_value(
            reservation[-1] if reservation else None, policy[-1] if policy else None
        )
        page, meta_errors = meta_value(metas)
        return tdm_evidence(
            rule,
            header,
            page,
            file_source=file_url,
            page_source=response.url,
            document_sha256=file_sha,
            errors=(*file_errors, *header_errors, *meta_errors),
        )


def page_metas(response: Response) -> list[tuple[str, str]]:
    """(name, content) of the page's ``<meta name=… content=…>`` tags; none for non-HTML."""
    if not isinstance(response, HtmlResponse):
        return []
    return [
        (node.attrib.get("name", ""), node.attrib.get("content", ""))
        for node in response.xpath("//meta[@name][@content]")
    ]


def _values(headers: Headers, name: bytes) -> list[str]:
    return [value.decode("latin-1") for value in headers.getlist(name)]
