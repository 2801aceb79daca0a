"""Tests of crawler.consent.robots (RFC 9309 robots.txt parser and matcher).

1. Google's conformance data (tests/data/google_robots_cases.json).
2. 72 real robots.txt files with the verdicts of tests/data/realweb_manifest.json.
3. Hand-written RFC 9309 table and structural checks.
4. A size sanity check (behaviour, not time).
5. RSL ``License:`` lines (SIGNALS.md section 7 vector 6, discovery in robots.txt).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.consent.patterns import Rule, normalise_pattern, path_params_query
from crawler.consent.robots import (
    LICENSE_URL_MAX,
    Group,
    Line,
    RobotsTxt,
    Verdict,
    decode_robots,
    is_license_url,
    is_valid_token,
)

DATA = Path(__file__).parent / "data"
GOOGLE: dict[str, Any] = json.loads((DATA / "google_robots_cases.json").read_text("utf-8"))
MANIFEST: dict[str, Any] = json.loads((DATA / "realweb_manifest.json").read_text("utf-8"))

# --------------------------------------------------------------------------
# 1. Google conformance data
# --------------------------------------------------------------------------

_RAW_URL = (
    "Google leaves the caller's URL as it is, so a raw 'ツ' in the URL never matches a rule "
    "(which the parser percent-encodes). RFC 9309 section 2.2.2 says octets outside US-ASCII "
    "in the URI MUST be percent-encoded prior to comparison, so both sides become "
    "/foo/bar/%E3%83%84, the Allow rule matches and the URL is allowed."
)
_LONG_LINE = (
    "Google-only: lines longer than 8*2083 bytes are cut, and the cut-off prefix of the pattern "
    "is then applied. RFC 9309 has no per-line limit (only a >= 500 KiB file limit, section "
    "2.5). A cut Disallow is read as Google reads it (its prefix disallows more: the stricter "
    "reading, case 83 passes), a cut Allow is not (it would allow more), so the whole Allow "
    "pattern is matched and it does not match this URL."
)
_UNRESERVED = (
    "Google compares %62%61%7A and 'baz' as different octets. RFC 9309 section 2.2.2 "
    "(Figure 4, /foo/bar/%62%61%7A) decodes percent-encoded unreserved characters before "
    "comparing, so the Allow rule matches /foo/bar/baz and the URL is allowed."
)
_INDEX_HTML = (
    "Google-only extension: 'Allow: /dir/index.html' also allows '/dir/'. RFC 9309 section "
    "2.2.2 has no such rule: only 'Disallow: /' matches '/allowed-slash/', so it is disallowed."
)
# index in GOOGLE["cases"] -> (test name it must have, reason)
GOOGLE_XFAIL: dict[int, tuple[str, str]] = {
    63: ("ID_Encoding", _RAW_URL),
    65: ("ID_Encoding", _RAW_URL),
    66: ("ID_Encoding", _UNRESERVED),
    78: ("GoogleOnly_IndexHTMLisDirectory", _INDEX_HTML),
    86: ("GoogleOnly_LineTooLong", _LONG_LINE),
}


def _google_cases() -> Iterator[Any]:
    for index, case in enumerate(GOOGLE["cases"]):
        marks: list[pytest.MarkDecorator] = []
        if index in GOOGLE_XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=GOOGLE_XFAIL[index][1]))
        yield pytest.param(case, id=f"{case['test']}-{index}", marks=marks)


@pytest.mark.parametrize("case", list(_google_cases()))
def test_google_conformance(case: dict[str, Any]) -> None:
    verdict = RobotsTxt.parse(case["robots_txt"]).allowed(case["url"], case["user_agent"])
    assert verdict.allowed is case["expected_allowed"], case.get("note")


def test_google_xfail_table_points_at_the_intended_cases() -> None:
    cases = GOOGLE["cases"]
    assert len(cases) == GOOGLE["counts"]["cases"] == 145
    for index, (name, _reason) in GOOGLE_XFAIL.items():
        assert cases[index]["test"] == name
        assert cases[index]["google_specific"] or cases[index]["test"] == "ID_Encoding"
    # The two raw-URL cases: the same rule matches once the URL is encoded.
    for index in (63, 65):
        case = cases[index]
        encoded = case["url"].replace("ツ", "%E3%83%84")
        assert RobotsTxt.parse(case["robots_txt"]).allowed(encoded, case["user_agent"]).allowed


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param(c["token"], c["expected_valid"], id=repr(c["token"]))
        for c in GOOGLE["valid_user_agent_tokens"]
    ],
)
def test_is_valid_token(token: str, expected: bool) -> None:
    assert is_valid_token(token) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(c["url"], c["expected_path_params_query"], id=repr(c["url"]))
        for c in GOOGLE["path_params_query_cases"]
    ],
)
def test_path_params_query(url: str, expected: str) -> None:
    assert path_params_query(url) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        pytest.param(c["pattern"], c["expected_escaped"], id=repr(c["pattern"]))
        for c in GOOGLE["escape_pattern_cases"]
    ],
)
def test_normalise_pattern_google_cases(pattern: str, expected: str) -> None:
    assert normalise_pattern(pattern) == expected


_KNOWN_FIELDS = {"user-agent", "allow", "disallow", "sitemap"}


def _all_lines(robots: RobotsTxt) -> list[Line]:
    return [*robots.lines, *(line for group in robots.groups for line in group.lines)]


def _directive_counts(robots: RobotsTxt) -> tuple[int, int]:
    """(recognised directives, unknown directives) in Google's sense."""
    valid = sum(len(g.tokens) + len(g.rules) for g in robots.groups)
    valid += sum(1 for line in _all_lines(robots) if line.field in _KNOWN_FIELDS)
    unknown = sum(
        1
        for line in _all_lines(robots)
        if line.field not in _KNOWN_FIELDS and line.field != "crawl-delay"
    )
    return valid, unknown


