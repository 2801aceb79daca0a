"""Properties of crawler.consent.robots, through its public API only (RobotsTxt.parse, allowed,
groups_for, has_group, crawl_delay, licenses_for, decode_robots, product_token).

1. Any text parses and any bytes decode; verdicts agree with the groups they name.
2. Verdicts follow RFC 9309 on generated files (a reference matcher on a model of the file).
3. Edits that must not change verdicts (re-serialising the groups, unknown lines, the token's
   case, the URL's form) and one that may only restrict (adding a Disallow to the group).
4. Truncation at max_bytes keeps whole lines; product tokens are stable.
5. Hostile inputs (tests/hostile.py): what the parser makes of them.

Pattern normalisation (percent-encoding) is left out on purpose: paths and patterns here are
ASCII without ``%``, which RFC 9309 section 2.2.2 leaves as they are.
"""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.robots import (
    RobotsTxt,
    Verdict,
    decode_robots,
    is_license_url,
    product_token,
)

from . import hostile
from .strategies import (
    QUERY_TOKENS,
    ROBOTS,
    RobotsModel,
    any_text,
    matching,
    model_groups,
    mutated,
    paths,
    render_robots,
    serialise_robots,
    urls,
)

_BREAK = re.compile(r"(\r\n|\r|\n)")

robots_bodies = mutated(ROBOTS)
robots_texts = st.one_of(
    robots_bodies.map(decode_robots), any_text, model_groups().flatmap(render_robots)
)


def _lines(text: str) -> list[list[str]]:
    """[content, line end] pairs, as RFC 9309 splits lines (the last end may be "")."""
    parts = _BREAK.split(text)
    return [[parts[i], parts[i + 1] if i + 1 < len(parts) else ""] for i in range(0, len(parts), 2)]


def _insert(text: str, at: int, line: str) -> str:
    """``text`` with ``line`` inserted after its line ``at`` (0: before the first)."""
    pairs = _lines(text)
    if at > 0 and not pairs[at - 1][1]:
        pairs[at - 1][1] = "\n"
    pairs.insert(at, [line, "\n"])
    return "".join(content + end for content, end in pairs)


def _outcome(verdict: Verdict) -> tuple[bool, str | None, bool | None, str | None]:
    """A verdict without line numbers (which edits shift)."""
    rule = verdict.rule
    return (
        verdict.allowed,
        None if rule is None else rule.pattern,
        None if rule is None else rule.allow,
        verdict.matched_token,
    )


@st.composite
def _url_for(draw: st.DrawFn, robots: RobotsTxt) -> str:
    """A URL, often one that a rule of the file matches (its pattern with the gaps filled)."""
    patterns = sorted({r.pattern for g in robots.groups for r in g.rules if r.pattern})
    if not patterns or draw(st.booleans()):
        return draw(urls)
    return draw(matching(draw(st.sampled_from(patterns))))


def _tokens(robots: RobotsTxt) -> st.SearchStrategy[str]:
    named = sorted({t for g in robots.groups for t in g.tokens if t not in ("", "*")})
    return st.sampled_from([*QUERY_TOKENS, *named])


# --------------------------------------------------------------------------
# 1. Anything parses; verdicts agree with their groups
# --------------------------------------------------------------------------


@given(robots_texts)
@example("\ufeffUser-agent: *\nDisallow: /")
@example("\ud800User-agent: *\rDisallow: /\udfff")
def test_any_text_parses_into_ordered_groups(text: str) -> None:
    robots = RobotsTxt.parse(text)
    for group in robots.groups:
        assert group.tokens and all(t == product_token(t) for t in group.tokens)
        lines = [r.line for r in group.rules] + [line.line for line in group.lines]
        assert all(number > group.line for number in lines)
        assert [r.line for r in group.rules] == sorted(r.line for r in group.rules)
    assert [g.line for g in robots.groups] == sorted(g.line for g in robots.groups)
    assert robots.sitemaps == tuple(x.value for x in robots.lines if x.field == "sitemap")


