"""Hypothesis strategies shared by the property tests (tests/test_*_properties.py).

1. The corpus: the real files under tests/data (copies of ../shared/realweb, see their
   manifests), and mutations of them: lines dropped or duplicated, bytes flipped, junk inserted,
   truncation, other encodings and line ends.
2. A robots.txt model (groups of tokens, rules and other lines) and its rendering as text in
   the many spellings RFC 9309 allows, so a property can compare a parse with the model; the
   product tokens, paths and patterns it is made of; a parse written back as robots.txt.
3. Small building blocks: a page parsed as the crawler parses it, any text (surrogates
   included), host names as lists and URLs write them, URLs.

Nothing here reads ../shared: tests run from the copies.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from crawler.consent.robots import RobotsTxt

DATA = Path(__file__).parent / "data"


def corpus(*patterns: str, max_size: int | None = None) -> tuple[bytes, ...]:
    """The bytes of the files under tests/data matching ``patterns``, in name order."""
    paths = sorted({p for pattern in patterns for p in DATA.glob(pattern) if p.is_file()})
    found = tuple(
        data
        for data in (p.read_bytes() for p in paths)
        if max_size is None or len(data) <= max_size
    )
    assert found, f"no corpus files for {patterns}"
    return found


ROBOTS = corpus("robots/*.txt")
AITXT = corpus("realweb/aitxt/*.txt")
TDMREP = corpus("realweb/tdmrep/*.json")
RSL = corpus("realweb/rsl/*.xml")
HTML = corpus("realweb/html/*.html", "licenses/realweb/*.html", "walls/*.html")
HEADERS = corpus("realweb/headers/*.txt")
BLOCKLISTS = corpus("blocklists/*")
XMP = corpus("images/*.xmp")
#: Images small enough to mutate cheaply (the 1.5 and 2.2 MB camera files are left out).
IMAGES = corpus("images/*.jpg", "images/*.jpeg", "images/*.webp", max_size=300_000)
#: The XMP packets of those images, as they are embedded, and the IPTC reference packet.
XMP_PACKETS = XMP + tuple(
    packet
    for image in IMAGES
    for packet in re.findall(rb"<x:xmpmeta.*?</x:xmpmeta>", image, re.DOTALL)
)

# --------------------------------------------------------------------------------------------
# 1. Mutations
# --------------------------------------------------------------------------------------------

#: Bytes that mean something to one parser or another, inserted at random places.
JUNK: tuple[bytes, ...] = (
    b"*",
    b"$",
    b"#",
    b":",
    b",",
    b";",
    b"=",
    b"%",
    b"%zz",
    b"%C3%A9",
    b'"',
    b"\\",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#0;",
    b"]]>",
    b"<!--",
    b"<!DOCTYPE x [<!ENTITY e 'e'>]>",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\x00",
    b"\t",
    b"\r",
    b"\n",
    b"\r\n",
    b"\x0b\x0c",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    "\u2028".encode(),
    "é".encode(),
    "ß".encode(),
    "ツ".encode(),
    b"User-agent: *\n",
    b"User-agent: GPTBot\n",
    b"Disallow: /\n",
    b"Allow: /\n",
    b"Content-Signal: ai-train=no\n",
    b"Content-Usage: train-ai=n\n",
    b"License: https://example.com/license.xml\n",
)

_Mutation = Callable[[st.DrawFn, bytes], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _drop_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if not lines:
        return data
    index = draw(st.integers(0, len(lines) - 1))
    return b"".join(lines[:index] + lines[index + 1 :])


def _duplicate_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = _lines(data)
    if not lines:
        return data
    line = lines[draw(st.integers(0, len(lines) - 1))]
    if not line.endswith((b"\n", b"\r")):
        line += b"\n"
    at = draw(st.integers(0, len(lines)))
    return b"".join([*lines[:at], line, *lines[at:]])


def _flip_byte(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]


def _insert_junk(draw: st.DrawFn, data: bytes) -> bytes:
    junk = draw(st.sampled_from(JUNK) | st.binary(min_size=1, max_size=12))
    at = draw(st.integers(0, len(data)))
    return data[:at] + junk + data[at:]


def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


_CODECS = ("utf-16", "utf-16-be", "utf-32", "utf-8-sig", "latin-1", "cp1252", "utf-7")


def _reencode(draw: st.DrawFn, data: bytes) -> bytes:
    codec = draw(st.sampled_from(_CODECS))
    return data.decode("utf-8", "replace").encode(codec, "replace")


def _line_ends(draw: st.DrawFn, data: bytes) -> bytes:
    end = draw(st.sampled_from((b"\n", b"\r\n", b"\r")))
    return end.join(line.rstrip(b"\r\n") for line in _lines(data))


MUTATIONS: tuple[_Mutation, ...] = (
    _drop_line,
    _duplicate_line,
    _flip_byte,
    _insert_junk,
    _truncate,
    _reencode,
    _line_ends,
)


@st.composite
def mutate(draw: st.DrawFn, data: bytes, max_mutations: int = 4) -> bytes:
    """``data`` after up to ``max_mutations`` random mutations (none: the file itself)."""
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), max_size=max_mutations)):
        data = mutation(draw, data)
    return data


def mutated(files: Sequence[bytes], max_mutations: int = 4) -> st.SearchStrategy[bytes]:
    """One of ``files``, mutated (shrinks towards the first file, unchanged)."""
    return st.sampled_from(files).flatmap(lambda data: mutate(data, max_mutations))


# --------------------------------------------------------------------------------------------
# 2. A robots.txt model and its spellings
# --------------------------------------------------------------------------------------------

#: Few names, so that generated groups and the tokens asked about collide.
TOKENS = ("*", "GPTBot", "ccbot", "Google-Extended", "consentcrawl", "Applebot", "a_b")
QUERY_TOKENS = (*TOKENS[1:], "Applebot-Extended", "other", "GPTBOT")

#: Path and pattern characters: few, so that patterns match paths often.
_PATH_CHARS = "ab/.?=;$*-"


def paths(max_size: int = 10) -> st.SearchStrategy[str]:
    """ASCII paths without ``%`` or ``#`` (RFC 9309 normalisation leaves them as they are)."""
    tail = st.text(_PATH_CHARS, max_size=max_size).filter(lambda t: not t.startswith("/"))
    return tail.map(lambda t: "/" + t)


