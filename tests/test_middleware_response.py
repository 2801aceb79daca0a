"""ResponseSignalsMiddleware: a page's own signals become evidence before anything is stored."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import meta
from crawler.addon import ConsentAddon
from crawler.consent.model import Effect, LicenseStatus, Purpose
from crawler.consent.policy import decide
from crawler.consent.tdmrep import TdmRepFile
from crawler.middlewares.response import ResponseSignalsMiddleware

URL = "http://site.test/page"


def run(response: Response, request: Request | None = None, **settings: Any) -> Request:
    crawler = get_crawler(
        settings_dict={"ADDONS": {ConsentAddon: 0}, "CONSENT_PURPOSE": "search", **settings}
    )
    mw = ResponseSignalsMiddleware(crawler)
    request = request or Request(URL)
    assert mw.process_response(request, response) is response
    return request


def html(head: str = "", headers: dict[str, str] | None = None, status: int = 200) -> HtmlResponse:
    body = f"<html><head>{head}</head><body><p>text</p></body></html>".encode()
    return HtmlResponse(URL, status=status, body=body, headers=headers or {})


def letters(request: Request) -> str:
    """G N R S: N where the evidence denies the purpose, else '.'."""
    evidence = meta.evidence_of(request)
    order = (Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT, Purpose.SEARCH)
    return "".join("." if decide(p, evidence).allowed else "N" for p in order)


@pytest.mark.parametrize(
    ("response", "expected", "reason"),
    [
        (html(headers={"X-Robots-Tag": "noai"}), "NNN.", "x-robots-tag:noai"),
        (html(headers={"X-Robots-Tag": "consentcrawl: noai"}), "NNN.", "x-robots-tag:noai"),
        (html(headers={"X-Robots-Tag": "otherbot: noai"}), "....", None),
        (html(headers={"X-Robots-Tag": "gptbot: noai"}), "NN..", "x-robots-tag:noai"),
        (html(headers={"X-Robots-Tag": "unavailable_after: 25 Jun 2010 15:00:00 PST"}), "...N",
         "x-robots-tag:unavailable_after"),
        (html(headers={"X-Robots-Tag": "noindex"}), "...N", "x-robots-tag:noindex"),
        (html('<meta name="robots" content="noai, noimageai">'), "NNN.", "meta-robots:noai"),
        (html('<meta name="ConsentCrawl" content="noai">'), "NNN.", "meta-robots:noai"),
        (html('<meta name="robots" content="noimageai">'), "....", None),  # images only
        (html(headers={"Content-Usage": "train-ai=n, search=y"}), "N...", "content-usage:train-ai=n"),
        (html(headers={"Content-Usage": "Train-AI=n"}), "....", None),  # malformed: unknown
        (html(headers={"tdm-reservation": "1"}), "NNN.", "tdmrep-reserved"),
        (html('<meta name="tdm-reservation" content="1">'), "NNN.", "tdmrep-reserved"),
        (html(headers={"tdm-reservation": "yes"}), "....", None),  # protocol error: unset
    ],
)
def test_page_signals(response: Response, expected: str, reason: str | None) -> None:
    request = run(response)
    assert letters(request) == expected
    reasons = {e.reason for e in meta.evidence_of(request) if e.effect is Effect.DENY}
    assert reasons == ({reason} if reason else set())


def test_tdm_channels_override_in_order() -> None:
    file = TdmRepFile.parse(b'[{"location": "/", "tdm-reservation": 1}]')
    request = Request(URL)
    request.meta[meta.TDM_FILE] = (file.match(URL), "http://site.test/.well-known/tdmrep.json",
                                   "ab" * 32, ())
    run(html(headers={"tdm-reservation": "0"}), request)  # header supersedes the file
    assert letters(request) == "...."
    request.meta[meta.EVIDENCE] = ()
    run(html('<meta name="tdm-reservation" content="1">', {"tdm-reservation": "0"}), request)
    assert letters(request) == "NNN."  # meta supersedes the header


def test_reservation_with_policy_is_licensable() -> None:
    request = run(html(headers={"tdm-reservation": "1", "tdm-policy": "https://site.test/terms"}))
    assert decide(Purpose.TRAIN_GENAI, meta.evidence_of(request)).license_status is (
        LicenseStatus.LICENSABLE
    )


def test_error_pages_and_non_html_are_left_alone() -> None:
    assert meta.evidence_of(run(html(headers={"X-Robots-Tag": "noai"}, status=404))) == ()
    text = TextResponse(URL, body=b'<meta name="robots" content="noai">', encoding="utf-8",
                        headers={"Content-Type": "text/plain"})
    assert letters(run(text)) == "...."  # a text file's content is not a meta tag
    probe = Request(URL, meta={meta.PROBE: True})
    run(html(headers={"X-Robots-Tag": "noai"}), probe)
    assert meta.evidence_of(probe) == ()
