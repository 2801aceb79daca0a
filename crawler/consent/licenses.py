"""Licence declarations of a page: evidence with source, strength and scope, and one decision.

Pure: the lxml tree Scrapy already parsed (``response.selector.root``, or None for a page that
is not HTML), the page URL and the ``Link`` header values in, a frozen ``LicenseFinding`` out.
No second parse, no I/O, never raises on page content.

Sources, each a ``LicenseEvidence`` whose ``source`` names it, with its strength and scope:

* ``header:Link`` (strong): scope ``header``; ``other`` when its ``anchor`` names another
  resource or a fragment.
* ``link[rel=license]`` (strong): ``head``, wherever the parser put the element (text in a head
  moves it to the body); ``image`` inside ``<figure>``/``<picture>``.
* ``a[rel=license]``, ``area[rel=license]`` (strong): where it sits. ``image`` inside
  ``<figure>``/``<picture>`` or when the link wraps only an image that is not a licence badge;
  ``chrome`` in a footer, aside, nav or header (the elements, their ARIA roles, or an id/class
  ending or starting in "footer") unless that sits in an article or section (an article's
  footer is the article's); ``main`` otherwise; ``other`` under an RDFa ``about`` naming
  another resource.
* ``json-ld:license``, ``microdata:license`` (strong): ``page`` on a top-level item, an
  ``@graph`` member or a ``mainEntity``; ``image`` on an ImageObject (or another media object)
  or under ``image``, ``associatedMedia``, ``thumbnail``, ``primaryImageOfPage``; ``other``
  under ``hasPart``, ``isPartOf``, ``workExample``. A licence is a URL, an SPDX id, or a
  CreativeWork with a ``url`` or ``name``; other text is an unrecognised licence.
* ``rdfa:license`` (strong): as ``a[rel=license]``; ``image`` under a media ``typeof``.
* ``meta:dcterms.license``, ``meta:dc.license``, ``meta:dc.rights.license`` (strong when the
  content is a URL or an SPDX id, weak for other text), ``meta:dc.rights``,
  ``meta:dcterms.rights`` (strong for a URL, weak for text such as "All rights reserved"):
  ``head``.
* ``a[href]`` (weak): a link to a licence URL ``spdx.spdx_id`` knows, without rel=license (a
  badge or credit line), scoped as ``a[rel=license]``.

rel is a token list (``rel="license nofollow"``), case-insensitive. RDFa is read from the tree
(``property``/CURIE ``rel`` terms ``license``, ``cc:``, ``dc:``, ``dct:``, ``dcterms:``,
``schema:``, ``xhv:license`` and their full IRIs): extruct's RDFa reader needs a DOM of its own,
which would parse the page a second time. A licence badge is an image whose source, alt or
title, or whose link's class or title, names a licence (``i.creativecommons.org`` buttons,
"Creative Commons License", ``cc-license``): the Creative Commons chooser wraps its badge in
``<a rel="license">``, and that link declares the page's licence, not the badge's.

RSL (``type="application/rsl+xml"`` on a licence link or Link header) is a licence document to
fetch, not an SPDX licence: its absolute URL goes to ``rsl_links``, and the text of inline
``<script type="application/rsl+xml">`` to ``rsl_inline``; neither is evidence here.

Conflict rule (recorded in ``conflict`` whenever it had to choose):

1. Only strong evidence about the page decides: scopes ``header``, ``head``, ``page``, ``main``
   and ``chrome``. Evidence about an image, a figure, a part or another resource, and weak
   evidence, is recorded and never decides.
2. When all of it names one licence, that is the page's licence.
3. When it disagrees, the most restrictive licence wins: an unrecognised licence (a URL or
   name with no SPDX id: its terms are unknown) first, then no-derivatives, non-commercial,
   share-alike, other licences, public-domain dedications last. Between equally restrictive
   licences the first in evidence order wins (HTTP header, head, structured data about the
   page, main content, chrome; each in document order). A licence link with no SPDX id
   whose link text names the Creative Commons licence another declaration gives by URL
   (Wikipedia's link to its own copy of the licence text) restates that licence and takes
   no part; one naming nothing, or another licence, still counts.
   A licence link with no SPDX id to a page of the page's own site (same host, ``www.``
   aside), beside a licence that has one, is that licence's additional terms, not a rival
   licence (stackoverflow.blog's footer: CC BY-SA 4.0 and "attribution required"): the
   recognised licence decides and the link goes to ``terms``. Such terms are unread, so the
   licence policy does not take the licence as an open grant (``restricted``).
4. With no deciding evidence, ``license`` is None; ``strength`` is WEAK if anything was seen.

``license_url`` is the deciding evidence's URL resolved against the page (or its ``<base>``),
also when it has no SPDX id; each evidence keeps its value as written and the resolved ``url``.

Bad input (malformed, huge, deep or non-object JSON-LD; Link header syntax errors; licence
URLs with odd schemes, spaces or over ``spdx.MAX_URL`` characters) is skipped and said in
``errors``; only what remains sound decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree

from . import structured
from .spdx import LICENCE_HOSTS, MAX_URL, family, lookup, named_family, spdx_id, traits
from .text import clip, header_strings

__all__ = [
    "MAX_EVIDENCE",
    "PAGE_SCOPES",
    "RSL_TYPE",
    "LicenseEvidence",
    "LicenseFinding",
    "Scope",
    "Strength",
    "detect_licenses",
    "image_finding",
]

RSL_TYPE: Final = "application/rsl+xml"
#: Evidence kept per page (identical pieces are kept once); the rest is counted in ``errors``.
MAX_EVIDENCE: Final = 50
_MAX_ERRORS: Final = 20
_MAX_HEADER: Final = 8192  # characters of one Link header value read
_MAX_RSL_INLINE: Final = 512 * 1024
_MAX_RSL: Final = 10  # RSL links or inline documents kept
_MAX_IMAGES: Final = 20  # images one image-scoped licence link is kept for
_MAX_NODES: Final = 2000  # structured-data nodes visited
_MAX_ELEMENTS: Final = 200  # licence links (or RDFa elements) read per page, of each kind
_MAX_NESTING: Final = 8  # structured-data levels followed below a top-level item


class Strength(StrEnum):
    STRONG = "strong"
    """A licence declaration made for machines: rel=license, Link, structured data, DC meta."""
    WEAK = "weak"
    """A hint: a bare link to a licence URL, a free-text rights statement."""


class Scope(StrEnum):
    """What the evidence is about, from where it sits."""

    HEADER = "header"  # an HTTP Link header
    HEAD = "head"  # the document head
    PAGE = "page"  # structured data about the page
    MAIN = "main"  # the page's content
    CHROME = "chrome"  # footer, aside, nav, header (not an article's): site-wide statements
    IMAGE = "image"  # an image, figure or media object
    OTHER = "other"  # a part of the page, or another resource


# Evidence order: the order of the Scope members (header first), then the order seen.
_SCOPES: Final = list(Scope)
#: The scopes whose strong evidence decides the page's licence.
PAGE_SCOPES: Final = frozenset({Scope.HEADER, Scope.HEAD, Scope.PAGE, Scope.MAIN, Scope.CHROME})


@dataclass(frozen=True, slots=True)
class LicenseEvidence:
    """One licence declaration seen on the page or its response."""

    source: str
    value: str
    """The URL or text as written, clipped."""
    spdx: str | None
    strength: Strength
    scope: Scope
    url: str | None = None
    """The value resolved to an absolute http(s) URL, when it is a URL."""
    names: str | None = None
    """For a licence link whose URL has no SPDX id: the Creative Commons family its link text
    names (``spdx.named_family``), if any."""
    images: tuple[str, ...] = ()
    """For an image-scoped licence link: the absolute URLs of the images it is about (the
    ``img`` of its figure or picture, or the images it wraps), which carry it as their own."""

    @property
    def decides(self) -> bool:
        return self.strength is Strength.STRONG and self.scope in PAGE_SCOPES


@dataclass(frozen=True, slots=True)
class LicenseFinding:
    """The licence decided for a page, and everything seen on the way."""

    license: str | None = None
    """SPDX id decided from strong page evidence (see the conflict rule)."""
    license_url: str | None = None
    """The deciding licence's URL (absolute), also when it has no SPDX id."""
    strength: Strength | None = None
    """STRONG when decided; WEAK when only hints were seen; None when nothing was."""
    evidence: tuple[LicenseEvidence, ...] = ()
    rsl_links: tuple[str, ...] = ()
    rsl_inline: tuple[str, ...] = ()
    rsl_unreadable: tuple[str, ...] = ()
    """RSL licences the page declares that cannot be followed (bad URL, over the bounds)."""
    conflict: str | None = None
    errors: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    """URLs of the site's own pages a licence link names beside the deciding licence: its
    additional terms (conflict rule 3), unread."""