def _last_line_seen(robots: RobotsTxt) -> int:
    numbers = [line.line for line in _all_lines(robots)]
    for group in robots.groups:
        numbers.append(group.line)
        numbers.extend(rule.line for rule in group.rules)
    return max(numbers)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c["name"]) for c in GOOGLE["parse_stats_cases"]]
)
def test_google_parse_stats(case: dict[str, Any]) -> None:
    if "robots_txt_hex" in case:
        robots = RobotsTxt.parse(decode_robots(bytes.fromhex(case["robots_txt_hex"])))
    else:
        robots = RobotsTxt.parse(case["robots_txt"])
    valid, unknown = _directive_counts(robots)
    if "expected_valid_directives" in case:
        assert valid == case["expected_valid_directives"]
    if "expected_unknown_directives" in case:
        assert unknown == case["expected_unknown_directives"]
    if "expected_last_line_seen" in case:
        assert _last_line_seen(robots) == case["expected_last_line_seen"]
    if "expected_sitemap" in case:
        assert robots.sitemaps == (case["expected_sitemap"],)


# --------------------------------------------------------------------------
# 1b. Protego's own test suite (tests/data/protego_cases.json)
# --------------------------------------------------------------------------

PROTEGO: dict[str, Any] = json.loads((DATA / "protego_cases.json").read_text("utf-8"))

_PREFIX_AGENT = (
    "Protego binds a group whose name is a prefix of the crawler's ('hedwig' binds 'hedwig-new' "
    "and 'hedwig-images', 'hedwig-news' binds 'hedwig-news2'). RFC 9309 section 2.2.1 matches "
    "the product token itself, case-insensitively, so these crawlers fall back to the '*' group "
    "(as Google's parser does: its conformance case GoogleOnly_AcceptUserAgentUpToFirstSpace)."
)
_DIGIT_TOKEN = (
    "A name with a digit is not an RFC 9309 product token ([A-Za-z_-]+, section 2.2.1): the "
    "line 'User-agent: Rule1TestBot' names the token 'rule' (or nothing for '2bot'), which the "
    "crawler's name does not equal, so no group applies (Google's parser reads it alike). "
    "test_protego_with_letter_tokens runs the same case with letter-only names: it agrees."
)
_NOT_A_TOKEN = (
    "Not an RFC 9309 product token: 'UnicödeBöt' and 'Jävla-Foobot' name the tokens 'unic' and "
    "'j', 'Львів-bot' names none, and a full User-Agent header ('Mozilla/5.0 (compatible; ...)') "
    "is not a token at all; section 2.2.1 matches the token itself, so the group does not apply."
)
_UNKNOWN_KEYS = (
    "Unknown lines neither start nor end a group (RFC 9309 section 2.1: crawlers ignore them; "
    "Google's parser alike), so 'User-agent: *' and 'User-agent: ia_archiver' form one group "
    "whose 'Disallow: /' binds every other crawler."
)
_NO_COLON = (
    "'user agent harry potter' has no colon and more than two words: not a field (RFC 9309 "
    "section 2.2 requires ':'; Google's leniency takes two words only), and 'harry potter' is "
    "not a product token."
)
_WILDCARD_AGENT = (
    "'User-agent: foo*bot' names the token 'foo'; RFC 9309 has no wildcards in product tokens "
    "(only '*' alone), so neither 'foo*bot' nor 'foobot' is bound."
)
_INDEX_HTML_P = (
    "Google-only extension (its conformance case GoogleOnly_IndexHTMLisDirectory): 'Allow: "
    "/dir/index.html' also allows '/dir/'. RFC 9309 has no such rule: 'Disallow: /' decides."
)
_DOLLAR = (
    "RFC 9309 section 2.2.3: a final '$' anchors the end, so '/x/abc$' matches '/x/abc' only; "
    "a URL's literal '$' is the octet %24, which a pattern names as '%24' (Figure 6)."
)
_ABSOLUTE = (
    "A pattern is a path (RFC 9309 section 2.2.2: path-pattern starts with '/'): "
    "'disallow: http://ms-web00.walkerplus.com/' matches no path, in Google's parser too."
)

# (test, user agent, URL) -> why RFC 9309 does not side with Protego.
PROTEGO_XFAIL: dict[tuple[str, str, str], str] = {
    **{
        ("test_user_agent_precedence[" + ids + "]", agent, path): _PREFIX_AGENT
        for ids, agent, path in [
            ("/group1-hedwig-news2", "hedwig-news2", "/group1"),
            ("/group3-hedwig-new", "hedwig-new", "/group2"),
            ("/group3-hedwig-new", "hedwig-new", "/group3"),
            ("/group3-hedwig-images", "hedwig-images", "/group2"),
            ("/group3-hedwig-images", "hedwig-images", "/group3"),
        ]
    },
    **{
        ("test_allowed_wildcards", f"Rule{n}TestBot", path): _DIGIT_TOKEN
        for n, paths in {
            1: ["/foo.html", "/food", "/foo/bar.html"],
            2: ["/foo/bar.html", "/food/bar.html", "/foo/a/b/c/x/y/z/bar.html"],
            3: ["/foo.htm", "/foo.html", "/foom", "/moo", "/foo/bar.html"],
            4: ["/fo.html", "/foo.html", "/foo", "/foo/bar.txt"],
            5: [
                "/foo/bar.html",
                "/food/rebar.html",
                "/foo/a/b/c/rebar.html",
                "/foo/a/b/c/bar.html",
            ],
            6: ["/foo/", "/foo/bar.html", "/fooey"],
        }.items()
        for path in paths
    },
    ("test_1996rfc_examples", "2bot", "/tmp"): _DIGIT_TOKEN,
    ("test_1996rfc_examples", "5bot", "/a/b.html"): _DIGIT_TOKEN,
    ("test_1996rfc_examples", "6bot", "/a%2fb.html"): _DIGIT_TOKEN,
    ("test_unicode_url_and_useragent", "UnicödeBöt", "https://site.local/admin/"): _NOT_A_TOKEN,
    (
        "test_unicode_url_and_useragent",
        "UnicödeBöt",
        "https://site.local/some/randome/page.html",
    ): _NOT_A_TOKEN,
    ("test_unicode_url_and_useragent", "jävla-foobot", "/foo/bar.html"): _NOT_A_TOKEN,
    (
        "test_unicode_url_and_useragent",
        "Mozilla/5.0 (compatible; Львів-bot/1.1)",
        "/totalitarianism/foo.htm",
    ): _NOT_A_TOKEN,
    ("test_grouping_unknown_keys", "agent", "/foo"): _UNKNOWN_KEYS,
    ("test_grouping_unknown_keys", "agent", "/foobar"): _UNKNOWN_KEYS,
    ("test_grouping_unknown_keys", "agent", "/content/2"): _UNKNOWN_KEYS,
    ("test_generosity", "harry potter", "http://foo.bar/horcrux"): _NO_COLON,
    ("test_generosity", "foo*bot", "http://foo.bar/myprofile"): _WILDCARD_AGENT,
    ("test_generosity", "foobot", "http://foo.bar/myprofile"): _WILDCARD_AGENT,
    ("test_index_html_is_directory", "footbot", "http://foo.com/allowed-slash/"): _INDEX_HTML_P,
    ("test_special_symbols_dual_behaviour", "FooBot", "http://foo.bar/x/abc$"): _DOLLAR,
    ("test_special_symbols_dual_behaviour", "FooBot", "http://foo.bar/x/abc%24"): _DOLLAR,
    (
        "test_with_absolute_urls",
        "FooBot",
        "http://foo.bar/http://ms-web00.walkerplus.com/",
    ): _ABSOLUTE,
}


