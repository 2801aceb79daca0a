"""BoundedHttpCompressionMiddleware: Scrapy's decompression, a bomb recorded instead of lost."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from typing import Any

import brotli
import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import meta, signals
from crawler.consent.model import Reason
from crawler.middlewares.compression import BoundedHttpCompressionMiddleware
from crawler.middlewares.outcome import ConsentOutcomeMiddleware

from .sites import ADDON

LIMIT = 10_000  # CONSENT_MAX_RESPONSE_SIZE, hence DOWNLOAD_MAXSIZE
PAGE = b"<!doctype html><p>" + b"small page " * 50 + b"</p>"
BOMB = b"<!doctype html><p>" + b"\0" * (LIMIT * 10)

ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "br": brotli.compress,
}


def crawler(**settings: Any) -> Any:
    return get_crawler(
        settings_dict={
            **ADDON,
            "CONSENT_PURPOSE": "search",
            "CONSENT_MAX_RESPONSE_SIZE": LIMIT,
            **settings,
        }
    )


def make() -> BoundedHttpCompressionMiddleware:
    return build_from_crawler(BoundedHttpCompressionMiddleware, crawler())


def encoded(request: Request, body: bytes, encoding: str, status: int = 200) -> Response:
    return Response(
        request.url,
        status=status,
        body=ENCODERS[encoding](body),
        headers={"Content-Encoding": encoding, "Content-Type": "text/html"},
        request=request,
    )


@pytest.mark.parametrize("encoding", ENCODERS)
def test_within_the_limit_decompressed_as_scrapy_does(encoding: str) -> None:
    mw = make()
    request = Request("http://site.test/page")
    result = mw.process_response(request, encoded(request, PAGE, encoding))
    assert isinstance(result, HtmlResponse) and result.body == PAGE
    assert b"Content-Encoding" not in result.headers
    assert meta.too_large_of(request) is None


@pytest.mark.parametrize("encoding", ENCODERS)
def test_a_bomb_is_dropped_and_marked(encoding: str) -> None:
    mw = make()
    request = Request("http://site.test/bomb")
    response = encoded(request, BOMB, encoding)
    result = mw.process_response(request, response)
    assert isinstance(result, Response)
    assert (result.url, result.status, result.body) == (response.url, 200, b"")
    why = meta.too_large_of(request)
    assert why is not None and f"exceeded DOWNLOAD_MAXSIZE ({LIMIT} B) during decompression" in why
    assert f"{len(response.body)} B compressed" in why


def test_the_request_size_limit_applies() -> None:
    # An image request carries its own, smaller download_maxsize (CONSENT_IMAGE_MAX_BYTES).
    mw = make()
    request = Request("http://site.test/a.svg", meta={"download_maxsize": 100})
    assert mw.process_response(request, encoded(request, PAGE, "gzip")).body == b""
    assert "exceeded DOWNLOAD_MAXSIZE (100 B)" in (meta.too_large_of(request) or "")


def test_a_probe_bomb_fails_as_in_scrapy() -> None:
    # The fetcher reads the failure as unreadable and closes the origin (fail closed).
    mw = make()
    probe = Request("http://site.test/robots.txt", meta={meta.PROBE: True})
    with pytest.raises(IgnoreRequest, match="during decompression"):
        mw.process_response(probe, encoded(probe, BOMB, "gzip"))
    assert meta.too_large_of(probe) is None


def test_head_and_identity_responses_are_untouched() -> None:
    mw = make()
    head = Request("http://site.test/bomb", method="HEAD")
    response = encoded(head, BOMB, "gzip")
    assert mw.process_response(head, response) is response
    plain = Request("http://site.test/page")
    response = Response(plain.url, body=BOMB, request=plain)
    assert mw.process_response(plain, response) is response  # too big is the downloader's job
    assert meta.too_large_of(head) is None and meta.too_large_of(plain) is None


def test_the_outcome_middleware_records_the_bomb() -> None:
    c = crawler()
    mw = build_from_crawler(BoundedHttpCompressionMiddleware, c)
    outcome = build_from_crawler(ConsentOutcomeMiddleware, c)
    decided: list[Any] = []
    c.signals.connect(
        lambda request, response, decision: decided.append(decision),
        signal=signals.consent_decided,
        weak=False,
    )
    request = Request("http://site.test/bomb")
    outcome.process_request(request)
    response = mw.process_response(request, encoded(request, BOMB, "gzip"))
    assert isinstance(response, Response)
    outcome.process_response(request, response)
    [decision] = decided
    assert not decision.allowed and decision.reasons == (Reason.DECOMPRESSION_BOMB,)
    [evidence] = decision.evidence
    assert (evidence.signal, evidence.source) == ("http", request.url)
    assert evidence.value == meta.too_large_of(request)


def test_a_bomb_on_one_attempt_does_not_mark_the_retry() -> None:
    # process_response runs inside out: compression (590), then Scrapy's retry (550), which
    # retries a 503 with a copy of the request, meta and all.
    c = crawler()
    c.spider = Spider.from_crawler(c, name="test")  # Scrapy's retry logs with it
    mw = build_from_crawler(BoundedHttpCompressionMiddleware, c)
    retry = build_from_crawler(RetryMiddleware, c)
    outcome = build_from_crawler(ConsentOutcomeMiddleware, c)
    decided: list[Any] = []
    c.signals.connect(
        lambda request, response, decision: decided.append(decision),
        signal=signals.consent_decided,
        weak=False,
    )
    request = Request("http://site.test/flaky")
    outcome.process_request(request)
    mw.process_request(request)
    first = mw.process_response(request, encoded(request, BOMB, "gzip", status=503))
    assert isinstance(first, Response)
    again = retry.process_response(request, first)
    assert isinstance(again, Request)
    outcome.process_request(again)
    mw.process_request(again)
    second = mw.process_response(again, encoded(again, PAGE, "gzip"))
    assert isinstance(second, Response) and second.body == PAGE
    outcome.process_response(again, second)
    [decision] = decided
    assert decision.allowed and decision.reasons == ()
