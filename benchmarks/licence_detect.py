"""How long licence detection takes on a page the spider has already parsed.

Pages are built from the real corpus (tests/data/licenses/realweb, real saved pages):

* "100 KB": the saved Wikipedia article (about 108 KB: head link, footer rel=license links,
  some 1,000 links, a JSON-LD block without a licence) with a Yoast-style JSON-LD ``@graph``
  added to its head (WebSite, WebPage and Article with ``license``, 10 ImageObjects with their
  own licences), so detection parses JSON-LD on every call.
* "1 MB": the same head and JSON-LD graph (100 ImageObjects), and as body the bodies of the
  corpus pages one after another until the page reaches 1 MB: every kind of licence markup of
  the corpus (rel=license in heads, footers and figures, badges, plain licence links, DC metas)
  in one page.

Each page is parsed once, as Scrapy does (``HtmlResponse(...).selector.root``), and then
``detect_licenses`` is timed alone on that tree, many times; median and 95th percentile per
call. Every call's answer is checked against the first, so a broken detector cannot look fast.
The corpus table times each real page the same way.

Run from the repository root::

    .venv/bin/python benchmarks/licence_detect.py [--runs 1000] [--corpus-runs 50]

Target (issue 8): at most 2 ms median for the 100 KB page.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from lxml import etree
from scrapy.http import HtmlResponse

from crawler.consent.licenses import LicenseFinding, detect_licenses

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "licenses" / "realweb"
BASE_PAGE = "en.wikipedia.org.tsne.html"
URL = "https://en.wikipedia.org/wiki/T-distributed_stochastic_neighbor_embedding"
CC = "https://creativecommons.org/licenses"
TARGET_MS = 2.0
_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL | re.IGNORECASE)


def graph(images: int) -> str:
    """A JSON-LD @graph as SEO plugins write it, with licences on the page and its images."""
    nodes: list[dict[str, object]] = [
        {"@type": "WebSite", "@id": "https://example.org/#website", "name": "Example"},
        {
            "@type": "WebPage",
            "@id": URL,
            "url": URL,
            "name": "t-distributed stochastic neighbor embedding",
            "isPartOf": {"@id": "https://example.org/#website"},
            "primaryImageOfPage": {"@id": f"{URL}#image-0"},
            "license": f"{CC}/by-sa/4.0/",
        },
        {
            "@type": "Article",
            "@id": f"{URL}#article",
            "headline": "t-distributed stochastic neighbor embedding",
            "author": {"@type": "Person", "name": "Wikipedia contributors"},
            "datePublished": "2020-01-20T10:00:00+00:00",
            "mainEntityOfPage": {"@id": URL},
            "license": {"@type": "CreativeWork", "url": f"{CC}/by-sa/4.0/", "name": "CC BY-SA"},
            "image": [{"@id": f"{URL}#image-{i}"} for i in range(images)],
        },
    ]
    nodes += [
        {
            "@type": "ImageObject",
            "@id": f"{URL}#image-{i}",
            "contentUrl": f"https://upload.example.org/{i}/figure-{i}.png",
            "caption": f"Figure {i}: an embedding of the MNIST digits, perplexity {i * 5}",
            "width": 1200,
            "height": 800,
            "license": f"{CC}/by/4.0/" if i % 2 else f"{CC}/by-sa/3.0/",
        }
        for i in range(images)
    ]
    block = json.dumps({"@context": "https://schema.org", "@graph": nodes}, indent=1)
    return f'<script type="application/ld+json">{block}</script>'


def pages() -> dict[str, bytes]:
    base = (CORPUS / BASE_PAGE).read_text("utf-8")
    head, _, _ = base.partition("</head>")
    small = base.replace("</head>", graph(10) + "</head>", 1)
    bodies = []
    for path in sorted(CORPUS.glob("*.html")):
        matched = _BODY.search(path.read_text("utf-8", "replace"))
        if matched is not None:
            bodies.append(f"<div class='page'>{matched[1]}</div>")
    body = "".join(bodies)
    while len(body.encode()) < 1_000_000:
        body += "".join(bodies)
    large = f"{head}{graph(100)}</head><body>{body}</body></html>"
    encoded = large.encode()
    cut = encoded.rfind(b"<div class='page'>", 0, 1_000_000)
    return {
        "100 KB": small.encode(),
        "1 MB": encoded[:cut] + b"</body></html>",
    }


def root_of(body: bytes) -> etree._Element:
    root: etree._Element = HtmlResponse(URL, body=body, encoding="utf-8").selector.root
    return root


def timed(root: etree._Element, runs: int) -> tuple[list[float], LicenseFinding]:
    """Milliseconds per call, and the answer (checked to be the same on every call)."""
    first = detect_licenses(root, url=URL, link_headers=())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        found = detect_licenses(root, url=URL, link_headers=())
        times.append((time.perf_counter() - start) * 1000)
        if found != first:
            raise SystemExit("detection gave two answers for one page")
    return times, first


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--corpus-runs", type=int, default=50)
    args = parser.parse_args()

    print(f"{'page':<8} {'bytes':>10} {'parse ms':>9} {'median ms':>10} {'p95 ms':>8}  evidence")
    results = {}
    for name, body in pages().items():
        start = time.perf_counter()
        root = root_of(body)
        parse_ms = (time.perf_counter() - start) * 1000
        runs = args.runs if name == "100 KB" else max(args.runs // 10, 20)
        times, found = timed(root, runs)
        results[name] = statistics.median(times)
        print(
            f"{name:<8} {len(body):>10,} {parse_ms:>9.1f} {results[name]:>10.3f} "
            f"{p95(times):>8.3f}  {len(found.evidence)} pieces, licence {found.license}"
        )

    print(f"\nreal pages ({args.corpus_runs} runs each)")
    medians = []
    for path in sorted(CORPUS.glob("*.html")):
        body = path.read_bytes()
        times, found = timed(root_of(body), args.corpus_runs)
        medians.append(statistics.median(times))
        print(
            f"  {path.name:<46} {len(body):>8,} B {medians[-1]:>7.3f} ms median "
            f"{p95(times):>7.3f} p95  {found.license}"
        )
    print(
        f"  corpus: median of medians {statistics.median(medians):.3f} ms, worst {max(medians):.3f}"
    )

    verdict = "PASS" if results["100 KB"] <= TARGET_MS else "FAIL"
    print(f"\n{verdict}: 100 KB page {results['100 KB']:.3f} ms median (target ≤ {TARGET_MS} ms)")


if __name__ == "__main__":
    main()