def _protego_key(case: dict[str, Any]) -> tuple[str, str, str]:
    return (case["test"], case["user_agent"], case["url"])


def _protego_cases() -> Iterator[Any]:
    for index, case in enumerate(PROTEGO["cases"]):
        reason = PROTEGO_XFAIL.get(_protego_key(case))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=f"{case['test']}-{index}", marks=marks)


@pytest.mark.parametrize("case", list(_protego_cases()))
def test_protego_suite(case: dict[str, Any]) -> None:
    verdict = RobotsTxt.parse(case["robots_txt"]).allowed(case["url"], case["user_agent"])
    assert verdict.allowed is case["protego_allowed"]


def test_protego_xfail_table_points_at_real_cases() -> None:
    keys = [_protego_key(case) for case in PROTEGO["cases"]]
    assert len(keys) == PROTEGO["counts"]["cases"] == 376
    assert set(PROTEGO_XFAIL) <= set(keys)
    assert len(PROTEGO_XFAIL) == 44  # the rest, 332 of 376, agree


_NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _letters_only(text: str) -> str:
    text = re.sub(r"Rule(\d)TestBot", lambda m: f"Rule-{_NUMBERS[int(m[1])]}-TestBot", text)
    return re.sub(r"\b(\d)bot\b", lambda m: f"{_NUMBERS[int(m[1])]}bot", text)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(case, id=f"{case['test']}-{case['user_agent']}-{case['url']}")
        for case in PROTEGO["cases"]
        if PROTEGO_XFAIL.get(_protego_key(case)) == _DIGIT_TOKEN
    ],
)
def test_protego_with_letter_tokens(case: dict[str, Any]) -> None:
    robots = RobotsTxt.parse(_letters_only(case["robots_txt"]))
    agent = _letters_only(case["user_agent"])
    assert is_valid_token(agent)
    assert robots.allowed(case["url"], agent).allowed is case["protego_allowed"]


# --------------------------------------------------------------------------
# 2. Real-web corpus
# --------------------------------------------------------------------------

REALWEB: list[dict[str, Any]] = MANIFEST["robots"]
TOKENS_OF_INTEREST = (
    "anthropic-ai",
    "applebot-extended",
    "bytespider",
    "ccbot",
    "chatgpt-user",
    "claude-searchbot",
    "claudebot",
    "google-extended",
    "gptbot",
    "meta-externalagent",
    "oai-searchbot",
    "perplexitybot",
)


@functools.cache
def _real(file: str) -> RobotsTxt:
    return RobotsTxt.parse(decode_robots((DATA / file).read_bytes()))


def _site(entry: dict[str, Any]) -> str:
    return str(entry["file"]).removeprefix("robots/").removesuffix(".txt")


def _verdicts() -> Iterator[Any]:
    for entry in REALWEB:
        for check in entry["verdicts"]:
            yield pytest.param(
                entry["file"], check, id=f"{_site(entry)}|{check['agent']}|{check['path']}"
            )


def test_realweb_corpus_is_complete() -> None:
    files = sorted(p.name for p in (DATA / "robots").glob("*.txt"))
    assert len(files) == len(REALWEB) == 72
    assert sorted(Path(e["file"]).name for e in REALWEB) == files


@pytest.mark.parametrize("entry", [pytest.param(e, id=_site(e)) for e in REALWEB])
def test_realweb_file_parses(entry: dict[str, Any]) -> None:
    raw = (DATA / entry["file"]).read_bytes()
    assert len(raw) == entry["bytes"]
    robots = _real(entry["file"])
    features = entry["features"]
    assert not robots.truncated
    assert len(robots.groups) == features["groups"]
    named = sorted(t for t in TOKENS_OF_INTEREST if robots.has_group(t))
    assert named == sorted(features["named_tokens_of_interest"])
    lines = sorted(_all_lines(robots), key=lambda line: line.line)
    for name, key in (("content-signal", "content_signal_lines"), ("license", "license_lines")):
        expected = [text.split(":", 1)[1].strip() for text in features[key]]
        assert [line.value for line in lines if line.field == name] == expected
    if features["utf8_bom"]:
        assert raw.startswith(b"\xef\xbb\xbf")
        assert RobotsTxt.parse(raw[3:].decode("utf-8", "replace")) == robots