@given(st.binary(max_size=300) | robots_bodies)
@example(b"\xef\xbb")
@example(b"\xef\xbb\xbf\xef\xbb\xbfUser-agent: *")
def test_any_bytes_decode(body: bytes) -> None:
    text = decode_robots(body)
    assert isinstance(text, str)
    RobotsTxt.parse(text)


@given(st.text(max_size=200))
@example("\ufeff")
@example("\ufec0 not a byte order mark")
def test_a_byte_order_mark_is_dropped_and_nothing_else(text: str) -> None:
    assert decode_robots(b"\xef\xbb\xbf" + text.encode()) == text.removeprefix("\ufeff")


@given(st.data(), robots_texts)
def test_verdicts_agree_with_the_groups_they_name(data: st.DataObject, text: str) -> None:
    robots = RobotsTxt.parse(text)
    token = data.draw(_tokens(robots))
    url = data.draw(_url_for(robots))
    verdict = robots.allowed(url, token)
    groups = robots.groups_for(token)
    assert verdict.group_lines == tuple(g.line for g in groups)
    if not groups:
        assert verdict == Verdict(True, None, (), None)
        return
    named = robots.has_group(token)
    assert verdict.matched_token == (token.lower() if named else "*")
    assert all((token.lower() if named else "*") in g.tokens for g in groups)
    if verdict.rule is not None:
        assert verdict.allowed == verdict.rule.allow
        assert verdict.rule.pattern, "an empty Allow/Disallow never matches"
        assert any(verdict.rule in g.rules for g in groups)


@given(robots_texts, st.sampled_from(QUERY_TOKENS))
def test_has_group_means_a_group_names_the_token(text: str, token: str) -> None:
    robots = RobotsTxt.parse(text)
    assert robots.has_group(token) == any(token.lower() in g.tokens for g in robots.groups)
    assert not robots.has_group("*") and not robots.has_group("")


# --------------------------------------------------------------------------
# 2. RFC 9309 on generated files: a reference matcher on the model
# --------------------------------------------------------------------------


