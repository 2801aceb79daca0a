"""Tests of crawler.consent.content_usage: IETF AIPREF preferences (header and robots.txt).

1. SIGNALS.md section 3 vectors 1-8, through the policy, for all four purposes.
2. The header: structured-field parsing, bad input.
3. robots.txt Content-Usage rules: paths, precedence, bad lines.
4. The real corpus.
"""

from __future__ import annotations

import pytest

from crawler.consent.content_usage import (
    content_usage_header,
    content_usage_robots,
    parse_preferences,
)
from crawler.consent.model import Effect, Evidence
from crawler.consent.robots import RobotsTxt, decode_robots

from .vectors import DATA, MANIFEST, G, S, letters

AGENT = "ExampleBot"
PAGE = "https://site.test/page"
SOURCE = "https://site.test/robots.txt"




def header(value: str | list[str]) -> tuple[Evidence, ...]:
    return content_usage_header(value, source=PAGE)


def robots_usage(text: str, url: str, agent: str = AGENT) -> tuple[Evidence, ...]:
    return content_usage_robots(RobotsTxt.parse(text), url, agent, source=SOURCE)


def malformed(evidence: tuple[Evidence, ...]) -> list[Evidence]:
    return [e for e in evidence if e.effect is Effect.INFO and e.value.startswith("malformed")]


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 3 vectors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vector", "value", "expected"),
    [
        (1, "train-ai=n", "N???"),
        (2, "train-ai=n, search=y", "N?Y?"),
        (3, 'train-ai=y, train-ai, search=n, search="n"', "????"),  # last values not Tokens
        (4, "Train-AI=n", "????"),  # uppercase key: parse failure
        (4, "train-ai=no", "????"),  # not the Token n
        (8, "ai-use=n", "???N"),  # -08 key
    ],
)
def test_section3_header_vectors(vector: int, value: str, expected: str) -> None:
    assert letters(header(value)) == expected


def test_vector4_uppercase_is_recorded_as_malformed() -> None:
    (evidence,) = header("Train-AI=n")
    assert evidence.effect is Effect.INFO
    assert "uppercase" in evidence.value and "Train-AI=n" in evidence.value


SPEC_EXAMPLE = (
    "User-Agent: *\nAllow: /\nDisallow: /never/\n"
    "Content-Usage: train-ai=n\nContent-Usage: /ai-ok/ train-ai=y\n"
)


@pytest.mark.parametrize(
    ("url", "expected", "line"),
    [
        ("https://site.test/test", "N???", 4),
        ("https://site.test/never/test", "N???", 4),  # X: see test_vector5_never_is_not_fetched
        ("https://site.test/ai-ok/test", "Y???", 5),
    ],
)
def test_vector5_spec_example(url: str, expected: str, line: int) -> None:
    evidence = robots_usage(SPEC_EXAMPLE, url)
    assert letters(evidence) == expected
    assert [e.line for e in evidence] == [line]


def test_vector5_never_is_not_fetched() -> None:
    robots = RobotsTxt.parse(SPEC_EXAMPLE)
    assert not robots.allowed("https://site.test/never/test", AGENT).allowed
    assert robots.allowed("https://site.test/test", AGENT).allowed
    assert robots.allowed("https://site.test/ai-ok/test", AGENT).allowed


def test_vector5_attach_draft_example_with_our_own_group() -> None:
    text = SPEC_EXAMPLE + "\nUser-Agent: ExampleBot\nAllow: /\nContent-Usage: / train-ai=y\n"
    assert letters(robots_usage(text, "/test")) == "Y???"
    assert letters(robots_usage(text, "/test", agent="OtherBot")) == "N???"


def test_vector6_robots_yes_and_header_no() -> None:
    evidence = robots_usage("User-agent: *\nContent-Usage: train-ai=y\n", "/page") + header(
        "train-ai=n"
    )
    assert letters(evidence) == "N???"


def test_vector7_identical_paths_most_restrictive() -> None:
    text = "User-agent: *\nAllow: /\nContent-Usage: /a train-ai=y\nContent-Usage: /a train-ai=n\n"
    evidence = robots_usage(text, "/a")
    assert letters(evidence) == "N???"
    assert [(e.line, e.reason) for e in evidence] == [(4, "content-usage:train-ai=n")]


