"""How long each pure parser takes on hostile input: the inputs of tests/hostile.py.

The property tests (tests/test_*_properties.py) run the same inputs and assert on what the
parsers make of them, never on time; this script, run by hand, says how long they take. Every
parser gets every generic input (1 MB of ``*``, a 1 MB line, 100,000 lines, JSON and XML
100,000 levels deep, a billion laughs, 10,000 ``Disallow: /*a*a*…`` rules) in the form it
reads (bytes, text, a header value, the value of a robots.txt line, a parsed page), and some
get inputs of their own (a 1 MB Link header, a date split at 250,000 commas, image bombs, ...).

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/hostile_input.py [--repeat 3] [--only robots]

It prints the machine's load average before and after, and per parser and input the median
and the slowest of ``--repeat`` runs in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

from scrapy.http import HtmlResponse

from blocklists import BlocklistFormatError, load_blocklist
from crawler.consent.agents import AgentTable
from crawler.consent.aitxt import parse_ai_txt
from crawler.consent.content_signal import content_signals
from crawler.consent.content_usage import content_usage_header, content_usage_robots
from crawler.consent.image_meta import image_evidence, read_image_metadata
from crawler.consent.licenses import _parse_link_header, detect_licenses
from crawler.consent.model import Purpose
from crawler.consent.robots import RobotsTxt, decode_robots
from crawler.consent.robots_ai import ai_optouts
from crawler.consent.robots_tags import parse_meta_robots, parse_x_robots_tag
from crawler.consent.rsl import NAMESPACE, parse_rsl, rsl_evidence
from crawler.consent.spdx import spdx_id
from crawler.consent.structured import jsonld
from crawler.consent.tdmrep import TdmRepFile
from crawler.consent.xmp import parse_xmp
from crawler.pages.image_links import image_urls, srcset_urls
from tests import hostile

PAGE = "https://example.com/page"
TABLE = AgentTable.default()
_ALLOW_ALL = '<content url="/"><license><permits type="usage">all</permits></license></content>'


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace")


def _line(body: bytes) -> str:
    """The input as one robots.txt line value (its line ends made spaces)."""
    return _text(body).replace("\r", " ").replace("\n", " ")


def _robots(body: bytes) -> RobotsTxt:
    return RobotsTxt.parse(decode_robots(body))


def _root(body: bytes) -> Any:
    return HtmlResponse(PAGE, body=body).selector.root


def _jsonld_page(body: bytes) -> bytes:
    return b'<html><head><script type="application/ld+json">' + body + b"</script></head></html>"


def _blocklist(body: bytes) -> int:
    try:
        return len(load_blocklist("list", data=body))
    except BlocklistFormatError as refused:
        return len(refused.problems)


def _rsl(body: bytes | str) -> object:
    doc = parse_rsl(body, url=PAGE)
    return rsl_evidence(
        doc, PAGE, held=frozenset(), user="commercial", geo="DE", document_sha256=None
    )


def _robots_line(field: str, value: str) -> RobotsTxt:
    text = f"User-agent: *\n{field}: {value}\n"
    return RobotsTxt.parse(text, max_bytes=len(text) * 4)


#: parser -> what it does with one hostile input (bytes in, anything out).
PARSERS: dict[str, Callable[[bytes], object]] = {
    "robots.txt": lambda b: _robots(b).allowed(hostile.STAR_PATH_MISS, "GPTBot"),
    "robots AI groups": lambda b: ai_optouts(
        _robots(b.replace(b"User-agent: *", b"User-agent: GPTBot")),
        hostile.STAR_PATH_MISS,
        TABLE,
        set(Purpose),
        source="s",
    ),
    "Content-Signal": lambda b: content_signals(
        _robots_line("Content-Signal", _line(b)), "/" + "a" * 1000, "x", source="s"
    ),
    "Content-Usage header": lambda b: content_usage_header(_line(b), source="s"),
    "Content-Usage robots": lambda b: content_usage_robots(
        _robots_line("Content-Usage", _line(b)), "/" + "a" * 1000, "x", source="s"
    ),
    "TDMRep": lambda b: TdmRepFile.parse(b, max_bytes=4 * hostile.MB).match("/a"),
    "ai.txt": lambda b: parse_ai_txt(b, "text/plain"),
    "RSL": _rsl,
    "Link header": lambda b: _parse_link_header(_line(b)),
    "licence detection": lambda b: detect_licenses(_root(b), url=PAGE, link_headers=[_line(b)]),
    "JSON-LD": lambda b: jsonld(_root(_jsonld_page(b)), containing=""),
    "X-Robots-Tag": lambda b: parse_x_robots_tag([_line(b)]),
    "meta robots": lambda b: parse_meta_robots([("robots", _line(b))]),
    "XMP": lambda b: parse_xmp(b, max_bytes=4 * hostile.MB),
    "image metadata": lambda b: image_evidence(read_image_metadata(b, content_type=None)),
    "srcset": lambda b: srcset_urls(_text(b)),
    "page images": lambda b: image_urls(_root(b), PAGE, limit=1000),
    "SPDX id": lambda b: spdx_id(_line(b)),
    "blocklist": _blocklist,
}


def _date_split() -> bytes:
    return b"unavailable_after: 25 Jun 2010" + b", x" * (hostile.MB // 4)


def _rsl_deep() -> bytes:
    deep = _text(hostile.deep_xml())
    return f'<rsl xmlns="{NAMESPACE}">{_ALLOW_ALL}<deep>{deep}</deep></rsl>'.encode()


def _rsl_contents() -> bytes:
    contents = "".join(
        f'<content url="/p{i}/"><license><prohibits type="usage">all</prohibits></license>'
        "</content>"
        for i in range(5_000)
    )
    return f'<rsl xmlns="{NAMESPACE}">{_ALLOW_ALL}{contents}</rsl>'.encode()


def _rsl_faults() -> bytes:
    faults = " ".join(f"bad{i}" for i in range(hostile.LINES))
    return (
        f'<rsl xmlns="{NAMESPACE}"><content url="/"><license><permits type="usage">{faults}'
        "</permits></license></content></rsl>"
    ).encode()


#: parser -> (input name, builder) of the inputs only that parser gets.
OWN: dict[str, list[tuple[str, Callable[[], bytes]]]] = {
    "Link header": [("1 MB Link header", lambda: hostile.link_header().encode())],
    "licence detection": [("1 MB Link header", lambda: hostile.link_header().encode())],
    "X-Robots-Tag": [("date split at 250k commas", _date_split)],
    "meta robots": [
        ("date split at 250k commas", _date_split),
        ("200k words", lambda: b"noai " * (hostile.MB // 5)),
    ],
    "srcset": [("1 MB of commas", lambda: hostile.commas().encode())],
    "RSL": [
        ("quadratic blow-up", hostile.quadratic_blowup),
        ("deep XML in a valid document", _rsl_deep),
        ("5,000 contents", _rsl_contents),
        ("100k unknown tokens", _rsl_faults),
    ],
    "XMP": [("quadratic blow-up", hostile.quadratic_blowup)],
    "image metadata": [
        ("64 MB compressed XMP chunk", hostile.xmp_bomb_png),
        ("900 megapixel PNG", hostile.pixel_bomb_png),
    ],
}


def _time(run: Callable[[bytes], object], body: bytes, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        run(body)
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def _commit() -> str:
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return found.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="parsers whose name contains this text")
    args = parser.parse_args()
    chosen = {name: run for name, run in PARSERS.items() if not args.only or args.only in name}
    print(
        f"commit {_commit()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for build in hostile.INPUTS.values():
        build()  # built once, outside the timings
    print(f"{'parser':<22} {'input':<30} {'median ms':>10} {'slowest':>9}")
    slowest = ("", "", 0.0)
    for name, run in chosen.items():
        inputs = [*hostile.INPUTS.items(), *OWN.get(name, [])]
        for label, build in inputs:
            median, worst = _time(run, build(), args.repeat)
            if median > slowest[2]:
                slowest = (name, label, median)
            print(f"{name:<22} {label:<30} {median:>10.1f} {worst:>9.1f}")
    print(f"slowest: {slowest[0]} on {slowest[1]}, {slowest[2]:.0f} ms (median)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
