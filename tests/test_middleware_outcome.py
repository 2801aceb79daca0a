"""ConsentOutcomeMiddleware: one decision per URL hop, whatever ended it."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler import meta, signals
from crawler.consent.model import Effect, Evidence, Reason
from crawler.exceptions import ConfigError, RobotsDenied, TooManyRedirects
from crawler.middlewares.outcome import ConsentOutcomeMiddleware

from .sites import ADDON


def make(**settings: Any) -> tuple[ConsentOutcomeMiddleware, list[tuple[str, Any, Any]]]:
    crawler = get_crawler(
        settings_dict={**ADDON, "CONSENT_PURPOSE": "train-ai", **settings}
    )
    decided: list[tuple[str, Any, Any]] = []
    crawler.signals.connect(
        lambda request, response, decision: decided.append((request, response, decision)),
        signal=signals.consent_decided,
        weak=False,
    )
    return ConsentOutcomeMiddleware(crawler), decided


INFO = Evidence("robots.txt", "http://s.test/robots.txt", "allowed", Effect.INFO)


@pytest.mark.parametrize(
    ("status", "allowed", "reasons"),
    [(200, True, ()), (204, True, ()), (404, False, (Reason.HTTP_ERROR,)),
     (500, False, (Reason.HTTP_ERROR,)), (304, False, (Reason.HTTP_ERROR,))],
)
def test_final_response(status: int, allowed: bool, reasons: tuple[Reason, ...]) -> None:
    mw, decided = make()
    request = Request("http://s.test/a")
    mw.process_request(request)
    meta.add_evidence(request, INFO)
    response = HtmlResponse(request.url, status=status, body=b"<p>x</p>", request=request)
    assert mw.process_response(request, response) is response
    [(req, resp, decision)] = decided
    assert (req, resp) == (request, response)
    assert (decision.allowed, decision.reasons) == (allowed, reasons)
    assert decision.evidence[0] == INFO
    assert meta.decision_of(request) is decision


@pytest.mark.parametrize(
    ("exception", "reason", "signal"),
    [
        (RobotsDenied("http://s.test/a", Evidence("robots.txt", "x", "Disallow: /", Effect.DENY,
                                                  Reason.ROBOTS_DISALLOW, line=2)),
         Reason.ROBOTS_DISALLOW, "robots.txt"),
        (IgnoreRequest("some component said no"), Reason.FILTERED, "scrapy"),
        (ConnectionRefusedError("refused"), Reason.FETCH_ERROR, "download"),
        (TimeoutError("slow"), Reason.TIMEOUT, "download"),
        (DownloadTimeoutError("took longer than 3 s"), Reason.TIMEOUT, "download"),
        (DownloadCancelledError("Expected to receive 9 bytes which is larger than download max "
                                "size (2) in request <GET x>."), Reason.TOO_LARGE, "download"),
        (DownloadCancelledError(""), Reason.TOO_LARGE, "download"),  # outgrew it while streaming
        (DownloadFailedError("connection lost"), Reason.FETCH_ERROR, "download"),
    ],
)
def test_failures(exception: Exception, reason: Reason, signal: str) -> None:
    mw, decided = make()
    request = Request("http://s.test/a")
    mw.process_request(request)
    assert mw.process_exception(request, exception) is None  # the failure goes on its way
    [(_, response, decision)] = decided
    assert response is None and decision.reasons == (reason,)
    assert decision.evidence[-1].signal == signal


def test_a_wall_is_not_also_an_http_error() -> None:
    mw, decided = make()
    request = Request("http://s.test/private")
    mw.process_request(request)
    wall = Evidence("wall", request.url, "HTTP 401", Effect.DENY, Reason.AUTH_REQUIRED)
    meta.add_evidence(request, wall)
    mw.process_response(request, HtmlResponse(request.url, status=401, request=request))
    assert decided[0][2].reasons == (Reason.AUTH_REQUIRED,)


def test_a_dropped_bomb_is_recorded() -> None:
    mw, decided = make()
    request = Request("http://s.test/bomb")
    mw.process_request(request)
    request.meta[meta.TOO_LARGE] = "exceeded DOWNLOAD_MAXSIZE during decompression"
    mw.process_response(request, HtmlResponse(request.url, status=200, request=request))
    assert decided[0][2].reasons == (Reason.DECOMPRESSION_BOMB,)


def test_probes_are_not_records() -> None:
    mw, decided = make()
    probe = Request("http://s.test/robots.txt", meta={meta.PROBE: True})
    mw.process_response(probe, HtmlResponse(probe.url, status=503, request=probe))
    mw.process_exception(probe, ConnectionRefusedError())
    assert decided == []


def test_redirect_hops_recorded_once_even_on_retry() -> None:
    mw, decided = make()
    first = Request("http://s.test/old")
    mw.process_request(first)
    meta.add_evidence(first, INFO)
    hop = first.replace(url="http://s.test/new")
    hop.meta["redirect_urls"] = ["http://s.test/old"]
    hop.meta["redirect_reasons"] = [301]
    mw.process_request(hop)
    retry = hop.copy()  # what RetryMiddleware schedules after a failed attempt
    mw.process_request(retry)
    [(request, response, decision)] = decided
    assert request.url == "http://s.test/old" and response is None
    assert request.meta[meta.HOP_STATUS] == 301
    assert decision.reasons == (Reason.REDIRECT,)
    assert decision.evidence[0] == INFO  # the hop keeps the evidence gathered for it
    assert meta.evidence_of(retry) == ()  # the new URL starts afresh


def test_hops_of_a_dropped_redirect_are_recorded() -> None:
    mw, decided = make()
    hop = Request("http://s.test/already-crawled")
    hop.meta["redirect_urls"] = ["http://s.test/old"]
    hop.meta["redirect_reasons"] = [308]
    mw.crawler.signals.send_catch_log(scrapy_signals.request_dropped, request=hop, spider=None)
    [(request, _, decision)] = decided
    assert (request.url, decision.reasons) == ("http://s.test/old", (Reason.REDIRECT,))


def test_too_many_redirects() -> None:
    mw, decided = make(CONSENT_MAX_REDIRECTS=2)
    request = Request("http://s.test/3")
    request.meta["redirect_urls"] = ["http://s.test/0", "http://s.test/1", "http://s.test/2"]
    request.meta["redirect_reasons"] = [302, 302, 302]
    with pytest.raises(TooManyRedirects):
        mw.process_request(request)
    assert [r.url for r, _, _ in decided] == request.meta["redirect_urls"]


def test_purpose_required_and_checked() -> None:
    with pytest.raises(ConfigError, match="CONSENT_PURPOSE is not set"):
        make(CONSENT_PURPOSE=None)
    with pytest.raises(ValueError, match="unknown purpose 'everything'"):
        make(CONSENT_PURPOSE="everything")


def test_require_permission_denies_without_a_grant() -> None:
    mw, decided = make(CONSENT_REQUIRE_PERMISSION=True)
    request = Request("http://s.test/a")
    mw.process_request(request)
    mw.process_response(request, HtmlResponse(request.url, status=200, request=request))
    assert decided[0][2].reasons == (Reason.NO_PERMISSION,)
