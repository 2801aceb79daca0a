"""The images a page references: ``img src``/``srcset``, ``picture``/``source``, ``og:image`` and
``twitter:image``, ``link rel=image_src`` and links to image files.

Pure: the lxml tree Scrapy already parsed and the page's base URL in, absolute http(s) URLs out,
in document order, each once, at most ``limit`` (a page with 100,000 images must not flood the
scheduler). ``data:`` and other schemes are left out: there is nothing to fetch.
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

from lxml import etree

__all__ = ["IMAGE_EXTENSIONS", "image_urls", "srcset_urls"]

IMAGE_EXTENSIONS: Final = (
    ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".tif", ".tiff", ".avif", ".heic", ".jxl",
)
_CANDIDATES: Final = etree.XPath(
    "//img/@src | //img/@srcset | //img/@data-src | //picture/source/@srcset"
    " | //picture/source/@src"
    " | //meta[@property='og:image' or @property='og:image:url'"
    " or @property='og:image:secure_url' or @name='twitter:image']/@content"
    " | //link[@rel='image_src']/@href | //a/@href"
)
_BASE: Final = etree.XPath("//base/@href")
_SPACE: Final = re.compile(r"\s+")
_TOKEN: Final = re.compile(r"\S+")
_MAX_URL: Final = 4096


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` (HTML: candidates separated by commas, each a URL and optional
    width/density descriptors; a URL may itself contain commas, so split on the whitespace
    that ends it). Written by hand: parsel, w3lib and lxml have no srcset parser."""
    urls: list[str] = []
    position, text = 0, value.strip()
    while position < len(text):
        while position < len(text) and (text[position].isspace() or text[position] == ","):
            position += 1
        match = _TOKEN.match(text, position)
        if match is None:
            break
        url = match.group().rstrip(",")
        position = match.end()
        if not match.group().endswith(","):
            end = text.find(",", position)  # skip the descriptors up to the next candidate
            position = len(text) if end < 0 else end + 1
        if url:
            urls.append(url)
    return urls


def image_urls(root: Any, page_url: str, *, limit: int) -> list[str]:
    if root is None or limit <= 0:
        return []
    bases = _BASE(root)
    base = urljoin(page_url, str(bases[0]).strip()) if bases else page_url
    found: dict[str, None] = {}
    for attribute in _CANDIDATES(root):
        name = attribute.attrname
        raw = str(attribute)
        if name == "srcset":
            values = srcset_urls(raw)
        else:
            values = [raw]
        for value in values:
            url = _absolute(value, base)
            if url is None:
                continue
            if name == "href" and attribute.getparent().tag == "a" and not _is_image_file(url):
                continue
            found.setdefault(url, None)
            if len(found) >= limit:
                return list(found)
    return list(found)


def _absolute(value: str, base: str) -> str | None:
    value = value.strip()
    if not value or len(value) > _MAX_URL or _SPACE.search(value):
        return None
    try:
        url = urljoin(base, value)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _is_image_file(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(IMAGE_EXTENSIONS)
