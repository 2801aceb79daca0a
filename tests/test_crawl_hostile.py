"""Hostile servers: bombs, endless bodies and redirects, traps and slow drips.

Every case must end in bounded time and memory, be recorded with its reason, and leave the rest
of the crawl going. The crawl runs with small bounds (2 MiB responses, 3 s downloads, 200 pages
per site) so the whole suite takes seconds.
"""

from __future__ import annotations

import gzip
import resource
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog

from .sites import crawl

DOMAIN = "hostile.test"
MIB = 1024 * 1024
ZEROS = b"\0" * (64 * 1024)
BOMB = gzip.compress(b"\0" * (256 * MIB), compresslevel=9)  # about 250 KB on the wire
PAGE_CAP = 200


class Generated(Mapping[str, Page]):
    """A site whose pages are made on request (endless URL spaces)."""

    def __init__(self, make: Any, fixed: dict[str, Page]) -> None:
        self.make, self.fixed = make, fixed

    def __getitem__(self, path: str) -> Page:
        return self.fixed[path] if path in self.fixed else self.make(path)

    def get(self, path: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fixed)

    def __len__(self) -> int:
        return len(self.fixed)


def endless(path: str) -> Page:
    step = int(path.rsplit("/", 1)[-1]) if path.rsplit("/", 1)[-1].isdigit() else 0
    return Page(status=302, headers={"Location": f"/r/{step + 1}"})


def calendar(path: str) -> Page:
    # Every day links to the next day and the next month: an endless calendar.
    day = int(path.rsplit("/", 1)[-1]) if path.rsplit("/", 1)[-1].isdigit() else 0
    return Page(f'<a href="/day/{day + 1}">next</a> <a href="/day/{day + 31}">month</a>')


def deep(path: str) -> Page:
    return Page(f'<a href="{path.rstrip("/")}/a/">deeper</a>')


ROBOTS = Page("", status=404)
DOCUMENTS = {"/robots.txt": ROBOTS, "/.well-known/tdmrep.json": ROBOTS, "/ai.txt": ROBOTS}


def sites(port: int) -> dict[str, Mapping[str, Page]]:
    return {
        f"bomb.{DOMAIN}": {"/robots.txt": ROBOTS, "/": Page(BOMB, headers={"Content-Encoding": "gzip"})},
        f"huge.{DOMAIN}": {
            "/robots.txt": ROBOTS,
            "/": Page(stream=lambda: (ZEROS for _ in range(16 * 1024))),  # 1 GiB, no length
        },
        f"declared.{DOMAIN}": {
            "/robots.txt": ROBOTS,
            "/": Page(stream=lambda: (ZEROS for _ in range(16 * 1024)), length=1024 * MIB),
        },
        f"loop.{DOMAIN}": Generated(endless, dict(DOCUMENTS)),
        f"calendar.{DOMAIN}": Generated(calendar, {
            **DOCUMENTS,
            "/": Page("".join(f'<a href="/day/{d}">{d}</a>' for d in range(10_000))),
        }),
        f"deep.{DOMAIN}": Generated(deep, {**DOCUMENTS, "/": Page('<a href="/a/">a</a>')}),
        f"drip.{DOMAIN}": {
            "/robots.txt": ROBOTS,
            "/": Page(stream=lambda: (b"x" for _ in range(1000)), drip=0.5, length=1000),
        },
        f"fine.{DOMAIN}": {"/robots.txt": ROBOTS, "/": Page("<p>still crawled</p>")},
    }


HOSTS = ("bomb", "huge", "declared", "loop", "calendar", "deep", "drip", "fine")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("hostile")
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    with serve(sites) as web:
        result = crawl(
            [web.url(f"{h}.{DOMAIN}") for h in HOSTS], catalog_url=catalog_url,
            warc_dir=root / "w", domain=DOMAIN,
            extra=["--depth", "100000", "--concurrency", "16",
                   "--set", f"CONSENT_MAX_RESPONSE_SIZE={2 * MIB}",
                   "--set", "CONSENT_DOWNLOAD_TIMEOUT=3",
                   "--set", f"CONSENT_SITE_MAX_PAGES={PAGE_CAP}",
                   "--set", "CONSENT_MAX_PATH_SEGMENTS=12"],
        )
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with Catalog(catalog_url, mode="read") as catalog:
            rows = list(export_rows(catalog))
        yield {"web": web, "rows": rows, "result": result, "peak_rss_mb": peak_rss_mb}


def of(crawled: dict[str, Any], host: str) -> list[dict[str, Any]]:
    return [r for r in crawled["rows"] if f"//{host}.{DOMAIN}:" in r["url"]]


def test_crawl_finishes_and_carries_on(crawled: dict[str, Any]) -> None:
    assert crawled["result"].returncode == 0, crawled["result"].stderr
    [fine] = of(crawled, "fine")
    assert fine["outcome"] == "collected"
    assert crawled["peak_rss_mb"] < 1024  # a 1 GiB body and a 256 MiB bomb were never held


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("bomb", "decompression-bomb"),
        ("huge", "too-large"),
        ("declared", "too-large"),
        ("drip", "timeout"),
    ],
)
def test_single_page_cases(crawled: dict[str, Any], host: str, reason: str) -> None:
    [row] = of(crawled, host)
    assert (row["outcome"], row["reasons"]) == ("skipped", [reason])
    assert row["warc_file"] is None


def test_endless_redirects(crawled: dict[str, Any]) -> None:
    rows = of(crawled, "loop")
    assert [r["reasons"] for r in rows].count(["too-many-redirects"]) == 1
    assert len(rows) <= 7  # the seed, five hops and the refused sixth


def test_calendar_trap_is_capped(crawled: dict[str, Any]) -> None:
    rows = of(crawled, "calendar")
    collected = [r for r in rows if r["outcome"] == "collected"]
    capped = [r for r in rows if r["reasons"] == ["site-page-cap"]]
    assert len(collected) == PAGE_CAP
    assert capped  # every refused URL is recorded, none fetched
    assert len(crawled["web"].hits_for(f"calendar.{DOMAIN}")) <= PAGE_CAP + 3  # + documents


def test_path_depth_trap_is_capped(crawled: dict[str, Any]) -> None:
    rows = of(crawled, "deep")
    assert [r["reasons"] for r in rows].count(["path-too-deep"]) == 1
    assert max(r["url"].count("/a") for r in rows if r["outcome"] == "collected") == 12


def test_server_saw_no_endless_download(crawled: dict[str, Any]) -> None:
    web: SiteServer = crawled["web"]
    assert web.hits_for(f"huge.{DOMAIN}").count("/") == 1  # not retried
    assert web.hits_for(f"drip.{DOMAIN}").count("/") <= 3  # Scrapy retries a timeout twice
