"""Hostile inputs: the property tests assert on what each parser makes of them, and
benchmarks/hostile_input.py times the same inputs (tests never assert on time).

Each builder is cached: an input is built once per process, whichever test asks first.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Callable

MB = 1 << 20
DEPTH = 100_000
LINES = 100_000
STAR_RULES = 10_000


@functools.cache
def stars() -> bytes:
    """1 MB of ``*``: one line, no field, a pattern of wildcards wherever a pattern is read."""
    return b"*" * MB


@functools.cache
def one_line() -> bytes:
    """One 1 MB line that starts like a rule."""
    return b"Disallow: /" + b"a" * MB


@functools.cache
def many_lines() -> bytes:
    """100,000 short lines (a robots.txt group of rules, a list of names, ...)."""
    return b"User-agent: *\n" + b"".join(b"Disallow: /p%d\n" % i for i in range(LINES))


@functools.cache
def deep_json() -> bytes:
    return b"[" * DEPTH + b"]" * DEPTH


@functools.cache
def deep_xml() -> bytes:
    return b"<a>" * DEPTH + b"</a>" * DEPTH


@functools.cache
def billion_laughs() -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><r>&l9;</r>'.encode()


@functools.cache
def star_rules() -> bytes:
    """10,000 rules ``Disallow: /*a*a*a…b``: each must be searched for on a path of ``a``s."""
    rules = b"".join(b"Disallow: /" + b"*a" * (5 + i % 10) + b"*b\n" for i in range(STAR_RULES))
    return b"User-agent: *\n" + rules


#: A path the star rules all fail on after scanning it (no ``b``), and one they match.
STAR_PATH_MISS = "/" + "a" * 2000
STAR_PATH_HIT = STAR_PATH_MISS + "b"


@functools.cache
def link_header() -> str:
    """1 MB of Link header: many links, unclosed quotes and angle brackets, stray commas."""
    unit = '<https://example.com/l>; rel="license"; title="a,b", <x, "q, ;;, '
    return (unit * (MB // len(unit) + 1))[:MB]


@functools.cache
def commas() -> str:
    """1 MB of ``,`` and spaces: empty list items, empty srcset candidates."""
    return ", " * (MB // 2)


@functools.cache
def quadratic_blowup() -> bytes:
    """One 50,000-character entity referenced 50,000 times (2.5 GB if expanded)."""
    entity = "a" * 50_000
    return f'<!DOCTYPE r [<!ENTITY a "{entity}">]><r>{"&a;" * 50_000}</r>'.encode()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(extra: bytes = b"", width: int = 1, height: int = 1) -> bytes:
    """A PNG header with ``extra`` chunks before its (empty) pixel data: read, never decoded."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", zlib.compress(b""))
        + _chunk(b"IEND", b"")
    )


@functools.cache
def xmp_bomb_png() -> bytes:
    """A compressed XMP chunk of 64 MB of spaces (64 KB on the wire)."""
    text = zlib.compress(b" " * (64 * MB), 9)
    return png(_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + text))


@functools.cache
def pixel_bomb_png() -> bytes:
    """30,000 x 30,000 pixels declared: 900 megapixels, over Pillow's own bomb bound."""
    return png(width=30_000, height=30_000)


#: The generic inputs every byte-reading parser gets (name -> builder).
INPUTS: dict[str, Callable[[], bytes]] = {
    "1 MB of *": stars,
    "1 MB line": one_line,
    "100k lines": many_lines,
    "deep JSON": deep_json,
    "deep XML": deep_xml,
    "billion laughs": billion_laughs,
    "10k /*a*a* rules": star_rules,
}
