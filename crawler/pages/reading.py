"""What a downloaded page says about itself and its images, read once from its headers and
markup: its robots tags (X-Robots-Tag and robots meta), its ``<meta>`` tags, and its licence
declarations. The response gate turns it into evidence; the page's images inherit its tags and
the licences it declares for them; a resumed crawl reads a stored page the same way, so the
images of a page it links again are asked for with what the page said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from scrapy.http import HtmlResponse

from ..consent.licenses import LicenseEvidence, LicenseFinding, detect_licenses
from ..consent.robots_tags import parse_meta_robots, parse_x_robots_tag
from ..meta import PageTags

if TYPE_CHECKING:
    from scrapy.http import Response
    from scrapy.http.headers import Headers

__all__ = ["PageReading", "header_values", "read_page"]

# Every licence markup the detector reads names one of these (rel/itemprop/property "license",
# dc.rights, licence URLs under /licenses/, /publicdomain/, /copyleft/, RSL): a page without
# any of them is not walked at all (C-speed scan instead of XPath and JSON-LD parsing).
MAY_DECLARE_LICENCE: Final = re.compile(
    rb"licen[cs]|rights|publicdomain|copyleft|rsl\+xml", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class PageReading:
    tags: PageTags
    metas: tuple[tuple[str, str], ...]  # (name, content) of the page's <meta> tags
    finding: LicenseFinding

    def image_licences(self) -> dict[str, tuple[LicenseEvidence, ...]]:
        """The licence evidence the page declares for each of its images (a figure's
        rel=license): theirs, not the page's."""
        images: dict[str, list[LicenseEvidence]] = {}
        for piece in self.finding.evidence:
            for image in piece.images:
                images.setdefault(image, []).append(piece)
        return {url: tuple(pieces) for url, pieces in images.items()}


def read_page(response: Response) -> PageReading:
    headers = response.headers
    metas = page_metas(response)
    tags = PageTags(
        response.url,
        tuple(parse_x_robots_tag(header_values(headers, b"X-Robots-Tag"))),
        tuple(parse_meta_robots(metas)),
    )
    root = None
    if isinstance(response, HtmlResponse) and MAY_DECLARE_LICENCE.search(response.body):
        root = response.selector.root  # Scrapy's cached parse tree, shared with the spider
    finding = detect_licenses(root, url=response.url, link_headers=header_values(headers, b"Link"))
    return PageReading(tags, tuple(metas), finding)


def page_metas(response: Response) -> list[tuple[str, str]]:
    """(name, content) of the page's ``<meta name=… content=…>`` tags; none for non-HTML."""
    if not isinstance(response, HtmlResponse):
        return []
    return [
        (node.attrib.get("name", ""), node.attrib.get("content", ""))
        for node in response.xpath("//meta[@name][@content]")
    ]


def header_values(headers: Headers, name: bytes) -> list[str]:
    return [value.decode("latin-1") for value in headers.getlist(name)]
