"""Tests of blocklists.matcher: which URLs a list covers, by which entry, of which list.

1. Domains at any subdomain depth and their look-alikes; host-only entries; URL prefixes (plain
   string prefixes of the normalised URL, whatever its scheme); ports, IDN, case, trailing dots, odd URLs.
2. Specificity (URL prefix, host, longest domain) and which list and version is reported.
3. 10,000 random entries and URLs cross-checked against a brute-force reference matcher.
"""

from __future__ import annotations

import random
from urllib.parse import urlsplit

import pytest

from blocklists import Entry, EntryKind, Match, Matcher, load_blocklist

DOMAIN, HOST, PREFIX = EntryKind.DOMAIN, EntryKind.HOST, EntryKind.URL_PREFIX

LIST = """\
piracy.example
bücher.example
host: cdn.stream.example
192.0.2.10
[2001:db8::10]
https://video.example/watch
https://video.example/films/
http://files.example:8080/leaks/
https://bücher.example/büro/
https://www.pirate.example/
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("rights-holder", 3, load_blocklist("l.txt", data=LIST.encode()))])


def hit(matcher: Matcher, url: str) -> str | None:
    found = matcher.match(url)
    return None if found is None else f"{found.entry.kind} {found.entry.value}"


# 1. What each kind covers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://piracy.example/", "domain piracy.example"),
        ("https://piracy.example", "domain piracy.example"),
        ("http://www.piracy.example/movies/1", "domain piracy.example"),
        ("https://a.b.piracy.example/", "domain piracy.example"),
        ("https://a.b.c.d.e.f.piracy.example/?q=1", "domain piracy.example"),
        ("ftp://piracy.example/file", "domain piracy.example"),
        ("https://notpiracy.example/", None),
        ("https://piracy.example.evil.com/", None),
        ("https://piracy.examples/", None),
        ("https://example/", None),
        ("https://evil.com/piracy.example", None),
        ("https://evil.com/?next=https://piracy.example/", None),
        ("https://piracy.example@evil.com/", None),  # user-info: the host is evil.com
        ("https://evil.com@piracy.example/", "domain piracy.example"),
    ],
)
def test_domain_covers_every_subdomain_and_nothing_else(
    matcher: Matcher, url: str, expected: str | None
) -> None:
    assert hit(matcher, url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://cdn.stream.example/v/1.mp4", "host cdn.stream.example"),
        ("http://cdn.stream.example:8080/", "host cdn.stream.example"),
        ("http://CDN.Stream.Example./", "host cdn.stream.example"),
        ("http://edge.cdn.stream.example/", None),
        ("http://stream.example/", None),
        ("http://192.0.2.10/", "host 192.0.2.10"),
        ("http://192.0.2.10:8000/x", "host 192.0.2.10"),
        ("http://192.0.2.100/", None),
        ("http://[2001:db8::10]/", "host 2001:db8::10"),
        ("http://[2001:DB8:0:0::10]:8080/", "host 2001:db8::10"),
        ("http://[2001:db8::11]/", None),
        # IPv4 as the system resolver reads it (inet_aton): one number, hex or octal parts.
        ("http://3221225994/", "host 192.0.2.10"),
        ("http://0xC0.0.2.10/", "host 192.0.2.10"),
        ("http://0xc0.0x0.0x2.0xa/x", "host 192.0.2.10"),
        ("http://192.0.2.012/", "host 192.0.2.10"),
        ("http://192.0.2.10./", "host 192.0.2.10"),
        ("http://192.0.2.010/", None),
    ],
)
def test_host_entries_cover_that_host_only(
    matcher: Matcher, url: str, expected: str | None
) -> None:
    assert hit(matcher, url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://video.example/watch", "https://video.example/watch"),
        ("https://video.example/watch?v=1", "https://video.example/watch"),
        ("https://video.example/watch/1", "https://video.example/watch"),
        # Plain string prefixes, as documented: /watch also covers /watchlist.
        ("https://video.example/watchlist", "https://video.example/watch"),
        ("https://video.example/films/", "https://video.example/films/"),
        ("https://video.example/films/x", "https://video.example/films/"),
        ("https://video.example/films", None),  # a prefix ending in / covers one folder
        ("https://video.example/filmstrip", None),
        ("https://video.example/Watch", None),  # paths are case-sensitive
        # http and https are one site; a default port of either scheme is none.
        ("http://video.example/watch", "https://video.example/watch"),
        ("HTTP://video.example:80/watch/1", "https://video.example/watch"),
        ("http://video.example:443/watch", "https://video.example/watch"),
        ("https://video.example:80/watch", "https://video.example/watch"),
        ("http://www.pirate.example/movie", "https://www.pirate.example/"),
        ("http://www.pirate.example", "https://www.pirate.example/"),
        ("http://www.pirate.example:8080/movie", None),
        ("http://pirate.example/movie", None),
        ("https://www.video.example/watch", None),  # so is the host
        ("https://video.example/", None),
        ("https://VIDEO.example./watch#t=10", "https://video.example/watch"),
        ("https://video.example:443/watch", "https://video.example/watch"),
        ("https://video.example:8443/watch", None),
        ("https://video.example:notaport/watch", None),
        ("http://files.example:8080/leaks/1", "http://files.example:8080/leaks/"),
        ("http://files.example/leaks/1", None),
        ("http://files.example:8081/leaks/1", None),
        ("https://files.example:8080/leaks/1", "http://files.example:8080/leaks/"),
        ("https://files.example/leaks/1", None),  # an explicit port matches that port only
        ("https://files.example:443/leaks/1", None),
        ("https://bücher.example/büro/1", "https://xn--bcher-kva.example/b%C3%BCro/"),
        ("https://xn--bcher-kva.example/b%C3%BCro/", "https://xn--bcher-kva.example/b%C3%BCro/"),
    ],
)
def test_url_prefixes(matcher: Matcher, url: str, expected: str | None) -> None:
    found = matcher.match(url)
    value = None if found is None or found.entry.kind is not PREFIX else found.entry.value
    assert value == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://bücher.example/",
        "https://BÜCHER.EXAMPLE/",
        "https://xn--bcher-kva.example/",
        "https://XN--BCHER-KVA.example/",
        "https://www.bücher.example./",
        "https://bücher。example/",
    ],
)
def test_idn_urls(matcher: Matcher, url: str) -> None:
    assert hit(matcher, url) == "domain xn--bcher-kva.example"


@pytest.mark.parametrize(
    "url",
    [
        "HTTPS://PIRACY.EXAMPLE/",
        "https://Piracy.Example./",
        "https://piracy.example../",
        "https://piracy.example:8443/x",
        "https://piracy.example:/x",
        " https://piracy.example/",
        "https://pira\tcy.example/",  # urlsplit drops tabs, so would the crawler
        "https://piracy.example\\x/",  # a path separator, as browsers and Scrapy read it
    ],
)
def test_spellings_of_a_listed_host(matcher: Matcher, url: str) -> None:
    assert hit(matcher, url) == "domain piracy.example"


def test_backslash_ends_the_host_as_in_scrapy(matcher: Matcher) -> None:
    # Scrapy (w3lib, WHATWG) requests https://evil.example/@piracy.example/ for this URL.
    assert hit(matcher, "https://evil.example\\@piracy.example/") is None
    assert hit(matcher, "https://piracy.example\\@evil.example/") == "domain piracy.example"


@pytest.mark.parametrize(
    "url", ["", "not a url", "/relative/path", "piracy.example", "https://", "http://[::1/"]
)
def test_urls_without_a_host_match_nothing(matcher: Matcher, url: str) -> None:
    assert matcher.match(url) is None


def test_match_host(matcher: Matcher) -> None:
    assert hit_host(matcher, "a.b.piracy.example") == "domain piracy.example"
    assert hit_host(matcher, "Bücher.Example.") == "domain xn--bcher-kva.example"
    assert hit_host(matcher, "cdn.stream.example") == "host cdn.stream.example"
    assert hit_host(matcher, "[2001:db8::10]") == "host 2001:db8::10"
    assert hit_host(matcher, "video.example") is None  # URL prefixes are not considered
    assert hit_host(matcher, "") is None


def hit_host(matcher: Matcher, host: str) -> str | None:
    found = matcher.match_host(host)
    return None if found is None else f"{found.entry.kind} {found.entry.value}"


def test_len_counts_distinct_entries() -> None:
    entries = load_blocklist("l.txt", data=LIST.encode())
    assert len(Matcher.build([("a", 1, entries)])) == len(entries) == 10
    assert len(Matcher.build([("a", 1, entries), ("b", 1, entries)])) == 10
    assert len(Matcher.build([])) == 0
    assert Matcher.build([]).match("https://piracy.example/") is None


# 2. Specificity, lists and versions ------------------------------------------------------------


def test_most_specific_entry_wins() -> None:
    entries = load_blocklist(
        "l.txt",
        data=b"piracy.example\nsub.piracy.example\nhost: www.sub.piracy.example\n"
        b"https://www.sub.piracy.example/movies/\nhttps://www.sub.piracy.example/movies/new/\n",
    )
    matcher = Matcher.build([("l", 1, entries)])
    assert hit(matcher, "https://www.sub.piracy.example/movies/new/1") == (
        "url-prefix https://www.sub.piracy.example/movies/new/"
    )
    assert hit(matcher, "https://www.sub.piracy.example/movies/1") == (
        "url-prefix https://www.sub.piracy.example/movies/"
    )
    assert hit(matcher, "https://www.sub.piracy.example/books/") == "host www.sub.piracy.example"
    assert hit(matcher, "https://cdn.sub.piracy.example/") == "domain sub.piracy.example"
    assert hit(matcher, "https://sub.piracy.example/") == "domain sub.piracy.example"
    assert hit(matcher, "https://piracy.example/") == "domain piracy.example"


def test_a_host_entry_beats_a_domain_entry_of_the_same_name() -> None:
    lists = [
        ("domains", 1, [Entry("piracy.example", DOMAIN, line=1)]),
        ("hosts", 2, [Entry("piracy.example", HOST, line=7)]),
    ]
    found = Matcher.build(lists).match("https://piracy.example/")
    assert found == Match("hosts", 2, Entry("piracy.example", HOST, line=7))
    assert hit(Matcher.build(lists), "https://www.piracy.example/") == "domain piracy.example"


def test_list_and_version_are_reported() -> None:
    first = load_blocklist("a.txt", data=b"piracy.example\nshared.example\n")
    second = load_blocklist("b.txt", data=b"shared.example\nother.example\n")
    matcher = Matcher.build([("studio-a", 4, first), ("studio-b", 9, second)])
    found = matcher.match("https://x.piracy.example/")
    assert found is not None
    assert (found.source, found.version, found.entry.line) == ("studio-a", 4, 1)
    found = matcher.match("https://other.example/")
    assert found is not None and (found.source, found.version) == ("studio-b", 9)
    # The same entry on two lists: the first list given to build is reported.
    found = matcher.match("https://shared.example/")
    assert found is not None and (found.source, found.version, found.entry.line) == (
        "studio-a",
        4,
        2,
    )


def test_build_takes_any_iterables() -> None:
    entries = load_blocklist("a.txt", data=b"piracy.example\nhttps://video.example/a\n")
    matcher = Matcher.build(iter([("a", 1, iter(entries))]))
    assert matcher.match("https://piracy.example/") is not None
    assert matcher.match("https://video.example/ab") is not None


# 3. Random entries against a brute-force reference -------------------------------------------

# Few labels, so that entries overlap (parents, children, the same name as several kinds).
SITES = [f"site{i}" for i in range(1500)] + ["xn--bcher-kva", "c-d"]
LABELS = ["a", "b", "ab", "www", "e1", "xn--bcher-kva"]
SUFFIXES = ["example", "test", "co.uk"]
PATHS = ["/", "/a", "/a/", "/ab", "/a/b", "/A", "/a?b=1"]


def _host(rng: random.Random) -> str:
    subdomains = [rng.choice(LABELS) for _ in range(rng.choice([0, 0, 1, 1, 2, 3]))]
    return ".".join([*subdomains, rng.choice(SITES), rng.choice(SUFFIXES)])


def _random_entries(rng: random.Random, count: int) -> list[Entry]:
    seen: set[tuple[EntryKind, str]] = set()
    entries: list[Entry] = []
    while len(entries) < count:
        roll = rng.random()
        if roll < 0.6:
            kind, value = DOMAIN, _host(rng)
        elif roll < 0.85:
            kind, value = HOST, _host(rng)
        else:
            port = rng.choice(["", ":8080"])
            kind = PREFIX
            value = f"{rng.choice(['http', 'https'])}://{_host(rng)}{port}{rng.choice(PATHS)}"
        key = value.split("://")[1] if kind is PREFIX else value  # one prefix whatever the scheme
        if (kind, key) not in seen:
            seen.add((kind, key))
            entries.append(Entry(value, kind, line=len(entries) + 1))
    return entries


def _random_url(rng: random.Random) -> str:
    host = _host(rng)
    if rng.random() < 0.5:
        host = rng.choice(LABELS) + "." + host
    if rng.random() < 0.1:
        host = host.upper()
    if rng.random() < 0.1:
        host += "."
    port = rng.choice(["", "", ":8080", ":443", ":80"])
    return f"{rng.choice(['http', 'https'])}://{host}{port}{rng.choice(PATHS)}{rng.choice(['', 'x', '/y'])}"


def reference(entries: list[Entry], url: str) -> Entry | None:
    """Every entry tried against the URL; the most specific one, as documented."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = "" if parts.port in (None, 80, 443) else f":{parts.port}"
    normalised = f"{host}{port}{parts.path or '/'}"
    if parts.query:
        normalised += "?" + parts.query
    prefixes = [
        e for e in entries if e.kind is PREFIX and normalised.startswith(e.value.split("://")[1])
    ]
    if prefixes:
        return max(prefixes, key=lambda e: (len(e.value.split("://")[1]), -e.line))
    hosts = [e for e in entries if e.kind is HOST and e.value == host]
    if hosts:
        return hosts[0]
    domains = [
        e for e in entries if e.kind is DOMAIN and (host == e.value or host.endswith("." + e.value))
    ]
    return max(domains, key=lambda e: len(e.value)) if domains else None


def test_random_entries_against_brute_force() -> None:
    rng = random.Random(20261129)
    entries = _random_entries(rng, 10_000)
    matcher = Matcher.build([("random", 1, entries)])
    assert len(matcher) == 10_000
    urls = [_random_url(rng) for _ in range(1_500)]
    urls += [f"https://{e.value}/" for e in rng.sample(entries, 300) if e.kind is not PREFIX]
    urls += [e.value + "more" for e in entries if e.kind is PREFIX][:300]
    matched = 0
    for url in urls:
        found = matcher.match(url)
        expected = reference(entries, url)
        assert (found.entry if found else None) == expected, url
        matched += found is not None
    assert 0.2 * len(urls) < matched < 0.95 * len(urls)  # both answers are well exercised