# --------------------------------------------------------------------------
# 2. The header
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("train-ai=y", "Y???"),
        ("search=n", "??N?"),
        ("ai-use=y, search=y, train-ai=y", "Y?YY"),
        ("train-ai=n;reason=1", "N???"),  # parameters ignored
        ("train-ai=n, train-ai=y", "Y???"),  # duplicate: last wins
        ("train-ai=y, train-ai=n", "N???"),
        ("bots=n, all=n, train-genai=n, genai=n", "????"),  # legacy labels ignored
        ("train-ai=?0", "????"),  # boolean false is not a Token
        ("train-ai=1", "????"),
        ("train-ai=(n)", "????"),  # inner list
        ("train-ai=N", "????"),  # Tokens are case-sensitive
        ("train-ai=*n", "????"),
        ("train-ai=@123", "????"),  # a Date
        ('train-ai=%"n"', "????"),  # a Display String
        ("train-ai=:bg==:", "????"),  # a Byte Sequence
        ("  train-ai=n  ", "N???"),  # SP around the value is allowed
        ("", "????"),
    ],
)
def test_header(value: str, expected: str) -> None:
    evidence = header(value)
    assert letters(evidence) == expected
    assert not malformed(evidence)


def test_header_field_lines_are_combined() -> None:
    assert letters(header(["train-ai=n", "search=y"])) == "N?Y?"
    assert letters(header(["train-ai=n", "train-ai=y"])) == "Y???"  # later line, later member
    assert letters(header(["train-ai=n", "", "  "])) == "N???"  # empty lines add nothing
    assert letters(header([b"train-ai=n", "ai-use=n"])) == "N??N"  # type: ignore[list-item]
    assert letters(content_usage_header(b"search=n", source=PAGE)) == "??N?"
    assert header([]) == ()


def test_header_evidence_fields() -> None:
    deny, allow = header("train-ai=n, search=y")
    assert deny == Evidence(
        signal="content-usage",
        source=PAGE,
        value="Content-Usage: train-ai=n, search=y",
        effect=Effect.DENY,
        reason="content-usage:train-ai=n",
        purposes=frozenset({G}),
    )
    assert (allow.effect, allow.reason, allow.purposes) == (Effect.ALLOW, None, frozenset({S}))


@pytest.mark.parametrize(
    "value",
    [
        "Train-AI=n",
        "train-ai=n,",
        ",train-ai=n",
        "train-ai=n,,search=y",
        "train-ai=n search=y",
        "train-ai=n; search=y,",
        'train-ai="n',
        "train-ai=n\tsearch=y",
        "train-ai=ñ",
        "trâin-ai=n",
        "train-ai=n\ud800",  # a lone surrogate
        "train-ai=:not base64:",
        "{" * 10_000,
        "train-ai=n, " + "x=(" * 3_000,
        "\x00" * 10_240,
        "é" * 10_240,
        "train-ai=n, " * 1_000 + "!",
    ],
)
def test_malformed_header_is_all_unknown_and_recorded(value: str) -> None:
    evidence = header(value)
    assert letters(evidence) == "????"
    (info,) = malformed(evidence)
    assert evidence == (info,)
    assert len(info.value) <= 300
    assert "Content-Usage: " in info.value


def test_ten_kilobytes_of_junk() -> None:
    junk = "".join(chr(33 + (i * 7919) % 94) for i in range(10_240))
    evidence = header(junk)
    assert letters(evidence) == "????"
    assert len(evidence) <= 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("train-ai=n, search=y", {"train-ai": False, "search": True}),
        ("ai-use=y, foo=n", {"ai-use": True}),
        ("train-ai", {}),
        ("Train-AI=n", str),
    ],
)
def test_parse_preferences(text: str, expected: dict[str, bool] | type) -> None:
    result = parse_preferences(text)
    if expected is str:
        assert isinstance(result, str) and result
    else:
        assert result == expected


# --------------------------------------------------------------------------
# 3. robots.txt Content-Usage rules
# --------------------------------------------------------------------------


