"""SiteScopeMiddleware: Scrapy's offsite policy, deciding in the downloader where it is recorded."""

from __future__ import annotations

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import meta
from crawler.consent.model import Effect, Reason
from crawler.exceptions import OffsiteFiltered
from crawler.middlewares.scope import SiteScopeMiddleware

from .sites import ADDON


def make(allowed_domains: list[str]) -> SiteScopeMiddleware:
    crawler = get_crawler(settings_dict={**ADDON, "CONSENT_PURPOSE": "search"})
    crawler.spider = Spider.from_crawler(crawler, name="seed", allowed_domains=allowed_domains)
    return build_from_crawler(SiteScopeMiddleware, crawler)


@pytest.mark.parametrize(
    ("allowed", "url", "offsite"),
    [
        (["example.com"], "http://example.com/", None),
        (["example.com"], "https://www.example.com/a", None),
        (["example.com"], "http://a.b.example.com:8080/", None),  # any port
        (["example.com"], "http://example.org/", "example.org"),
        (["example.com"], "http://notexample.com/", "notexample.com"),
        (["example.com"], "http://example.com.evil.test/", "example.com.evil.test"),
        (["www.example.com"], "http://example.com/", "example.com"),  # not the parent
        (["example.com", "other.test"], "http://cdn.other.test/x", None),
        (["127.0.0.1"], "http://127.0.0.1:8000/", None),
        ([], "http://anywhere.test/", None),  # no allowed_domains: no scope
    ],
)
def test_offsite_requests_are_refused_with_evidence(
    allowed: list[str], url: str, offsite: str | None
) -> None:
    mw = make(allowed)
    request = Request(url)
    if offsite is None:
        assert mw.process_request(request) is None
        return
    with pytest.raises(OffsiteFiltered) as caught:
        mw.process_request(request)
    [evidence] = caught.value.evidence
    assert (evidence.signal, evidence.source, evidence.effect, evidence.reason) == (
        "scope",
        request.url,
        Effect.DENY,
        Reason.OFFSITE,
    )
    assert evidence.value == f"Filtered offsite request to {offsite!r}"
    assert str(caught.value) == f"offsite: {request.url}"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert caught.value.stat is None  # counted by reason only (consent/denied_reason_count/…)


def test_scrapys_offsite_stats_are_kept() -> None:
    mw = make(["example.com"])
    for url in ("http://a.test/1", "http://a.test/2", "http://b.test/"):
        with pytest.raises(OffsiteFiltered):
            mw.process_request(Request(url))
    assert mw.crawler.stats.get_value("offsite/filtered") == 3
    assert mw.crawler.stats.get_value("offsite/domains") == 2


def test_images_may_be_offsite() -> None:
    # An image a page references may sit on a CDN; its own origin's policies decide it.
    mw = make(["example.com"])
    image = Request("http://cdn.test/a.png")
    meta.mark_image(image)
    assert mw.process_request(image) is None


def test_not_filtered_when_scheduled() -> None:
    # Scrapy's own filter drops offsite requests silently at scheduling: here it lets them by,
    # and the downloader chain records them.
    mw = make(["example.com"])
    request = Request("http://elsewhere.test/")
    assert mw.request_scheduled(request, mw.crawler.spider) is None
    assert mw.crawler.stats.get_value("offsite/filtered") is None
    with pytest.raises(OffsiteFiltered):
        mw.process_request(request)


def test_the_spiders_domains_are_read_at_each_request() -> None:
    mw = make(["example.com"])
    with pytest.raises(OffsiteFiltered):
        mw.process_request(Request("http://later.test/"))
    mw.crawler.spider.allowed_domains = ["example.com", "later.test"]
    assert mw.process_request(Request("http://later.test/")) is None
    mw.crawler.spider.allowed_domains = ["example.com"]
    with pytest.raises(OffsiteFiltered):
        mw.process_request(Request("http://later.test/"))


def test_a_redirect_offsite_is_refused_not_dropped() -> None:
    mw = make(["example.com"])
    redirect = build_from_crawler(RedirectMiddleware, mw.crawler)
    request = Request("http://www.example.com/moved")
    response = Response(
        request.url, status=301, headers={"Location": "http://mirror.test/moved"}, request=request
    )
    hop = redirect.process_response(request, response)
    assert isinstance(hop, Request) and hop.meta["redirect_urls"] == [request.url]
    with pytest.raises(OffsiteFiltered) as caught:
        mw.process_request(hop)
    assert caught.value.evidence[0].source == "http://mirror.test/moved"
