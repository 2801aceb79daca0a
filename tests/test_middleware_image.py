"""ImageConsentMiddleware: an image's bounds, metadata and its page's signals become evidence
before anything is stored."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler import meta
from crawler.consent.licenses import detect_licenses
from crawler.consent.model import Effect, LicenseStatus, Purpose
from crawler.consent.policy import decide
from crawler.consent.robots_tags import parse_meta_robots
from crawler.middlewares.image import ImageConsentMiddleware

from .sites import ADDON

URL = "https://photos.test/img/a.jpg"
PAGE = "https://photos.test/gallery"


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, "JPEG")
    return out.getvalue()


def run(body: bytes, content_type: str = "image/jpeg", *, image: bool = True,
        request_meta: dict[str, Any] | None = None, **settings: Any) -> Request:
    crawler = get_crawler(settings_dict={**ADDON,
                                         "CONSENT_PURPOSE": "train-genai", **settings})
    mw = ImageConsentMiddleware(crawler)
    request = Request(URL, meta={**({meta.KIND: "image"} if image else {}),
                                 **(request_meta or {})})
    mw.process_request(request)
    response = Response(URL, body=body, headers={"Content-Type": content_type}, request=request)
    assert mw.process_response(request, response) is response
    return request


def reasons(request: Request, purpose: Purpose = Purpose.TRAIN_GENAI) -> tuple[str, ...]:
    return decide(purpose, meta.evidence_of(request)).reasons


@pytest.mark.parametrize(
    ("body", "content_type", "settings", "expected"),
    [
        (jpeg(), "image/jpeg", {}, ()),
        (jpeg((1, 1)), "image/jpeg", {"CONSENT_IMAGE_MIN_PIXELS": 4}, ("image-too-small",)),
        (jpeg((300, 200)), "image/jpeg", {"CONSENT_IMAGE_MAX_PIXELS": 10_000},
         ("image-too-large",)),
        (b"<html>an error page</html>", "image/jpeg", {}, ("not-an-image",)),
        (jpeg()[:100], "image/jpeg", {}, ("not-an-image",)),
        (jpeg(), "text/plain", {}, ()),  # the bytes decide, not the Content-Type
    ],
)
def test_bounds(body: bytes, content_type: str, settings: dict[str, Any],
                expected: tuple[str, ...]) -> None:
    assert reasons(run(body, content_type, **settings)) == expected


def test_download_bound_is_set_for_images_only() -> None:
    request = run(jpeg(), CONSENT_IMAGE_MAX_SIZE=12345)
    assert request.meta["download_maxsize"] == 12345
    page = run(b"<html></html>", "text/html", image=False)
    assert "download_maxsize" not in page.meta


def test_a_response_that_is_an_image_is_one_without_a_page() -> None:
    # consentcrawl check IMAGE_URL: no page asked for it, the Content-Type says image
    request = run(jpeg(), image=False)
    assert meta.kind_of(request) == "image"
    assert any(e.signal == "image" for e in meta.evidence_of(request))


@pytest.mark.parametrize(
    ("robots", "genai", "search"),
    [
        ("noimageai", ("meta-robots:noimageai",), ()),
        ("noai", ("meta-robots:noai",), ()),
        ("otherbot: noimageai", (), ()),
        ("noindex", (), ("meta-robots:noindex",)),
    ],
)
def test_the_page_signals_for_its_images(robots: str, genai: tuple[str, ...],
                                         search: tuple[str, ...]) -> None:
    tags = meta.PageTags(PAGE, (), tuple(parse_meta_robots([("robots", robots)])))
    request = run(jpeg(), request_meta={meta.PAGE_TAGS: tags})
    assert reasons(request) == genai
    assert reasons(request, Purpose.SEARCH) == search


def test_the_licence_its_page_gives_it() -> None:


    page = HtmlResponse(PAGE, body=(
        b'<html><body><figure><img src="/img/a.jpg"><a rel="license" '
        b'href="https://creativecommons.org/licenses/by/4.0/">CC BY</a></figure></body></html>'
    ))
    [piece] = detect_licenses(page.selector.root, url=PAGE, link_headers=[]).evidence
    request = run(jpeg(), request_meta={meta.IMAGE_LICENCE: (piece,)})
    decision = decide(Purpose.TRAIN_AI, meta.evidence_of(request), require_permission=True)
    assert (decision.allowed, decision.license_status, decision.license) == (
        True, LicenseStatus.OPEN, "CC-BY-4.0")
    [row] = [e for e in meta.evidence_of(request) if e.signal == "license"]
    assert row.effect is Effect.ALLOW and row.strength == "strong"
