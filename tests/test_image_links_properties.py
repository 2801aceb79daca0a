"""Properties of crawler.pages.image_links (srcset and the images a page references).

1. Every URL ``srcset_urls`` returns is one of the input's candidates: a non-empty run of it
   without whitespace, not starting or ending with a comma.
2. Written and read back: candidates (URLs that may hold commas, with or without width or
   density descriptors) joined as HTML writes them read back in order.
3. ``image_urls`` on any page: absolute http(s) URLs without fragment, each once, at most
   ``limit``, in document order.
4. Hostile inputs.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.pages.image_links import image_urls, srcset_urls

from . import hostile
from .strategies import HTML, any_text, html_root, mutated

PAGE = "https://example.com/blog/post"
candidate_urls = st.text(
    st.characters(codec="utf-8", exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cs")),
    min_size=1,
    max_size=20,
).filter(
    lambda u: not u.startswith(",") and not u.endswith(",") and not any(c.isspace() for c in u)
)
descriptors = st.sampled_from(("", " 1x", " 2x", " 480w", "  1.5x", "\t100w"))


@given(any_text | st.sampled_from((",", " , ", "a.jpg,", ",a.jpg", "a b c, d")))
@example("a,b.jpg 1x, c.jpg 2x")
@example("\x1c,a")
def test_every_url_is_one_of_the_inputs(value: str) -> None:
    for url in srcset_urls(value):
        assert url and url in value
        assert not any(c.isspace() for c in url)
        assert not url.startswith(",") and not url.endswith(",")


@given(
    st.lists(st.tuples(candidate_urls, descriptors), max_size=6),
    st.sampled_from((", ", ",\n  ", " , ")),
)
@example([("img,v=2.jpg", " 1x"), ("c.jpg", "")], ", ")
def test_candidates_read_back(candidates: list[tuple[str, str]], separator: str) -> None:
    value = separator.join(url + descriptor for url, descriptor in candidates)
    assert srcset_urls(value) == [url for url, _ in candidates]


def _page(body: str) -> bytes:
    return f"<html><head></head><body>{body}</body></html>".encode()


@given(mutated(HTML, max_mutations=2), st.integers(0, 50))
def test_any_page_gives_unique_absolute_urls(body: bytes, limit: int) -> None:
    found = image_urls(html_root(body, PAGE), PAGE, limit=limit)
    assert len(found) <= limit and len(set(found)) == len(found)
    for url in found:
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.hostname and not parts.fragment


@given(
    st.lists(
        st.sampled_from(("a.jpg", "/b.png#x", "c.webp?w=1", "data:x", "mailto:x", "d.jpg")),
        max_size=8,
    )
)
def test_document_order_each_once(sources: list[str]) -> None:
    body = "".join(f'<img src="{s}">' for s in sources)
    found = image_urls(html_root(_page(body), PAGE), PAGE, limit=100)
    expected = []
    for source in sources:
        if ":" in source:
            continue
        url = urljoin(PAGE, source).partition("#")[0]
        if url not in expected:
            expected.append(url)
    assert found == expected


def test_hostile_srcsets_and_pages() -> None:
    assert srcset_urls(hostile.commas()) == []
    assert srcset_urls(hostile.stars().decode()) == [hostile.stars().decode()]
    many = ", ".join(f"i{n}.jpg {n}w" for n in range(hostile.LINES))
    assert len(srcset_urls(many)) == hostile.LINES
    words = srcset_urls("a " * (hostile.MB // 2))
    assert words == ["a"], "everything after the first URL is its descriptors"
    images = "".join(f'<img src="/i{n}.jpg">' for n in range(hostile.LINES // 10))
    assert len(image_urls(html_root(_page(images), PAGE), PAGE, limit=500)) == 500
    for build in hostile.INPUTS.values():
        assert image_urls(html_root(build(), PAGE), PAGE, limit=100) == []
