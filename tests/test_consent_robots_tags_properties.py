"""Properties of crawler.consent.robots_tags (X-Robots-Tag and robots meta tags).

1. Any header value or meta pair parses into known directives; nothing raises.
2. Parsing is a normalisation: the tags, written back as header lines or a meta content, parse
   to the same tags; case and Latin-1 bytes read alike.
3. Evidence only for tags addressed to us or to a table token, within that token's purposes.
4. Hostile inputs: 1 MB values (a date split at a million commas, a million words).
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.model import Effect, Purpose
from crawler.consent.robots_tags import (
    DIRECTIVES,
    RobotsTag,
    parse_meta_robots,
    parse_x_robots_tag,
    robots_tag_evidence,
)

from . import hostile
from .strategies import HEADERS, any_text
from .vectors import read_headers_file

AGENT = "consentcrawl"
TABLE = {"gptbot": frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI})}

_REAL_VALUES = sorted(
    {
        value
        for data in HEADERS
        for _, block in read_headers_file(data.decode())
        for _, value in block
    }
)
_ITEMS = (
    *sorted(DIRECTIVES),
    "NoAI",
    "noai noimageai",
    "noindex nofollow",
    "max-snippet:-1",
    "max-image-preview: large",
    "unavailable_after: 25 Jun 2010 15:00:00 PST",
    "unavailable_after: Friday, 25-Jun-10 15:00:00 PST",
    "unavailable_after: 2030-01-01",
    "googlebot: noindex",
    "GPTBot: noai",
    "otherbot: none",
    "consentcrawl: noarchive",
    "panscient.com: noai",
    "garbage",
    "",
    ":",
    "a: b: c",
)
items = st.sampled_from(_ITEMS) | st.text("abno:-_ ,.", max_size=12)
values = st.one_of(
    st.lists(items, max_size=8).map(", ".join),
    st.lists(items, max_size=8).map(",".join),
    st.sampled_from(_REAL_VALUES),
    any_text,
)


def _meta_content(tag: RobotsTag) -> str:
    """A tag as a meta content item (no scope: a meta element's name gives it)."""
    return tag.directive if tag.value is None else f"{tag.directive}: {tag.value}"


def _check(tags: tuple[RobotsTag, ...]) -> None:
    for tag in tags:
        assert tag.directive in DIRECTIVES
        assert tag.scope is None or (tag.scope == tag.scope.lower() and tag.scope not in DIRECTIVES)
        assert tag.value is None or (tag.value and tag.value == tag.value.strip())


# --------------------------------------------------------------------------
# 1-2. Parsing, and parsing again what was parsed
# --------------------------------------------------------------------------


@given(st.lists(values | st.binary(max_size=60), max_size=3))
@example(["googlebot: nofollow, otherbot: noindex, noai"])
@example(["unavailable_after: Friday, 25-Jun-10 15:00:00 PST, noai"])
@example(["a: b: c, unavailable_after: 25 Jun 2010 15:00:00 PST, a: b: c"])  # was joined
def test_header_lines_parse_to_known_directives(lines: list[str | bytes]) -> None:
    tags = parse_x_robots_tag(lines)
    _check(tags)
    again = parse_x_robots_tag([str(tag) for tag in tags])
    assert again == tags, "each tag written as its own header line reads back the same"


@given(values, st.sampled_from(("robots", "ROBOTS ", "googlebot", "gptbot", "description")))
@example("noai noimageai, max-snippet: -1", "robots")
@example("unavailable_after: Friday, 25-Jun-10 15:00:00 PST, noai", "robots")
def test_meta_contents_parse_to_known_directives(content: str, name: str) -> None:
    tags = parse_meta_robots([(name, content)])
    _check(tags)
    scope = None if name.strip().lower() == "robots" else name.lower()
    assert all(tag.scope == scope for tag in tags)
    again = parse_meta_robots([(name, ", ".join(_meta_content(tag) for tag in tags))])
    assert again == tags


@given(values.filter(str.isascii))
def test_case_does_not_matter(value: str) -> None:
    def folded(tags: tuple[RobotsTag, ...]) -> list[tuple[str | None, str, str | None]]:
        return [(t.scope, t.directive, t.value and t.value.lower()) for t in tags]

    assert folded(parse_x_robots_tag([value.upper()])) == folded(parse_x_robots_tag([value]))


@given(st.binary(max_size=100))
def test_bytes_are_latin1(value: bytes) -> None:
    assert parse_x_robots_tag([value]) == parse_x_robots_tag([value.decode("latin-1")])
    assert parse_x_robots_tag(value) == parse_x_robots_tag([value])


@given(st.lists(st.tuples(any_text | st.none(), any_text | st.none()), max_size=4))
def test_meta_pairs_of_anything_never_raise(metas: list[tuple[str | None, str | None]]) -> None:
    _check(parse_meta_robots(metas))  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# 3. Evidence
# --------------------------------------------------------------------------


@given(st.lists(values, max_size=3), st.sampled_from(("page", "image")), st.booleans())
def test_evidence_only_for_us_within_the_scope(lines: list[str], kind: str, late: bool) -> None:
    tags = parse_x_robots_tag(lines)
    now = datetime(2040, 1, 1, tzinfo=UTC) if late else None
    evidence = robots_tag_evidence(
        tags, channel="x-robots-tag", agent=AGENT, tokens=TABLE, kind=kind, source="s", now=now
    )
    assert len(set(evidence)) == len(evidence)
    ours = [t for t in tags if t.scope in (None, AGENT)]
    theirs = [t for t in tags if t.scope in TABLE]
    if not ours and not theirs:
        assert evidence == ()
    for piece in evidence:
        if piece.effect is Effect.DENY:
            assert piece.reason is not None and piece.reason.startswith("x-robots-tag:")
            assert piece.purposes, "a deny names the purposes it reserves"
            if not ours:
                assert piece.purposes <= TABLE["gptbot"]
    others = [t for t in tags if t.scope not in (None, AGENT, *TABLE)]
    alone = robots_tag_evidence(
        others, channel="x-robots-tag", agent=AGENT, tokens=TABLE, kind=kind, source="s", now=now
    )
    assert alone == (), "tags for other crawlers say nothing to us"


# --------------------------------------------------------------------------
# 4. Hostile inputs
# --------------------------------------------------------------------------


def test_a_date_split_at_every_comma_is_put_back_together() -> None:
    pieces = hostile.MB // 4
    value = "unavailable_after: 25 Jun 2010" + ", x" * pieces
    (tag,) = parse_meta_robots([("robots", value)])
    assert tag.directive == "unavailable_after" and tag.value is not None
    assert tag.value.count(", x") == pieces
    (header,) = parse_x_robots_tag([value])
    assert header == tag


def test_a_million_words_and_commas() -> None:
    words = parse_meta_robots([("robots", "noai " * (hostile.MB // 5))])
    assert len(words) == hostile.MB // 5 and {t.directive for t in words} == {"noai"}
    assert parse_x_robots_tag([hostile.commas()]) == ()
    assert parse_x_robots_tag([hostile.stars().decode()]) == ()
    evidence = robots_tag_evidence(
        words, channel="meta-robots", agent=AGENT, tokens=TABLE, source="s"
    )
    assert len(evidence) == 1 and evidence[0].effect is Effect.DENY