def _star(*lines: str) -> str:
    return "User-agent: *\nAllow: /\n" + "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("lines", "url", "expected"),
    [
        (["Content-Usage: / train-ai=n"], "/x", "N???"),
        (["content-usage:train-ai=n, search=y"], "/x", "N?Y?"),
        (["CONTENT-USAGE : /\ttrain-ai=n"], "/x", "N???"),  # HTAB separates path and prefs
        (["Content-Usage: / train-ai=n # trailing comment"], "/x", "N???"),
        (["Content-Usage: /ai-ok/ train-ai=y"], "/elsewhere", "????"),
        # order irrelevant
        (["Content-Usage: /ai-ok/ train-ai=y", "Content-Usage: train-ai=n"], "/ai-ok/a", "Y???"),
        (["Content-Usage: /ai-ok/ train-ai=y", "Content-Usage: train-ai=n"], "/x", "N???"),
        # a line without path is "/": it ties with "/" and combines most restrictively
        (["Content-Usage: train-ai=y", "Content-Usage: / train-ai=n"], "/x", "N???"),
        # the longest rule gives the preferences: keys it leaves out are unknown
        (["Content-Usage: / search=n", "Content-Usage: /a/ train-ai=y"], "/a/x", "Y???"),
        (["Content-Usage: / search=n", "Content-Usage: /a/ train-ai=y"], "/b", "??N?"),
        (["Content-Usage: / train-ai=n", "Content-Usage: /a/ bots=n"], "/a/x", "????"),
        # robots.txt pattern rules for paths
        (["Content-Usage: /*.pdf$ train-ai=n"], "/doc.pdf", "N???"),
        (["Content-Usage: /*.pdf$ train-ai=n"], "/doc.pdf?x=1", "????"),
        (["Content-Usage: /caf%c3%a9 train-ai=n"], "https://site.test/café", "N???"),
        # same length, different paths that both match: combined
        (["Content-Usage: /a* train-ai=y", "Content-Usage: /ab train-ai=n"], "/abc", "N???"),
        (["Content-Usage: /ab search=y", "Content-Usage: /a* train-ai=n"], "/abc", "N?Y?"),
        # -08 keys
        (["Content-Usage: ai-use=n, search=y, train-ai=y"], "/x", "Y?YN"),
    ],
)
def test_robots_rules(lines: list[str], url: str, expected: str) -> None:
    assert letters(robots_usage(_star(*lines), url)) == expected


@pytest.mark.parametrize(
    ("line", "url", "info_lines"),
    [
        ("Content-Usage: / Train-AI=n", "/x", [4]),
        ("Content-Usage: / train-ai=n,", "/x", [4]),
        ("Content-Usage: /a", "/a", [4]),  # a path and no preferences
        ("Content-Usage: /a train-ai=ñ", "/a", [4]),
        ("Content-Usage: /a Train-AI=n", "/b", []),  # does not apply here: no noise
        ("Content-Usage:", "/x", [4]),
        ("Content-Usage: " + "x=(" * 5_000, "/x", [4]),
    ],
)
def test_robots_malformed_line_is_ignored_and_recorded(
    line: str, url: str, info_lines: list[int]
) -> None:
    evidence = robots_usage(_star("Content-Usage: train-ai=n", line), url)
    assert [e.line for e in malformed(evidence)] == info_lines
    assert all(len(e.value) <= 300 for e in evidence)
    # the malformed line never wins: the valid "/" line still speaks
    assert letters(evidence) == "N???"


def test_robots_groups() -> None:
    text = (
        "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n\n"
        "User-agent: examplebot\nAllow: /\nContent-Usage: search=n\n\n"
        "User-agent: ExampleBot\nAllow: /\nContent-Usage: ai-use=n\n"
    )
    assert letters(robots_usage(text, "/x")) == "??NN"  # ours merged, * ignored
    assert letters(robots_usage(text, "/x", agent="OtherBot")) == "N???"
    before_groups = "Content-Usage: train-ai=n\nUser-agent: *\nAllow: /\n"
    assert robots_usage(before_groups, "/x") == ()


def test_content_usage_ends_a_group_like_a_rule() -> None:
    text = (
        "User-agent: *\nContent-Usage: train-ai=n\n\n"
        "User-agent: ExampleBot\nContent-Usage: train-ai=y\n"
    )
    assert letters(robots_usage(text, "/x")) == "Y???"


def test_robots_evidence_fields() -> None:
    robots = RobotsTxt.parse(SPEC_EXAMPLE)
    (evidence,) = content_usage_robots(
        robots, "/test", AGENT, source=SOURCE, document_sha256="ef" * 32
    )
    assert evidence == Evidence(
        signal="content-usage",
        source=SOURCE,
        value="Content-Usage: train-ai=n",
        effect=Effect.DENY,
        reason="content-usage:train-ai=n",
        document_sha256="ef" * 32,
        line=4,
        purposes=frozenset({G}),
    )


# --------------------------------------------------------------------------
# 4. Real corpus
# --------------------------------------------------------------------------

ROBOTS_FILES = {entry["file"]: entry for entry in MANIFEST["robots"]}


@pytest.mark.parametrize("name", sorted(ROBOTS_FILES))
def test_corpus_runs(name: str) -> None:
    # No file of the corpus carries a Content-Usage rule yet: nothing may come out.
    robots = RobotsTxt.parse(decode_robots((DATA / name).read_bytes()))
    for agent in (AGENT, "GPTBot"):
        for path in ("/", ROBOTS_FILES[name]["deeper_path"]):
            assert content_usage_robots(robots, path, agent, source=SOURCE) == ()
