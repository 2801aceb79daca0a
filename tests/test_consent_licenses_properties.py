"""Properties of crawler.consent.licenses: the RFC 8288 Link header parser and detection.

1. Any header value gives links and errors, never an exception; links written as a header read
   back as written (token and quoted values, escapes, a repeated parameter: the first), and
   junk between them loses none.
2. detect_licenses on any Link headers and any page (the real licence corpus, mutated): a
   bounded finding whose decision is one of its own strong page-scoped pieces of evidence.
3. Hostile inputs: megabyte headers and pages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.licenses import (
    MAX_EVIDENCE,
    PAGE_SCOPES,
    LicenseFinding,
    Scope,
    Strength,
    _parse_link_header,
    detect_licenses,
)
from crawler.consent.spdx import spdx_id

from . import hostile
from .strategies import HTML, any_text, html_root, mutated

PAGE = "https://example.com/articles/x"
_TOKEN = "!#$%&'*+.^_`|~-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

targets = st.text(st.characters(codec="utf-8", exclude_characters="<>"), max_size=30)
names = st.sampled_from(("rel", "type", "anchor", "title", "hreflang", "x")) | st.text(
    _TOKEN, min_size=1, max_size=6
)
# Visible ASCII but for the separators: RFC 8288 tokens, and the lenient "type=text/html".
token_values = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=';,"'),
    min_size=1,
    max_size=12,
)
quoted_values = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
params = st.lists(
    st.tuples(
        names,
        st.one_of(token_values.map(lambda v: (v, False)), quoted_values.map(lambda v: (v, True))),
    ),
    max_size=4,
)
links = st.lists(st.tuples(targets, params), max_size=5)
licence_urls = st.sampled_from(
    (
        "https://creativecommons.org/licenses/by/4.0/",
        "http://creativecommons.org/licenses/by-nc-sa/3.0/de/",
        "https://www.gnu.org/licenses/gpl-3.0.html",
        "/terms",
        "javascript:alert(1)",
        "https://example.com/license.xml",
    )
)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _header(written: list[tuple[str, list[tuple[str, tuple[str, bool]]]]]) -> str:
    return ", ".join(
        f"<{target}>" + "".join(f"; {n}={_quote(v) if quoted else v}" for n, (v, quoted) in ps)
        for target, ps in written
    )


def _expected(
    written: list[tuple[str, list[tuple[str, tuple[str, bool]]]]],
) -> list[tuple[str, dict[str, str]]]:
    out = []
    for target, ps in written:
        found: dict[str, str] = {}
        for name, (value, _) in ps:
            found.setdefault(name.lower(), value)
        out.append((target, found))
    return out


# --------------------------------------------------------------------------
# 1. The Link header grammar
# --------------------------------------------------------------------------


@given(any_text | st.sampled_from(("<a>;", "<a>; rel=", '<a>; rel="x', "<a", ",,,", "<a> x")))
@example('<a>; rel="license"; title="a,b", <b>')
@example("<a>;rel=license;rel=other")
def test_any_header_value_gives_links_and_errors(value: str) -> None:
    found, errors = _parse_link_header(value)
    assert all(e.startswith("Link header: ") for e in errors)
    for link in found:
        assert "<" not in link.target and ">" not in link.target
        assert all(name == name.lower() and name for name in link.params)


@given(links)
@example([("https://l.example/", [("rel", ("license", False)), ("REL", ("other", True))])])
@example([("", [("title", ('a "quoted", \\escaped; value', True))])])
def test_links_read_back_as_written(
    written: list[tuple[str, list[tuple[str, tuple[str, bool]]]]],
) -> None:
    found, errors = _parse_link_header(_header(written))
    assert errors == []
    assert [(link.target, link.params) for link in found] == _expected(written)


@given(st.lists(links, min_size=1, max_size=3), st.sampled_from(("junk", "x=y", "<a> junk", ";;")))
def test_junk_between_links_loses_none(
    parts: list[list[tuple[str, list[tuple[str, tuple[str, bool]]]]]], junk: str
) -> None:
    value = f", {junk}, ".join(_header(p) for p in parts)
    found, errors = _parse_link_header(value)
    assert [(link.target, link.params) for link in found] == [
        e for p in parts for e in _expected(p)
    ]
    assert len(errors) == len(parts) - 1


# --------------------------------------------------------------------------
# 2. Detection
# --------------------------------------------------------------------------


def _check(finding: LicenseFinding) -> None:
    assert len(finding.evidence) <= MAX_EVIDENCE
    assert len(finding.errors) <= 22  # MAX_ERRORS, "N more errors", "N more declarations"
    if finding.license_url is not None:
        assert urlsplit(finding.license_url).scheme in ("http", "https")
    deciding = [
        e for e in finding.evidence if e.strength is Strength.STRONG and e.scope in PAGE_SCOPES
    ]
    if finding.strength is Strength.STRONG:
        assert any(e.spdx == finding.license and e.url == finding.license_url for e in deciding)
    else:
        assert finding.license is None and finding.license_url is None
        assert (finding.strength is None) == (not finding.evidence)
    assert all(link.startswith(("http://", "https://")) for link in finding.rsl_links)


@given(
    st.lists(
        st.builds(
            lambda url, rel, kind, anchor: f"<{url}>; rel={rel}{kind}{anchor}",
            licence_urls,
            st.sampled_from(("license", '"license nofollow"', "LICENSE", "alternate")),
            st.sampled_from(("", '; type="application/rsl+xml"', "; type=text/html")),
            st.sampled_from(
                ("", '; anchor="#x"', '; anchor="https://other.example/"', '; anchor=""')
            ),
        ).map(str)
        | any_text,
        max_size=4,
    )
)
def test_link_headers_alone(headers: list[str]) -> None:
    finding = detect_licenses(None, url=PAGE, link_headers=headers)
    _check(finding)
    assert all(
        e.source == "header:Link" and e.scope in (Scope.HEADER, Scope.OTHER)
        for e in finding.evidence
    )
    if finding.license is not None:
        assert finding.license == spdx_id(finding.license_url or "")


@given(
    mutated(HTML, max_mutations=2),
    st.lists(licence_urls.map(lambda u: f'<{u}>; rel="license"'), max_size=2),
)
def test_any_page_gives_a_bounded_finding(body: bytes, headers: list[str]) -> None:
    _check(detect_licenses(html_root(body, PAGE), url=PAGE, link_headers=headers))


# --------------------------------------------------------------------------
# 3. Hostile inputs
# --------------------------------------------------------------------------


def test_megabyte_link_headers() -> None:
    found, errors = _parse_link_header(hostile.link_header())
    # Each unclosed "<x" swallows the next link while the parser looks for its ">".
    assert found and all(link.target == "https://example.com/l" for link in found)
    assert len(errors) > 10_000
    assert _parse_link_header(hostile.commas()) == ([], [])
    assert _parse_link_header("<" + "a" * hostile.MB)[0] == []
    finding = detect_licenses(None, url=PAGE, link_headers=[hostile.link_header()])
    assert finding.evidence == () and finding.errors == (
        "Link header: 1,048,576 characters, over the 8,192 limit",
    )
    many = [
        f'<https://creativecommons.org/licenses/by/4.0/?{i}>; rel="license"' for i in range(150)
    ]
    finding = detect_licenses(None, url=PAGE, link_headers=many)
    assert finding.license == "CC-BY-4.0" and len(finding.evidence) == MAX_EVIDENCE


def test_hostile_pages() -> None:
    for build in hostile.INPUTS.values():
        _check(detect_licenses(html_root(build(), PAGE), url=PAGE))
    links = "".join(f'<a rel="license" href="/l{i}">l</a>' for i in range(hostile.LINES // 10))
    finding = detect_licenses(
        html_root(f"<html><body>{links}</body></html>".encode(), PAGE), url=PAGE
    )
    _check(finding)
    assert "9800 more rel=license links than 200: not read" in finding.errors
