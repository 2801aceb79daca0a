"""The images a page references, as the spider asks for them with --images."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.pages.image_links import image_urls, srcset_urls

PAGE = "https://site.test/blog/post"


@pytest.mark.parametrize(
    ("srcset", "urls"),
    [
        ("a.jpg", ["a.jpg"]),
        ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
        ("a.jpg 480w,b.jpg 800w", ["a.jpg", "b.jpg"]),
        ("img,v=2.jpg 1x, c.jpg 2x", ["img,v=2.jpg", "c.jpg"]),  # a comma inside a URL
        ("a.jpg, b.jpg", ["a.jpg", "b.jpg"]),  # no descriptors
        ("  , a.jpg  ,  ", ["a.jpg"]),
        ("", []),
    ],
)
def test_srcset(srcset: str, urls: list[str]) -> None:
    assert srcset_urls(srcset) == urls


def urls_of(body: str, limit: int = 100) -> list[str]:
    response = HtmlResponse(PAGE, body=f"<html><head></head><body>{body}</body></html>",
                            encoding="utf-8")
    return image_urls(response.selector.root, PAGE, limit=limit)


@pytest.mark.parametrize(
    ("body", "urls"),
    [
        ('<img src="a.jpg">', ["https://site.test/blog/a.jpg"]),
        ('<img src="/a.jpg" srcset="/a-2x.jpg 2x">',
         ["https://site.test/a.jpg", "https://site.test/a-2x.jpg"]),
        ('<picture><source srcset="p.webp" type="image/webp"><img src="p.jpg"></picture>',
         ["https://site.test/blog/p.webp", "https://site.test/blog/p.jpg"]),
        ('<meta property="og:image" content="https://cdn.test/og.png">', ["https://cdn.test/og.png"]),
        ('<meta name="twitter:image" content="//cdn.test/t.png">', ["https://cdn.test/t.png"]),
        ('<link rel="image_src" href="/i.gif">', ["https://site.test/i.gif"]),
        ('<a href="/full.TIFF">full</a><a href="/next.html">next</a>', ["https://site.test/full.TIFF"]),
        ('<img src="a.jpg#x"><img src="a.jpg">', ["https://site.test/blog/a.jpg"]),  # once
        ('<img src="data:image/png;base64,AAAA"><img src="javascript:x"><img src="ftp://x/a.jpg">',
         []),
        ('<img src="">' + '<img src="a b.jpg">', []),
        ('<base href="https://static.test/m/"><img src="a.jpg">', ["https://static.test/m/a.jpg"]),
        ('<img data-src="lazy.jpg">', ["https://site.test/blog/lazy.jpg"]),
    ],
)
def test_image_urls(body: str, urls: list[str]) -> None:
    assert urls_of(body) == urls


def test_limit_bounds_a_page_full_of_images() -> None:
    body = "".join(f'<img src="/i/{n}.jpg">' for n in range(10_000))
    assert urls_of(body, limit=100) == [f"https://site.test/i/{n}.jpg" for n in range(100)]
    assert urls_of(body, limit=0) == []


def test_no_tree_no_images() -> None:
    assert image_urls(None, PAGE, limit=10) == []
