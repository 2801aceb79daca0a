"""Tests of crawler.consent.robots_tags (X-Robots-Tag and <meta name="robots">).

1. SIGNALS.md section 5 test vectors, decided per purpose through the policy (G N S R), on both
   channels where the vector applies to both.
2. Parsing details: scopes versus directives with values, case, meta names.
3. Real files (tests/data/realweb/{headers,html}) with verdicts derived from the spec.
4. Bad input never raises.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.policy import decide
from crawler.consent.robots_tags import (
    RobotsTag,
    parse_meta_robots,
    parse_x_robots_tag,
    robots_tag_evidence,
)

from .vectors import read_headers_file

REALWEB = Path(__file__).parent / "data" / "realweb"
AGENT = "ExampleBot"
SOURCE = "https://site.test/page"
G, N, S, R = Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT
GNSR = (G, N, S, R)
# The AI agent table as the crawler passes it: lower-cased token -> purposes its opt-out covers.
TOKENS = {"gptbot": frozenset({G, N}), "google-extended": frozenset({G}), "ccbot": frozenset(GNSR)}
XRT, META = "x-robots-tag", "meta-robots"
LATER, EARLIER = datetime(2026, 11, 24, tzinfo=UTC), datetime(2009, 1, 1, tzinfo=UTC)


def check(evidence: tuple[Evidence, ...], expected: str) -> None:
    """Compare the policy's answer per purpose with a G/N/S/R row.

    N: denied. Y and ?: allowed with no applicable deny (these signals never grant, so neither
    letter comes with an ALLOW; Y only says the signal is known to leave that purpose alone).
    """
    assert len(expected) == 4
    for purpose, letter in zip(GNSR, expected, strict=True):
        decision = decide(purpose, evidence)
        applicable = [e for e in evidence if e.applies_to(purpose)]
        assert not any(e.effect is Effect.ALLOW for e in applicable)
        if letter == "N":
            assert not decision.allowed, purpose
            assert all(r.partition(":")[0] in (XRT, META) for r in decision.reasons)
        else:
            assert letter in "Y?"
            assert decision.allowed, purpose
            assert not any(e.effect is Effect.DENY for e in applicable), purpose


def x_robots(*lines: str, kind: str = "page", now: datetime | None = None) -> tuple[Evidence, ...]:
    tags = parse_x_robots_tag(lines)
    return robots_tag_evidence(
        tags, channel=XRT, agent=AGENT, tokens=TOKENS, kind=kind, source=SOURCE, now=now
    )


def meta_robots(
    metas: Iterable[tuple[str, str]], kind: str = "page", now: datetime | None = None
) -> tuple[Evidence, ...]:
    tags = parse_meta_robots(metas)
    return robots_tag_evidence(
        tags, channel=META, agent=AGENT, tokens=TOKENS, kind=kind, source=SOURCE, now=now
    )


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 5 vectors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "header", "meta", "kind", "expected"),
    [
        ("1", "noai", ("robots", "noai"), "page", "NNYN"),
        ("1 image", "noai", ("robots", "noai"), "image", "NNYN"),
        ("2 images", "noimageai", ("robots", "noimageai"), "image", "NN?N"),
        ("2 page text", "noimageai", ("robots", "noimageai"), "page", "????"),
        ("3 ours", "examplebot: noai", ("examplebot", "noai"), "page", "NNYN"),
        ("3 ours, case", "ExampleBot: NOAI", ("ExampleBot", "NoAI"), "page", "NNYN"),
        ("3 other", "otherbot: noai", ("otherbot", "noai"), "page", "????"),
        # Search only: G/N/R stay open (the img2dataset reading is a policy choice not taken).
        ("4", "noindex", ("robots", "noindex"), "page", "??N?"),
        ("4 none", "none", ("robots", "none"), "page", "??N?"),
        ("6", "noarchive", ("robots", "noarchive"), "page", "N?Y?"),
    ],
)
@pytest.mark.parametrize("channel", [XRT, META])
def test_signals_vectors(
    vector: str, header: str, meta: tuple[str, str], kind: str, expected: str, channel: str
) -> None:
    evidence = x_robots(header, kind=kind) if channel == XRT else meta_robots([meta], kind=kind)
    check(evidence, expected)
    for piece in evidence:
        assert piece.signal == channel and piece.source == SOURCE
        if piece.effect is Effect.DENY:
            directive = (header if channel == XRT else meta[1]).rpartition(":")[2].strip().lower()
            assert piece.reason == f"{channel}:{directive}"


def test_vector_2_page_records_the_image_opt_out() -> None:
    (info,) = meta_robots([("robots", "noimageai")])
    assert info.effect is Effect.INFO and "images" in info.value
    (deny,) = meta_robots([("robots", "noimageai")], kind="image")
    assert deny.reason == "meta-robots:noimageai" and deny.purposes == frozenset({G, N, R})


def test_vector_3_other_crawler_leaves_no_evidence() -> None:
    assert parse_x_robots_tag(["otherbot: noai"]) == (RobotsTag("otherbot", "noai", None),)
    assert x_robots("otherbot: noai") == ()


@pytest.mark.parametrize(
    ("now", "expected", "effect"),
    [(LATER, "??N?", Effect.DENY), (EARLIER, "????", Effect.INFO), (None, "????", Effect.INFO)],
)
def test_vector_5_unavailable_after(now: datetime | None, expected: str, effect: Effect) -> None:
    header = "unavailable_after: 25 Jun 2010 15:00:00 PST"
    # Not a UA-scoped rule: a directive with a date value.
    assert parse_x_robots_tag([header]) == (
        RobotsTag(None, "unavailable_after", "25 Jun 2010 15:00:00 PST"),
    )
    evidence = x_robots(header, now=now)
    check(evidence, expected)
    (piece,) = evidence
    assert piece.effect is effect
    if effect is Effect.DENY:
        assert piece.reason == "x-robots-tag:unavailable_after"


def test_vector_6_noarchive_is_genai_only() -> None:
    (deny,) = x_robots("noarchive")
    assert deny.purposes == frozenset({G}) and deny.reason == "x-robots-tag:noarchive"


# --------------------------------------------------------------------------
# 2. Parsing and scoping details
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "tags"),
    [
        ("noindex, nofollow", [(None, "noindex", None), (None, "nofollow", None)]),
        ("NOINDEX,NoFollow", [(None, "noindex", None), (None, "nofollow", None)]),
        ("googlebot: nofollow", [("googlebot", "nofollow", None)]),
        (
            "otherbot: noindex, nofollow",
            [("otherbot", "noindex", None), ("otherbot", "nofollow", None)],
        ),
        # A proxy may join repeated header lines: each "token:" starts a new scope.
        (
            "googlebot: nofollow, otherbot: noindex",
            [("googlebot", "nofollow", None), ("otherbot", "noindex", None)],
        ),
        ("noai, gptbot: noindex", [(None, "noai", None), ("gptbot", "noindex", None)]),
        (
            "max-snippet:-1, max-image-preview:large",
            [(None, "max-snippet", "-1"), (None, "max-image-preview", "large")],
        ),
        ("googlebot: max-snippet: 20", [("googlebot", "max-snippet", "20")]),
        (
            "unavailable_after: 2010-06-25T15:00:00Z",
            [(None, "unavailable_after", "2010-06-25T15:00:00Z")],
        ),
        # An RFC 850 date carries a comma: its pieces are put back together.
        (
            "unavailable_after: Friday, 25-Jun-10 15:00:00 PST",
            [(None, "unavailable_after", "Friday, 25-Jun-10 15:00:00 PST")],
        ),
        (
            "googlebot: unavailable_after: 25 Jun 2010",
            [("googlebot", "unavailable_after", "25 Jun 2010")],
        ),
        ("ai2bot: noai", [("ai2bot", "noai", None)]),  # digits in crawler names
        ("panscient.com: noai", [("panscient.com", "noai", None)]),
        ("noai noimageai", [(None, "noai", None), (None, "noimageai", None)]),  # spaces, a slip
        ("noai please", []),  # not every word a directive: nothing read
        (
            "index, follow, all",
            [(None, "index", None), (None, "follow", None), (None, "all", None)],
        ),
        ("whatever, noai", [(None, "noai", None)]),  # unknown directives are dropped
        ("examplebot:", []),
        ("noai:", [(None, "noai", None)]),
    ],
)
def test_parse_x_robots_tag(line: str, tags: list[tuple[str | None, str, str | None]]) -> None:
    assert parse_x_robots_tag([line]) == tuple(RobotsTag(*t) for t in tags)


def test_each_header_line_starts_unscoped() -> None:
    assert parse_x_robots_tag(["googlebot: nofollow", "noai"]) == (
        RobotsTag("googlebot", "nofollow", None),
        RobotsTag(None, "noai", None),
    )


def test_header_bytes_and_single_string() -> None:
    assert parse_x_robots_tag([b"noai"]) == (RobotsTag(None, "noai", None),)
    assert parse_x_robots_tag("noai") == (RobotsTag(None, "noai", None),)


@pytest.mark.parametrize(
    ("metas", "tags"),
    [
        ([("robots", "noai, noimageai")], [(None, "noai", None), (None, "noimageai", None)]),
        ([("ROBOTS", " NoIndex ")], [(None, "noindex", None)]),
        ([("GPTBot", "noai")], [("gptbot", "noai", None)]),
        (
            [("googlebot", "noindex, nofollow")],
            [("googlebot", "noindex", None), ("googlebot", "nofollow", None)],
        ),
        ([("description", "none of your business, noindex")], []),
        ([("tdm-reservation", "1"), ("viewport", "width=device-width, initial-scale=1")], []),
        ([("og:title", "noai")], []),
        # In a meta the crawler is the name: a colon in the content is never a scope.
        ([("robots", "googlebot: noindex")], []),
        ([("robots", "max-snippet:-1")], [(None, "max-snippet", "-1")]),
    ],
)
def test_parse_meta_robots(
    metas: list[tuple[str, str]], tags: list[tuple[str | None, str, str | None]]
) -> None:
    assert parse_meta_robots(metas) == tuple(RobotsTag(*t) for t in tags)


@pytest.mark.parametrize(
    ("line", "expected", "purposes"),
    [
        # A token of the AI agent table: its opt-out covers only that token's purposes.
        ("gptbot: noai", "NN??", {G, N}),
        ("GPTBot: noai", "NN??", {G, N}),
        ("google-extended: noai", "N???", {G}),
        ("ccbot: noai", "NN?N", {G, N, R}),
        ("ccbot: noindex", "??N?", {S}),
        ("gptbot: noarchive", "N???", {G}),
    ],
)
def test_ai_agent_table_scopes(line: str, expected: str, purposes: set[Purpose]) -> None:
    evidence = x_robots(line)
    check(evidence, expected)
    (deny,) = evidence
    assert deny.purposes == frozenset(purposes)


def test_scope_covering_none_of_the_purposes_is_info() -> None:
    (info,) = x_robots("gptbot: noindex")  # gptbot's opt-out says nothing of search
    assert info.effect is Effect.INFO
    check((info,), "????")


def test_our_agent_beats_the_table() -> None:
    tags = parse_x_robots_tag(["gptbot: noai"])
    evidence = robots_tag_evidence(tags, channel=XRT, agent="GPTBot", tokens=TOKENS, source=SOURCE)
    check(evidence, "NN?N")


@pytest.mark.parametrize(
    ("line", "effect"),
    [
        ("nofollow", Effect.INFO),
        ("max-snippet:-1", None),
        ("index, follow", None),
        ("nosnippet", None),
    ],
)
def test_directives_without_consent_meaning(line: str, effect: Effect | None) -> None:
    evidence = x_robots(line)
    assert [e.effect for e in evidence] == ([effect] if effect else [])
    check(evidence, "????")


def test_combined_tags_most_restrictive() -> None:
    evidence = x_robots("noindex", "noai", "examplebot: noarchive", "otherbot: noimageai")
    check(evidence, "NNNN")
    assert {e.reason for e in evidence} == {
        "x-robots-tag:noindex",
        "x-robots-tag:noai",
        "x-robots-tag:noarchive",
    }


def test_duplicates_collapse() -> None:
    assert len(meta_robots([("robots", "noai"), ("robots", "noai, noai")])) == 1


def test_noimageindex_binds_images_only() -> None:
    (info,) = x_robots("noimageindex")
    assert info.effect is Effect.INFO
    check(x_robots("noimageindex", kind="image"), "??N?")


# --------------------------------------------------------------------------
# 3. Real files
# --------------------------------------------------------------------------


def x_robots_lines(name: str, path: str) -> list[str]:
    """The X-Robots-Tag lines Cloudflare would send for ``path`` (every matching block)."""
    text = (REALWEB / "headers" / name).read_text("utf-8")
    return [
        value
        for pattern, headers in read_headers_file(text)
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path)
        for header, value in headers
        if header == "x-robots-tag"
    ]


@pytest.mark.parametrize(
    ("name", "path", "lines", "expected"),
    [
        # noindex on two pages: search reserved there, training and AI input untouched.
        ("davidtofan.com-_headers.txt", "/ai-licensing-terms/", ["noindex"], "??N?"),
        ("davidtofan.com-_headers.txt", "/welcome", ["noindex"], "??N?"),
        ("davidtofan.com-_headers.txt", "/", [], "????"),
        ("davidtofan.com-_headers.txt", "/articles/some-post/", [], "????"),
        ("davidtofan.com-_headers.txt", "/img/a.png", [], "????"),
        # TDMRep headers only: no X-Robots-Tag.
        ("itcop.org-_headers.txt", "/", [], "????"),
    ],
)
def test_real_headers(name: str, path: str, lines: list[str], expected: str) -> None:
    found = x_robots_lines(name, path)
    assert found == lines
    check(x_robots(*found), expected)


class _Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metas: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") is not None:
            self.metas.append((values["name"] or "", values.get("content") or ""))


def html_metas(name: str) -> list[tuple[str, str]]:
    parser = _Metas()
    parser.feed((REALWEB / "html" / name).read_text("utf-8"))
    parser.close()
    return parser.metas


# file -> (tags read, G N S R for the page, G N S R for its images)
REAL_HTML: dict[str, tuple[list[tuple[str | None, str, str | None]], str, str]] = {
    # Two robots metas (CMS + own) combine: noai denies the page's AI uses; noimageai its images.
    "laughingsquid.com-head-excerpt.html": (
        [
            (None, "index", None),
            (None, "follow", None),
            (None, "max-image-preview", "large"),
            (None, "max-snippet", "-1"),
            (None, "max-video-preview", "-1"),
            (None, "noai", None),
            (None, "noimageai", None),
        ],
        "NNYN",
        "NNYN",
    ),
    # noai, noimageai beside tdm-reservation 1; the description and tdm metas are not robots tags.
    "openpoem.org-index-head-excerpt.html": (
        [(None, "noai", None), (None, "noimageai", None)],
        "NNYN",
        "NNYN",
    ),
    # tdm-reservation 0 and a CC0 link: no robots signal at all.
    "xlr8harder.github.io-head-include.html": ([], "????", "????"),
    "davidtofan.com-baselayout-license-links-excerpt.html": ([], "????", "????"),
    "mcpjunction.ai-base-license-link-excerpt.html": ([], "????", "????"),
}


@pytest.mark.parametrize("name", sorted(REAL_HTML))
def test_real_html(name: str) -> None:
    tags, page, images = REAL_HTML[name]
    metas = html_metas(name)
    assert parse_meta_robots(metas) == tuple(RobotsTag(*t) for t in tags)
    page_evidence = meta_robots(metas)
    check(page_evidence, page)
    check(meta_robots(metas, kind="image"), images)
    if any(t[1] == "noimageai" for t in tags):
        assert any(e.effect is Effect.INFO and "images" in e.value for e in page_evidence)


# --------------------------------------------------------------------------
# 4. Bad input never raises
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "",
        " ",
        ",,,",
        ":::",
        ": noai",  # no scope name: not a scope, and ":" is no directive
        "\x00\xff\ud800",
        "a: b: c: d: e",
        "unavailable_after:",
        "unavailable_after: not a date",
        "unavailable_after: 99 Foo 99999 99:99:99 XYZ",
        "unavailable_after: 9999-99-99",
        "max-snippet",
        "noindex, " * 1200,  # a 10 KB header
        "x" * 10_000,
        "googlebot:" * 2000,
        "noai\r\nX-Injected: 1",
    ],
)
def test_garbage_never_raises(line: str) -> None:
    tags = parse_x_robots_tag([line])
    for kind in ("page", "image"):
        for now in (None, LATER):
            evidence = x_robots(line, kind=kind, now=now)
            for piece in evidence:
                assert piece.effect in (Effect.DENY, Effect.INFO)
    assert all(t.directive for t in tags)


def test_ten_kilobyte_header_is_read() -> None:
    line = ", ".join(["max-snippet:-1"] * 700 + ["noai"])
    assert len(line) > 10_000
    check(x_robots(line), "NNYN")


def test_bad_dates_are_info() -> None:
    (info,) = x_robots("unavailable_after: next tuesday", now=LATER)
    assert info.effect is Effect.INFO and "not understood" in info.value
    check((info,), "????")


def test_naive_now_and_naive_dates_are_utc() -> None:
    check(x_robots("unavailable_after: 2010-06-25", now=datetime(2026, 1, 1)), "??N?")
    check(x_robots("unavailable_after: 2030-06-25T00:00:00", now=datetime(2026, 1, 1)), "????")


@pytest.mark.parametrize(
    "values",
    [[None], [1, b"noai"], [("noai",)], 42, None, [b"\xff\xfe"]],
)
def test_non_text_header_values_are_skipped(values: object) -> None:
    tags = parse_x_robots_tag(values)  # type: ignore[arg-type]
    # str(None) must never become the directive "none".
    assert all(t.directive == "noai" for t in tags)


@pytest.mark.parametrize(
    "metas",
    [
        [("robots", None)],
        [(None, "noai")],
        [("robots",)],
        [1, 2],
        "robots",
        None,
        [("robots", "x" * 10_000)],
    ],
)
def test_bad_meta_input_never_raises(metas: object) -> None:
    assert parse_meta_robots(metas) == ()  # type: ignore[arg-type]