@pytest.mark.parametrize(("file", "check"), list(_verdicts()))
def test_realweb_verdict(file: str, check: dict[str, Any]) -> None:
    verdict = _real(file).allowed(check["path"], check["agent"])
    assert verdict.allowed is check["allowed"]
    if verdict.matched_token is None:
        group = "no group applies"
        assert verdict.group_lines == ()
    else:
        group = "* group(s)" if verdict.matched_token == "*" else "named group"
        assert verdict.group_lines
    assert group == check["matched_group"]
    rule = verdict.rule
    decided = None if rule is None else f"{'Allow' if rule.allow else 'Disallow'}: {rule.pattern}"
    assert decided == check["deciding_rule"]


def test_realweb_applebot_extended_is_not_bound_by_applebot_group() -> None:
    # The protego disagreement recorded in the manifest: RFC 9309 wants the * group.
    robots = _real("robots/facebook.com.txt")
    assert robots.has_group("Applebot")
    assert not robots.has_group("Applebot-Extended")
    verdict = robots.allowed("/", "Applebot-Extended")
    assert verdict.matched_token == "*"
    assert verdict.group_lines == tuple(g.line for g in robots.groups_for("*"))
    assert not verdict.allowed


# --------------------------------------------------------------------------
# 3. Hand-written RFC 9309 table
# --------------------------------------------------------------------------

RFC_5_1 = """\
User-Agent: *
Disallow: *.gif$
Disallow: /example/
Allow: /publications/

User-Agent: foobot
Disallow:/
Allow:/example/page.html
Allow:/example/allowed.gif

User-Agent: barbot
User-Agent: bazbot
Disallow: /example/page.html

User-Agent: quxbot

EOF
"""

LONGEST = """\
User-Agent: foobot
Allow: /example/page/
Disallow: /example/page/disallowed.gif
Allow: /folder
Disallow: /folder
Disallow: /*.php$
Allow: /this/*/exactly
Disallow: /this/path/exactly
Disallow: /p
Allow: /p$
"""

MERGED = """\
user-agent: ExampleBot
disallow: /foo
disallow: /bar

user-agent: OtherBot
disallow: /

user-agent: examplebot
allow: /foo/open
disallow: /baz

User-agent: *
Disallow: /star-only
"""

APPLE = """\
User-agent: Applebot
Disallow: /

User-agent: *
Disallow: /private/
"""

ENCODED = """\
User-agent: FooBot
Disallow: /
Allow: /foo/bar/ツ
Allow: /q/%e3%83%84
Allow: /r/%62%61%7A
"""

# (id, robots.txt, token, url, allowed, deciding line or None, matched token)
SPEC_TABLE: list[tuple[str, str, str, str, bool, int | None, str | None]] = [
    # RFC 9309 5.1
    ("5.1-star-gif", RFC_5_1, "otherbot", "/images/x.gif", False, 2, "*"),
    ("5.1-star-gif-query", RFC_5_1, "otherbot", "/images/x.gif?v=1", True, None, "*"),
    ("5.1-star-example", RFC_5_1, "otherbot", "/example/x", False, 3, "*"),
    ("5.1-star-publications", RFC_5_1, "otherbot", "/publications/a", True, 4, "*"),
    ("5.1-star-other", RFC_5_1, "otherbot", "/elsewhere", True, None, "*"),
    ("5.1-foobot-page", RFC_5_1, "foobot", "/example/page.html", True, 8, "foobot"),
    ("5.1-foobot-gif", RFC_5_1, "FooBot", "/example/allowed.gif", True, 9, "foobot"),
    ("5.1-foobot-other", RFC_5_1, "foobot", "/publications/a", False, 7, "foobot"),
    ("5.1-barbot", RFC_5_1, "barbot", "/example/page.html", False, 13, "barbot"),
    ("5.1-bazbot-shares-group", RFC_5_1, "BAZBOT", "/example/page.html", False, 13, "bazbot"),
    ("5.1-bazbot-other", RFC_5_1, "bazbot", "/example/x.gif", True, None, "bazbot"),
    ("5.1-quxbot-empty-group", RFC_5_1, "quxbot", "/example/x.gif", True, None, "quxbot"),
    ("5.1-robots-txt-always", RFC_5_1, "foobot", "/robots.txt", True, None, "foobot"),
    (
        "5.1-robots-txt-full-url",
        RFC_5_1,
        "foobot",
        "https://a.example/robots.txt",
        True,
        None,
        "foobot",
    ),
    ("5.1-robots-txt-query-is-not", RFC_5_1, "foobot", "/robots.txt?x", False, 7, "foobot"),
    # Longest match (RFC 9309 5.2), Allow wins ties, "*" and "$"
    ("longest-allow", LONGEST, "foobot", "/example/page/", True, 2, "foobot"),
    ("longest-disallow", LONGEST, "foobot", "/example/page/disallowed.gif", False, 3, "foobot"),
    ("tie-allow-wins", LONGEST, "foobot", "/folder/x", True, 4, "foobot"),
    ("dollar-end", LONGEST, "foobot", "/a/b.php", False, 6, "foobot"),
    ("dollar-not-end", LONGEST, "foobot", "/a/b.php?x=1", True, None, "foobot"),
    ("star-middle", LONGEST, "foobot", "/this/x/exactly", True, 7, "foobot"),
    ("longer-literal-beats-star", LONGEST, "foobot", "/this/path/exactly", False, 8, "foobot"),
    ("star-middle-2", LONGEST, "foobot", "/this/a/b/exactly/more", True, 7, "foobot"),
    ("star-no-match", LONGEST, "foobot", "/this/exactly", True, None, "foobot"),
    ("dollar-longer-wins", LONGEST, "foobot", "/p", True, 10, "foobot"),
    ("dollar-only-exact", LONGEST, "foobot", "/pp", False, 9, "foobot"),
    ("case-sensitive-path", LONGEST, "foobot", "/P", True, None, "foobot"),
    # All groups naming the token are merged; the star group is then ignored
    ("merged-first", MERGED, "ExampleBot", "/bar/x", False, 3, "examplebot"),
    ("merged-second", MERGED, "ExampleBot", "/baz", False, 10, "examplebot"),
    ("merged-longest-across", MERGED, "examplebot", "/foo/open/1", True, 9, "examplebot"),
    ("merged-star-ignored", MERGED, "examplebot", "/star-only", True, None, "examplebot"),
    ("star-fallback", MERGED, "ThirdBot", "/star-only", False, 13, "*"),
    ("full-ua-string-is-no-token", MERGED, "ExampleBot/1.0", "/foo", True, None, "*"),
    # Exact token match: Applebot does not bind Applebot-Extended (or the reverse)
    ("applebot", APPLE, "Applebot", "/x", False, 2, "applebot"),
    ("applebot-extended", APPLE, "Applebot-Extended", "/x", True, None, "*"),
    ("applebot-extended-private", APPLE, "Applebot-Extended", "/private/a", False, 5, "*"),
    ("apple-prefix", APPLE, "Apple", "/x", True, None, "*"),
    # Percent-encoding (RFC 9309 2.2.2): both sides normalised
    ("enc-rule-raw-url-encoded", ENCODED, "FooBot", "/foo/bar/%E3%83%84", True, 3, "foobot"),
    ("enc-rule-raw-url-raw", ENCODED, "FooBot", "/foo/bar/ツ", True, 3, "foobot"),
    ("enc-url-lower-hex", ENCODED, "FooBot", "/foo/bar/%e3%83%84", True, 3, "foobot"),
    ("enc-rule-lower-hex", ENCODED, "FooBot", "/q/%E3%83%84", True, 4, "foobot"),
    ("enc-partial-escape", ENCODED, "FooBot", "/q/%E3", False, 2, "foobot"),
    ("enc-unreserved-decoded", ENCODED, "FooBot", "/r/baz", True, 5, "foobot"),
    ("enc-unreserved-literal", ENCODED, "FooBot", "/r/%62%61%7a", True, 5, "foobot"),
    # No groups at all / no matching and no star group
    ("empty-file", "", "foobot", "/x", True, None, None),
    ("no-star", "User-agent: a\nDisallow: /\n", "b", "/x", True, None, None),
    (
        "rules-before-ua-ignored",
        "Disallow: /\nUser-agent: b\nAllow: /z\n",
        "b",
        "/x",
        True,
        None,
        "b",
    ),
    ("missing-colon", "user-agent FooBot\ndisallow /\n", "foobot", "/x", False, 2, "foobot"),
    (
        "three-words-no-colon",
        "user-agent FooBot\ndisallow / x\n",
        "foobot",
        "/x",
        True,
        None,
        "foobot",
    ),
    ("empty-disallow-ignored", "User-agent: *\nDisallow:\n", "x", "/x", True, None, "*"),
    ("star-with-comment", "User-agent: * # all\nDisallow: /a # no\n", "x", "/a#b", False, 2, "*"),
]


