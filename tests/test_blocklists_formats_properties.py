"""Properties of blocklists.formats (plain text, CSV and JSON lists).

1. Any bytes in any format are entries or BlocklistFormatError (every problem, with the file
   and a line); nothing else escapes.
2. Formats round-trip: entries written as text, CSV or JSON (any layout, BOM, CRLF) read back
   as written; the entries of a list, written again, read back the same (normalised values
   are stable); the format sniffed from the content is the format.
3. All or nothing: one bad entry refuses the whole list, naming its line.
4. Hostile inputs.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from blocklists import BlocklistFormatError, Entry, EntryKind, load_blocklist
from blocklists.validate import Invalid, normalise

from . import hostile
from .strategies import BLOCKLISTS, host_names, mutated, paths

FORMATS = ("text", "csv", "json")
_Row = tuple[str, EntryKind, str | None, str | None, str | None]

reasons = st.none() | st.sampled_from(
    ("piracy", "  spaces around  ", 'a, b; "quoted"', "line\nbreak")
)
dates = st.none() | st.sampled_from(("2026-01-31", "2024-02-29"))
evidence = st.none() | st.sampled_from(
    ("https://evidence.example/case/1", "http://[2001:db8::1]/x")
)
written_entries = st.one_of(
    st.tuples(host_names, st.just(EntryKind.DOMAIN)),
    st.tuples(host_names, st.just(EntryKind.HOST)),
    st.tuples(
        st.builds(
            lambda h, p: f"https://{h}{p}", host_names.filter(lambda h: ":" not in h), paths()
        ),
        st.just(EntryKind.URL_PREFIX),
    ),
)


@st.composite
def _rows(draw: st.DrawFn, fields: bool = True) -> list[_Row]:
    """Valid, distinct entries as written (with a reason, evidence URL and date if ``fields``)."""
    rows: list[_Row] = []
    seen: set[tuple[EntryKind, str]] = set()
    for text, kind in draw(st.lists(written_entries, max_size=8)):
        try:
            value = normalise(text, kind)
        except Invalid:
            continue
        key = (kind, value.partition("://")[2] if kind is EntryKind.URL_PREFIX else value)
        if key in seen:
            continue
        seen.add(key)
        extra = (draw(reasons), draw(evidence), draw(dates)) if fields else (None, None, None)
        rows.append((text, kind, *extra))
    return rows


def _write(rows: list[_Row], fmt: str, end: str) -> bytes:
    if fmt == "text":
        text = "".join(f"{kind}: {entry}{end}" for entry, kind, *_ in rows)
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator=end)
        writer.writerow(["Kind", "entry", "REASON", "evidence_url", "added", "other"])
        for entry, kind, reason, url, added in rows:
            writer.writerow([kind, entry, reason or "", url or "", added or "", "x"])
        text = out.getvalue()
    else:
        items = [
            {
                "entry": entry,
                "kind": str(kind),
                "reason": reason,
                "evidence_url": url,
                "added": added,
            }
            for entry, kind, reason, url, added in rows
        ]
        text = json.dumps({"entries": items, "version": 2}, indent=2 if end == "\r\n" else None)
    return text.encode()


def _expected(rows: list[_Row]) -> list[tuple[str, EntryKind, str | None, str | None, str | None]]:
    return [
        (normalise(entry, kind), kind, (reason or "").strip() or None, url, added)
        for entry, kind, reason, url, added in rows
    ]


def _read(
    entries: tuple[Entry, ...],
) -> list[tuple[str, EntryKind, str | None, str | None, str | None]]:
    return [(e.value, e.kind, e.reason, e.evidence_url, e.added) for e in entries]


# --------------------------------------------------------------------------
# 1. Anything
# --------------------------------------------------------------------------


@given(
    mutated(BLOCKLISTS) | st.binary(max_size=200),
    st.sampled_from((None, *FORMATS)),
    st.sampled_from(("list", "list.txt", "list.csv", "list.json")),
)
@example(b'{"entries": [], "entries": []}', "json", "list")
@example(b"entry,kind\n\x00,domain", "csv", "list")
@example(b'["a.com", {"entry": ["x"]}]', None, "list")
@example(b"a\rb\n", None, "list")  # csv.Error escaped from sniffing the format
@example(b"x" * 200_000, None, "list")  # likewise: a first line over csv's field limit
def test_any_bytes_are_entries_or_the_documented_error(
    data: bytes, fmt: str | None, name: str
) -> None:
    try:
        entries = load_blocklist(name, data=data, format=fmt)
    except BlocklistFormatError as refused:
        assert refused.problems
        assert all(p.file == name and p.line >= 1 and p.message for p in refused.problems)
        return
    assert all(isinstance(e, Entry) and e.line >= 1 for e in entries)


# --------------------------------------------------------------------------
# 2. Round trips
# --------------------------------------------------------------------------


@given(_rows(), st.sampled_from(("csv", "json")), st.sampled_from(("\n", "\r\n")), st.booleans())
@example([("Straße.de", EntryKind.DOMAIN, "line\nbreak", None, None)], "csv", "\r\n", True)
def test_formats_round_trip(rows: list[_Row], fmt: str, end: str, bom: bool) -> None:
    data = (b"\xef\xbb\xbf" if bom else b"") + _write(rows, fmt, end)
    assert _read(load_blocklist(f"list.{fmt}", data=data)) == _expected(rows)
    assert _read(load_blocklist("list", data=data)) == _expected(rows), "the sniffed format"


@given(_rows(fields=False), st.sampled_from(("\n", "\r\n")))
def test_text_round_trips(rows: list[_Row], end: str) -> None:
    data = _write(rows, "text", end)
    assert _read(load_blocklist("list.txt", data=data)) == _expected(rows)


@given(_rows(), st.sampled_from(FORMATS))
def test_entries_written_again_read_back_the_same(rows: list[_Row], fmt: str) -> None:
    if fmt == "text":
        rows = [(entry, kind, None, None, None) for entry, kind, *_ in rows]
    first = load_blocklist(f"list.{fmt}", data=_write(rows, fmt, "\n"))
    again = [(e.value, e.kind, e.reason, e.evidence_url, e.added) for e in first]
    assert _read(load_blocklist(f"list.{fmt}", data=_write(again, fmt, "\n"))) == _read(first)


# --------------------------------------------------------------------------
# 3. All or nothing
# --------------------------------------------------------------------------


@given(_rows(), st.sampled_from(FORMATS), st.data())
def test_one_bad_entry_refuses_the_list(rows: list[_Row], fmt: str, data: st.DataObject) -> None:
    bad = data.draw(st.sampled_from(("*.example.com", "com", "https://", "xn--zz.com", "a..b")))
    at = data.draw(st.integers(0, len(rows)))
    rows = [*rows[:at], (bad, EntryKind.DOMAIN, None, None, None), *rows[at:]]
    with pytest.raises(BlocklistFormatError) as refused:
        load_blocklist(f"list.{fmt}", data=_write(rows, fmt, "\n"))
    assert refused.value.problems[0].entry == bad


# --------------------------------------------------------------------------
# 4. Hostile inputs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", hostile.INPUTS)
@pytest.mark.parametrize("fmt", [None, *FORMATS])
def test_hostile_lists_are_refused(name: str, fmt: str | None) -> None:
    with pytest.raises(BlocklistFormatError) as refused:
        load_blocklist("list", data=hostile.INPUTS[name](), format=fmt)
    assert refused.value.problems


def test_a_hundred_thousand_entries_and_problems() -> None:
    names = "".join(f"site{i}.example\n" for i in range(hostile.LINES))
    assert len(load_blocklist("list.txt", data=names.encode())) == hostile.LINES
    with pytest.raises(BlocklistFormatError) as refused:
        load_blocklist("list.txt", data=hostile.many_lines())
    assert len(refused.value.problems) == hostile.LINES + 1
    with pytest.raises(BlocklistFormatError) as deep:
        load_blocklist("list.json", data=b'{"entries": ' + hostile.deep_json() + b"}")
    assert [p.message for p in deep.value.problems] == ["not valid JSON: nested too deeply"]
