"""Seed URLs: what makes one usable, and the seeds-file format. Pure: no Scrapy, no I/O.

A seeds file has one URL a line. ``#`` starts a comment on a line of its own or after
whitespace (``https://a.example/  # note``); a ``#`` right inside a URL is its fragment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["SeedsFile", "parse_seeds", "seed_problem"]

_TRAILING_COMMENT = re.compile(r"\s#.*$")


def seed_problem(seed: str) -> str | None:
    """Why ``seed`` cannot start a crawl, or None when it can."""
    try:
        parts = urlsplit(seed)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 literal
        usable = False
    if not usable or any(c.isspace() for c in seed):
        return f"{seed!r} is not an http(s) URL"
    return None


@dataclass(frozen=True, slots=True)
class SeedsFile:
    seeds: tuple[str, ...]
    problems: tuple[str, ...]  # "NAME:LINE: …", one per bad line


def parse_seeds(text: str, name: str) -> SeedsFile:
    """The seeds of a seeds file's text, and every problem in it (``name`` is how it is shown)."""
    seeds: list[str] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        seed = _TRAILING_COMMENT.sub("", line).strip()
        if not seed:
            continue
        problem = seed_problem(seed)
        if problem is None:
            seeds.append(seed)
        else:
            problems.append(f"{name}:{number}: {problem}")
    if not seeds and not problems:
        problems.append(f"seeds file {name} has no URLs")
    return SeedsFile(tuple(seeds), tuple(problems))