@pytest.mark.parametrize(
    ("robots_txt", "token", "url", "allowed", "line", "matched"),
    [pytest.param(*row[1:], id=row[0]) for row in SPEC_TABLE],
)
def test_spec_table(
    robots_txt: str, token: str, url: str, allowed: bool, line: int | None, matched: str | None
) -> None:
    verdict = RobotsTxt.parse(robots_txt).allowed(url, token)
    assert verdict.allowed is allowed
    assert (verdict.rule.line if verdict.rule else None) == line
    assert verdict.matched_token == matched
    if verdict.rule is not None:
        assert verdict.rule.allow is allowed


# Misspellings google/robotstxt accepts, read the stricter way: (key as written, path, read as
# Disallow?) under "User-agent: FooBot / Allow: /" (so a key not read leaves the URL allowed).
MISSPELT_DISALLOW = [
    ("Dissallow", True),
    ("Dissalow", True),
    ("Disalow", True),
    ("Diasllow", True),
    ("Disallaw", True),
    ("DISALLOWED", True),  # Google reads any key starting with a spelling
    ("disallow-all", True),
    ("Disallo", False),  # not one of Google's spellings
    ("Dis-allow", False),
]


@pytest.mark.parametrize(("key", "read"), MISSPELT_DISALLOW)
def test_misspelt_disallow(key: str, read: bool) -> None:
    robots = RobotsTxt.parse(f"User-agent: FooBot\nAllow: /\n{key}: /x\n")
    verdict = robots.allowed("/x/y", "FooBot")
    assert verdict.allowed is not read
    if read:
        assert verdict.rule == Rule(3, False, "/x", key)
        assert verdict.rule.text == f"{key}: /x (read as Disallow)"


@pytest.mark.parametrize(
    ("key", "binds"),
    [("useragent", True), ("User agent", True), ("User-Agents", True), ("User_agent", False)],
)
def test_misspelt_user_agent(key: str, binds: bool) -> None:
    robots = RobotsTxt.parse(f"{key}: FooBot\nDisallow: /\n")
    assert robots.has_group("FooBot") is binds
    assert robots.allowed("/x", "FooBot").allowed is not binds


@pytest.mark.parametrize("key", ["Alow", "Allowed", "Allowance", "Alllow"])
def test_a_misspelt_allow_grants_nothing(key: str) -> None:
    # Google reads "Allowed"/"Allowance" as Allow; a consent crawler takes no misspelt grant.
    robots = RobotsTxt.parse(f"User-agent: FooBot\nDisallow: /\n{key}: /x\n")
    verdict = robots.allowed("/x", "FooBot")
    assert not verdict.allowed and verdict.rule == Rule(2, False, "/")


def test_correct_spelling_keeps_no_written_form() -> None:
    robots = RobotsTxt.parse("User-agent: FooBot\nDISALLOW: /x\nallow: /x/y\n")
    assert robots.groups[0].rules == (Rule(2, False, "/x"), Rule(3, True, "/x/y"))
    assert robots.groups[0].rules[0].text == "Disallow: /x"


