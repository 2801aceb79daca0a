"""Tests of crawler.consent.patterns (RFC 9309 sections 2.2.2 and 2.2.3).

1. The normalisation, as a table of its rules.
2. RFC 9309 Figure 4 (percent-encoding) and section 2.2.3's special characters (Figure 6).
3. The issue's cases through every reader that reuses the patterns: robots.txt, Content-Usage
   and Content-Signal path rules, ai.txt, tdmrep.json locations and RSL ``content@url``.
4. Properties (hypothesis): idempotence, encoding-equivalence, self-match, hostile input.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.aitxt import ai_txt_evidence, parse_ai_txt
from crawler.consent.content_signal import content_signals
from crawler.consent.content_usage import content_usage_robots
from crawler.consent.model import Effect
from crawler.consent.patterns import (
    PathPattern,
    Rule,
    RuleIndex,
    match_path,
    normalise_path,
    normalise_pattern,
)
from crawler.consent.robots import RobotsTxt
from crawler.consent.rsl import NAMESPACE, parse_rsl
from crawler.consent.tdmrep import TdmRepFile

SITE = "https://www.example.com"
SOURCE = f"{SITE}/robots.txt"

# --------------------------------------------------------------------------
# 1. The normalisation
# --------------------------------------------------------------------------

# (id, URL path+query, normalised)
URL_TABLE = [
    ("plain", "/a/b.html", "/a/b.html"),
    ("unreserved-decoded", "/%7Ejoe/%41%7a%30%2D%2E%5F", "/~joe/Az0-._"),
    ("unreserved-lower-hex", "/%7ejoe/", "/~joe/"),
    ("reserved-kept-upper", "/a%2fb%3a%40", "/a%2Fb%3A%40"),
    ("reserved-literal-kept", "/a:b@c!d&e'f(g)h+i,j;k=l", "/a:b@c!d&e'f(g)h+i,j;k=l"),
    ("percent-itself", "/100%25", "/100%25"),
    ("lone-percent", "/100%", "/100%25"),
    ("bad-escape", "/a%zz", "/a%25zz"),
    ("non-ascii", "/foo/jalapeño", "/foo/jalape%C3%B1o"),
    ("non-ascii-3-octets", "/ツ", "/%E3%83%84"),
    ("escaped-non-ascii", "/%e3%83%84", "/%E3%83%84"),
    ("space-and-unsafe", '/a b"<>\\^`{|}', "/a%20b%22%3C%3E%5C%5E%60%7B%7C%7D"),
    ("control", "/a\tb", "/a%09b"),
    ("star-is-literal", "/a*b", "/a%2Ab"),
    ("dollar-is-literal", "/a$", "/a%24"),
    ("query-data", "/q?u=https://h.example/p@x", "/q?u=https%3A%2F%2Fh.example%2Fp%40x"),
    ("query-keeps-delimiters", "/q?a=1&b=2;c=3", "/q?a=1&b=2;c=3"),
    ("query-second-question", "/q?a?b", "/q?a?b"),
    ("query-escapes", "/q?u=%7e%3a", "/q?u=~%3A"),
    ("path-colon-before-query", "/a:b?c:d", "/a:b?c%3Ad"),
]

# (id, pattern, normalised)
PATTERN_TABLE = [
    ("wildcard-kept", "/a/*.html", "/a/*.html"),
    ("anchor-kept", "/a/b$", "/a/b$"),
    ("inner-dollar-literal", "/a$/b", "/a%24/b"),
    ("double-dollar", "/a$$", "/a%24$"),
    ("escaped-star-literal", "/file-%2a.html", "/file-%2A.html"),
    ("escaped-dollar-literal", "/foo-%24", "/foo-%24"),
    ("unreserved-decoded", "/foo/bar/%62%61%7A", "/foo/bar/baz"),
    ("query-data", "/q?u=https://foo.com", "/q?u=https%3A%2F%2Ffoo.com"),
    ("query-wildcard-anchor", "/q?*=x$", "/q?*=x$"),
    ("non-ascii", "/wiki/Käyttäjä:", "/wiki/K%C3%A4ytt%C3%A4j%C3%A4:"),
]


@pytest.mark.parametrize(("path", "expected"), [pytest.param(*r[1:], id=r[0]) for r in URL_TABLE])
def test_normalise_path(path: str, expected: str) -> None:
    assert normalise_path(path) == expected
    assert normalise_path(expected) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"), [pytest.param(*r[1:], id=r[0]) for r in PATTERN_TABLE]
)
def test_normalise_pattern(pattern: str, expected: str) -> None:
    assert normalise_pattern(pattern) == expected
    assert normalise_pattern(expected) == expected


def test_match_path_drops_the_authority_and_fragment() -> None:
    assert match_path("https://user@www.example.com:8080/%7Ea/b?c=d:e#frag") == "/~a/b?c=d%3Ae"
    assert match_path("https://www.example.com") == "/"


# --------------------------------------------------------------------------
# 2. RFC 9309 Figure 4 and section 2.2.3 (Figure 6)
# --------------------------------------------------------------------------

# Figure 4: (path as a rule may write it, the encoded path a URL carries, the path matched).
FIGURE_4 = [
    ("/foo/bar?baz=quz", "/foo/bar?baz=quz", "/foo/bar?baz=quz"),
    (
        "/foo/bar?baz=https://foo.com",
        "/foo/bar?baz=https%3A%2F%2Ffoo.com",
        "/foo/bar?baz=https%3A%2F%2Ffoo.com",
    ),
    ("/foo/bar/\u30c4", "/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"),
    ("/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84"),
    ("/foo/bar/%62%61%7A", "/foo/bar/%62%61%7A", "/foo/bar/baz"),
]


@pytest.mark.parametrize(("path", "encoded", "to_match"), FIGURE_4, ids=[r[0] for r in FIGURE_4])
def test_figure_4(path: str, encoded: str, to_match: str) -> None:
    assert normalise_pattern(path) == normalise_path(encoded) == to_match
    # The rule stops the URL whichever side is written which way.
    for rule, url in ((path, encoded), (encoded, path), (to_match, path), (path, to_match)):
        robots = RobotsTxt.parse(f"User-agent: *\nDisallow: {rule}\n")
        assert not robots.allowed(SITE + url, "FooBot").allowed, (rule, url)


# Section 2.2.3: the special characters, and percent-encoding to match them verbatim.
# (pattern, URL, matches)
FIGURE_6 = [
    ("/this/path/exactly$", "/this/path/exactly", True),
    ("/this/path/exactly$", "/this/path/exactly/more", False),
    ("/this/path/exactly$", "/this/path/exactly?q", False),
    ("/this/*/exactly", "/this/a/b/exactly", True),
    ("/this/*/exactly", "/this/exactly", False),
    ("/path/file-with-a-%2A.html", "/path/file-with-a-*.html", True),
    ("/path/file-with-a-%2A.html", "/path/file-with-a-%2A.html", True),
    ("/path/file-with-a-%2A.html", "/path/file-with-a-x.html", False),
    ("/path/foo-%24", "/path/foo-$", True),
    ("/path/foo-%24", "/path/foo-%24", True),
    ("/path/foo-%24", "/path/foo-", False),
]


@pytest.mark.parametrize(("pattern", "url", "matches"), FIGURE_6)
def test_figure_6(pattern: str, url: str, matches: bool) -> None:
    robots = RobotsTxt.parse(f"User-agent: *\nAllow: /\nDisallow: {pattern} # a comment\n")
    assert robots.allowed(SITE + url, "FooBot").allowed is not matches


# --------------------------------------------------------------------------
# 3. Every reader that reuses the patterns
# --------------------------------------------------------------------------


def _robots(pattern: str, url: str) -> bool:
    robots = RobotsTxt.parse(f"User-agent: *\nAllow: /\nDisallow: {pattern}\n")
    return not robots.allowed(url, "FooBot").allowed


def _content_usage(pattern: str, url: str) -> bool:
    robots = RobotsTxt.parse(f"User-agent: *\nAllow: /\nContent-Usage: {pattern} train-ai=n\n")
    found = content_usage_robots(robots, url, "FooBot", source=SOURCE)
    return any(e.effect is Effect.DENY for e in found)


def _content_signal(pattern: str, url: str) -> bool:
    robots = RobotsTxt.parse(f"User-agent: *\nAllow: /\nContent-Signal: {pattern} ai-train=no\n")
    found = content_signals(robots, url, "FooBot", source=SOURCE)
    return any(e.effect is Effect.DENY for e in found)


def _ai_txt(pattern: str, url: str) -> bool:
    parsed, why = parse_ai_txt(f"User-Agent: *\nDisallow: {pattern}\n".encode(), "text/plain")
    assert parsed is not None, why
    return any(
        e.effect is Effect.DENY for e in ai_txt_evidence(parsed, url, "FooBot", source=SOURCE)
    )


def _tdmrep(pattern: str, url: str) -> bool:
    tdm = TdmRepFile.parse(json.dumps([{"location": pattern, "tdm-reservation": 1}]).encode())
    return tdm.match(url) is not None


def _rsl(pattern: str, url: str) -> bool:
    xml = (
        f'<rsl xmlns="{NAMESPACE}"><content url="{SITE}{pattern}"><license>'
        '<prohibits type="usage">ai-train</prohibits></license></content></rsl>'
    )
    doc = parse_rsl(xml, url=f"{SITE}/license.xml")
    assert doc.valid, doc.errors
    return bool(doc.select(url))


READERS: dict[str, Callable[[str, str], bool]] = {
    "robots": _robots,
    "content-usage": _content_usage,
    "content-signal": _content_signal,
    "ai.txt": _ai_txt,
    "tdmrep": _tdmrep,
    "rsl": _rsl,
}

# The issue's cases: (pattern, URL path, matches)
ISSUE_CASES = [
    ("/~joe/", "/%7Ejoe/x", True),
    ("/%7Ejoe/", "/~joe/x", True),
    ("/%7ejoe/", "/~joe/x", True),
    ("/foo/bar/%62%61%7A", "/foo/bar/baz", True),
    ("/foo/bar/baz", "/foo/bar/%62%61%7A", True),
    ("/path/file-with-a-%2A.html", "/path/file-with-a-*.html", True),
    ("/foo/bar?baz=https://foo.com", "/foo/bar?baz=https%3A%2F%2Ffoo.com", True),
    ("/a%2Fb", "/a/b", False),  # an encoded slash is data, not a separator
    ("/a/b", "/a%2Fb", False),
    ("/jalapeño", "/jalape%C3%B1o", True),
]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(("pattern", "path", "matches"), ISSUE_CASES)
def test_every_reader_normalises_alike(reader: str, pattern: str, path: str, matches: bool) -> None:
    assert READERS[reader](pattern, SITE + path) is matches


# --------------------------------------------------------------------------
# 4. Properties
# --------------------------------------------------------------------------

_PATH_CHARS = st.sampled_from(
    [*string.ascii_letters, *string.digits, *"-._~:/?#[]@!$&'()*+,;=% \"<>\\^`{|}\t", "é", "ツ"]
)
_ESCAPES = st.builds(lambda b: f"%{b:02x}" if b % 2 else f"%{b:02X}", st.integers(0, 255))
_TEXT = st.lists(st.one_of(_PATH_CHARS, _ESCAPES), max_size=40).map(
    lambda parts: "/" + "".join(parts)
)


@given(_TEXT)
@example("/%7e%2a$")
@example("/%%41")
def test_normalisation_is_idempotent(text: str) -> None:
    once = normalise_path(text)
    assert normalise_path(once) == once
    assert once.isascii()
    pattern = normalise_pattern(text)
    assert normalise_pattern(pattern) == pattern


@given(_TEXT, st.data())
def test_encoding_an_unreserved_character_changes_nothing(text: str, data: st.DataObject) -> None:
    spots = [i for i, c in enumerate(text) if c in string.ascii_letters + string.digits + "-._~"]
    if not spots:
        return
    i = data.draw(st.sampled_from(spots))
    # Only where the character does not complete an escape ("%4" + "1" is not "%41").
    if text[max(0, i - 2) : i].startswith("%") or text[max(0, i - 1) : i] == "%":
        return
    encoded = f"{text[:i]}%{ord(text[i]):02X}{text[i + 1 :]}"
    assert normalise_path(encoded) == normalise_path(text)


@given(_TEXT)
def test_a_url_matches_the_pattern_that_spells_it(url: str) -> None:
    # Written as a pattern, its "*" and "$" escaped, a path matches itself exactly, and every
    # prefix of that pattern that does not cut an escape matches it too.
    pattern = url.replace("*", "%2A").replace("$", "%24")
    path = normalise_path(url)
    assert PathPattern.compile(Rule(1, False, pattern + "$")).matches(path)
    inside = {
        i for m in re.finditer(r"%[0-9A-Fa-f]{2}", pattern) for i in (m.start() + 1, m.start() + 2)
    }
    for cut in range(1, len(pattern) + 1):
        if cut not in inside:
            assert PathPattern.compile(Rule(1, False, pattern[:cut])).matches(path), cut


def test_hostile_patterns_are_matched_without_backtracking() -> None:
    stars = PathPattern.compile(Rule(1, False, "*" * 1_000_000))
    assert stars.matches("/anything")
    many = PathPattern.compile(Rule(1, False, "/" + "*a" * 50_000 + "$"))
    assert not many.matches("/" + "a" * 49_999 + "b")
    assert many.matches("/" + "a" * 50_000)
    index = RuleIndex.of(PathPattern.compile(Rule(i, False, f"/{'x' * i}")) for i in range(2000))
    best = index.best("/" + "x" * 5000)
    assert best is not None and best.rule.line == 1999
