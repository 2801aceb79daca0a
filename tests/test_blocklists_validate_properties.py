"""Properties of blocklists.validate (what makes an entry acceptable, and its one spelling).

1. Any text of any kind is a normalised value or ``Invalid`` (the documented error).
2. Normalisation is idempotent, and case, a root dot, IDN or punycode and a URL written
   around a domain do not change it; ``www.`` goes only with strip_www, only from domains.
3. The kind inferred from a normalised domain or URL prefix is its kind.
4. A Checker takes a list whole or refuses it with every problem, in line order.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from blocklists.model import BlocklistFormatError, EntryKind
from blocklists.validate import Checker, Invalid, infer_kind, normalise

from .strategies import any_text, host_names, paths

DOMAIN, HOST, PREFIX = EntryKind.DOMAIN, EntryKind.HOST, EntryKind.URL_PREFIX
kinds = st.sampled_from(list(EntryKind))
prefixes = st.builds(
    lambda scheme, host, port, path: f"{scheme}://{host}{port}{path}",
    st.sampled_from(("http", "https", "HTTPS", "ftp")),
    host_names,
    st.sampled_from(("", ":80", ":443", ":8080", ":99999", ":x")),
    paths() | st.just("") | st.sampled_from(("/ü?q=1", "/a#frag", "?q")),
)
entries = host_names | prefixes | any_text


def _valid(text: str, kind: EntryKind, *, strip_www: bool = False) -> str | None:
    try:
        return normalise(text, kind, strip_www=strip_www)
    except Invalid as invalid:
        assert invalid.message
        return None


@given(entries, kinds, st.booleans())
@example("*.example.com", DOMAIN, False)
@example("https://user:pw@example.com/", PREFIX, False)
@example("xn--zz.com", DOMAIN, False)
def test_any_text_is_a_value_or_invalid(text: str, kind: EntryKind, strip_www: bool) -> None:
    value = _valid(text, kind, strip_www=strip_www)
    if value is not None:
        assert value.isascii() and " " not in value


@given(entries, kinds)
@example("www.www.example.com", DOMAIN)
@example("https://Example.COM:443/Path", PREFIX)
def test_normalising_is_idempotent(text: str, kind: EntryKind) -> None:
    value = _valid(text, kind)
    if value is not None:
        assert normalise(value, kind) == value


@given(host_names, st.sampled_from((DOMAIN, HOST)))
@example("Straße.DE", DOMAIN)
def test_spellings_of_a_name_normalise_alike(name: str, kind: EntryKind) -> None:
    value = _valid(name, kind)
    if value is None:
        return
    cases = (name.upper(), name.lower()) if name.upper().lower() == name.lower() else ()  # not ß
    for spelling in (*cases, value + ".", f"https://{name}/some/path"):
        if ":" in name and spelling.startswith("https://"):
            continue  # an IPv6 literal needs brackets in a URL
        assert _valid(spelling, kind) == value, spelling


@given(host_names)
@example("www.example.com")
@example("www.co.uk")
def test_www_goes_only_with_strip_www_and_only_from_domains(name: str) -> None:
    plain = _valid(name, DOMAIN)
    stripped = _valid(name, DOMAIN, strip_www=True)
    if plain is not None and stripped is not None:
        assert stripped == plain.removeprefix("www.")
    assert _valid(name, HOST, strip_www=True) == _valid(name, HOST)


@given(entries, st.sampled_from((DOMAIN, PREFIX)))
def test_the_inferred_kind_of_a_value_is_its_kind(text: str, kind: EntryKind) -> None:
    value = _valid(text, kind)
    if value is not None:
        assert infer_kind(value) is kind


@given(st.lists(st.tuples(entries, st.none() | kinds.map(str)), max_size=8))
def test_a_list_is_taken_whole_or_refused_whole(rows: list[tuple[str, str | None]]) -> None:
    checker = Checker("list.txt")
    for line, (entry, kind) in enumerate(rows, 1):
        assert checker.add(line, entry, kind)
    try:
        taken = checker.result()
    except BlocklistFormatError as refused:
        assert refused.problems and [p.line for p in refused.problems] == sorted(
            p.line for p in refused.problems
        )
        assert all(p.file == "list.txt" and 1 <= p.line <= len(rows) for p in refused.problems)
        return
    assert len(taken) == len(rows)
    keys = [(e.kind, e.value) for e in taken]
    assert len(set(keys)) == len(keys), "a duplicate is a problem"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("*" * (1 << 20), "wildcards are not supported"),
        ("a" * (1 << 20), "name longer than 253 characters (1048576)"),
        ("a." * 126 + "com", "name longer than 253 characters (255)"),
        ("x" * 64 + ".com", "label longer than 63 characters (64): xxxxxxxxxxxxxxxxxxxx..."),
        ("https://" + "a/" * (1 << 19), "no registrable domain (a single label)"),
        ("co.uk", "a public suffix: names under it belong to different owners"),
    ],
)
def test_hostile_entries(text: str, message: str) -> None:
    kind = infer_kind(text)
    with pytest.raises(Invalid) as refused:
        normalise(text, kind)
    assert refused.value.message == message
