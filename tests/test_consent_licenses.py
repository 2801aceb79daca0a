"""Tests of crawler.consent.licenses (licence declarations on pages).

1. SIGNALS.md section 10 test vectors.
2. Each source, with its strength and scope.
3. HTTP Link header grammar (RFC 8288).
4. The conflict rule.
5. Bad input: bounded, recorded, never raises (its time: benchmarks/hostile_input.py).
6. Real pages (tests/data/licenses/realweb, copied from ../shared/realweb/licences with their
   MANIFEST.md, and tests/data/realweb/{html,headers}), read and written down by hand.

Pages are parsed as the crawler parses them: ``HtmlResponse(...).selector.root``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from crawler.consent import structured
from crawler.consent.licenses import (
    MAX_EVIDENCE,
    PAGE_SCOPES,
    LicenseEvidence,
    LicenseFinding,
    Scope,
    Strength,
    detect_licenses,
    image_finding,
)
from crawler.consent.spdx import MAX_URL

from .vectors import read_headers_file

DATA = Path(__file__).parent / "data"
LICENCE_PAGES = DATA / "licenses" / "realweb"
REALWEB = DATA / "realweb"
PAGE = "https://site.test/blog/post.html"
CC = "https://creativecommons.org"
STRONG, WEAK = Strength.STRONG, Strength.WEAK
HEADER, HEAD, JSON_PAGE, MAIN, CHROME, IMAGE, OTHER = (
    Scope.HEADER,
    Scope.HEAD,
    Scope.PAGE,
    Scope.MAIN,
    Scope.CHROME,
    Scope.IMAGE,
    Scope.OTHER,
)


def root_of(body: str | bytes, url: str = PAGE) -> etree._Element:
    data = body.encode("utf-8") if isinstance(body, str) else body
    root: etree._Element = HtmlResponse(url, body=data, encoding="utf-8").selector.root
    return root


def detect(body: str | bytes, headers: tuple[str, ...] = (), url: str = PAGE) -> LicenseFinding:
    return detect_licenses(root_of(body, url), url=url, link_headers=headers)


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head><title>t</title>{head}</head><body>{body}</body></html>"


def jsonld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def rows(finding: LicenseFinding) -> list[tuple[str, str | None, Strength, Scope]]:
    return [(e.source, e.spdx, e.strength, e.scope) for e in finding.evidence]


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 10
# --------------------------------------------------------------------------


def test_vector_1_link_rel_license() -> None:
    url = f"{CC}/licenses/by-nc-sa/4.0/"
    found = detect(page(f'<link rel="license" href="{url}">'))
    assert (found.license, found.license_url, found.strength) == ("CC-BY-NC-SA-4.0", url, STRONG)
    assert rows(found) == [("link[rel=license]", "CC-BY-NC-SA-4.0", STRONG, HEAD)]


def test_vector_2_link_header() -> None:
    header = f'<{CC}/publicdomain/zero/1.0/>; rel="license"'
    found = detect(page(), (header,))
    assert (found.license, found.strength) == ("CC0-1.0", STRONG)
    assert rows(found) == [("header:Link", "CC0-1.0", STRONG, HEADER)]


def test_vector_3_json_ld() -> None:
    data = {"@context": "https://schema.org", "@type": "Article"}
    data["license"] = "http://creativecommons.org/licenses/by/3.0/deed.de"
    found = detect(page(jsonld(data)))
    assert (found.license, found.strength) == ("CC-BY-3.0", STRONG)
    assert found.license_url == "http://creativecommons.org/licenses/by/3.0/deed.de"
    assert rows(found) == [("json-ld:license", "CC-BY-3.0", STRONG, JSON_PAGE)]


@pytest.mark.parametrize(
    ("body", "scope"),
    [
        # A credit line under a picture: the image's, and weak.
        (
            (
                '<figure><img src="/p.jpg"><figcaption>Photo: A. B., '
                f'<a href="{CC}/licenses/by/4.0/">CC BY 4.0</a></figcaption></figure>'
            ),
            IMAGE,
        ),
        (f'<p><img src="/p.jpg"> Photo <a href="{CC}/licenses/by/4.0/">CC BY</a></p>', MAIN),
        (f'<a href="{CC}/licenses/by/4.0/"><img src="/photo.jpg" alt="Sunset"></a>', IMAGE),
    ],
)
def test_vector_4_bare_link_near_an_image_is_weak(body: str, scope: Scope) -> None:
    found = detect(page(body=body))
    assert (found.license, found.license_url, found.strength) == (None, None, WEAK)
    assert rows(found) == [("a[href]", "CC-BY-4.0", WEAK, scope)]


def test_vector_5_rsl_link_header_is_no_spdx_licence() -> None:
    header = '</license.xml>; rel="license"; type="application/rsl+xml"'
    found = detect(page(), (header,))
    assert found.rsl_links == ("https://site.test/license.xml",)
    assert (found.license, found.strength, found.evidence) == (None, None, ())


# --------------------------------------------------------------------------
# 2. Sources, strengths and scopes
# --------------------------------------------------------------------------

BY = f"{CC}/licenses/by/4.0/"
BADGE = (
    '<img alt="Creative Commons License" src="https://i.creativecommons.org/l/by/4.0/88x31.png">'
)

SOURCES = {
    "link-rel-token-list": (
        page(f'<link rel="alternate LICENSE" href="{BY}">'),
        [("link[rel=license]", "CC-BY-4.0", STRONG, HEAD)],
    ),
    "link-rel-not-a-token": (page(f'<link rel="licenses" href="{BY}">'), []),
    "link-rel-without-href": (page('<link rel="license">'), []),
    "a-rel-main": (
        page(body=f'<main><p>Text under <a rel="license" href="{BY}">CC BY</a>.</p></main>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "a-rel-body": (
        page(body=f'<div><a rel="license nofollow" href="{BY}">CC BY</a></div>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "a-rel-footer": (
        page(body=f'<footer><a rel="license" href="{BY}">CC BY</a></footer>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    "a-rel-aside": (
        page(body=f'<aside><a rel="license" href="{BY}">CC BY</a></aside>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    # <main> wrapping the whole page, footer included (flowfx.de): still the page's footer.
    "a-rel-footer-in-main": (
        page(
            body=f'<div role="main"><p>x</p><footer><a rel="license" href="{BY}">CC</a></footer></div>'
        ),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    "a-rel-section-footer": (
        page(body=f'<section><footer><a rel="license" href="{BY}">CC</a></footer></section>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "a-rel-nav-role": (
        page(body=f'<div role="contentinfo"><a rel="license" href="{BY}">CC</a></div>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    "a-rel-footer-by-id": (
        page(body=f'<div id="footer"><p><a rel="license" href="{BY}">CC</a></p></div>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    # An article's own footer is the article's: content, not chrome.
    "a-rel-article-footer": (
        page(body=f'<article><footer><a rel="license" href="{BY}">CC</a></footer></article>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "a-rel-figure": (
        page(body=f'<figure><img src="/a.jpg"><a rel="license" href="{BY}">CC</a></figure>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    "a-rel-picture": (
        page(body=f'<picture><a rel="license" href="{BY}"><img src="/a.jpg"></a></picture>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    "a-rel-only-an-image": (
        page(body=f'<p><a rel="license" href="{BY}"><img src="/photo.jpg" alt="x"></a></p>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    # The Creative Commons chooser's badge declares the page's licence.
    "a-rel-badge": (
        page(body=f'<footer><a rel="license" href="{BY}">{BADGE}</a></footer>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    "a-rel-badge-by-class": (
        page(body=f'<p><a rel="license" class="cc-license" href="{BY}"><img src="/i.png"></a></p>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "a-rel-image-and-text": (
        page(body=f'<p><a rel="license" href="{BY}"><img src="/photo.jpg"> CC BY</a></p>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "area-rel": (
        page(body=f'<map name="m"><area rel="license" href="{BY}" shape="rect"></map>'),
        [("area[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    # RDFa about another resource: that resource's licence.
    "a-rel-about-other": (
        page(body=f'<div about="/photo.jpg"><a rel="license" href="{BY}">CC</a></div>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, OTHER)],
    ),
    "a-rel-about-this-page": (
        page(body=f'<div about=""><a rel="license" href="{BY}">CC</a></div>'),
        [("a[rel=license]", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "relative-licence-url": (
        page('<link rel="license" href="../terms/licence.html">'),
        [("link[rel=license]", None, STRONG, HEAD)],
    ),
    "json-ld-creative-work": (
        page(jsonld({"@type": "BlogPosting", "license": {"@type": "CreativeWork", "url": BY}})),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-id": (
        page(jsonld({"@type": "Dataset", "license": {"@id": BY}})),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-spdx-name": (
        page(jsonld({"@type": "SoftwareSourceCode", "license": "MIT"})),
        [("json-ld:license", "MIT", STRONG, JSON_PAGE)],
    ),
    "json-ld-free-text": (
        page(jsonld({"@type": "Article", "license": {"@type": "CreativeWork", "name": "CC BY"}})),
        [("json-ld:license", None, STRONG, JSON_PAGE)],
    ),
    "json-ld-list": (
        page(jsonld([{"@type": "WebPage", "license": BY}])),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-graph": (
        page(jsonld({"@graph": [{"@type": "WebSite"}, {"@type": "WebPage", "license": BY}]})),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-main-entity": (
        page(jsonld({"@type": "WebPage", "mainEntity": {"@type": "Article", "license": BY}})),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-prefixed-key": (
        page(jsonld({"@type": "Article", "schema:license": BY})),
        [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "json-ld-image-object": (
        page(jsonld({"@type": "ImageObject", "contentUrl": "/a.jpg", "license": BY})),
        [("json-ld:license", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    "json-ld-article-image": (
        page(jsonld({"@type": "Article", "image": {"@type": "ImageObject", "license": BY}})),
        [("json-ld:license", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    "json-ld-associated-media": (
        page(jsonld({"@type": "Article", "associatedMedia": [{"license": BY}]})),
        [("json-ld:license", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    "json-ld-part": (
        page(jsonld({"@type": "Article", "isPartOf": {"@type": "Periodical", "license": BY}})),
        [("json-ld:license", "CC-BY-4.0", STRONG, OTHER)],
    ),
    # Other properties are not followed: a review's licence is not the page's evidence.
    "json-ld-unrelated-nesting": (
        page(jsonld({"@type": "Product", "review": {"@type": "Review", "license": BY}})),
        [],
    ),
    "microdata-url": (
        page(
            body='<article itemscope itemtype="https://schema.org/Article">'
            f'<link itemprop="license" href="{BY}"><p itemprop="articleBody">x</p></article>'
        ),
        [("microdata:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "microdata-creative-work": (
        page(
            body='<div itemscope itemtype="https://schema.org/WebPage">'
            '<div itemprop="license" itemscope itemtype="https://schema.org/CreativeWork">'
            f'<a itemprop="url" href="{BY}">CC BY</a></div></div>'
        ),
        [("microdata:license", "CC-BY-4.0", STRONG, JSON_PAGE)],
    ),
    "microdata-image": (
        page(
            body='<div itemscope itemtype="https://schema.org/Article">'
            '<div itemprop="image" itemscope itemtype="https://schema.org/ImageObject">'
            '<link itemprop="license" href="/image-licence"></div></div>'
        ),
        [("microdata:license", None, STRONG, IMAGE)],
    ),
    "rdfa-schema-vocab": (
        page(
            body='<article vocab="https://schema.org/" typeof="Article">'
            f'<a property="license" href="{BY}">CC BY</a></article>'
        ),
        [("rdfa:license", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "rdfa-cc-curie": (
        page(
            body='<p xmlns:cc="http://creativecommons.org/ns#">'
            f'<a rel="cc:license" href="{CC}/publicdomain/zero/1.0/">CC0</a></p>'
        ),
        [("rdfa:license", "CC0-1.0", STRONG, MAIN)],
    ),
    "rdfa-dcterms-meta": (
        page(f'<meta property="dcterms:license" content="{BY}">'),
        [("rdfa:license", "CC-BY-4.0", STRONG, HEAD)],
    ),
    "rdfa-full-iri": (
        page(body=f'<a rel="http://creativecommons.org/ns#license" href="{BY}">x</a>'),
        [("rdfa:license", "CC-BY-4.0", STRONG, MAIN)],
    ),
    "rdfa-image-object": (
        page(
            body='<div vocab="https://schema.org/" typeof="ImageObject">'
            f'<link property="license" href="{BY}"></div>'
        ),
        [("rdfa:license", "CC-BY-4.0", STRONG, IMAGE)],
    ),
    # A prefix RDFa's initial context does not define: no licence term, a bare link.
    "rdfa-unknown-prefix": (
        page(body=f'<a rel="foo:license" href="{BY}">x</a>'),
        [("a[href]", "CC-BY-4.0", WEAK, MAIN)],
    ),
    "meta-dcterms-license": (
        page(f'<meta name="dcterms.license" content="{BY}">'),
        [("meta:dcterms.license", "CC-BY-4.0", STRONG, HEAD)],
    ),
    "meta-dcterms-license-colon": (
        page(f'<meta name="DCTERMS:License" content="{BY}">'),
        [("meta:dcterms.license", "CC-BY-4.0", STRONG, HEAD)],
    ),
    "meta-dc-license-spdx-id": (
        page('<meta name="dc.license" content="CC-BY-SA-4.0">'),
        [("meta:dc.license", "CC-BY-SA-4.0", STRONG, HEAD)],
    ),
    "meta-dc-rights-url": (
        page(f'<meta name="DC.rights" content="{BY}">'),
        [("meta:dc.rights", "CC-BY-4.0", STRONG, HEAD)],
    ),
    "meta-dc-rights-text": (
        page('<meta name="dc.rights" content="© 2020 Publisher. All rights reserved.">'),
        [("meta:dc.rights", None, WEAK, HEAD)],
    ),
    "meta-other-names": (
        page('<meta name="dc.rights.rightsHolder" content="A. B."><meta name="copyright" c="x">'),
        [],
    ),
    "bare-link-footer": (
        page(
            body=f'<footer>Content under <a href="{CC}/licenses/by-sa/4.0/">CC BY-SA</a></footer>'
        ),
        [("a[href]", "CC-BY-SA-4.0", WEAK, CHROME)],
    ),
    "bare-link-other-steward": (
        page(body='<p>Code: <a href="https://www.gnu.org/licenses/gpl-3.0.html">GPLv3</a></p>'),
        [("a[href]", "GPL-3.0-only", WEAK, MAIN)],
    ),
    "bare-link-not-a-licence": (
        page(body=f'<p><a href="{CC}/about/">About CC</a> <a href="{CC}/licenses/">x</a></p>'),
        [],
    ),
    "link-rel-about-other": (
        page(body=f'<div about="/photo.jpg"><p>x</p><link rel="license" href="{BY}"></div>'),
        [("link[rel=license]", "CC-BY-4.0", STRONG, OTHER)],
    ),
    "base-href": (
        page(
            '<base href="https://creativecommons.org/licenses/"><link rel=license href="by/4.0/">'
        ),
        [("link[rel=license]", "CC-BY-4.0", STRONG, HEAD)],
    ),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_source(name: str) -> None:
    html, expected = SOURCES[name]
    found = detect(html)
    assert rows(found) == expected
    assert found.errors == ()
    deciding = [e for e in found.evidence if e.strength is STRONG and e.scope in PAGE_SCOPES]
    if deciding:
        assert found.strength is STRONG
        assert (found.license, found.license_url) == (deciding[0].spdx, deciding[0].url)
    else:
        assert found.license is None and found.license_url is None
        assert found.strength is (WEAK if expected else None)


def test_evidence_keeps_the_value_as_written_and_the_resolved_url() -> None:
    found = detect(page('<link rel="license" href="//creativecommons.org/licenses/by-sa/3.0/">'))
    (piece,) = found.evidence
    assert piece.value == "//creativecommons.org/licenses/by-sa/3.0/"
    assert piece.url == found.license_url == "https://creativecommons.org/licenses/by-sa/3.0/"


def test_unrecognised_licence_url_is_kept_verbatim() -> None:
    found = detect(page('<link rel="license" href="/terms/ai-licence">'))
    assert found.license is None
    assert found.license_url == "https://site.test/terms/ai-licence"
    assert found.strength is STRONG


def test_identical_declarations_are_kept_once() -> None:
    body = f'<footer><a rel="license" href="{BY}">{BADGE}</a> <a rel="license" href="{BY}">CC</a>'
    assert len(detect(page(body=body)).evidence) == 1


def test_evidence_order_is_header_head_page_main_chrome() -> None:
    html = page(
        f'<link rel="license" href="{BY}">' + jsonld({"@type": "Article", "license": BY}),
        f'<footer><a rel="license" href="{BY}">CC</a></footer>'
        f'<main><a rel="license" href="{BY}">CC</a></main>',
    )
    found = detect(html, (f'<{BY}>; rel="license"',))
    assert [e.scope for e in found.evidence] == [HEADER, HEAD, JSON_PAGE, MAIN, CHROME]


def test_link_headers_resolve_against_the_page_and_html_against_its_base() -> None:
    html = page('<base href="https://cdn.test/docs/"><link rel="license" href="licence.html">')
    found = detect(html, ('<licence.html>; rel="license"',))
    assert [e.url for e in found.evidence] == [
        "https://site.test/blog/licence.html",
        "https://cdn.test/docs/licence.html",
    ]


def test_rsl_discovery_in_html() -> None:
    html = page(
        '<link rel="license" type="application/rsl+xml" href="/license.xml">'
        '<link rel="license" type="Application/RSL+XML; charset=utf-8" href="https://o.test/r">'
        '<script type="application/rsl+xml"><rsl xmlns="https://rslstandard.org/rsl"/></script>'
    )
    found = detect(html, ('</license.xml>; rel="license"; type="application/rsl+xml"',))
    assert found.rsl_links == ("https://site.test/license.xml", "https://o.test/r")
    assert found.rsl_inline == ('<rsl xmlns="https://rslstandard.org/rsl"/>',)
    assert (found.evidence, found.license, found.errors) == ((), None, ())


def test_no_html_reads_the_headers_only() -> None:
    found = detect_licenses(None, url=PAGE, link_headers=[f"<{BY}>; rel=license".encode()])
    assert (found.license, rows(found)) == (
        "CC-BY-4.0",
        [("header:Link", "CC-BY-4.0", STRONG, HEADER)],
    )
    assert detect_licenses(None, url=PAGE, link_headers=[]) == LicenseFinding()


def test_detection_does_not_change_the_tree() -> None:
    html = page(jsonld({"@type": "Article", "license": BY}), f'<a rel="license" href="{BY}">x</a>')
    root = root_of(html)
    before = etree.tostring(root)
    assert detect_licenses(root, url=PAGE, link_headers=()).license == "CC-BY-4.0"
    assert etree.tostring(root) == before


# --------------------------------------------------------------------------
# 3. Link header grammar (RFC 8288)
# --------------------------------------------------------------------------

LINK_HEADERS = {
    "quoted-rel": ((f'<{BY}>; rel="license"',), ["CC-BY-4.0"], (), 0),
    "unquoted-rel": ((f"<{BY}>;rel=license",), ["CC-BY-4.0"], (), 0),
    "rel-case-and-list": ((f'<{BY}> ; REL = "alternate License"',), ["CC-BY-4.0"], (), 0),
    "other-rel": ((f'<{BY}>; rel="canonical"',), [], (), 0),
    "no-rel": ((f"<{BY}>; title=licence",), [], (), 0),
    # Only the first rel counts (RFC 8288 section 3.3).
    "second-rel-ignored": ((f'<{BY}>; rel="canonical"; rel="license"',), [], (), 0),
    "several-links": (
        (f'</a>; rel="preload", <{BY}>; rel="license", <{CC}/licenses/by-sa/4.0/>; rel=license',),
        ["CC-BY-4.0", "CC-BY-SA-4.0"],
        (),
        0,
    ),
    "several-headers": (
        (f"<{BY}>; rel=license", f"<{CC}/publicdomain/zero/1.0/>; rel=license"),
        ["CC-BY-4.0", "CC0-1.0"],
        (),
        0,
    ),
    "comma-in-uri-and-quotes": (
        (f'</x,y>; rel="next"; title="a, b; c", <{BY}>; rel="license"',),
        ["CC-BY-4.0"],
        (),
        0,
    ),
    "escaped-quote": ((f'<{BY}>; title="say \\"hi\\""; rel="license"',), ["CC-BY-4.0"], (), 0),
    "relative-uri": (("</licence>; rel=license",), [None], (), 0),
    "type-html-is-a-licence": ((f'<{BY}>; rel="license"; type="text/html"',), ["CC-BY-4.0"], (), 0),
    "rsl-quoted": (
        ('</rsl.xml>; rel="license"; type="application/rsl+xml"',),
        [],
        ("https://site.test/rsl.xml",),
        0,
    ),
    "rsl-unquoted": (
        ("<https://lic.test/rsl.xml>; rel=license; type=application/rsl+xml",),
        [],
        ("https://lic.test/rsl.xml",),
        0,
    ),
    "rsl-needs-rel-license": (
        ('</rsl.xml>; rel="alternate"; type="application/rsl+xml"',),
        [],
        (),
        0,
    ),
    "empty": (("", " , ,"), [], (), 0),
    # Errors: the broken link-value is skipped, the rest still read.
    "no-angle-brackets": ((f"{BY}; rel=license",), [], (), 1),
    "unclosed-bracket": ((f"<{BY}; rel=license",), [], (), 1),
    "junk-then-good": ((f'garbage, <{BY}>; rel="license"',), ["CC-BY-4.0"], (), 1),
    "bad-param-then-good": ((f'</a>; rel="x" junk, <{BY}>; rel="license"',), ["CC-BY-4.0"], (), 1),
    "unclosed-quote": ((f'<{BY}>; rel="license',), [], (), 1),
}


@pytest.mark.parametrize("name", sorted(LINK_HEADERS))
def test_link_header(name: str) -> None:
    headers, spdx, rsl, errors = LINK_HEADERS[name]
    found = detect(page(), headers)
    assert [e.spdx for e in found.evidence] == spdx
    assert all(e.source == "header:Link" and e.scope is HEADER for e in found.evidence)
    assert found.rsl_links == rsl
    assert len(found.errors) == errors
    assert all(e.startswith("Link header") for e in found.errors)


@pytest.mark.parametrize(
    ("anchor", "scope"),
    [('""', HEADER), (f'"{PAGE}"', HEADER), ('"#photo"', OTHER), ('"/img/photo.jpg"', OTHER)],
)
def test_link_header_anchor(anchor: str, scope: Scope) -> None:
    found = detect(page(), (f'<{BY}>; rel="license"; anchor={anchor}',))
    assert rows(found) == [("header:Link", "CC-BY-4.0", STRONG, scope)]
    assert found.license == ("CC-BY-4.0" if scope is HEADER else None)


def test_real_link_headers() -> None:
    # davidtofan.com sends the same Link header on "/" and every article: an HTML licence page
    # (an AI licensing terms page, no SPDX id) and an RSL document.
    blocks = dict(
        read_headers_file((REALWEB / "headers" / "davidtofan.com-_headers.txt").read_text())
    )
    for path in ("/", "/articles/*"):
        links = [value for name, value in blocks[path] if name == "link"]
        found = detect_licenses(None, url="https://davidtofan.com/", link_headers=links)
        assert rows(found) == [("header:Link", None, STRONG, HEADER)]
        assert found.license_url == "https://davidtofan.com/ai-licensing-terms/"
        assert found.rsl_links == ("https://davidtofan.com/rsl.xml",)
        assert (found.license, found.errors) == (None, ())


# --------------------------------------------------------------------------
# 4. The conflict rule
# --------------------------------------------------------------------------


def link(url: str) -> str:
    return f'<link rel="license" href="{url}">'


def a_rel(url: str, where: str = "main") -> str:
    return f'<{where}><a rel="license" href="{url}">licence</a></{where}>'


CONFLICTS = {
    "agree": (link(BY) + a_rel(f"{BY}deed.en"), "CC-BY-4.0", BY, None),
    "nc-over-by": (
        link(BY) + a_rel(f"{CC}/licenses/by-nc/4.0/"),
        "CC-BY-NC-4.0",
        f"{CC}/licenses/by-nc/4.0/",
        "CC-BY-NC-4.0 over CC-BY-4.0",
    ),
    "nd-over-nc-sa": (
        a_rel(f"{CC}/licenses/by-nc-sa/4.0/") + a_rel(f"{CC}/licenses/by-nd/4.0/", "footer"),
        "CC-BY-ND-4.0",
        f"{CC}/licenses/by-nd/4.0/",
        "CC-BY-ND-4.0 over CC-BY-NC-SA-4.0",
    ),
    "sa-over-by": (
        link(f"{CC}/licenses/by-sa/4.0/") + a_rel(BY),
        "CC-BY-SA-4.0",
        f"{CC}/licenses/by-sa/4.0/",
        "CC-BY-SA-4.0 over CC-BY-4.0",
    ),
    "by-over-cc0": (
        link(f"{CC}/publicdomain/zero/1.0/") + a_rel(BY),
        "CC-BY-4.0",
        BY,
        "CC-BY-4.0 over CC0-1.0",
    ),
    # Equally restrictive: the first in evidence order (head before body).
    "versions-tie": (
        a_rel(f"{CC}/licenses/by/3.0/") + link(BY),
        "CC-BY-4.0",
        BY,
        "CC-BY-4.0 over CC-BY-3.0",
    ),
    # An unrecognised licence's terms are unknown: most restrictive.
    "unrecognised-wins": (
        link(BY) + a_rel("https://licences.example/custom"),
        None,
        "https://licences.example/custom",
        "unrecognised https://licences.example/custom over CC-BY-4.0",
    ),
    # A copy of the licence text whose link names the same licence restates it (Wikipedia).
    "copy-of-the-text-restates": (
        link(f"{CC}/licenses/by-sa/3.0/")
        + '<footer><a rel="license" href="/wiki/Text_of_the_licence">Creative Commons '
        "Attribution-ShareAlike License</a></footer>",
        "CC-BY-SA-3.0",
        f"{CC}/licenses/by-sa/3.0/",
        None,
    ),
    # ... but a link that names another licence is other terms: the rule still applies.
    "copy-naming-another-licence": (
        link(BY) + '<footer><a rel="license" href="https://site.test/terms">Creative Commons '
        "Attribution-NonCommercial 4.0</a></footer>",
        None,
        "https://site.test/terms",
        "unrecognised https://site.test/terms over CC-BY-4.0",
    ),
    # Image-scope and weak evidence never conflict with the page's.
    "image-does-not-conflict": (
        link(BY) + f'<figure><a rel="license" href="{CC}/licenses/by-nc-nd/4.0/">x</a></figure>',
        "CC-BY-4.0",
        BY,
        None,
    ),
    "weak-does-not-conflict": (
        link(BY) + f'<footer><a href="{CC}/licenses/by-nc-nd/4.0/">x</a></footer>',
        "CC-BY-4.0",
        BY,
        None,
    ),
}


# A licence link with no SPDX id to the page's own site beside a recognised licence: that
# licence's additional terms. (body, licence, licence URL, terms, conflict rule's note)
OWN_TERMS = {
    "same-host": (
        link(BY) + a_rel("/terms"),
        "CC-BY-4.0",
        ("https://site.test/terms",),
    ),
    "www-aside": (
        link(BY) + a_rel("https://www.site.test/attribution"),
        "CC-BY-4.0",
        ("https://www.site.test/attribution",),
    ),
    "two-recognised-and-terms": (
        link(BY) + a_rel(f"{CC}/licenses/by-nc/4.0/") + a_rel("/terms"),
        "CC-BY-NC-4.0",
        ("https://site.test/terms",),
    ),
    # Another site's page is a licence of its own (most restrictive: it wins).
    "other-site": (link(BY) + a_rel("https://cdn.example/terms"), None, ()),
    "subdomain-is-another-site": (link(BY) + a_rel("https://shop.site.test/terms"), None, ()),
    # No recognised licence beside it: the site's page is the licence.
    "alone": (a_rel("/terms"), None, ()),
}


@pytest.mark.parametrize("name", sorted(OWN_TERMS))
def test_own_site_terms_beside_a_licence(name: str) -> None:
    html, spdx, terms = OWN_TERMS[name]
    found = detect(page(body=html))
    assert (found.license, found.terms) == (spdx, terms)
    if terms:
        assert found.conflict is not None
        assert found.conflict.startswith(f"additional terms beside {spdx}: {terms[0]} ")


def test_stackoverflow_blog_records_cc_by_sa_with_its_attribution_terms() -> None:
    found = detect(
        (LICENCE_PAGES / "stackoverflow.blog.rust.html").read_bytes(),
        url=REAL_PAGES["stackoverflow.blog.rust.html"][0],
    )
    assert (found.license, found.license_url) == (
        "CC-BY-SA-4.0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    )
    assert found.terms == ("https://stackoverflow.blog/2009/06/25/attribution-required/",)


@pytest.mark.parametrize("name", sorted(CONFLICTS))
def test_conflict_rule(name: str) -> None:
    html, spdx, url, conflict = CONFLICTS[name]
    found = detect(page(body=html))
    assert (found.license, found.license_url, found.strength) == (spdx, url, STRONG)
    if conflict is None:
        assert found.conflict is None
    else:
        assert found.conflict == f"most restrictive wins: {conflict}"


def test_header_and_structured_data_conflict() -> None:
    html = page(jsonld({"@type": "Article", "license": f"{CC}/licenses/by-nc/4.0/"}))
    found = detect(html, (f"<{BY}>; rel=license",))
    assert found.license == "CC-BY-NC-4.0"
    assert found.conflict == "most restrictive wins: CC-BY-NC-4.0 over CC-BY-4.0"


# --------------------------------------------------------------------------
# 5. Bad input
# --------------------------------------------------------------------------


def detect_tree(root: etree._Element, headers: tuple[str, ...] = ()) -> LicenseFinding:
    return detect_licenses(root, url=PAGE, link_headers=headers)


def script(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


GOOD = f'<link rel="license" href="{BY}">'
LICENSED = json.dumps({"@type": "Article", "license": BY})
HUGE = "20 MB"  # built in the test, not at collection


@pytest.mark.parametrize(
    ("block", "error"),
    [
        ('{"@type": "Article", "license": ,,, }}', "JSON-LD block 1: malformed JSON"),
        ('"license: CC BY"', "JSON-LD block 1: not a JSON object"),
        ('["license", 1, null]', None),  # a list of no objects: nothing to read, no error
        ("[" * 10_000 + '"license"' + "]" * 10_000, "nested deeper than 64 levels"),
        ('{"license": ' * 10_000 + "1" + "}" * 10_000, "nested deeper than 64 levels"),
        (HUGE, "over the limit"),
    ],
    ids=["malformed", "string", "list-of-scalars", "deep-list", "deep-object", "20MB"],
)
def test_bad_json_ld(block: str, error: str | None) -> None:
    if block == HUGE:
        block = json.dumps({"@type": "Article", "license": BY, "x": "y" * 20_000_000})
    root = root_of(page(script(block) + GOOD))
    found = detect_tree(root)
    assert found.license == "CC-BY-4.0"  # from the sound evidence that remains
    assert rows(found) == [("link[rel=license]", "CC-BY-4.0", STRONG, HEAD)]
    if error is None:
        assert found.errors == ()
    else:
        assert len(found.errors) == 1 and error in found.errors[0]


def test_one_bad_block_hides_no_other() -> None:
    found = detect(page(script('{"license": [[[') + script(LICENSED)))
    assert rows(found) == [("json-ld:license", "CC-BY-4.0", STRONG, JSON_PAGE)]
    assert found.license == "CC-BY-4.0" and len(found.errors) == 1


def test_json_ld_without_licence_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed a block without 'license'")

    monkeypatch.setattr("extruct.jsonld.JsonLdExtractor.extract_items", fail)
    found = detect(page(script('{"@type": "Article", "headline": "x"}') + GOOD))
    assert found.license == "CC-BY-4.0"


def test_deep_structures_are_followed_a_bounded_depth() -> None:
    nested: dict[str, object] = {"@type": "Article", "license": BY}
    for _ in range(30):
        nested = {"@type": "WebPage", "mainEntity": nested}
    found = detect_tree(root_of(page(jsonld(nested))))
    assert (found.evidence, found.license) == ((), None)


def test_many_nodes_are_bounded() -> None:
    items = [{"@type": "Article", "hasPart": [{"license": BY}] * 10} for _ in range(500)]
    found = detect_tree(root_of(page(jsonld(items))))
    assert rows(found) == [("json-ld:license", "CC-BY-4.0", STRONG, OTHER)]
    assert found.errors and "structured-data nodes" in found.errors[0]


BAD_URLS = [
    ("javascript:alert(1)", "scheme 'javascript'"),
    ("data:text/html,hi", "scheme 'data'"),
    ("mailto:x@site.test", "scheme 'mailto'"),
    ("ftp://creativecommons.org/licenses/by/4.0/", "scheme 'ftp'"),
    ("https://creativecommons.org/licenses/by 4.0/", "spaces"),
    ("https://creativecommons.org/licenses/by/4.0/?" + "x" * 5000, "over the 2,048 limit"),
    ("http://[::1/x", "not a URL"),
]


@pytest.mark.parametrize(("url", "why"), BAD_URLS)
@pytest.mark.parametrize(
    "template",
    [
        '<link rel="license" href="{url}">',
        '<main><a rel="license" href="{url}">x</a></main>',
        '<meta name="dcterms.license" content="{url}">',
        '<script type="application/ld+json">{{"@type": "Article", "license": "{url}"}}</script>',
    ],
    ids=["link", "a", "meta", "json-ld"],
)
def test_bad_licence_urls_are_errors_not_evidence(template: str, url: str, why: str) -> None:
    found = detect_tree(root_of(page(template.format(url=url))))
    assert (found.license, found.license_url, found.evidence) == (None, None, ())
    assert len(found.errors) == 1 and why in found.errors[0]
    # With a sound declaration beside it, that one decides.
    found = detect_tree(root_of(page(template.format(url=url) + GOOD)))
    assert found.license == "CC-BY-4.0" and found.conflict is None


def test_tabs_and_newlines_inside_a_url_are_dropped() -> None:
    found = detect(
        page('<link rel="license" href=" https://creativecommons.org/licen\n\tses/by/4.0/ ">')
    )
    assert found.license == "CC-BY-4.0" and found.errors == ()


@pytest.mark.parametrize(
    "header",
    [
        "<" + "x" * 10_000 + ">; rel=license",
        "<" * 5000,
        '"' * 5000,
        ";" * 5000,
        "<a>; rel=license; " + "p=1; " * 1500,
        "\x00\xff<>; rel=\x00",
    ],
    ids=["long", "brackets", "quotes", "semicolons", "many-params", "control"],
)
def test_bad_link_headers_never_raise(header: str) -> None:
    found = detect_tree(root_of(page(GOOD)), (header,))
    assert found.license == "CC-BY-4.0"
    assert len(found.errors) <= 21


def test_many_declarations_are_bounded() -> None:
    links = "".join(f'<a rel="license" href="https://site.test/l/{i}">x</a>' for i in range(5000))
    found = detect_tree(root_of(page(body=links)))
    assert len(found.evidence) == MAX_EVIDENCE
    assert found.errors == (
        "4800 more rel=license links than 200: not read",
        f"{200 - MAX_EVIDENCE} more licence declarations not kept",
    )
    assert found.license is None and found.conflict is not None


def test_many_errors_are_bounded() -> None:
    links = "".join(f'<a rel="license" href="javascript:{i}">x</a>' for i in range(150))
    found = detect_tree(root_of(page(body=links)))
    assert len(found.errors) == 21 and found.errors[-1] == "130 more errors not recorded"


def test_huge_inline_rsl_is_not_kept() -> None:
    big = "<rsl>" + "x" * 600_000 + "</rsl>"
    found = detect_tree(root_of(page(f'<script type="application/rsl+xml">{big}</script>')))
    assert found.rsl_inline == () and "inline RSL" in found.errors[0]


def test_structured_bounds_are_documented_numbers() -> None:
    assert structured.MAX_DEPTH < 1000 < structured.MAX_BLOCK_CHARS <= structured.MAX_TOTAL_CHARS
    assert MAX_URL == 2048


# --------------------------------------------------------------------------
# 6. Real pages
# --------------------------------------------------------------------------

Row = tuple[str, str | None, Strength, Scope]

# file -> (page URL, licence, conflict?, evidence rows). Read from each file; MANIFEST.md agrees
# with every file (checked: each claim below was found in the file itself).
REAL_PAGES: dict[str, tuple[str, str | None, bool, list[Row]]] = {
    # dc.rights meta with the CC URL (strong); the same URL without rel in the article (weak);
    # the ccREL RDF/XML block sits inside an HTML comment and is no markup.
    "biomedcentral.com.1471-2458-13-1092.html": (
        "http://www.biomedcentral.com/1471-2458/13/1092",
        "CC-BY-2.0",
        False,
        [("meta:dc.rights", "CC-BY-2.0", STRONG, HEAD), ("a[href]", "CC-BY-2.0", WEAK, MAIN)],
    ),
    # Blogger sidebar widget (aside): badge and text links, both rel=license, one URL.
    "blog.python.org.html": (
        "http://blog.python.org/2016/12/python-360-is-now-available.html",
        "CC-BY-NC-SA-3.0",
        False,
        [("a[rel=license]", "CC-BY-NC-SA-3.0", STRONG, CHROME)],
    ),
    # An article about NC on the CC chapter site: no licence URL, no markup.
    "de.creativecommons.org.endlich.html": (
        "https://de.creativecommons.org/index.php/2014/03/20/endlich-wird-es-spannend/",
        None,
        False,
        [],
    ),
    # rel="noopener noreferrer" has no "license": a weak footer link (CH port → unported id).
    # The sidebar's creativecommons.org/licenses/ link names no licence.
    "dobszay.ch.geheimdiensten.html": (
        "https://www.dobszay.ch/2016-04-15/was-ist-der-unterschied/",
        None,
        False,
        [("a[href]", "CC-BY-SA-2.5", WEAK, CHROME)],
    ),
    # Badge and text links after <p id="footer"> (outside it): main; the US port is not in
    # SPDX, so the unported id.
    "ebb.org.bkuhn.html": (
        "http://ebb.org/bkuhn/blog/",
        "CC-BY-SA-3.0",
        False,
        [("a[rel=license]", "CC-BY-SA-3.0", STRONG, MAIN)],
    ),
    # Head link and a hidden footer link to CC BY-SA 3.0, and a footer rel=license to
    # Wikipedia's own copy of the licence text has no SPDX id, but its link text names the
    # licence the other declarations give ("Creative Commons Attribution-ShareAlike License"):
    # a restatement, not other terms, so CC BY-SA 3.0 decides without a conflict.
    "en.wikipedia.org.tsne.html": (
        "https://en.wikipedia.org/wiki/T-distributed_stochastic_neighbor_embedding",
        "CC-BY-SA-3.0",
        False,
        [
            ("link[rel=license]", "CC-BY-SA-3.0", STRONG, HEAD),
            ("a[rel=license]", None, STRONG, CHROME),
            ("a[rel=license]", "CC-BY-SA-3.0", STRONG, CHROME),
        ],
    ),
    # Prose licence statement with plain links (CC BY for the article, CC0 for its data).
    "europepmc.org.PMC4062894.html": (
        "http://europepmc.org/articles/PMC4062894/",
        None,
        False,
        [("a[href]", "CC-BY-2.0", WEAK, MAIN), ("a[href]", "CC0-1.0", WEAK, MAIN)],
    ),
    # DC.rights with scheme DCTERMS.URI (strong, DE port) and a free-text DC.rights (weak).
    "feuerwehrtaucher-oldenburg.de.ausbildung.html": (
        "http://feuerwehrtaucher-oldenburg.de/bootsdienst/ausbildung.html",
        "CC-BY-SA-3.0-DE",
        False,
        [
            ("meta:dc.rights", "CC-BY-SA-3.0-DE", STRONG, HEAD),
            ("meta:dc.rights", None, WEAK, HEAD),
        ],
    ),
    # Text link and badge in footer#footer, both rel=license; a div role="main" wraps the page
    # and its footer.
    "flowfx.de.tmux.html": (
        "https://flowfx.de/blog/copy-paste-from-tmux-to-system-clipboard/",
        "CC-BY-4.0",
        False,
        [("a[rel=license]", "CC-BY-4.0", STRONG, CHROME)],
    ),
    # DC.rights.license and DC.license metas, and a badge link in div.BottomFooter (AT port).
    # DC.rights.rightsHolder names a person: no licence.
    "ihrwebprofi.at.publikumsvoting.html": (
        "https://www.ihrwebprofi.at/2011/09/17/publikumsvoting-beim-wiener-content-award/",
        "CC-BY-SA-3.0-AT",
        False,
        [
            ("meta:dc.rights.license", "CC-BY-SA-3.0-AT", STRONG, HEAD),
            ("meta:dc.license", "CC-BY-SA-3.0-AT", STRONG, HEAD),
            ("a[rel=license]", "CC-BY-SA-3.0-AT", STRONG, CHROME),
        ],
    ),
    # div#footer: badge and text, rel=license, NC with the DE port.
    "jovelstefan.de.gefallt.html": (
        "http://www.jovelstefan.de/2011/09/11/gefallt-mir/",
        "CC-BY-NC-3.0-DE",
        False,
        [("a[rel=license]", "CC-BY-NC-3.0-DE", STRONG, CHROME)],
    ),
    # The article's own footer (article > footer): rel=license around an icon (a badge by its
    # class "cc-license"), then a plain link; the head's DC.rights is free text.
    "nature.com.srep01041.html": (
        "https://www.nature.com/articles/srep01041",
        "CC-BY-NC-ND-3.0",
        False,
        [
            ("meta:dc.rights", None, WEAK, HEAD),
            ("a[rel=license]", "CC-BY-NC-ND-3.0", STRONG, MAIN),
            ("a[href]", "CC-BY-NC-ND-3.0", WEAK, MAIN),
        ],
    ),
    # All rights reserved in free text only.
    "nature.com.telescope.html": (
        "https://www.nature.com/articles/d41586-019-02790-3",
        None,
        False,
        [("meta:dc.rights", None, WEAK, HEAD)],
    ),
    # rel=license only in figure captions (the photos'), a plain NC link in another caption,
    # and the site's own licence in the footer without rel: no strong page evidence.
    "netzpolitik.org.abmahnungen.html": (
        "https://netzpolitik.org/2016/die-cider-connection-abmahnungen/",
        None,
        False,
        [
            ("a[href]", "CC-BY-NC-SA-4.0", WEAK, CHROME),
            ("a[rel=license]", "CC-BY-SA-2.0", STRONG, IMAGE),
            ("a[href]", "CC-BY-NC-2.0", WEAK, IMAGE),
        ],
    ),
    # Terms of service saying uploads are CC0, with plain links: weak.
    "pixabay.com.tos.html": (
        "https://pixabay.com/en/service/terms/",
        None,
        False,
        [("a[href]", "CC0-1.0", WEAK, MAIN)],
    ),
    # Licence in prose only, no URL.
    "plosbiology.pbio.1001461.html": (
        "https://journals.plos.org/plosbiology/article?id=10.1371/journal.pbio.1001461",
        None,
        False,
        [],
    ),
    # Footer: rel=license to CC BY-SA 4.0 and rel=license to "attribution required", a page
    # of the site's own with no SPDX id: CC BY-SA 4.0 with additional terms (restricted).
    "stackoverflow.blog.rust.html": (
        "https://stackoverflow.blog/2020/01/20/what-is-rust-and-why-is-it-so-popular/",
        "CC-BY-SA-4.0",
        True,
        [
            ("a[rel=license]", "CC-BY-SA-4.0", STRONG, CHROME),
            ("a[rel=license]", None, STRONG, CHROME),
        ],
    ),
    # A header-image credit line in the article (no figure element): weak, main.
    "theplanetarypress.com.forestlands.html": (
        "https://www.theplanetarypress.com/2020/01/management-of-intact-forestlands/",
        None,
        False,
        [("a[href]", "CC-BY-NC-ND-2.0", WEAK, MAIN)],
    ),
    # A legalcode link in the article without rel.
    "verfassungsblog.de.decade.html": (
        "https://verfassungsblog.de/the-first-decade/",
        None,
        False,
        [("a[href]", "CC-BY-NC-ND-4.0", WEAK, MAIN)],
    ),
    # Photo credits in main and the site licence in the footer, all without rel.
    "wikimediafoundation.org.turkey.html": (
        "https://wikimediafoundation.org/news/2020/01/15/access-to-wikipedia-restored-in-turkey/",
        None,
        False,
        [
            ("a[href]", "CC-BY-SA-4.0", WEAK, MAIN),
            ("a[href]", "CC-BY-SA-3.0", WEAK, MAIN),
            ("a[href]", "CC-BY-SA-3.0", WEAK, CHROME),
        ],
    ),
}

# tests/data/realweb/html (../shared/realweb/other/html): file -> (URL, licence, rows, RSL).
REAL_HTML: dict[str, tuple[str, str | None, list[Row], tuple[str, ...]]] = {
    # An HTML AI-licensing terms page as licence (no SPDX id) and an RSL document.
    "davidtofan.com-baselayout-license-links-excerpt.html": (
        "https://davidtofan.com/articles/post/",
        None,
        [("link[rel=license]", None, STRONG, HEAD)],
        ("https://davidtofan.com/rsl.xml",),
    ),
    "laughingsquid.com-head-excerpt.html": ("https://laughingsquid.com/", None, [], ()),
    "mcpjunction.ai-base-license-link-excerpt.html": (
        "https://mcpjunction.ai/servers/x",
        None,
        [],
        ("https://mcpjunction.ai/license.xml",),
    ),
    "openpoem.org-index-head-excerpt.html": ("https://openpoem.org/", None, [], ()),
    # A Jekyll head include: the Liquid text in it makes the parser move the link into the
    # body; a <link> is metadata wherever it sits.
    "xlr8harder.github.io-head-include.html": (
        "https://xlr8harder.github.io/",
        "CC0-1.0",
        [("link[rel=license]", "CC0-1.0", STRONG, HEAD)],
        (),
    ),
}


def manifest_sha256() -> dict[str, str]:
    """file -> sha256 from the MANIFEST.md table copied with the pages."""
    text = (LICENCE_PAGES / "MANIFEST.md").read_text("utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 5 and re.fullmatch(r"[0-9a-f]{64}", cells[5]):
            found[cells[0]] = cells[5]
    return found


def test_real_pages_are_complete_and_unchanged() -> None:
    shas = manifest_sha256()
    files = sorted(p.name for p in LICENCE_PAGES.glob("*.html"))
    assert files == sorted(shas) == sorted(REAL_PAGES)
    for name in files:
        assert hashlib.sha256((LICENCE_PAGES / name).read_bytes()).hexdigest() == shas[name]
    assert sorted(p.name for p in (REALWEB / "html").glob("*.html")) == sorted(REAL_HTML)


@pytest.mark.parametrize("name", sorted(REAL_PAGES))
def test_real_page(name: str) -> None:
    url, spdx, conflict, expected = REAL_PAGES[name]
    found = detect((LICENCE_PAGES / name).read_bytes(), url=url)
    assert rows(found) == expected
    assert found.license == spdx
    assert (found.conflict is not None) is conflict
    assert (found.rsl_links, found.rsl_inline, found.errors) == ((), (), ())
    deciding = [e for e in found.evidence if e.strength is STRONG and e.scope in PAGE_SCOPES]
    assert found.strength is (STRONG if deciding else WEAK if expected else None)
    if spdx is not None:
        assert found.license_url is not None and found.license_url.startswith("http")


@pytest.mark.parametrize("name", sorted(REAL_HTML))
def test_real_html(name: str) -> None:
    url, spdx, expected, rsl = REAL_HTML[name]
    found = detect((REALWEB / "html" / name).read_bytes(), url=url)
    assert rows(found) == expected
    assert (found.license, found.rsl_links, found.errors) == (spdx, rsl, ())


def test_real_html_licence_page_url() -> None:
    name = "davidtofan.com-baselayout-license-links-excerpt.html"
    found = detect((REALWEB / "html" / name).read_bytes(), url="https://davidtofan.com/x/")
    assert found.license_url == "https://davidtofan.com/ai-licensing-terms/"
    assert found.strength is STRONG


def test_evidence_is_frozen() -> None:
    piece = LicenseEvidence("a[href]", BY, "CC-BY-4.0", WEAK, MAIN, BY)
    with pytest.raises(AttributeError):
        piece.value = "x"  # type: ignore[misc]
    assert not piece.decides
    assert LicenseEvidence("a[rel=license]", BY, "CC-BY-4.0", STRONG, CHROME, BY).decides


RSL_LINK = '<link rel="license" type="application/rsl+xml" href="{}">'
RSL_SCRIPT = '<script type="application/rsl+xml">{}</script>'


@pytest.mark.parametrize(
    ("head", "headers", "followed", "unreadable"),
    [
        (RSL_LINK.format("/l.xml"), (), 1, ""),
        ("".join(RSL_LINK.format(f"/l{n}.xml") for n in range(11)), (), 10, "more than 10"),
        (RSL_LINK.format("/l.xml") * 20, (), 1, ""),  # one document, linked twenty times
        (RSL_LINK.format("javascript:alert(1)"), (), 0, "RSL link"),
        ("", ('<http://[::1>; rel="license"; type="application/rsl+xml"',), 0, "RSL link"),
        (RSL_SCRIPT.format("<rsl/>" + " " * (600 * 1024)), (), 0, "over the limit"),
        (RSL_SCRIPT.format("<rsl/>") * 11, (), 10, "more than 10 inline"),
    ],
)
def test_rsl_declarations_that_cannot_be_followed_are_reported(
    head: str, headers: tuple[str, ...], followed: int, unreadable: str
) -> None:
    # The caller denies a page whose declared RSL terms it cannot read in full.
    found = detect(page(head=head), headers=headers)
    assert len(found.rsl_links) + len(found.rsl_inline) == followed
    if unreadable:
        assert any(unreadable in text for text in found.rsl_unreadable), found.rsl_unreadable
    else:
        assert found.rsl_unreadable == ()


@pytest.mark.parametrize(
    ("body", "images"),
    [
        # a figure's licence is its images'
        ((f'<figure><img src="/p/heron.jpg"><figcaption><a rel="license" href="{BY}">CC BY</a>'
         "</figcaption></figure>"), ("https://example.org/p/heron.jpg",)),
        ((f'<picture><source srcset="/h.webp"><img data-src="/h.jpg"><a rel="license" '
         f'href="{BY}">x</a></picture>'), ("https://example.org/h.jpg",)),
        # a link around nothing but an image (not a licence badge) is that image's licence
        (f'<main><a rel="license" href="{BY}"><img src="/photo.jpg" alt="a heron"></a></main>',
         ("https://example.org/photo.jpg",)),
        # a badge declares the page's licence: no image carries it
        ((f'<footer><a rel="license" href="{BY}"><img src="https://i.creativecommons.org/l/by/'
         '4.0/88x31.png" alt="Creative Commons License"></a></footer>'), ()),
        (f'<main><a rel="license" href="{BY}">CC BY</a><img src="/x.jpg"></main>', ()),
    ],
)
def test_image_scoped_licences_name_their_images(body: str, images: tuple[str, ...]) -> None:
    found = detect(page(body=body), url="https://example.org/post")
    [piece] = found.evidence
    assert piece.images == images
    assert (piece.scope is Scope.IMAGE) == bool(images)
    if images:
        image = image_finding([piece])
        assert (image.license, image.license_url, found.license) == ("CC-BY-4.0", BY, None)


def test_structured_data_licence_of_an_image_object_names_its_file() -> None:
    data = {
        "@context": "https://schema.org", "@type": "Article",
        "license": f"{CC}/licenses/by-nc/4.0/",
        "image": {"@type": "ImageObject", "contentUrl": "/img/a.jpg", "license": BY},
    }
    found = detect(page(head=jsonld(data)), url="https://example.org/post")
    assert found.license == "CC-BY-NC-4.0"  # the article's; the image's is its own
    [image] = [e for e in found.evidence if e.scope is Scope.IMAGE]
    assert (image.spdx, image.images) == ("CC-BY-4.0", ("https://example.org/img/a.jpg",))
    assert image_finding([image]).license == "CC-BY-4.0"
