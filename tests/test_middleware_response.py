"""ResponseSignalsMiddleware: a page's own signals become evidence before anything is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import meta
from crawler.consent.licenses import detect_licenses
from crawler.consent.model import Effect, LicenseStatus, Purpose
from crawler.consent.policy import decide
from crawler.consent.tdmrep import TdmRepFile
from crawler.middlewares.response import ResponseSignalsMiddleware
from crawler.pages.reading import MAY_DECLARE_LICENCE

from .sites import ADDON

URL = "http://site.test/page"


def run(response: Response, request: Request | None = None, **settings: Any) -> Request:
    crawler = get_crawler(
        settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings}
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
    tdm = meta.TdmFileMatch(file.match(URL), "http://site.test/.well-known/tdmrep.json", "ab" * 32, ())
    meta.set_tdm_file(request, tdm)
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


LICENCE_PAGES = sorted((Path(__file__).parent / "data" / "licenses" / "realweb").glob("*.html"))


@pytest.mark.parametrize("path", LICENCE_PAGES, ids=lambda p: p.name)
def test_licence_prefilter_never_hides_a_declaration(path: Path) -> None:
    # The middleware walks a page for licences only when the cheap scan says it may declare
    # one: on every real page where the detector finds anything, the scan must say so.
    body = path.read_bytes()
    response = HtmlResponse("https://site.test/p", body=body, encoding="utf-8")
    found = detect_licenses(response.selector.root, url=response.url, link_headers=[])
    if found.evidence or found.rsl_links or found.rsl_inline:
        assert MAY_DECLARE_LICENCE.search(body)


@pytest.mark.parametrize(
    "markup",
    [
        '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">',
        '<a href="https://creativecommons.org/publicdomain/zero/1.0/">CC0</a>',
        '<a href="https://www.gnu.org/copyleft/fdl.html">GFDL</a>',
        '<meta name="DC.rights" content="https://example.org/terms">',
        '<span property="cc:License" resource="https://creativecommons.org/licenses/by/4.0/">',
        '<script type="application/ld+json">{"LICENSE": "x"}</script>',
        '<link rel="license" type="application/rsl+xml" href="/l.xml">',
        '<script type="application/rsl+xml"><rsl/></script>',
    ],
)
def test_licence_prefilter_matches_every_markup(markup: str) -> None:
    assert MAY_DECLARE_LICENCE.search(markup.encode())


def test_page_without_licence_markup_is_not_walked() -> None:
    request = run(html("<title>plain</title>"))
    assert not [e for e in meta.evidence_of(request) if e.signal == "license"]
    request = run(html('<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'))
    assert [e.license for e in meta.evidence_of(request) if e.signal == "license"] == ["CC-BY-4.0"]
