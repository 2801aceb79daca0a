"""ImageConsentMiddleware: an image's own consent, read from its bytes before it is stored.

An image is an item of its own (``--images``): the spider asks for the images every downloaded
page references, and each passes every gate a page passes (blocklists, addresses, the robots.txt,
ai.txt, TDMRep and RSL of the image's own origin, its own ``X-Robots-Tag``). Here, after
download, come the image's own bounds and metadata and its page's signals:

- bytes over CONSENT_IMAGE_MAX_SIZE are not downloaded (``too-large``); pixels over
  CONSENT_IMAGE_MAX_PIXELS (a decompression bomb, read from the header, never decoded) or under
  CONSENT_IMAGE_MIN_PIXELS (icons, tracking pixels; 0 by default) are skipped, and bytes that are
  no image at all too, whatever the Content-Type says;
- IPTC ``plus:DataMining`` in every XMP packet and C2PA/CAWG training-and-data-mining
  assertions (crawler.consent.image_meta: a restriction counts whatever the manifest's
  validation state, a permission only from a manifest that validates or ``DMI-ALLOWED``);
- the referring page's ``noimageai``/``noai`` (X-Robots-Tag and robots meta, UA-scoped forms),
  which the page carried to its image requests, and the licence the page declares for the
  image (``rel=license`` in its figure): the image's own licence, judged by the job's terms.

A response whose Content-Type is an image is treated as one even when no page referred to it
(``consentcrawl check IMAGE_URL``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import meta
from ..config import config_of
from ..consent.image_meta import ImageMetadata, image_evidence, read_image_metadata
from ..consent.license_policy import license_evidence
from ..consent.licenses import image_finding
from ..consent.model import Effect, Evidence, Reason
from ..consent.robots_tags import page_tag_evidence
from ..meta import Kind

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

SIGNAL = "image"


class ImageConsentMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.agent = config.agent
        self.tokens = config.agents.tokens
        self.max_size: int = config["CONSENT_IMAGE_MAX_SIZE"]
        self.max_pixels: int = config["CONSENT_IMAGE_MAX_PIXELS"]
        self.min_pixels: int = config["CONSENT_IMAGE_MIN_PIXELS"]
        self.terms = config.licensing

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if meta.kind_of(request) is Kind.IMAGE:
            request.meta["download_maxsize"] = self.max_size

    def process_response(self, request: Request, response: Response) -> Response:
        if meta.is_probe(request) or not 200 <= response.status < 300:
            return response
        content_type = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if meta.kind_of(request) is not Kind.IMAGE and not content_type.lower().startswith("image/"):
            return response
        meta.set_kind(request, Kind.IMAGE)
        meta.add_evidence(request, *self.evidence(request, response, content_type))
        return response

    def evidence(self, request: Request, response: Response, content_type: str) -> list[Evidence]:
        found = read_image_metadata(
            response.body, content_type=content_type or None, max_pixels=self.max_pixels
        )
        evidence = self._bounds(found)
        evidence += image_evidence(found)
        declared = meta.image_licence_of(request)
        if declared:  # the licence its page gives this image (a figure's rel=license)
            evidence += license_evidence(image_finding(declared), self.terms, image=True)
        page = meta.page_tags_of(request)
        if page is not None:
            evidence += page_tag_evidence(
                page.header, page.meta, agent=self.agent, tokens=self.tokens, kind=Kind.IMAGE,
                sources=(f"page {page.url}", f"page {page.url}"),
            )
        return evidence

    def _bounds(self, found: ImageMetadata) -> list[Evidence]:
        described = "; ".join(found.errors) or "no readable image"
        if found.too_many_pixels:
            return [_deny(Reason.IMAGE_TOO_LARGE, f"{described} (CONSENT_IMAGE_MAX_PIXELS)")]
        if found.format is None or found.size is None:
            return [_deny(Reason.NOT_AN_IMAGE, described)]
        width, height = found.size
        pixels = width * height
        text = f"{found.format} {width}x{height}"
        if pixels < self.min_pixels:
            return [_deny(Reason.IMAGE_TOO_SMALL, f"{text}: under {self.min_pixels} pixels")]
        return [Evidence(SIGNAL, "image header", text)]


def _deny(code: Reason, value: str) -> Evidence:
    return Evidence(SIGNAL, "image header", value, Effect.DENY, code)