def patterns(max_size: int = 6) -> st.SearchStrategy[str]:
    """Allow/Disallow values in the same alphabet: mostly paths, sometimes ``*...`` or empty."""
    return st.one_of(
        paths(max_size),
        st.text(_PATH_CHARS, max_size=max_size).map(lambda t: "*" + t),
        st.just(""),
    )


@st.composite
def matching(draw: st.DrawFn, pattern: str) -> str:
    """A path the RFC 9309 ``pattern`` matches: its ``*`` filled in, its final ``$`` dropped."""
    parts = pattern.removesuffix("$").split("*")
    filled = "".join(part + draw(st.text("ab/", max_size=3)) for part in parts[:-1]) + parts[-1]
    # A path never starts with "//" (that is a URL's authority); a leading "*" takes "/a" too.
    return filled if filled.startswith("/") and filled[1:2] != "/" else "/a" + filled


@dataclass(frozen=True)
class ModelGroup:
    tokens: tuple[str, ...]
    """As written in the table (any case): ``*`` or a product token."""
    rules: tuple[tuple[bool, str], ...]
    """(allow, pattern); at least one, so that the group is closed before the next one."""
    lines: tuple[tuple[str, str], ...] = ()
    """Other (field, value) lines of the group: Content-Signal, Crawl-delay, ..."""


@dataclass(frozen=True)
class RobotsModel:
    groups: tuple[ModelGroup, ...]


def model_groups(
    lines: st.SearchStrategy[tuple[str, str]] | None = None,
    max_groups: int = 5,
) -> st.SearchStrategy[RobotsModel]:
    rule = st.tuples(st.booleans(), patterns())
    group = st.builds(
        ModelGroup,
        st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3).map(tuple),
        st.lists(rule, min_size=1, max_size=5).map(tuple),
        st.lists(lines, max_size=3).map(tuple) if lines is not None else st.just(()),
    )
    return st.lists(group, max_size=max_groups).map(lambda gs: RobotsModel(tuple(gs)))


_NOISE = (
    "",
    "   ",
    "# a comment",
    "#",
    "Sitemap: https://example.com/sitemap.xml",
    "Unknown-Field: whatever",
    "Host: example.com",
    "noindex",
    ": no field",
)


