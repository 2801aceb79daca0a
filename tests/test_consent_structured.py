"""Tests of crawler.consent.structured (bounded JSON-LD and microdata of a parsed page)."""

from __future__ import annotations

import json

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from crawler.consent import structured
from crawler.consent.structured import MAX_BLOCK_CHARS, MAX_DEPTH, MAX_TOTAL_CHARS


def root_of(*blocks: str, body: str = "") -> etree._Element:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    html = f"<html><head>{scripts}</head><body>{body}</body></html>"
    root: etree._Element = HtmlResponse("https://s.test/", body=html.encode()).selector.root
    return root


def read(*blocks: str) -> structured.JsonLd:
    return structured.jsonld(root_of(*blocks), containing="Marker")


@pytest.mark.parametrize(
    ("block", "items"),
    [
        ('{"@type": "Article", "marker": 1}', [{"@type": "Article", "marker": 1}]),
        ('[{"marker": 1}, {"b": 2}]', [{"marker": 1}, {"b": 2}]),
        # extruct's lenient reading: a leading HTML comment line, a trailing comma
        ('<!-- x -->\n{"marker": 1,}', [{"marker": 1}]),
        # A list gives its members, whatever they are: callers skip what is no object.
        ('[[1], "marker", 0]', [[1], "marker"]),
    ],
)
def test_blocks_are_read(block: str, items: list[object]) -> None:
    found = read(block)
    assert list(found.items) == items
    assert found.unreadable == ()


def test_blocks_without_the_marker_are_not_read() -> None:
    found = read('{"a": 1}', "{{{ broken", '{"marker": 2}')
    assert (found.items, found.unreadable, found.errors) == (({"marker": 2},), (), ())


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ('{"marker": ,,, }}', "JSON-LD block 1: malformed JSON"),
        ('"marker"', "JSON-LD block 1: not a JSON object or array of objects"),
        ("[" * (MAX_DEPTH + 1) + '"marker"' + "]" * (MAX_DEPTH + 1), "nested deeper than 64"),
        ('{"marker": "' + "x" * MAX_BLOCK_CHARS + '"}', "over the limit: not read"),
    ],
    ids=["malformed", "string", "deep", "large"],
)
def test_bad_blocks_are_errors(block: str, error: str) -> None:
    found = read(block, '{"marker": "ok"}')
    assert found.items == ({"marker": "ok"},)
    (message,) = found.errors
    assert error in message
    if "not a JSON object" not in error:
        assert len(found.unreadable) == 1 and len(found.unreadable[0]) <= MAX_BLOCK_CHARS


def test_depth_counts_brackets_outside_strings_only() -> None:
    deep_in_strings = json.dumps({"marker": "[" * 500, "b": '{\\"}' * 100, "c": [[1]]})
    assert read(deep_in_strings).errors == ()
    exactly = "[" * (MAX_DEPTH - 1) + '{"marker": 1}' + "]" * (MAX_DEPTH - 1)
    assert read(exactly).errors == ()


def test_the_page_budget_is_shared_by_its_blocks() -> None:
    big = '{"marker": "' + "x" * (MAX_BLOCK_CHARS - 20) + '"}'
    count = MAX_TOTAL_CHARS // len(big) + 1
    found = read(*[big] * count)
    assert len(found.items) == count - 1
    assert len(found.errors) == 1 and f"JSON-LD block {count}:" in found.errors[0]


def test_microdata_resolves_urls() -> None:
    body = (
        '<div itemscope itemtype="https://schema.org/Article">'
        '<link itemprop="license" href="/licence"></div>'
    )
    items, error = structured.microdata(root_of(body=body), base_url="https://s.test/a/")
    assert error is None
    assert items == [
        {"type": "https://schema.org/Article", "properties": {"license": "https://s.test/licence"}}
    ]


def test_prop_and_properties() -> None:
    props = {"schema:license": "a", "license": "b", "https://schema.org/Name": "n", 1: "x"}
    assert structured.prop(props, "license") == "b"
    assert structured.prop(props, "name") == "n"
    assert structured.prop({"schema:license": "a"}, "License") == "a"
    assert structured.prop(props, "missing") is None
    assert structured.properties(props) == {"license": "b", "name": "n"}
    assert structured.properties({"license": "b", "schema:license": "a"}) == {"license": "b"}


@pytest.mark.parametrize(
    ("kind", "names"),
    [
        ("ImageObject", ("ImageObject",)),
        ("https://schema.org/ImageObject", ("ImageObject",)),
        (["schema:Article", "http://schema.org/NewsArticle"], ("Article", "NewsArticle")),
        (None, ()),
        (5, ()),
        (["", None], ()),
    ],
)
def test_type_names(kind: object, names: tuple[str, ...]) -> None:
    assert structured.type_names(kind) == names