# --- sources -------------------------------------------------------------------------------

HEADER_LINK: Final = "header:Link"
JSON_LD: Final = "json-ld:license"
MICRODATA: Final = "microdata:license"
RDFA: Final = "rdfa:license"
BARE_LINK: Final = "a[href]"

# One walk over these tags finds licence links, metas, <base> and scripts; the attributes
# RDFa and microdata use are read as attribute nodes. Both cost a fraction of an XPath with
# string tests per element (and "descendant-or-self::*/@x" a fraction of "//@x" on big pages).
_TAGS: Final = ("a", "link", "area", "meta", "base", "script")
_SEMANTIC_ATTRIBUTES: Final = etree.XPath(
    "descendant-or-self::*/@itemprop | descendant-or-self::*/@property | descendant-or-self::*/@rel"
)
# An absolute or scheme-relative link to a steward (not "de.creativecommons.org/...").
_LICENCE_HOST: Final = re.compile(
    r"//(?:www\.)?(?:" + "|".join(map(re.escape, LICENCE_HOSTS)) + r")\.?(?::\d+)?/",
    re.IGNORECASE,
)

_LICENSE_METAS: Final = frozenset({"dcterms.license", "dc.license", "dc.rights.license"})
_RIGHTS_METAS: Final = frozenset({"dc.rights", "dcterms.rights"})