def test_long_disallow_is_also_read_cut_as_google_reads_it() -> None:
    long = "/x/" + "a" * 20_000
    robots = RobotsTxt.parse(f"User-agent: FooBot\nDisallow: {long}\nAllow: /y/{'b' * 20_000}\n")
    disallow, allow = robots.groups[0].rules
    assert len(f"Disallow: {disallow.pattern}".encode()) == 2083 * 8 - 1
    assert long.startswith(disallow.pattern)
    assert not robots.allowed("/x/" + "a" * 17_000 + "/other", "FooBot").allowed
    assert allow.pattern == "/y/" + "b" * 20_000  # a cut Allow would allow more: never cut
    assert robots.allowed(f"/y/{'b' * 20_000}", "FooBot").rule == allow
    assert robots.allowed(f"/y/{'b' * 17_000}", "FooBot").rule is None  # the whole Allow only


def test_verdict_evidence_points_at_lines() -> None:
    robots = RobotsTxt.parse(MERGED)
    verdict = robots.allowed("https://example.com/foo/open/1?a=b#frag", "ExampleBot")
    assert verdict == Verdict(True, Rule(9, True, "/foo/open"), (1, 8), "examplebot")
    assert robots.allowed("/x", "nobody") == Verdict(True, None, (12,), "*")
    assert RobotsTxt.parse(APPLE).allowed("/", "Applebot") == Verdict(
        False, Rule(2, False, "/"), (1,), "applebot"
    )


def test_group_structure() -> None:
    text = (
        "Sitemap: https://example.com/a.xml\n"  # 1
        "Content-Signal: search=yes\n"  # 2 (before any group: top level)
        "Disallow: /orphan\n"  # 3 (rule before any user-agent: ignored)
        "User-agent: GPTBot/1.0\n"  # 4
        "Crawl-delay: 5\n"  # 5
        "User-Agent: Foo Bar  # comment\n"  # 6 (joins: only a non-rule line between)
        "Content-Signal: search=yes, ai-train=no\n"  # 7
        "Content-Usage: train-ai=n\n"  # 8
        "Disallow: /private # why\n"  # 9
        "\n"  # 10
        "License: https://example.com/license.xml\n"  # 11 (still inside the group)
        "Sitemap: https://example.com/b.xml\n"  # 12 (never in a group)
        "X-Unknown: kept\n"  # 13
        "User-agent: *\n"  # 14 (after a rule: new group)
        "User-agent: 123\n"  # 15 (no token characters)
        "Allow: /\n"  # 16
    )
    robots = RobotsTxt.parse(text)
    assert robots.sitemaps == ("https://example.com/a.xml", "https://example.com/b.xml")
    assert robots.lines == (
        Line(1, "sitemap", "https://example.com/a.xml"),
        Line(2, "content-signal", "search=yes"),
        Line(3, "disallow", "/orphan"),
        Line(12, "sitemap", "https://example.com/b.xml"),
    )
    assert robots.groups == (
        Group(
            tokens=("gptbot", "foo"),
            line=4,
            rules=(Rule(9, False, "/private"),),
            lines=(
                Line(5, "crawl-delay", "5"),
                Line(7, "content-signal", "search=yes, ai-train=no"),
                Line(8, "content-usage", "train-ai=n"),
                Line(11, "license", "https://example.com/license.xml"),
                Line(13, "x-unknown", "kept"),
            ),
        ),
        Group(tokens=("*", ""), line=14, rules=(Rule(16, True, "/"),), lines=()),
    )
    assert robots.groups_for("GPTBOT") == robots.groups_for("foo") == robots.groups[:1]
    assert robots.groups_for("bar") == robots.groups_for("") == robots.groups[1:]
    assert robots.has_group("gptbot") and robots.has_group("Foo")
    assert not robots.has_group("*") and not robots.has_group("") and not robots.has_group("gpt")
    assert robots.allowed("/private/x", "GPTBot") == Verdict(
        False, Rule(9, False, "/private"), (4,), "gptbot"
    )
    assert robots.allowed("/orphan", "other").allowed


def test_crawl_delay() -> None:
    text = (
        "User-agent: a\nCrawl-delay: 2.5\nDisallow: /x\n"
        "User-agent: b\nCrawl-delay: soon\nCrawl-delay: -1\nCrawl-delay: 1e3\nDisallow: /x\n"
        "User-agent: *\nCrawl-delay: 10\nDisallow: /y\n"
        "User-agent: a\nCrawl-delay: 4\nCrawl-delay: .5\n"
    )
    robots = RobotsTxt.parse(text)
    assert robots.crawl_delay("A") == 4.0  # merged groups: the largest valid value
    assert robots.crawl_delay("b") is None  # invalid values ignored; no star fallback
    assert robots.crawl_delay("c") == 10.0
    assert RobotsTxt.parse("User-agent: *\nDisallow: /\n").crawl_delay("c") is None
    assert RobotsTxt.parse("").crawl_delay("c") is None


def test_bom_and_line_endings() -> None:
    lf = "User-agent: FooBot\nDisallow: /private\n\nAllow: /private/ok\n"
    expected = RobotsTxt.parse(lf)
    for text in (lf.replace("\n", "\r\n"), lf.replace("\n", "\r"), "\ufeff" + lf):
        assert RobotsTxt.parse(text) == expected
    body = b"\xef\xbb\xbf" + lf.replace("\n", "\r\n").encode()
    assert decode_robots(body) == lf.replace("\n", "\r\n")
    robots = RobotsTxt.parse(decode_robots(body))
    assert robots == expected
    assert robots.allowed("/private/x", "foobot").rule == Rule(2, False, "/private")
    assert robots.allowed("/private/ok", "foobot").rule == Rule(4, True, "/private/ok")
    assert decode_robots(b"\xef\xbbUser-agent: a") == "User-agent: a"
    assert decode_robots(b"Disallow: /\xff") == "Disallow: /\ufffd"


