"""Images per second in a local crawl with --images: every page's images decided and stored.

Serves ``--pages`` HTML pages (one host, ``img.bench.test``), each linking the next pages and
showing ``--per-page`` distinct JPEGs of about 20 KB; a third of them carry IPTC
``plus:DataMining`` (half of those reserve generative training) and every tenth is the real
CAWG-signed C2PA test image (about 140 KB, ``tests/data/images``). It crawls them with
``consentcrawl crawl --images --purpose train-genai`` in a subprocess (SQLite catalog and WARC in
a temporary folder) and reads the job's start and finish times and its records back from the
catalog. Every image must be recorded, and the reserved ones skipped with their reason, or the
run is reported as broken (exit 1).

    .venv/bin/python benchmarks/image_crawl.py [--pages 200] [--per-page 5] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

from crawler.demo.server import Page, serve
from storage.audit import queries
from storage.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
HOST = "img.bench.test"
C2PA = (ROOT / "tests" / "data" / "images" / "c2pa-cawg-training-mining-notallowed.jpg").read_bytes()
NO_GENAI = "DMI-PROHIBITED-GENAIMLTRAINING"


def jpeg(index: int, data_mining: str | None) -> bytes:
    xmp = None
    if data_mining:
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
            '22-rdf-syntax-ns#"><rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
            f'plus:DataMining="http://ns.useplus.org/ldf/vocab/{data_mining}"/></rdf:RDF>'
            "</x:xmpmeta>"
        ).encode()
    noise = Image.effect_noise((160, 120), 60 + index % 50).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=90, **({"xmp": xmp} if xmp else {}))
    return out.getvalue()


def build(pages: int, per_page: int) -> tuple[dict[str, Page], int]:
    site: dict[str, Page] = {"/robots.txt": Page("User-agent: *\nAllow: /\n",
                                                 content_type="text/plain")}
    reserved = 0
    for p in range(pages):
        images = []
        for k in range(per_page):
            n = p * per_page + k
            path = f"/img/{n}.jpg"
            if n % 10 == 9:
                body = C2PA
                reserved += 1
            else:
                value = (NO_GENAI if n % 6 == 0 else "DMI-ALLOWED") if n % 3 == 0 else None
                reserved += value == NO_GENAI
                body = jpeg(n, value)
            site[path] = Page(body, content_type="image/jpeg")
            images.append(f'<img src="{path}">')
        links = "".join(f'<a href="/p/{q}">{q}</a> ' for q in range(p + 1, min(p + 4, pages)))
        site["/" if p == 0 else f"/p/{p}"] = Page(
            f"<!doctype html><html><body><main>{''.join(images)}{links}</main></body></html>"
        )
    return site, reserved


def run(port: int, work: Path, pages: int) -> tuple[float, int, int, int]:
    catalog_url = f"sqlite:///{work / 'c.sqlite'}"
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", f"http://{HOST}:{port}/", "--purpose",
         "train-genai", "--images", "--catalog", catalog_url, "--warc-dir", str(work / "w"),
         "--resolve", f"{HOST}:127.0.0.1", "--allow-private-addresses", "--delay", "0",
         "--depth", str(pages), "--concurrency", "16", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=16"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"crawl failed: {result.stderr[-2000:]}")
    with Catalog(catalog_url, mode="read") as catalog:
        rows = list(catalog.export_rows())
        [job] = queries.jobs(catalog)
    images = [r for r in rows if r["kind"] == "image"]
    skipped = sum(r["outcome"] == "skipped" for r in images)
    seconds = (job.finished_at - job.started_at).total_seconds()
    return seconds, len(images), skipped, len(rows) - len(images)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--per-page", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    site, reserved = build(args.pages, args.per_page)
    expected = args.pages * args.per_page
    rates = []
    with serve({HOST: site}) as server:
        for attempt in range(args.repeat):
            with tempfile.TemporaryDirectory() as folder:
                seconds, images, skipped, pages = run(server.port, Path(folder), args.pages)
            if images != expected or skipped != reserved or pages != args.pages:
                print(f"broken run: {images}/{expected} images, {skipped}/{reserved} skipped, "
                      f"{pages}/{args.pages} pages")
                return 1
            rates.append(images / seconds)
            print(f"run {attempt + 1}: {images} images ({skipped} skipped) and {pages} pages in "
                  f"{seconds:.2f} s: {images / seconds:.0f} images/s")
    print(f"median: {statistics.median(rates):.0f} images/s "
          f"({args.pages} pages x {args.per_page} images, concurrency 16)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