_CHROME_TAGS: Final = frozenset({"footer", "aside", "nav", "header"})
_CHROME_ROLES: Final = frozenset({"contentinfo", "complementary", "navigation", "banner"})
_SECTIONS: Final = frozenset({"article", "section"})
_IMAGE_TAGS: Final = frozenset({"figure", "picture"})
_IMAGE_CHILDREN: Final = frozenset({"img", "picture", "svg"})
_BADGE: Final = re.compile(
    r"licen[cs]|lizenz|creative ?commons|\bcc[-_ ]|88x31|80x15", re.IGNORECASE
)
_MEDIA_TYPES: Final = frozenset(
    {"ImageObject", "Photograph", "MediaObject", "VideoObject", "AudioObject", "3DModel"}
)
_MEDIA_PROPS: Final = (
    "image",
    "associatedmedia",
    "thumbnail",
    "primaryimageofpage",
    "photo",
    "video",
    "audio",
)
_PART_PROPS: Final = ("haspart", "ispartof", "workexample")
_RDFA_PREFIXES: Final = frozenset({"cc", "dc", "dct", "dcterms", "schema", "xhv"})
_RDFA_IRIS: Final = frozenset(
    {
        "http://creativecommons.org/ns#license",
        "http://purl.org/dc/terms/license",
        "http://schema.org/license",
        "https://schema.org/license",
        "http://www.w3.org/1999/xhtml/vocab#license",
    }
)
# A value written as a URL (then it must be a sound one), not a name or a sentence.
_URL_LIKE: Final = re.compile(
    r"\s*(?:[a-z][a-z0-9+.-]*://|/|(?:javascript|vbscript|data|mailto|file|tel):)", re.IGNORECASE
)
_TAB_OR_NEWLINE: Final = re.compile(r"[\t\n\r]")


def detect_licenses(
    root: Any, *, url: str, link_headers: Iterable[str | bytes] = ()
) -> LicenseFinding:
    """Every licence declaration of the page and its response, and the page's licence."""
    seen = _Seen(url)
    for value in header_strings(link_headers):
        _link_header(value, seen)
    if isinstance(root, etree._Element):
        _page(root, seen)
    return seen.finding()


# --- collecting ----------------------------------------------------------------------------


