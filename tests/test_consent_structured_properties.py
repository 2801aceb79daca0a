"""Properties of crawler.consent.structured (JSON-LD and microdata of a parsed page).

1. Any page gives items and errors, never an exception.
2. JSON-LD written into a page reads back as written; a block is read exactly when its
   nesting is within MAX_DEPTH, brackets inside strings not counted.
3. The name helpers are normalisations: ``properties`` and ``type_names`` are idempotent.
4. Hostile inputs.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.structured import (
    MAX_BLOCK_CHARS,
    MAX_DEPTH,
    jsonld,
    microdata,
    properties,
    type_names,
)

from . import hostile
from .strategies import HTML, any_text, html_root, mutated

PAGE = "https://example.com/page"
keys = st.sampled_from(
    ("@type", "@id", "license", "schema:license", "https://schema.org/url", "name", "x")
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=10,
)
objects = st.dictionaries(keys, json_values, min_size=1, max_size=4).map(
    lambda d: {**d, "license": d.get("license", "https://creativecommons.org/licenses/by/4.0/")}
)


def _page(*blocks: str) -> bytes:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return f"<html><head>{scripts}</head><body></body></html>".encode()


@given(mutated(HTML, max_mutations=2))
def test_any_page_gives_items_and_errors(body: bytes) -> None:
    root = html_root(body, PAGE)
    found = jsonld(root, containing="license")
    assert all(isinstance(e, str) for e in found.errors)
    assert all(len(text) <= MAX_BLOCK_CHARS for text in found.unreadable)
    assert len(found.unreadable) <= len(found.errors)


@given(mutated(HTML[-3:], max_mutations=2))  # the small real excerpts and wall pages
def test_any_page_gives_microdata_or_an_error(body: bytes) -> None:
    items, error = microdata(html_root(body, PAGE), base_url=PAGE)
    assert isinstance(items, list) and (error is None or error.startswith("microdata: "))


@given(st.lists(objects | st.lists(objects, max_size=3), min_size=1, max_size=3))
@example([{"license": "</script><script>x"}])
@example([[{"license": "a"}, {"license": "b"}]])
def test_jsonld_reads_back_as_written(blocks: list[Any]) -> None:
    texts = [json.dumps(block).replace("</", "<\\/") for block in blocks]
    found = jsonld(html_root(_page(*texts), PAGE), containing="LICENSE")
    expected = [
        item for block in blocks for item in (block if isinstance(block, list) else [block])
    ]
    assert list(found.items) == expected
    assert found.errors == ()


@given(st.integers(1, MAX_DEPTH + 20), st.integers(0, 200))
@example(MAX_DEPTH, 0)
@example(MAX_DEPTH + 1, 0)
def test_nesting_is_bounded_and_strings_do_not_count(depth: int, in_string: int) -> None:
    decoy = "[{" * in_string
    value: Any = {"license": "x", "name": decoy}
    for _ in range(depth - 1):
        value = [value]
    found = jsonld(html_root(_page(json.dumps(value)), PAGE), containing="license")
    if depth <= MAX_DEPTH:
        assert found.errors == () and found.items
    else:
        assert found.errors == (
            f"JSON-LD block 1: nested deeper than {MAX_DEPTH} levels: not read",
        )


@given(st.dictionaries(keys | any_text, json_values, max_size=6))
def test_properties_is_idempotent(props: dict[str, Any]) -> None:
    named = properties(props)
    assert properties(named) == named
    assert all(key == key.lower() for key in named)


@given(json_values | st.lists(keys | any_text, max_size=4))
@example([":"])  # gave ("",), which read again gives ()
def test_type_names_is_idempotent(kind: Any) -> None:
    names = type_names(kind)
    assert type_names(list(names)) == names


def test_hostile_pages() -> None:
    deep = hostile.deep_json().decode()
    big = '{"license": "' + "a" * MAX_BLOCK_CHARS + '"}'
    found = jsonld(
        html_root(
            _page(deep, big, "[" + '{"a": 1},' * 100_000 + '{"a": 1}]', escape("license")), PAGE
        ),
        containing="",
    )
    assert found.errors[:2] == (
        f"JSON-LD block 1: nested deeper than {MAX_DEPTH} levels: not read",
        f"JSON-LD block 2: {len(big):,} characters, over the limit: not read",
    )
    assert len(found.items) == 100_001
    for build in hostile.INPUTS.values():
        jsonld(html_root(build(), PAGE), containing="license")
        microdata(html_root(build(), PAGE))
