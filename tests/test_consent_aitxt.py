"""Tests of crawler.consent.aitxt (Spawning ai.txt).

1. SIGNALS.md section 6 test vectors, decided per purpose through the policy (G N S R).
2. Matching: file-extension wildcards, agent fallback, lines.
3. Real files (tests/data/realweb/aitxt) with verdicts derived from the spec.
4. Bad input never raises.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.consent.aitxt import AI_TXT_PURPOSES, ai_txt_evidence, parse_ai_txt
from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose
from crawler.consent.policy import decide
from crawler.consent.robots import RobotsTxt

REALWEB = Path(__file__).parent / "data" / "realweb" / "aitxt"
AGENT = "ExampleBot"
SOURCE = "https://site.test/ai.txt"
SHA = "f" * 64
GNSR = (Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT)
PLAIN = "text/plain; charset=utf-8"


def check(evidence: tuple[Evidence, ...], expected: str) -> None:
    """Compare the policy's answer per purpose with a G/N/S/R row.

    N: denied by ai-txt-disallow (licence status reserved). ?: allowed with no applicable deny
    (ai.txt never grants: it has no ALLOW evidence).
    """
    assert len(expected) == 4
    for purpose, letter in zip(GNSR, expected, strict=True):
        decision = decide(purpose, evidence)
        applicable = [e for e in evidence if e.applies_to(purpose)]
        assert not any(e.effect is Effect.ALLOW for e in applicable)
        if letter == "N":
            assert not decision.allowed, purpose
            assert decision.reasons == ("ai-txt-disallow",)
            assert decision.license_status is LicenseStatus.RESERVED
        else:
            assert letter == "?"
            assert decision.allowed and not any(e.effect is Effect.DENY for e in applicable)


def rules(body: bytes, content_type: str | None = PLAIN) -> RobotsTxt:
    parsed, why = parse_ai_txt(body, content_type)
    assert why is None and parsed is not None
    return parsed


def evidence(aitxt: RobotsTxt | None, path: str, agent: str = AGENT) -> tuple[Evidence, ...]:
    if aitxt is None:
        return ()  # an ignored response says nothing
    url = f"https://site.test{path}"
    return ai_txt_evidence(aitxt, url, agent, source=SOURCE, document_sha256=SHA)


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 6 vectors
# --------------------------------------------------------------------------

EVERYTHING = b"User-Agent: *\nDisallow: /\n"
JPG_PNG = b"User-Agent: *\nDisallow: *.jpg\nDisallow: *.png\n"
HTML_404 = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n"


@pytest.mark.parametrize(
    ("vector", "body", "content_type", "path", "expected"),
    [
        ("1", EVERYTHING, PLAIN, "/", "NN??"),
        ("1", EVERYTHING, PLAIN, "/photos/a.jpg", "NN??"),
        ("2 jpg", JPG_PNG, PLAIN, "/a.jpg", "NN??"),
        ("2 html", JPG_PNG, PLAIN, "/a.html", "????"),
        ("3 html error page", HTML_404, "text/html; charset=utf-8", "/a.jpg", "????"),
        ("3 html, no type", HTML_404, None, "/a.jpg", "????"),
        ("3 html as text/plain", HTML_404, PLAIN, "/a.jpg", "????"),
    ],
)
def test_signals_vectors(
    vector: str, body: bytes, content_type: str | None, path: str, expected: str
) -> None:
    parsed, _why = parse_ai_txt(body, content_type)
    check(evidence(parsed, path), expected)


def test_vector_1_evidence() -> None:
    (deny,) = evidence(rules(EVERYTHING), "/x")
    assert deny.reason == "ai-txt-disallow" and deny.purposes == AI_TXT_PURPOSES
    assert deny.line == 2 and deny.source == SOURCE and deny.document_sha256 == SHA
    assert deny.signal == "ai.txt" and "Disallow: /" in deny.value


def test_vector_3_says_why() -> None:
    assert parse_ai_txt(HTML_404, "text/html") == (None, "served as text/html, not text/plain")
    assert parse_ai_txt(HTML_404, None) == (None, "looks like HTML")


# --------------------------------------------------------------------------
# 2. Matching
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "path", "denied"),
    [
        # RFC 9309 matching already reads "*.jpg" as Spawning means it: any path with ".jpg".
        ("*.jpg", "/a.jpg", True),
        ("*.jpg", "/dir/sub/a.jpg", True),
        ("*.jpg", "/a.jpg?w=200", True),
        ("*.jpg", "/a.JPG", False),  # matching is case-sensitive
        ("*.jpg", "/a.jpeg", False),
        ("*.jpg", "/a.html", False),
        ("*.jpg", "/a.jpg.html", True),  # a prefix match: over-reach is on the safe side
        ("*.jpg$", "/a.jpg?w=200", False),
        ("*", "/anything", True),
        ("/", "/anything", True),
        ("/images/", "/images/a.png", True),
        ("/images/", "/a.png", False),
        # Neither "/" nor "*" first: never matches under RFC 9309; read as "*" + pattern.
        (".jpg", "/a.jpg", True),
        (".jpg", "/a.png", False),
        ("jpg", "/a.jpg", True),
    ],
)
def test_patterns(pattern: str, path: str, denied: bool) -> None:
    parsed = rules(f"User-Agent: *\nDisallow: {pattern}\n".encode())
    check(evidence(parsed, path), "NN??" if denied else "????")


def test_plain_robots_txt_does_not_read_bare_extensions() -> None:
    # Documents why aitxt.py rewrites ".jpg": our RFC 9309 reader alone would never match it,
    # while "*.jpg" needs no rewrite.
    robots = RobotsTxt.parse("User-Agent: *\nDisallow: .jpg\nDisallow: *.png\n")
    assert robots.allowed("/a.jpg", AGENT).allowed
    assert not robots.allowed("/a.png", AGENT).allowed
    assert rules(b"User-Agent: *\nDisallow: .jpg\n").groups[0].rules[0].pattern == "*.jpg"


@pytest.mark.parametrize(
    ("body", "agent", "path", "expected"),
    [
        # Our token's group replaces the star group (RFC 9309), case-insensitively.
        (b"User-Agent: *\nDisallow: /\n\nUser-Agent: examplebot\nAllow: /\n", AGENT, "/a", "????"),
        (
            b"User-Agent: *\nAllow: /\n\nUser-Agent: ExampleBot\nDisallow: *.jpg\n",
            AGENT,
            "/a.jpg",
            "NN??",
        ),
        (b"User-Agent: OtherBot\nDisallow: /\n", AGENT, "/a", "????"),
        (b"User-Agent: *\nDisallow: /\nAllow: *.txt\n", AGENT, "/a.txt", "????"),
        (b"User-Agent: *\nDisallow: /\nAllow: *.txt\n", AGENT, "/a.jpg", "NN??"),
    ],
)
def test_agent_groups(body: bytes, agent: str, path: str, expected: str) -> None:
    check(evidence(rules(body), path, agent), expected)


def test_allowed_leaves_info() -> None:
    (info,) = evidence(rules(b"User-Agent: *\nAllow: *.txt\nDisallow: *.jpg\n"), "/a.txt")
    assert info.effect is Effect.INFO and info.line == 2 and "Allow: *.txt" in info.value
    (none,) = evidence(rules(JPG_PNG), "/a.html")
    assert none.effect is Effect.INFO and none.line is None


# --------------------------------------------------------------------------
# 3. Real files
# --------------------------------------------------------------------------

# file -> (read as Spawning ai.txt?, {path: (G N S R, line of the deciding rule)})
REAL: dict[str, tuple[bool, dict[str, tuple[str, int | None]]]] = {
    # Spawning opt-out of everything: "Disallow: /" (line 5) and "Disallow: *" (line 6); both
    # are one octet long, so the earlier line decides.
    "ai.robots.txt-project-ai.txt": (True, {"/": ("NN??", 5), "/a.jpg": ("NN??", 5)}),
    "arne.me-ai.txt": (True, {"/": ("NN??", 2), "/posts/x.html": ("NN??", 2)}),
    # Generator output: 54 extension patterns, then "/" and "*". The extension rule is longer,
    # so it is the one that decides for a file with that extension.
    "hacdias.com-ai.txt": (
        True,
        {
            "/": ("NN??", 56),
            "/a.jpg": ("NN??", 17),
            "/notes/b.md": ("NN??", 56),
            "/x.py": ("NN??", 41),
        },
    ),
    "mltshp.com-ai.txt": (
        True,
        {
            "/": ("NN??", 59),
            "/r/ABC.gif": ("NN??", 17),
            "/ABC": ("NN??", 59),
            "/c.mp4": ("NN??", 36),
        },
    ),
    # llms.txt-style Markdown profile under the same name: no robots group, no opt-out.
    "sabintsev.com-ai.txt": (False, {"/": ("????", None), "/a.jpg": ("????", None)}),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_files(name: str) -> None:
    spawning, cases = REAL[name]
    body = (REALWEB / name).read_bytes()
    parsed, why = parse_ai_txt(body, PLAIN)
    assert (parsed is not None) is spawning
    if not spawning:
        assert why == "no User-Agent group: not robots-style ai.txt"
    for path, (expected, line) in cases.items():
        found = evidence(parsed, path)
        check(found, expected)
        denials = [e for e in found if e.effect is Effect.DENY]
        assert [e.line for e in denials] == ([line] if line else [])


@pytest.mark.parametrize("name", ["hacdias.com-ai.txt", "mltshp.com-ai.txt"])
def test_real_generator_files_cover_every_agent(name: str) -> None:
    parsed = rules((REALWEB / name).read_bytes())
    (group,) = parsed.groups
    assert group.tokens == ("*",)
    extensions = [r for r in group.rules if r.pattern.startswith("*.")]
    assert len(extensions) == 54 and not any(r.allow for r in group.rules)
    for agent in ("GPTBot", "CCBot", "img2dataset", AGENT):
        check(evidence(parsed, "/", agent), "NN??")


# --------------------------------------------------------------------------
# 4. Bad input never raises
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "why"),
    [
        (b"", PLAIN, "empty"),
        (b"", None, "empty"),
        (b" \r\n\t\n", PLAIN, "empty"),
        (b"\xef\xbb\xbf\n", PLAIN, "empty"),
        (HTML_404, "text/html", "served as text/html, not text/plain"),
        (
            b"User-Agent: *\nDisallow: /\n",
            "application/octet-stream",
            "served as application/octet-stream, not text/plain",
        ),
        (b"\xef\xbb\xbf  \n<html><body>hi</body></html>", None, "looks like HTML"),
        (b"# ai.txt\n<HTML>\n", PLAIN, "looks like HTML"),
        (b"<?xml version='1.0'?><x/>", None, "looks like HTML"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", None, "binary content (NUL bytes)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", PLAIN, "binary content (NUL bytes)"),
        (bytes(range(256)) * 40, None, "binary content (NUL bytes)"),
        (b"# only a comment\n", PLAIN, "no User-Agent group: not robots-style ai.txt"),
        (b"Disallow: /\n", PLAIN, "no User-Agent group: not robots-style ai.txt"),
        (b"just some words", None, "no User-Agent group: not robots-style ai.txt"),
    ],
)
def test_ignored_responses(body: bytes, content_type: str | None, why: str) -> None:
    assert parse_ai_txt(body, content_type) == (None, why)


@pytest.mark.parametrize(
    "content_type", ["TEXT/PLAIN", "text/plain;charset=latin-1", " text/plain ", "", None]
)
def test_text_plain_variants_are_read(content_type: str | None) -> None:
    parsed, why = parse_ai_txt(EVERYTHING, content_type)
    assert why is None and parsed is not None


def test_invalid_utf8_is_read_with_replacement() -> None:
    parsed = rules(b"User-Agent: *\nDisallow: /caf\xe9\nDisallow: *.jpg\n")
    check(evidence(parsed, "/a.jpg"), "NN??")


def test_large_file_is_bounded() -> None:
    body = b"User-Agent: *\n" + b"Disallow: *.x\n" * 100_000 + b"Disallow: /\n"
    parsed = rules(body)
    assert parsed.truncated  # read up to the robots.txt limit (512,000 bytes), not further
    check(evidence(parsed, "/a.x"), "NN??")


@pytest.mark.parametrize("body", [None, "a str", 12])
def test_not_bytes_never_raises(body: object) -> None:
    parsed, why = parse_ai_txt(body, PLAIN)  # type: ignore[arg-type]
    assert parsed is None or why is None


@pytest.mark.parametrize(
    "url", ["", "::::", "http://", "?q", "#x", "\x00", "https://h.test/\u00e9\ud800"]
)
def test_url_garbage_never_raises(url: str) -> None:
    ai_txt_evidence(rules(EVERYTHING), url, AGENT, source=SOURCE)