class _Seen:
    """What detection collects for one page, bounded."""

    def __init__(self, url: str) -> None:
        self.page = urldefrag(url)[0]
        self.base = url
        self.evidence: dict[LicenseEvidence, LicenseEvidence] = {}  # without images -> with
        self.rsl_links: dict[str, None] = {}
        self.rsl_inline: list[str] = []
        self.rsl_unreadable: list[str] = []
        self.errors: list[str] = []
        self.resolved: dict[str, tuple[str | None, str]] = {}

    def rebase(self, href: str) -> None:
        """Resolve the page's URLs against ``<base href>`` (Link headers use the page URL)."""
        self.base = _resolve(href, self.page)[0] or self.base
        self.resolved.clear()

    def resolve(self, href: str) -> tuple[str | None, str]:
        """``_resolve`` against the page's base, once per distinct href."""
        found = self.resolved.get(href)
        if found is None:
            found = self.resolved[href] = _resolve(href, self.base)
        return found

    def add(
        self,
        source: str,
        value: str,
        strength: Strength,
        scope: Scope,
        *,
        url: str | None = None,
        text: str | None = None,
        images: tuple[str, ...] = (),
    ) -> None:
        spdx = spdx_id(url) if url is not None else lookup(value)
        names = named_family(text) if spdx is None and text else None
        piece = LicenseEvidence(source, clip(value), spdx, strength, scope, url, names)
        # One row per declaration; the same one under several figures names all their images.
        known = self.evidence.get(piece)
        merged = dict.fromkeys((*(known.images if known else ()), *images))
        self.evidence[piece] = replace(piece, images=tuple(merged)[:_MAX_IMAGES])

    def url_value(
        self,
        source: str,
        value: str,
        strength: Strength,
        scope: Scope,
        images: tuple[str, ...] = (),
    ) -> None:
        """A value that is a URL, or a name or text when it is not written as one."""
        text = value.strip()
        if not text:
            return
        if not _URL_LIKE.match(text):
            self.add(source, text, strength, scope, images=images)
            return
        self.href(source, text, strength, scope, images=images)

    def href(
        self,
        source: str,
        text: str,
        strength: Strength,
        scope: Scope,
        label: str | None = None,
        images: tuple[str, ...] = (),
    ) -> None:
        resolved, why = self.resolve(text)
        if resolved is None:
            self.error(f"{source} {clip(text, 80)!r}: {why}")
            return
        self.add(source, text, strength, scope, url=resolved, text=label, images=images)

    def image_urls(self, elements: Iterable[Any]) -> tuple[str, ...]:
        """The absolute URLs of these ``img`` elements (``src``, else ``data-src``)."""
        urls: dict[str, None] = {}
        for image in elements:
            src = (image.get("src") or image.get("data-src") or "").strip()
            resolved = self.resolve(src)[0] if src else None
            if resolved is not None and len(urls) < _MAX_IMAGES:
                urls[resolved] = None
        return tuple(urls)

    def rsl(self, source: str, href: str) -> None:
        resolved, why = self.resolve(href)
        if resolved is None:
            self.unreadable(f"{source} RSL link {clip(href, 80)!r}: {why}")
        elif len(self.rsl_links) < _MAX_RSL or resolved in self.rsl_links:
            self.rsl_links[resolved] = None
        else:
            self.unreadable(f"more than {_MAX_RSL} RSL links: {clip(resolved, 80)} not followed")

    def unreadable(self, text: str) -> None:
        """An RSL licence the page declares that cannot be followed: the caller must treat
        the page most restrictively, as it does an RSL document it cannot read."""
        self.rsl_unreadable.append(clip(text))
        self.error(text)

    def error(self, text: str) -> None:
        self.errors.append(clip(text))

    def finding(self) -> LicenseFinding:
        evidence = sorted(self.evidence.values(), key=lambda piece: _SCOPES.index(piece.scope))
        errors = self.errors[:_MAX_ERRORS]
        if len(self.errors) > _MAX_ERRORS:
            errors.append(f"{len(self.errors) - _MAX_ERRORS} more errors not recorded")
        if len(evidence) > MAX_EVIDENCE:
            errors.append(f"{len(evidence) - MAX_EVIDENCE} more licence declarations not kept")
        deciding = [e for e in evidence if e.decides]
        terms = _own_terms(deciding, self.page)
        winner, conflict = _decide([p for p in deciding if p.url not in terms])
        if terms and winner is not None:
            extra = " conflict: " + conflict if conflict else ""
            conflict = (
                f"additional terms beside {_name(winner)}: {', '.join(terms)} (the site's own "
                f"page, not a licence; unread, so not an open grant){extra}"
            )
        if winner is None:
            strength = Strength.WEAK if evidence else None
            license_url = None
        else:
            strength = Strength.STRONG
            license_url = winner.url
        return LicenseFinding(
            license=None if winner is None else winner.spdx,
            license_url=license_url,
            strength=strength,
            evidence=tuple(evidence[:MAX_EVIDENCE]),
            rsl_links=tuple(self.rsl_links),
            rsl_inline=tuple(self.rsl_inline),
            rsl_unreadable=tuple(self.rsl_unreadable),
            conflict=conflict,
            errors=tuple(errors),
            terms=terms if winner is not None else (),
        )


def image_finding(pieces: Iterable[LicenseEvidence]) -> LicenseFinding:
    """The licence a page declares for one of its images (its image-scoped evidence, see
    ``LicenseEvidence.images``), decided by the same conflict rule, for the image's own
    record."""
    evidence = tuple(pieces)
    winner, conflict = _decide([p for p in evidence if p.strength is Strength.STRONG])
    return LicenseFinding(
        license=None if winner is None else winner.spdx,
        license_url=None if winner is None else winner.url,
        strength=None if winner is None else Strength.STRONG,
        evidence=evidence,
        conflict=conflict,
    )