def _field_line(rnd: random.Random, field: str, value: str) -> str:
    """One ``field: value`` line in one of the spellings RFC 9309 (or Google) reads alike."""
    name = rnd.choice((field, field.lower(), field.upper()))
    seps = [":", ": ", " :  ", ":\t", "\t:"]
    if value and ":" not in value and not any(c.isspace() for c in value):
        seps.append(" ")  # Google's leniency: "disallow /x", exactly two words
    comment = rnd.choice(("", "", " # why", "#x"))
    indent = rnd.choice(("", "", " ", "\t"))
    return f"{indent}{name}{rnd.choice(seps)}{value}{comment}"


@st.composite
def render_robots(draw: st.DrawFn, model: RobotsModel) -> str:
    """The model as robots.txt text: random spellings, comments, noise lines, line ends.

    The spelling comes from one seeded ``random.Random`` (one draw instead of a few per line:
    generation stays cheap, and shrinking works on the model, which is what matters)."""
    rnd = draw(st.randoms(use_true_random=True))
    out: list[str] = []

    def noise() -> None:
        out.extend(rnd.choice(_NOISE) for _ in range(rnd.choice((0, 0, 0, 1, 2))))

    noise()
    for group in model.groups:
        for token in group.tokens:
            suffix = "" if token == "*" else rnd.choice(("", "/1.0", " (compatible)"))
            out.append(_field_line(rnd, "User-agent", token + suffix))
            noise()
        body = [("Allow" if allow else "Disallow", value) for allow, value in group.rules]
        body += list(group.lines)
        rnd.shuffle(body)
        for field, value in body:
            out.append(_field_line(rnd, field, value))
            noise()
    end = rnd.choice(("\n", "\r\n", "\r"))
    bom = rnd.choice(("", "\ufeff"))
    return bom + end.join(out) + rnd.choice(("", end))


def serialise_robots(robots: RobotsTxt) -> str:
    """The groups of a parse as a plain robots.txt (License lines left out: RSL discovery reads
    them by position, and they never change a verdict)."""
    out: list[str] = []
    for group in robots.groups:
        out += [f"User-agent: {token}" for token in group.tokens]
        out += [f"{'Allow' if r.allow else 'Disallow'}: {r.pattern}" for r in group.rules]
        out += [f"{line.field}: {line.value}" for line in group.lines if line.field != "license"]
    return "".join(line + "\n" for line in out)


# --------------------------------------------------------------------------------------------
# 3. Building blocks
# --------------------------------------------------------------------------------------------


def html_root(body: bytes, url: str = "https://example.com/page") -> Any:
    """The lxml tree of a page, parsed as the crawler parses it (Scrapy's selector)."""
    return HtmlResponse(url, body=body).selector.root


#: Any text, surrogates and control characters included (``st.text()`` leaves surrogates out).
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=200)

#: Host names as lists and URLs write them: labels (some IDN, some with "_" or "-"), public
#: suffixes, "www.", case and trailing dots, and IP literals in their many spellings.
_LABELS = st.one_of(
    st.from_regex(r"[a-z0-9]([a-z0-9_-]{0,8}[a-z0-9])?", fullmatch=True),
    st.sampled_from(("www", "münchen", "straße", "日本", "xn--mnchen-3ya", "xn--zz", "-a", "a-")),
)
_SUFFIXES = ("com", "de", "co.uk", "github.io", "example", "test", "xn--p1ai", "рф", "1", "")
host_names = st.one_of(
    st.builds(
        lambda labels, suffix, case, dots: case(".".join([*labels, suffix]).strip(".")) + dots,
        st.lists(_LABELS, min_size=1, max_size=3),
        st.sampled_from(_SUFFIXES),
        st.sampled_from((str, str.upper, str.title)),
        st.sampled_from(("", "", ".", "..")),
    ),
    st.sampled_from(
        (
            "192.0.2.10",
            "3221225994",
            "0xc0.0.2.10",
            "0300.0.02.012",
            "[2001:db8::1]",
            "2001:DB8:0:0::1",
            "[::ffff:192.0.2.1]",
            "*.example.com",
            "a..b.com",
            "",
            "a" * 64 + ".com",
            ("a" * 60 + ".") * 5 + "com",
        )
    ),
)

urls = st.one_of(
    paths(),
    st.builds(lambda p: "https://example.com" + p, paths()),
    st.builds(lambda p, q: f"http://example.com:8080{p}?{q}#frag", paths(), paths(4)),
    any_text,
)
