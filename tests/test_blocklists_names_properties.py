"""Properties of blocklists.names (one spelling of a host for list entries and URLs alike).

1. ``lookup_host`` and ``ascii_name`` are normalisations: idempotent, whatever the input
   (``ascii_name`` raises only ``UnicodeError``, its documented error).
2. A URL's host, however written, is spelt as the list entry for it is (``validate``).
3. The keys URL prefixes are compared by agree with each other.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import example, given
from hypothesis import strategies as st

from blocklists.model import EntryKind
from blocklists.names import ascii_name, lookup_host, prefix_key, site_key, url_key
from blocklists.validate import Invalid, normalise

from .strategies import any_text, host_names, paths


@given(host_names | any_text)
@example("[[a]]")  # gave "[a]", which read again gave "a"
@example("¹")  # gave "1" (IDNA), which read again gave "0.0.0.1"
@example("０xc0.0.2.10")  # fullwidth: stayed "0xc0.0.2.10", which a resolver reads as 192.0.2.10
@example("0x.1")
@example("München.DE.")
def test_lookup_host_is_idempotent(host: str) -> None:
    spelt = lookup_host(host)
    assert lookup_host(spelt) == spelt


@given(host_names | any_text)
@example("xn--zz")
@example("a\u200db")
def test_ascii_name_is_idempotent_or_a_unicode_error(name: str) -> None:
    try:
        spelt = ascii_name(name)
    except UnicodeError:
        return
    assert spelt.isascii() and spelt == spelt.lower()
    assert ascii_name(spelt) == spelt


@given(host_names)
@example("WWW.Straße.de.")
@example("0300.0.02.012")
def test_a_host_is_spelt_as_its_entry(host: str) -> None:
    try:
        entry = normalise(host, EntryKind.HOST)
    except Invalid:
        return
    assert lookup_host(host) == entry
    literal = f"[{host}]" if ":" in host and not host.startswith("[") else host
    try:
        parsed = urlsplit(f"https://{literal}/").hostname
    except ValueError:
        return
    assert parsed is not None and lookup_host(parsed) == entry


@given(
    host_names,
    st.sampled_from(("http", "https", "HTTP")),
    st.sampled_from(("", ":80", ":443", ":8080")),
    paths(),
)
def test_prefix_keys_agree(host: str, scheme: str, port: str, path: str) -> None:
    literal = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"{scheme}://{literal}{port}{path}"
    try:
        parts = urlsplit(url)
        name = parts.hostname
        key = url_key(parts, lookup_host(name or ""))
        site = site_key(parts, lookup_host(name or ""))
    except ValueError:
        return
    assert key == f"{scheme.lower()}://{site}"
    assert prefix_key(key) == site
    assert prefix_key(f"{scheme.lower()}://{prefix_key(key)}") == site