def _resolve(href: str, base: str) -> tuple[str | None, str]:
    """``href`` as an absolute http(s) URL, or None and what is wrong with it.

    Tabs and newlines inside a URL are dropped, as browsers do; a space is an error.
    """
    text = _TAB_OR_NEWLINE.sub("", href).strip()
    if not text:
        return None, "empty URL"
    if len(text) > MAX_URL:
        return None, f"{len(text):,} characters, over the {MAX_URL:,} limit"
    if " " in text:
        return None, "a URL with spaces"
    try:
        absolute = urljoin(base, text)
        parts = urlsplit(absolute)
        host = parts.hostname
    except ValueError:
        return None, "not a URL"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None, f"scheme {parts.scheme or 'none'!r}, not http(s)"
    return absolute, ""


def _media_type(value: str | None) -> str:
    return (value or "").partition(";")[0].strip().lower()


# --- HTTP Link headers (RFC 8288) -------------------------------------------------------------

_TOKEN: Final = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_TARGET: Final = re.compile(r"[ \t]*<([^<>]*)>")
# Values as a token, a quoted string, or (lenient, as servers write "type=text/html") any run
# of characters that cannot end a parameter.
_PARAM: Final = re.compile(
    rf'[ \t]*;[ \t]*({_TOKEN})(?:[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]+)))?'
)
_END: Final = re.compile(r"[ \t]*(?:,|$)")
_ESCAPE: Final = re.compile(r"\\(.)")


@dataclass(frozen=True, slots=True)
class _Link:
    target: str
    params: dict[str, str]


def _parse_link_header(value: str) -> tuple[list[_Link], list[str]]:
    """Links of one header value; a link-value with a syntax error is skipped and said.

    A parameter that occurs twice keeps its first value (RFC 8288 section 3.3 for rel).
    """
    links: list[_Link] = []
    errors: list[str] = []
    pos = 0
    while pos < len(value):
        while pos < len(value) and value[pos] in " \t,":
            pos += 1
        if pos >= len(value):
            break
        target = _TARGET.match(value, pos)
        if target is None:
            errors.append(f"Link header: expected '<URI>' at {clip(value[pos:], 60)!r}")
            pos = _next_link(value, pos)
            continue
        params: dict[str, str] = {}
        pos = target.end()
        while (param := _PARAM.match(value, pos)) is not None:
            name = param[1].lower()
            raw = param[2] if param[2] is not None else param[3] or ""
            params.setdefault(name, _ESCAPE.sub(r"\1", raw) if param[2] is not None else raw)
            pos = param.end()
        end = _END.match(value, pos)
        if end is None:
            errors.append(f"Link header: unexpected {clip(value[pos:], 60)!r}")
            pos = _next_link(value, pos)
            continue
        links.append(_Link(target[1], params))
        pos = end.end()
    return links, errors


def _next_link(value: str, pos: int) -> int:
    """Where the link-value after ``pos`` starts (the next comma outside quotes and <>)."""
    quoted = angled = False
    for index in range(pos, len(value)):
        char = value[index]
        if char == '"' and not angled:
            quoted = not quoted
        elif char == "<" and not quoted:
            angled = True
        elif char == ">" and not quoted:
            angled = False
        elif char == "," and not quoted and not angled:
            return index + 1
    return len(value)


def _link_header(value: str, seen: _Seen) -> None:
    if len(value) > _MAX_HEADER:
        seen.error(f"Link header: {len(value):,} characters, over the {_MAX_HEADER:,} limit")
        return
    links, errors = _parse_link_header(value)
    for text in errors:
        seen.error(text)
    for link in links:
        if "license" not in link.params.get("rel", "").lower().split():
            continue
        if _media_type(link.params.get("type")) == RSL_TYPE:
            seen.rsl(HEADER_LINK, link.target)
            continue
        scope = Scope.HEADER
        anchor = link.params.get("anchor")
        if anchor is not None and urldefrag(urljoin(seen.page, anchor.strip())) != (seen.page, ""):
            scope = Scope.OTHER  # the link's context is another resource or a fragment
        seen.href(HEADER_LINK, link.target, Strength.STRONG, scope)


# --- HTML ----------------------------------------------------------------------------------