def _reference_match(pattern: str, path: str) -> bool:
    """RFC 9309 section 2.2.2 with a regular expression: ``*`` any run, final ``$`` the end."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    expression = ".*".join(re.escape(part) for part in body.split("*"))
    return re.match(expression + (r"\Z" if anchored else ""), path, re.DOTALL) is not None


def _reference(model: RobotsModel, path: str, token: str) -> tuple[bool, set[str | None]]:
    """(allowed, the patterns that may decide) as RFC 9309 says, from the model rather than the
    parse: of equally long rules with the same verdict the earliest decides, and the rendering
    shuffles the rules of a group."""
    wanted = token.lower()
    named = [g for g in model.groups if wanted in {t.lower() for t in g.tokens}]
    groups = named or [g for g in model.groups if "*" in g.tokens]
    if not groups or path == "/robots.txt":
        return True, {None}
    matching = [
        (len(pattern), allow, pattern)
        for g in groups
        for allow, pattern in g.rules
        if pattern and _reference_match(pattern, path)
    ]
    if not matching:
        return True, {None}
    length, allow, _ = max(matching, key=lambda m: (m[0], m[1]))  # longest, then Allow
    return allow, {p for n, a, p in matching if (n, a) == (length, allow)}


@given(st.data(), model_groups())
def test_verdicts_follow_rfc9309(data: st.DataObject, model: RobotsModel) -> None:
    robots = RobotsTxt.parse(data.draw(render_robots(model)))
    assert len(robots.groups) == len(model.groups)
    for _ in range(5):
        token = data.draw(st.sampled_from(QUERY_TOKENS))
        path = data.draw(paths() | st.just("/robots.txt"))
        verdict = robots.allowed(path, token)
        allowed, deciding = _reference(model, path, token)
        assert verdict.allowed == allowed
        assert (verdict.rule and verdict.rule.pattern) in deciding


# --------------------------------------------------------------------------
# 3. Edits that keep verdicts, and one that may only restrict
# --------------------------------------------------------------------------


@given(st.data(), robots_texts)
def test_reserialised_groups_decide_alike(data: st.DataObject, text: str) -> None:
    robots = RobotsTxt.parse(text)
    again = RobotsTxt.parse(serialise_robots(robots))
    assert serialise_robots(again) == serialise_robots(robots), "serialising is idempotent"
    for _ in range(5):
        token, url = data.draw(_tokens(robots)), data.draw(_url_for(robots))
        assert _outcome(again.allowed(url, token)) == _outcome(robots.allowed(url, token))
        assert again.crawl_delay(token) == robots.crawl_delay(token)


_UNKNOWN_LINES = (
    "",
    "  ",
    "# comment",
    "X-Unknown: /",
    "Noindex: /",
    "Host: example.com",
    "Sitemap: https://example.com/s.xml",
    "Request-rate: 1/5",
    "Allowed /private/ later",  # three words: unreadable, ignored
    "Alow: /",  # a misspelt Allow grants nothing: an unknown field
    "Allowed: /",
    "Disallo: /",  # not one of the misspellings Google reads as Disallow
)


@given(st.data(), robots_texts)
def test_unknown_lines_change_no_verdict(data: st.DataObject, text: str) -> None:
    text = text.removeprefix("\ufeff")  # a field after an inserted line would keep the mark
    robots = RobotsTxt.parse(text)
    edited = text
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(_lines(edited))))
        edited = _insert(edited, at, data.draw(st.sampled_from(_UNKNOWN_LINES)))
    changed = RobotsTxt.parse(edited)
    for _ in range(5):
        token, url = data.draw(_tokens(robots)), data.draw(_url_for(robots))
        assert _outcome(changed.allowed(url, token)) == _outcome(robots.allowed(url, token))


@given(st.data(), robots_texts)
def test_adding_a_disallow_never_allows(data: st.DataObject, text: str) -> None:
    text = text.removeprefix("\ufeff")
    robots = RobotsTxt.parse(text)
    token = data.draw(_tokens(robots))
    rules = [r for g in robots.groups_for(token) for r in g.rules]
    if not rules:
        return
    pattern = data.draw(paths(6) | st.text("ab/*$", min_size=1, max_size=6).map(lambda t: "*" + t))
    at = data.draw(st.sampled_from(rules)).line  # right after one of the group's rules
    stricter = RobotsTxt.parse(_insert(text, at, f"Disallow: {pattern}"))
    for _ in range(5):
        url = data.draw(_url_for(robots) | _url_for(stricter))
        before, after = robots.allowed(url, token), stricter.allowed(url, token)
        if not before.allowed:
            assert not after.allowed
        elif not after.allowed:
            assert after.rule is not None and after.rule.pattern == pattern


@given(st.data(), robots_texts)
def test_token_case_does_not_matter(data: st.DataObject, text: str) -> None:
    robots = RobotsTxt.parse(text)
    token, url = data.draw(_tokens(robots)), data.draw(_url_for(robots))
    expected = robots.allowed(url, token)
    for spelling in (token.lower(), token.upper(), token.swapcase()):
        assert robots.allowed(url, spelling) == expected
        assert robots.groups_for(spelling) == robots.groups_for(token)
        assert robots.crawl_delay(spelling) == robots.crawl_delay(token)
        assert robots.licenses_for(spelling) == robots.licenses_for(token)


@given(st.data(), robots_texts)
def test_url_forms_decide_alike(data: st.DataObject, text: str) -> None:
    robots = RobotsTxt.parse(text)
    token, path = data.draw(_tokens(robots)), data.draw(paths())
    expected = robots.allowed(path, token)
    for url in (f"https://example.com{path}", f"http://example.com:8080{path}#top", path + "#"):
        assert robots.allowed(url, token) == expected


# --------------------------------------------------------------------------
# 4. Values read from the groups; truncation; tokens
# --------------------------------------------------------------------------


@given(robots_texts, st.sampled_from(QUERY_TOKENS))
@example("User-agent: *\nCrawl-delay: " + "9" * 400, "x")
@example("User-agent: *\nCrawl-delay: -1\nCrawl-delay: nan\nCrawl-delay: 1e3", "x")
def test_crawl_delay_is_a_finite_non_negative_number(text: str, token: str) -> None:
    delay = RobotsTxt.parse(text).crawl_delay(token)
    assert delay is None or (math.isfinite(delay) and delay >= 0)


@given(robots_texts, st.sampled_from(QUERY_TOKENS))
@example("License: https://a.example/l.xml\nUser-agent: *\nLicense: /relative\n", "x")
def test_licenses_are_usable_urls_once_each(text: str, token: str) -> None:
    robots = RobotsTxt.parse(text)
    found = robots.licenses_for(token)
    assert all(is_license_url(url) for url, _ in found)
    assert len({url for url, _ in found}) == len(found)
    assert [line for _, line in found] == sorted(line for _, line in found)


@given(robots_texts, st.integers(0, 400))
@example("User-agent: *\r\nDisallow: /a\r\n", 27)
@example("User-agent: *\nDisallow: /é\n", 26)
def test_truncation_keeps_whole_lines(text: str, max_bytes: int) -> None:
    size = len(text.removeprefix("\ufeff").encode("utf-8", "surrogatepass"))
    robots = RobotsTxt.parse(text, max_bytes=max_bytes)
    assert robots.truncated == (size > max_bytes)
    if not robots.truncated:
        assert robots == RobotsTxt.parse(text)
        return
    # The longest prefix of whole lines (its end may be cut) that fits in max_bytes.
    body = text.removeprefix("\ufeff")
    cuts = [0] + [i for i in range(1, len(body) + 1) if body[i - 1] in "\r\n"]
    cuts += [i for i in range(len(body)) if body[i] in "\r\n"]
    fitting = [i for i in cuts if len(body[:i].encode("utf-8", "surrogatepass")) <= max_bytes]
    expected = RobotsTxt.parse(body[: max(fitting)])
    assert (robots.groups, robots.lines, robots.sitemaps) == (
        expected.groups,
        expected.lines,
        expected.sitemaps,
    )


@given(any_text)
@example("* GPTBot")
@example("*GPTBot")
@example("GPTBot/1.0")
def test_product_token_is_stable(value: str) -> None:
    token = product_token(value)
    assert product_token(token) == token
    assert token == "*" or re.fullmatch(r"[a-z_-]*", token)


# --------------------------------------------------------------------------
# 5. Hostile inputs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", hostile.INPUTS)
def test_hostile_input_is_read_within_the_limit(name: str) -> None:
    body = hostile.INPUTS[name]()
    robots = RobotsTxt.parse(decode_robots(body))
    assert robots.truncated == (len(body) > 512_000)
    verdict = robots.allowed("/" + "a" * 1000, "GPTBot")
    if name == "10k /*a*a* rules":
        assert len(robots.groups[0].rules) == hostile.STAR_RULES
        assert verdict.allowed
    elif name == "100k lines":  # cut at 512,000 bytes, after a whole line
        assert robots.groups[0].rules[-1].pattern == f"/p{len(robots.groups[0].rules) - 1}"
        assert not robots.allowed("/p100", "GPTBot").allowed
        assert robots.allowed("/q", "GPTBot").allowed
    else:
        assert not robots.groups and verdict == Verdict(True, None, (), None)


def test_star_rules_decide_on_long_paths() -> None:
    robots = RobotsTxt.parse(decode_robots(hostile.star_rules()))
    assert robots.allowed(hostile.STAR_PATH_MISS, "x").allowed
    hit = robots.allowed(hostile.STAR_PATH_HIT, "x")
    assert not hit.allowed and hit.rule is not None and hit.rule.pattern.endswith("*b")


def test_many_groups_for_one_token_merge() -> None:
    text = "".join(f"User-agent: GPTBot\nDisallow: /p{i}/\n" for i in range(10_000))
    robots = RobotsTxt.parse(text)
    assert len(robots.groups_for("gptbot")) == 10_000
    assert not robots.allowed("/p9999/x", "GPTBot").allowed
    assert robots.allowed("/q/", "GPTBot").allowed