def test_truncation_at_max_bytes() -> None:
    head = "User-agent: *\nDisallow: /a\n"
    text = head + "Disallow: /b\n"
    full = RobotsTxt.parse(text, max_bytes=len(text))
    assert not full.truncated and not full.allowed("/b", "x").allowed
    cut = RobotsTxt.parse(text, max_bytes=len(head) + 5)  # inside line 3
    assert cut.truncated
    assert cut.allowed("/b", "x") == Verdict(True, None, (1,), "*")
    assert cut.allowed("/a", "x").rule == Rule(2, False, "/a")
    # A line whose terminator is just past the limit is complete.
    edge = RobotsTxt.parse(text, max_bytes=len(text) - 1)
    assert edge.truncated and not edge.allowed("/b", "x").allowed
    # The limit counts UTF-8 octets and never splits a character.
    wide = head + "Disallow: /ツ\n"
    assert not RobotsTxt.parse(wide, max_bytes=len(wide.encode())).truncated
    cut_wide = RobotsTxt.parse(wide, max_bytes=len(wide.encode()) - 3)
    assert cut_wide.truncated and cut_wide.groups[0].rules == (Rule(2, False, "/a"),)
    # Nothing fits: nothing is read.
    assert RobotsTxt.parse(text, max_bytes=5) == RobotsTxt(truncated=True)


def test_parse_rejects_non_str() -> None:
    with pytest.raises(TypeError):
        RobotsTxt.parse(b"User-agent: *\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        RobotsTxt.parse(None)  # type: ignore[arg-type]


def test_everything_is_frozen() -> None:
    robots = RobotsTxt.parse(RFC_5_1)
    verdict = robots.allowed("/x", "foobot")
    for obj, attr in (
        (robots, "groups"),
        (robots.groups[0], "rules"),
        (robots.groups[0].rules[0], "pattern"),
        (verdict, "allowed"),
    ):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, attr, None)
    assert hash(robots) == hash(RobotsTxt.parse(RFC_5_1))


# --------------------------------------------------------------------------
# 4. Size sanity (behaviour, not time)
# --------------------------------------------------------------------------


def test_large_file_uses_the_last_rule_within_the_limit() -> None:
    limit = 512_000  # the default max_bytes (RFC 9309: at least 500 KiB)
    lines = ["User-agent: *"]
    size = len(lines[0]) + 1
    index = 0
    while True:
        line = f"Disallow: /s{index:05d}/*.p$"
        if size + len(line) + 1 > limit:
            break
        lines.append(line)
        size += len(line) + 1
        index += 1
    last = index - 1  # the last rule that fits; it sits on line last + 2
    assert index >= 20_000
    lines.append("Allow: /s" + "0" * 100)  # straddles the limit: cut off
    lines.append("Allow: /")  # past the limit
    text = "\n".join(lines) + "\n"
    assert len(text.encode()) > limit
    robots = RobotsTxt.parse(text)
    assert robots.truncated
    rules = robots.groups[0].rules
    assert len(rules) == index
    assert rules[-1] == Rule(last + 2, False, f"/s{last:05d}/*.p$")
    assert not any(rule.allow for rule in rules)
    verdict = robots.allowed(f"https://example.com/s{last:05d}/a/b.p", "bot")
    assert verdict == Verdict(False, Rule(last + 2, False, f"/s{last:05d}/*.p$"), (1,), "*")
    assert robots.allowed(f"/s{last:05d}/a/b.p?x", "bot").allowed
    assert robots.allowed("/s00000" + "0" * 100, "bot").allowed
    # With a larger limit the straddling and the final Allow rules apply.
    assert robots.allowed("/elsewhere", "bot") == Verdict(True, None, (1,), "*")
    whole = RobotsTxt.parse(text, max_bytes=len(text.encode()))
    assert not whole.truncated
    assert whole.allowed("/s" + "0" * 100, "bot").rule == Rule(last + 3, True, "/s" + "0" * 100)
    assert whole.allowed("/elsewhere", "bot").rule == Rule(last + 4, True, "/")


def test_many_rules_and_stars_without_backtracking() -> None:
    # A pattern that makes a backtracking matcher explode.
    stars = "/" + "*a" * 2_000 + "$"
    text = "User-agent: *\n" + "".join(f"Disallow: /x{i}*y{i}\n" for i in range(20_000))
    text += f"Disallow: {stars}\n"
    robots = RobotsTxt.parse(text)
    assert len(robots.groups[0].rules) == 20_001
    assert robots.allowed("/" + "a" * 50_000 + "b", "bot").allowed
    assert robots.allowed("/" + "a" * 50_000, "bot").rule == Rule(20_002, False, stars)
    assert robots.allowed("/x19999/zzz/y19999", "bot").rule == Rule(20_001, False, "/x19999*y19999")


# --------------------------------------------------------------------------
# 5. RSL License: lines
# --------------------------------------------------------------------------

A = "https://site.test/a.xml"
B = "https://site.test/b.xml"
C = "https://licences.test/c.xml"  # another host is fine (RSL guide)