def _page(root: Any, seen: _Seen) -> None:
    rel_license: list[Any] = []
    metas: list[Any] = []
    links: list[Any] = []
    scripts: list[Any] = []
    bases: list[str] = []
    for element in root.iter(*_TAGS):
        tag = element.tag
        if tag == "meta":
            metas.append(element)
        elif tag == "script":
            scripts.append(element)
        elif tag == "base":
            bases.append(element.get("href") or "")
        elif "license" in (element.get("rel") or "").lower().split():
            rel_license.append(element)
        elif tag == "a" and "org/" in (href := element.get("href") or ""):  # stewards: .org
            links.append(element)
    for href in bases[:1]:  # the first <base href> is the document's base URL
        seen.rebase(href)
    for element in _bounded(rel_license, "rel=license links", seen):
        _rel_license(element, seen)
    for element in metas:
        _meta(element, seen)
    _structured_data(root, seen)
    for element in _bounded(links, "links to licence hosts", seen):
        _bare_link(element, seen)
    for element in scripts:
        _inline_rsl(element, seen)


def _bounded(elements: list[Any], what: str, seen: _Seen) -> list[Any]:
    if len(elements) > _MAX_ELEMENTS:
        seen.error(f"{len(elements) - _MAX_ELEMENTS} more {what} than {_MAX_ELEMENTS}: not read")
    return elements[:_MAX_ELEMENTS]


def _rel_license(element: Any, seen: _Seen) -> None:
    href = element.get("href")
    if href is None or not href.strip():
        return
    source = f"{element.tag}[rel=license]"
    if _media_type(element.get("type")) == RSL_TYPE:
        seen.rsl(source, href)
        return
    scope = _subject_scope(element, seen) or _scope(element)
    if element.tag == "link" and scope not in (Scope.IMAGE, Scope.OTHER):
        scope = Scope.HEAD  # metadata wherever the parser put it (after text in a head)
    elif element.tag != "link" and _wraps_only_image(element):
        scope = Scope.IMAGE
    label = None if element.tag == "link" else element.text_content()[:300]
    images: tuple[str, ...] = ()
    if scope is Scope.IMAGE and element.tag != "link":
        holder = next((a for a in element.iterancestors() if a.tag in _IMAGE_TAGS), element)
        images = seen.image_urls(holder.iter("img"))
    seen.href(source, href, Strength.STRONG, scope, label, images)


def _meta(meta: Any, seen: _Seen) -> None:
    name = (meta.get("name") or "").strip().lower().replace(":", ".")
    if name not in _LICENSE_METAS and name not in _RIGHTS_METAS:
        return
    content = (meta.get("content") or "").strip()
    if not content:
        return
    source = f"meta:{name}"
    if _URL_LIKE.match(content) or (name in _LICENSE_METAS and lookup(content)):
        seen.url_value(source, content, Strength.STRONG, Scope.HEAD)
    else:
        seen.add(source, content, Strength.WEAK, Scope.HEAD)


def _bare_link(anchor: Any, seen: _Seen) -> None:
    href = anchor.get("href") or ""
    if not _LICENCE_HOST.search(href) or anchor.get("itemprop") or anchor.get("property"):
        return  # not a licence link, or structured data (read as such)
    if any(_is_licence_term(term) for term in (anchor.get("rel") or "").split()):
        return  # RDFa (rel="cc:license")
    resolved, _ = seen.resolve(href)
    if resolved is None or spdx_id(resolved) is None:
        return  # not a licence URL (a link to a steward's other pages)
    scope = Scope.IMAGE if _wraps_only_image(anchor) else _scope(anchor)
    seen.add(BARE_LINK, href, Strength.WEAK, scope, url=resolved)


def _inline_rsl(script: Any, seen: _Seen) -> None:
    if _media_type(script.get("type")) != RSL_TYPE:
        return
    text = script.text or ""
    if len(text) > _MAX_RSL_INLINE:
        seen.unreadable(f"inline RSL: {len(text):,} characters, over the limit: not read")
    elif text.strip() and len(seen.rsl_inline) < _MAX_RSL:
        seen.rsl_inline.append(text)
    elif text.strip():
        seen.unreadable(f"more than {_MAX_RSL} inline RSL documents: not read")


def _scope(element: Any) -> Scope:
    """Where an element sits: head, image (figure, picture), main content or chrome.

    Chrome inside an article or section (an article's footer) belongs to that content; chrome
    inside ``<main>`` (a wrapper around the whole page) is still the page's chrome.
    """
    chrome = False
    for ancestor in element.iterancestors():
        tag = ancestor.tag
        if tag == "head":
            return Scope.HEAD
        if tag in _IMAGE_TAGS:
            return Scope.IMAGE
        if tag in _SECTIONS:
            return Scope.MAIN
        role = (ancestor.get("role") or "").strip().lower()
        if not chrome and (tag == "main" or role == "main"):
            return Scope.MAIN
        chrome = chrome or tag in _CHROME_TAGS or role in _CHROME_ROLES or _footer_named(ancestor)
    return Scope.CHROME if chrome else Scope.MAIN


