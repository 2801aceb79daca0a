"""Tests of blocklists.formats and blocklists.validate: reading lists, normalising, refusing.

1. The sample files of tests/data/blocklists in every format, and their broken versions.
2. Every validation error, with the file and line in the message (parametrized).
3. Normalisation: IDN, case, trailing dots, www stripping, URLs written as domains, prefixes.
4. Encoding and layout: BOM, CRLF, comments, invalid UTF-8, sniffing the format.
5. All or nothing, max_entries, every Public Suffix List rule refused, share_blocked.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tldextract

from blocklists import (
    BlocklistFormatError,
    Entry,
    EntryKind,
    Problem,
    load_blocklist,
    share_blocked,
)

DATA = Path(__file__).parent / "data" / "blocklists"
DOMAIN, HOST, PREFIX = EntryKind.DOMAIN, EntryKind.HOST, EntryKind.URL_PREFIX


def pairs(entries: tuple[Entry, ...]) -> list[tuple[EntryKind, str]]:
    return [(entry.kind, entry.value) for entry in entries]


def refused(
    data: str | bytes,
    name: str = "list.txt",
    *,
    format: str | None = None,
    strip_www: bool = False,
    max_entries: int = 5_000_000,
) -> list[Problem]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(BlocklistFormatError) as caught:
        load_blocklist(name, data=raw, format=format, strip_www=strip_www, max_entries=max_entries)
    return list(caught.value.problems)


# 1. Sample files ---------------------------------------------------------------------------

COMMON = [
    (DOMAIN, "piracy.example"),
    (HOST, "cdn.stream.example"),
    (PREFIX, "https://video.example/watch/"),
    (DOMAIN, "xn--bcher-kva.example"),
    (HOST, "192.0.2.10"),
]


def test_plain_text_file() -> None:
    entries = load_blocklist(DATA / "plain.txt")
    assert pairs(entries) == [
        (DOMAIN, "piracy.example"),
        (DOMAIN, "mirror.piracy-two.example"),
        (DOMAIN, "xn--bcher-kva.example"),
        (HOST, "192.0.2.10"),
        (HOST, "2001:db8::10"),
        (PREFIX, "https://video.example/watch/"),
        (HOST, "cdn.stream.example"),
        (DOMAIN, "torrents.example"),
        (PREFIX, "http://files.example:8080/leaks"),
    ]
    assert [entry.line for entry in entries] == [5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert all(e.reason is None and e.evidence_url is None and e.added is None for e in entries)


def test_csv_file() -> None:
    entries = load_blocklist(DATA / "list.csv")
    assert sorted(pairs(entries)) == sorted(COMMON)
    first = entries[0]
    assert first == Entry(
        "piracy.example",
        DOMAIN,
        reason="counterfeit, camrip mirror",
        evidence_url="https://evidence.example/case/1",
        added="2026-01-15",
        line=2,
    )
    assert entries[2].reason is None and entries[2].added is None  # empty cells are None
    assert [entry.line for entry in entries] == [2, 3, 4, 5, 6]


def test_json_of_strings() -> None:
    entries = load_blocklist(DATA / "strings.json")
    assert sorted(pairs(entries)) == sorted(COMMON)
    assert [entry.line for entry in entries] == [1, 2, 3, 4, 5]  # array index + 1


def test_json_of_objects() -> None:
    entries = load_blocklist(DATA / "objects.json")
    assert sorted(pairs(entries)) == sorted(COMMON)
    assert entries[0].reason == "counterfeit"
    assert entries[0].evidence_url == "https://evidence.example/case/1"
    assert entries[0].added == "2026-01-15"
    assert entries[1].reason is None
    assert entries[3].kind is DOMAIN  # no kind: inferred
    assert [entry.line for entry in entries] == [1, 2, 3, 4, 5]


def test_every_format_agrees() -> None:
    results = [
        sorted(pairs(load_blocklist(DATA / name)))
        for name in ("list.csv", "strings.json", "objects.json")
    ]
    assert results[0] == results[1] == results[2]


def test_broken_text_file() -> None:
    problems = refused((DATA / "broken.txt").read_bytes(), "broken.txt")
    assert [(p.line, p.entry) for p in problems] == [
        (2, "com"),
        (3, "*.piracy.example"),
        (4, "piracy..example"),
        (5, "Piracy.Example."),
        (6, "https:///no-host"),
        (7, "localhost"),
    ]
    assert "duplicate of line 1" in problems[3].message


def test_broken_csv_file() -> None:
    with pytest.raises(BlocklistFormatError) as caught:
        load_blocklist(DATA / "broken.csv")
    problems = caught.value.problems
    assert [(p.line, p.entry) for p in problems] == [
        (3, "cdn.stream.example"),
        (4, "video.example"),
        (5, "piracy-two.example"),
        (6, "piracy-three.example"),
        (7, "PIRACY.example"),
    ]
    messages = [p.message for p in problems]
    assert "unknown kind 'server'" in messages[0]
    assert "no kind" in messages[1]
    assert "not a date" in messages[2]
    assert "evidence_url" in messages[3]
    assert "duplicate of line 2" in messages[4]
    assert str(caught.value).splitlines()[0].startswith(f"{DATA / 'broken.csv'}:3: ")


def test_broken_json_file() -> None:
    with pytest.raises(BlocklistFormatError) as caught:
        load_blocklist(DATA / "broken.json")
    (problem,) = caught.value.problems
    assert problem.line == 4  # the file's line of the syntax error
    assert "not valid JSON" in problem.message and "delimiter" in problem.message


def test_broken_json_objects_file() -> None:
    with pytest.raises(BlocklistFormatError) as caught:
        load_blocklist(DATA / "broken-objects.json")
    found = [(p.line, p.message) for p in caught.value.problems]
    assert [line for line, _ in found] == [2, 3, 4, 5, 6]
    assert "kind must be a string" in found[0][1]
    assert "unknown kind 'mirror'" in found[1][1]
    assert "expected a string or an object" in found[2][1]
    assert "empty entry" in found[3][1]
    assert "public suffix" in found[4][1]


# 2. Every validation error, with its line -----------------------------------------------------

GOOD = "first.example\nsecond.example\n"  # the faulty entry follows on line 3

TEXT_ERRORS = [
    ("com", "public suffix"),
    ("co.uk", "public suffix"),
    ("github.io", "public suffix"),
    ("blogspot.com", "public suffix"),
    ("www.ck", None),  # the PSL exception rule: a registrable domain
    ("foo.ck", "public suffix"),  # under the wildcard rule *.ck
    ("domain: 192.0.2.1", "IP literal is not a domain"),
    ("domain: [2001:db8::1]", "IP literal is not a domain"),
    ("*.piracy.example", "wildcards are not supported: a domain entry covers every subdomain"),
    ("exa*mple.com", "wildcards are not supported"),
    ("a..b.example", "empty label"),
    (".piracy.example", "empty label"),
    ("piracy.example..", "empty label"),
    ("a" * 64 + ".example", "longer than 63"),
    (".".join(["a" * 63] * 4) + ".example", "longer than 253"),
    ("pira$cy.example", "invalid characters: '$'"),
    ("piracy.example:8080", "invalid characters: ':'"),
    ("-piracy.example", "hyphen"),
    ("piracy-.example", "hyphen"),
    ("xn--zzzzzzzz.example", "invalid punycode"),
    ("☃.example", "not a valid internationalised name"),
    ("1.2.3.999", "all digits"),
    ("localhost", "no registrable domain"),
    ("host: localhost", "no registrable domain"),
    ("host: com", "public suffix"),
    ("piracy.example/movies", "needs an http:// or https:// scheme"),
    ("ftp://piracy.example/", "http or https scheme, not 'ftp'"),
    ("https:///movies", "without a host"),
    ("https://user:secret@piracy.example/", "user-info"),
    ("https://piracy.example:99999/", "invalid port"),
    ("https://github.io/piracy/", "public suffix"),
    ("first.example", "duplicate of line 1 (domain first.example)"),
    ("FIRST.example.", "duplicate of line 1"),
]


@pytest.mark.parametrize(("entry", "message"), TEXT_ERRORS)
def test_validation_error_names_file_line_and_entry(entry: str, message: str | None) -> None:
    data = GOOD + entry + "\n"
    if message is None:
        assert len(load_blocklist("list.txt", data=data.encode())) == 3
        return
    (problem,) = refused(data)
    assert (problem.file, problem.line) == ("list.txt", 3)
    assert message in problem.message
    assert str(problem).startswith(f"list.txt:3: {problem.entry!r}: ")


CSV_ERRORS = [
    ("piracy.example,mirror,,,", "unknown kind 'mirror'"),
    ("piracy.example,,,,", "no kind"),
    (",domain,,,", "no entry"),
    ("piracy.example,domain,,,2026-02-30", "not a date"),
    ("piracy.example,domain,,,2026/01/15", "not a date"),
    ("piracy.example,domain,,,20260115", "not a date"),
    ("piracy.example,domain,,ftp://evidence.example/,", "evidence_url"),
    ("piracy.example,domain,,evidence,", "evidence_url"),
    ("piracy.example,host,,,", None),  # the same value as another kind is no duplicate
    ("first.example,domain,,,", "duplicate of line 2"),
    ("192.0.2.1,domain,,,", "IP literal is not a domain"),
    ("https://piracy.example,url-prefix,,,2026-13-01", "not a date"),
]


@pytest.mark.parametrize(("row", "message"), CSV_ERRORS)
def test_csv_validation_error(row: str, message: str | None) -> None:
    data = "entry,kind,reason,evidence_url,added\nfirst.example,domain,,,\n" + row + "\n"
    if message is None:
        assert len(load_blocklist("list.csv", data=data.encode())) == 2
        return
    (problem,) = refused(data, "list.csv")
    assert (problem.file, problem.line) == ("list.csv", 3)
    assert message in problem.message
    assert str(problem).startswith("list.csv:3: ")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("entry,reason", "no kind column"),
        ("kind", "no entry column"),
        ("reason", "no entry or kind column"),
        ("entry,kind,Entry", "column entry twice"),
    ],
)
def test_csv_header_problems(header: str, message: str) -> None:
    (problem,) = refused(header + "\npiracy.example,domain\n", "list.csv")
    assert problem.line == 1 and message in problem.message


def test_empty_csv_has_no_header() -> None:
    (problem,) = refused(b"", "list.csv")
    assert "no header row" in problem.message


def test_csv_errors_are_reported_on_their_lines_across_quoted_newlines() -> None:
    data = (
        'entry,kind,reason\npiracy.example,domain,"two\nlines"\ncom,domain,\nexa*mple.com,domain,\n'
    )
    assert [p.line for p in refused(data, "list.csv")] == [4, 5]


@pytest.mark.parametrize(
    ("document", "line", "message"),
    [
        ('["a.example", "b.example"', 1, "not valid JSON"),
        ('["a.example",]', 1, "not valid JSON"),
        ('{"entries": "piracy.example"}', 1, '"entries" list'),
        ('{"source": "x"}', 1, '"entries" list'),
        ('"piracy.example"', 1, '"entries" list'),
        ('["piracy.example"] []', 1, "Extra data"),
        ('[\n"piracy.example",\n\n{"entry": "x.example", "added": 2026}]', 2, "added must be"),
        ('["piracy.example", ""]', 2, "empty entry"),
        ('[{"entry": "piracy.example", "kind": ""}]', 1, "unknown kind ''"),
    ],
)
def test_json_problems(document: str, line: int, message: str) -> None:
    problems = refused(document, "list.json")
    assert [(p.line, message in p.message) for p in problems] == [(line, True)]


def test_json_nested_too_deeply() -> None:
    (problem,) = refused("[" * 100_000 + "]" * 100_000, "list.json")
    assert "not valid JSON" in problem.message


def test_every_problem_is_collected_before_refusing() -> None:
    problems = refused("com\nok.example\n*.x.example\nok.example\nlocalhost\n")
    assert [p.line for p in problems] == [1, 3, 4, 5]
    assert str(BlocklistFormatError(problems)).count("\n") == 3  # one problem a line


def test_too_many_entries() -> None:
    data = "".join(f"site{i}.example\n" for i in range(5))
    (problem,) = refused(data, max_entries=3)
    assert problem.line == 4 and "more than 3 entries" in problem.message
    assert len(load_blocklist("list.txt", data=data.encode(), max_entries=5)) == 5


# 3. Normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kind", "value"),
    [
        ("bücher.example", DOMAIN, "xn--bcher-kva.example"),
        ("BÜCHER.example", DOMAIN, "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", DOMAIN, "xn--bcher-kva.example"),
        ("bücher。example", DOMAIN, "xn--bcher-kva.example"),  # ideographic full stop
        ("straße.example", DOMAIN, "xn--strae-oqa.example"),  # IDNA 2008: ß stays
        ("Piracy.Example.", DOMAIN, "piracy.example"),
        ("my_site.piracy.example", DOMAIN, "my_site.piracy.example"),
        ("domain: https://Piracy.Example:8443/some/path?q#f", DOMAIN, "piracy.example"),
        ("host: https://CDN.piracy.example/", HOST, "cdn.piracy.example"),
        ("HOST:cdn.piracy.example", HOST, "cdn.piracy.example"),
        ("192.0.2.1", HOST, "192.0.2.1"),
        ("192.0.2.1.", HOST, "192.0.2.1"),
        ("2001:DB8:0:0::1", HOST, "2001:db8::1"),
        ("[2001:db8::1]", HOST, "2001:db8::1"),
        ("HTTPS://Video.Example/Watch/", PREFIX, "https://video.example/Watch/"),
        ("https://video.example", PREFIX, "https://video.example/"),
        ("https://video.example:443/a", PREFIX, "https://video.example/a"),
        ("http://video.example:80/a", PREFIX, "http://video.example/a"),
        # A default port of either scheme is none: http and https are one site.
        ("http://video.example:443/a", PREFIX, "http://video.example/a"),
        ("https://video.example:80/a", PREFIX, "https://video.example/a"),
        ("https://video.example:8080/a", PREFIX, "https://video.example:8080/a"),
        ("https://video.example./a", PREFIX, "https://video.example/a"),
        ("https://bücher.example/bücher", PREFIX, "https://xn--bcher-kva.example/b%C3%BCcher"),
        ("https://video.example/a?list=1#top", PREFIX, "https://video.example/a?list=1"),
        ("https://video.example/a/../B%2f", PREFIX, "https://video.example/a/../B%2f"),
        ("http://[2001:DB8::1]:8080/x", PREFIX, "http://[2001:db8::1]:8080/x"),
        ("https://192.0.2.1/x", PREFIX, "https://192.0.2.1/x"),
        ("url-prefix: https://video.example/a", PREFIX, "https://video.example/a"),
    ],
)
def test_normalisation(written: str, kind: EntryKind, value: str) -> None:
    (entry,) = load_blocklist("list.txt", data=written.encode())
    assert (entry.kind, entry.value) == (kind, value)


def test_www_is_kept_unless_asked() -> None:
    data = b"www.piracy.example\nhost: www.cdn.example\nhttps://www.video.example/a\n"
    kept = load_blocklist("list.txt", data=data)
    assert [e.value for e in kept] == [
        "www.piracy.example",
        "www.cdn.example",
        "https://www.video.example/a",
    ]
    stripped = load_blocklist("list.txt", data=data, strip_www=True)
    # Only domains lose it: the host without www would no longer cover www.cdn.example.
    assert [e.value for e in stripped] == [
        "piracy.example",
        "www.cdn.example",
        "https://www.video.example/a",
    ]


def test_strip_www_makes_duplicates_and_refuses_suffixes() -> None:
    problems = refused("piracy.example\nwww.piracy.example\nwww.co.uk\n", strip_www=True)
    assert [(p.line, p.message.split(" (")[0]) for p in problems] == [
        (2, "duplicate of line 1"),
        (3, "a public suffix: names under it belong to different owners"),
    ]
    assert len(load_blocklist("l.txt", data=b"piracy.example\nwww.piracy.example\n")) == 2


@pytest.mark.parametrize(
    "second",
    [
        "Piracy.Example.",
        "PIRACY.EXAMPLE",
        "domain: piracy.example",
        "domain:https://piracy.example/",
    ],
)
def test_duplicates_across_spellings(second: str) -> None:
    (problem,) = refused(f"piracy.example\n{second}\n")
    assert problem.line == 2 and "duplicate of line 1" in problem.message


@pytest.mark.parametrize(
    "second",
    [
        "http://video.example/a",
        "HTTP://Video.Example:80/a",
        "https://video.example:443/a",
        "http://video.example:443/a",
    ],
)
def test_url_prefix_duplicates_whatever_the_scheme(second: str) -> None:
    (problem,) = refused(f"https://video.example/a\n{second}\n")
    assert problem.line == 2 and "duplicate of line 1" in problem.message


@pytest.mark.parametrize(
    "second", ["https://video.example:8080/a", "https://video.example/a/", "https://video.example/A"]
)
def test_url_prefixes_that_differ_are_no_duplicates(second: str) -> None:
    assert len(load_blocklist("l.txt", data=f"http://video.example/a\n{second}\n".encode())) == 2


def test_idn_duplicates_across_spellings() -> None:
    (problem,) = refused("bücher.example\nXN--BCHER-KVA.EXAMPLE\n")
    assert "duplicate of line 1 (domain xn--bcher-kva.example)" in problem.message


# 4. Encoding and layout ------------------------------------------------------------------------


def test_bom_crlf_comments_and_blank_lines() -> None:
    data = (
        "\ufeff# header comment\r\n"
        "\r\n"
        "piracy.example\r\n"
        "   # indented comment\r\n"
        "\tcdn.piracy-two.example   # trailing comment\r\n"
        "https://video.example/watch#part   # a fragment is not a comment\r\n"
        "  \r\n"
    ).encode()
    entries = load_blocklist("list.txt", data=data)
    assert [(e.value, e.line) for e in entries] == [
        ("piracy.example", 3),
        ("cdn.piracy-two.example", 5),
        ("https://video.example/watch", 6),
    ]


def test_bom_and_crlf_in_csv_and_json() -> None:
    csv_data = "\ufeffentry,kind\r\npiracy.example,domain\r\n".encode()
    assert pairs(load_blocklist("l.csv", data=csv_data)) == [(DOMAIN, "piracy.example")]
    json_data = '\ufeff[\r\n"piracy.example"\r\n]\r\n'.encode()
    assert pairs(load_blocklist("l.json", data=json_data)) == [(DOMAIN, "piracy.example")]


@pytest.mark.parametrize("name", ["list.txt", "list.csv", "list.json"])
def test_invalid_utf8_names_the_line(name: str) -> None:
    lines = {
        "list.txt": [b"piracy.example", b"pira\xffcy.example", b"ok.example", b"\xc3("],
        "list.csv": [b"entry,kind", b"pira\xffcy.example,domain", b"ok.example,domain", b"\xc3("],
        "list.json": [
            b'["piracy.example",',
            b'"pira\xffcy.example",',
            b'"ok.example",',
            b'"\xc3("]',
        ],
    }[name]
    problems = refused(b"\n".join(lines), name)
    utf8 = [p for p in problems if "not UTF-8" in p.message]
    assert [p.line for p in utf8] == [2, 4]
    assert "byte 0xff" in utf8[0].message and "\ufffd" in utf8[0].entry


@pytest.mark.parametrize(
    ("data", "kinds"),
    [
        (b'["piracy.example"]', [DOMAIN]),
        (b'  {"entries": [{"entry": "piracy.example", "kind": "host"}]}', [HOST]),
        (b"\nEntry , KIND\npiracy.example,host\n", [HOST]),
        (b"# entry,kind\npiracy.example\n", [DOMAIN]),  # a comment: plain text
        (b"piracy.example\nhost: cdn.example\n", [DOMAIN, HOST]),
        (b"[2001:db8::1]\n", [HOST]),  # a bracket alone does not make JSON
        (b"", []),
    ],
)
def test_format_sniffed_without_extension(data: bytes, kinds: list[EntryKind]) -> None:
    assert [e.kind for e in load_blocklist("upload", data=data)] == kinds


def test_format_option_overrides_the_extension() -> None:
    data = b"entry,kind\npiracy.example,host\n"
    assert load_blocklist("list.txt", data=data, format="csv")[0].kind is HOST
    assert [p.line for p in refused(data, format="text")] == [1, 2]  # read as plain text
    with pytest.raises(ValueError, match="unknown blocklist format 'xml'"):
        load_blocklist("list.txt", data=data, format="xml")


def test_file_is_read_from_path(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes(b"piracy.example\n")
    assert pairs(load_blocklist(str(path))) == [(DOMAIN, "piracy.example")]
    with pytest.raises(OSError):
        load_blocklist(tmp_path / "missing.txt")


# 5. All or nothing, the Public Suffix List, share_blocked ------------------------------------


def test_all_or_nothing() -> None:
    data = "".join(f"site{i}.example\n" for i in range(1000)) + "co.uk\n"
    with pytest.raises(BlocklistFormatError) as caught:
        load_blocklist("list.txt", data=data.encode())
    assert len(caught.value.problems) == 1  # nothing of the 1,000 good entries comes back
    assert isinstance(caught.value, ValueError)


def _psl_rules() -> list[str]:
    extract = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )
    return sorted(extract.tlds)


def test_every_public_suffix_rule_is_refused() -> None:
    rules = [rule for rule in _psl_rules() if not rule.startswith(("*", "!"))]
    problems = refused("".join(f"{rule}\n" for rule in rules))
    assert len(problems) == len(rules)
    assert {p.message for p in problems} == {
        "a public suffix: names under it belong to different owners"
    }


def test_registrable_domains_agree_with_tldextract() -> None:
    """``piracy.<rule>`` is accepted exactly when tldextract sees a registrable domain in it."""
    extract = tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )
    names = sorted({"piracy." + rule.lstrip("*.!") for rule in _psl_rules()})
    problems = refused("".join(f"{name}\n" for name in names))
    refused_names = {p.entry for p in problems}
    for name in names:
        registrable = extract(name).top_domain_under_public_suffix
        assert (name not in refused_names) == bool(registrable), name


def test_share_blocked() -> None:
    entries = load_blocklist("l.txt", data=b"piracy.example\nhttps://video.example/watch/\n")
    seeds = [
        "https://piracy.example/",
        "https://www.piracy.example/a",
        "https://video.example/watch/1",
        "https://video.example/about",
        "https://open.example/",
        "not a url",
    ]
    assert share_blocked(entries, seeds) == pytest.approx(3 / 6)
    assert share_blocked(entries, []) == 0.0
    assert share_blocked((), seeds) == 0.0