@pytest.mark.parametrize(
    ("text", "token", "expected"),
    [
        # Vector 6: the group's lines replace the global ones.
        (
            (
                f"License: {B}\nUser-agent: ExampleBot\nLicense: {A}\nDisallow: /x\n"
                "User-agent: *\nAllow: /\n"
            ),
            "ExampleBot",
            ((A, 3),),
        ),
        (
            (
                f"License: {B}\nUser-agent: ExampleBot\nLicense: {A}\nDisallow: /x\n"
                "User-agent: *\nAllow: /\n"
            ),
            "OtherBot",
            ((B, 1),),
        ),
        # Our own group without License lines: the global ones, never the * group's.
        (
            (
                f"License: {B}\nUser-agent: ExampleBot\nDisallow: /x\n"
                f"User-agent: *\nLicense: {C}\nAllow: /\n"
            ),
            "ExampleBot",
            ((B, 1),),
        ),
        (
            (
                f"License: {B}\nUser-agent: ExampleBot\nDisallow: /x\n"
                f"User-agent: *\nLicense: {C}\nAllow: /\n"
            ),
            "OtherBot",
            ((C, 5),),
        ),
        # Several lines; merged groups; a repeated URL counts once, at its first line.
        (
            (
                f"User-agent: ExampleBot\nLicense: {A}\nLicense: {C}\nDisallow: /x\n"
                f"User-agent: *\nDisallow: /\nUser-agent: examplebot\nLicense: {A}\n"
                f"License: {B}\nAllow: /y\n"
            ),
            "ExampleBot",
            ((A, 2), (C, 3), (B, 9)),
        ),
        # Nothing anywhere.
        ("User-agent: *\nDisallow: /x\n", "ExampleBot", ()),
        ("", "ExampleBot", ()),
        # A global footer after the last group, as sites write it (with Sitemap lines).
        (
            (
                f"User-agent: ExampleBot\nDisallow: /x\n\n# licensing\nLicense: {A}\n\n"
                f"Sitemap: https://site.test/s.xml\nLicense: {B}\n"
            ),
            "OtherBot",
            ((A, 5), (B, 8)),
        ),
        # Written right under the last group's rules (no blank line): that group's.
        (f"User-agent: ExampleBot\nDisallow: /x\nLicense: {A}\n", "ExampleBot", ((A, 3),)),
        (f"User-agent: ExampleBot\nDisallow: /x\nLicense: {A}\n", "OtherBot", ()),
        # After a blank line but followed by more group lines: still inside the group.
        (
            f"User-agent: ExampleBot\nDisallow: /x\n\nLicense: {A}\nCrawl-delay: 1\n",
            "OtherBot",
            (),
        ),
        # Unusable values are ignored, and the group then falls back to the global lines.
        (
            (
                f"License: {B}\nUser-agent: ExampleBot\nLicense: /relative.xml\n"
                "License: ftp://site.test/l.xml\nLicense: https://site.test/a b.xml\n"
                "License: javascript:alert(1)\nLicense:\nDisallow: /x\n"
            ),
            "ExampleBot",
            ((B, 1),),
        ),
        (f"User-agent: *\nLicense: https://site.test/{'x' * 5000}.xml\n", "bot", ()),
    ],
)
def test_licenses_for(text: str, token: str, expected: tuple[tuple[str, int], ...]) -> None:
    assert RobotsTxt.parse(text).licenses_for(token) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (A, True),
        ("HTTP://Site.Test/l.xml", True),
        ("https://site.test/licence-ü.xml", True),  # need not be percent-encoded (RSL guide)
        ("/license.xml", False),
        ("license.xml", False),
        ("//site.test/license.xml", False),
        ("ftp://site.test/license.xml", False),
        ("file:///etc/passwd", False),
        ("https://", False),
        ("https://[::1/x", False),
        ("https://site.test/a b", False),
        ("", False),
        ("https://site.test/" + "x" * (LICENSE_URL_MAX - 18), True),
        ("https://site.test/" + "x" * (LICENSE_URL_MAX - 17), False),
    ],
)
def test_is_license_url(value: str, expected: bool) -> None:
    assert is_license_url(value) is expected


def test_license_lines_never_touch_groups_or_rules() -> None:
    plain = (
        "User-agent: a\nUser-agent: b\nDisallow: /private\nAllow: /private/ok\n"
        "User-agent: *\nDisallow: /\n"
    )
    licensed = (
        f"License: {A}\nUser-agent: a\nLicense: {B}\nUser-agent: b\nLicense: {C}\n"
        f"Disallow: /private\nLicense: {A}\nAllow: /private/ok\n\nLicense: {B}\n"
        f"User-agent: *\nLicense: {C}\nDisallow: /\n\nLicense: {A}\n"
    )
    before, after = RobotsTxt.parse(plain), RobotsTxt.parse(licensed)
    # A License line between user-agent lines does not split the group (unlike a rule).
    assert [g.tokens for g in after.groups] == [g.tokens for g in before.groups]
    assert [[r.pattern for r in g.rules] for g in after.groups] == [
        [r.pattern for r in g.rules] for g in before.groups
    ]
    for token in ("a", "b", "other"):
        for path in ("/", "/private/x", "/private/ok/1", "/public"):
            assert after.allowed(path, token).allowed is before.allowed(path, token).allowed
    # Line 10 follows a blank line but more group lines follow it: the group's (a repeat of B).
    assert after.licenses_for("b") == ((B, 3), (C, 5), (A, 7))
    assert after.licenses_for("b") == after.licenses_for("a")
    assert after.licenses_for("other") == ((C, 12),)  # the * group's replace the global ones
    assert [line.line for line in after.lines if line.field == "license"] == [1, 15]


def test_footer_license_lines_are_global_lines() -> None:
    text = f"User-agent: *\nDisallow: /x\n\nLicense: {A}\nSitemap: https://site.test/s.xml\n"
    robots = RobotsTxt.parse(text)
    assert robots.lines == (
        Line(4, "license", A),
        Line(5, "sitemap", "https://site.test/s.xml"),
    )
    assert robots.groups == (Group(("*",), 1, (Rule(2, False, "/x"),), ()),)


@pytest.mark.parametrize(
    ("file", "url", "line"),
    [
        ("robots/davidtofan.com.txt", "https://davidtofan.com/rsl.xml", 47),
        ("robots/mcpjunction.ai.txt", "https://mcpjunction.ai/license.xml", 180),
    ],
)
def test_realweb_license_lines_bind_every_agent(file: str, url: str, line: int) -> None:
    # Both sites put the License line at the end of the file, after a blank line: global.
    robots = _real(file)
    for token in ("ExampleBot", "GPTBot", "PanguBot", "Googlebot", "*"):
        assert robots.licenses_for(token) == ((url, line),)