def _footer_named(element: Any) -> bool:
    """``id="footer"``, ``class="site-footer"``, ``BottomFooter``: a footer without the tag."""
    words = f"{element.get('id') or ''} {element.get('class') or ''}".lower().split()
    return any(w.startswith("footer") or w.endswith("footer") for w in words)


def _wraps_only_image(anchor: Any) -> bool:
    """A link around nothing but an image that is no licence badge: that image's link."""
    if (anchor.text or "").strip():
        return False
    images = []
    for child in anchor:
        if not isinstance(child.tag, str):
            continue  # a comment
        if child.tag not in _IMAGE_CHILDREN or (child.tail or "").strip():
            return False
        images.append(child if child.tag != "picture" else next(child.iter("img"), child))
    if not images:
        return False
    about = [anchor.get("class"), anchor.get("title")]
    for image in images:
        about += [image.get("src"), image.get("alt"), image.get("title")]
    return not _BADGE.search(" ".join(text for text in about if text))


def _subject_scope(element: Any, seen: _Seen) -> Scope | None:
    """What RDFa says the element is about: OTHER for an ``about`` naming another resource,
    IMAGE under a media ``typeof``, else None (where it sits decides)."""
    about = element.get("about")
    if about is None:
        for ancestor in element.iterancestors():
            if ancestor.get("about") is not None:
                about = ancestor.get("about")
                break
            if ancestor.get("typeof") is not None:
                types = {
                    t.rpartition(":")[2].rpartition("/")[2] for t in ancestor.get("typeof").split()
                }
                return Scope.IMAGE if types & _MEDIA_TYPES else None
    if about is None:
        return None
    if urldefrag(urljoin(seen.base, about.strip())) == (seen.page, ""):
        return None
    return Scope.OTHER


# --- structured data -----------------------------------------------------------------------


def _structured_data(root: Any, seen: _Seen) -> None:
    """JSON-LD, and microdata and RDFa where an attribute names a licence."""
    blocks = structured.jsonld(root, containing="license")
    for text in blocks.errors:
        seen.error(text)
    _walk(blocks.items, JSON_LD, seen, microdata=False)
    rdfa: dict[Any, None] = {}
    microdata = False
    for attribute in _SEMANTIC_ATTRIBUTES(root):
        if "license" not in attribute.lower():
            continue
        if attribute.attrname == "itemprop":
            microdata = True
        elif attribute.attrname == "property" or ":" in attribute:  # not bare rel="license"
            rdfa[attribute.getparent()] = None
    if microdata:
        items, error = structured.microdata(root, base_url=seen.base)
        if error is not None:
            seen.error(error)
        _walk(items, MICRODATA, seen, microdata=True)
    for element in _bounded(list(rdfa), "RDFa licence attributes", seen):
        _rdfa(element, seen)


def _walk(items: Iterable[Any], source: str, seen: _Seen, *, microdata: bool) -> None:
    """schema.org ``license`` on every item followed (see the module docstring for scopes)."""
    stack: list[tuple[Any, int, Scope]] = [(item, 0, Scope.PAGE) for item in items]
    stack.reverse()
    visited = 0
    while stack and visited < _MAX_NODES:
        node, depth, scope = stack.pop()
        visited += 1
        if isinstance(node, list):
            stack.extend((child, depth, scope) for child in reversed(node[:_MAX_NODES]))
            continue
        if not isinstance(node, dict):
            continue
        props, kind = (
            (node.get("properties"), node.get("type")) if microdata else (node, node.get("@type"))
        )
        if not isinstance(props, dict):
            continue
        if scope is Scope.PAGE and _MEDIA_TYPES.intersection(structured.type_names(kind)):
            scope = Scope.IMAGE
        named = structured.properties(props)
        images: tuple[str, ...] = ()
        if scope is Scope.IMAGE:  # a media object: its licence is that of its own file
            urls = [v for v in (named.get("contenturl"), named.get("url")) if isinstance(v, str)]
            images = tuple(u for u in (seen.resolve(v.strip())[0] for v in urls) if u)[:1]
        for value in _values(named.get("license")):
            _licence_value(value, source, seen, scope, microdata=microdata, images=images)
        if depth >= _MAX_NESTING:
            continue
        for name, child_scope in _children(scope):
            child = named.get(name)
            if child is not None:
                stack.append((child, depth + 1, child_scope))
    if stack:
        seen.error(f"{source}: more than {_MAX_NODES} structured-data nodes: the rest not read")


def _children(scope: Scope) -> Iterator[tuple[str, Scope]]:
    """The properties followed (lower-cased local names) and the scope of what they hold."""
    yield "@graph", scope
    yield "mainentity", scope
    for name in _MEDIA_PROPS:
        yield name, Scope.OTHER if scope is Scope.OTHER else Scope.IMAGE
    for name in _PART_PROPS:
        yield name, Scope.OTHER


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    return value[:MAX_EVIDENCE] if isinstance(value, list) else [value]


def _licence_value(
    value: Any,
    source: str,
    seen: _Seen,
    scope: Scope,
    *,
    microdata: bool,
    images: tuple[str, ...] = (),
) -> None:
    """A licence as a URL or name, or a CreativeWork with a url or name."""
    if isinstance(value, dict):
        props = value.get("properties") if microdata else value
        if not isinstance(props, dict):
            return
        url, name = structured.prop(props, "url"), structured.prop(props, "name")
        value = next(
            (v for v in (url, props.get("@id"), props.get("@value"), name) if isinstance(v, str)),
            None,
        )
    if isinstance(value, str):
        seen.url_value(source, value, Strength.STRONG, scope, images)
    elif value is not None:
        seen.error(f"{source}: a {type(value).__name__}, not a URL or name")


def _rdfa(element: Any, seen: _Seen) -> None:
    # Bare rel="license" is read as a[rel=license]; here only CURIEs and IRIs in rel.
    terms = (element.get("property") or "").split()
    terms += [t for t in (element.get("rel") or "").split() if ":" in t]
    if not any(_is_licence_term(term) for term in terms):
        return
    value = next(
        (element.get(n) for n in ("content", "resource", "href", "src") if element.get(n)),
        None,
    )
    if value is None:
        value = "".join(element.itertext())
    scope = _subject_scope(element, seen) or _scope(element)
    seen.url_value(RDFA, value, Strength.STRONG, scope)


def _is_licence_term(term: str) -> bool:
    if term in _RDFA_IRIS or term.lower() == "license":
        return True
    prefix, colon, local = term.partition(":")
    return bool(colon) and prefix.lower() in _RDFA_PREFIXES and local == "license"


# --- the decision --------------------------------------------------------------------------


def _rank(piece: LicenseEvidence) -> tuple[bool, bool, bool, bool, bool]:
    """Restrictiveness: unrecognised, then ND, NC, SA, then anything but public domain."""
    if piece.spdx is None:
        return (True, True, True, True, True)
    found = traits(piece.spdx)
    return (
        False,
        found.no_derivatives,
        found.noncommercial,
        found.share_alike,
        not found.public_domain,
    )


def _name(piece: LicenseEvidence) -> str:
    return piece.spdx or f"unrecognised {piece.url or piece.value}"


def _own_terms(deciding: list[LicenseEvidence], page: str) -> tuple[str, ...]:
    """URLs of unrecognised licence links to the page's own site, when a recognised licence
    also decides (conflict rule 3): additional terms, not licences."""
    if not any(p.spdx is not None for p in deciding):
        return ()
    host = _site(page)
    return tuple(
        dict.fromkeys(
            p.url
            for p in deciding
            if p.spdx is None and p.names is None and p.url and _site(p.url) == host
        )
    )


def _site(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:  # an unbalanced "[" in the page's own URL
        return None
    return host.removeprefix("www.") if host else None


def _decide(deciding: list[LicenseEvidence]) -> tuple[LicenseEvidence | None, str | None]:
    """The deciding evidence under the conflict rule, and what ``conflict`` records."""
    # A link to a copy of a licence's text whose words name the licence another declaration
    # gives by its URL (Wikipedia's footer) restates that licence; it is not other terms.
    given = {family(p.spdx) or p.spdx for p in deciding if p.spdx is not None}
    deciding = [p for p in deciding if p.spdx is not None or p.names not in given]
    if not deciding:
        return None, None
    names = list(dict.fromkeys(_name(piece) for piece in deciding))
    if len(names) == 1:
        return deciding[0], None
    winner = max(deciding, key=_rank)  # max keeps the first of equals
    others = ", ".join(name for name in names if name != _name(winner))
    return winner, f"most restrictive wins: {_name(winner)} over {others}"
