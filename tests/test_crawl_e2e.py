"""End to end: the real CLI crawls real local HTTP servers of several named hosts.

Checks the catalog rows (SQLite and PostgreSQL), the stored robots.txt documents and evidence,
what the servers actually served, and the WARC records read back with warcio.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import EXPORT_FIELDS, export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import CrawlJob, Evidence, PolicyDocument, UrlRecord

from .databases import postgres_database
from .sites import crawl, run_cli

DOMAIN = "e2e.test"
PARTIAL_ROBOTS = "# partial\nUser-agent: *\nDisallow: /private/\n"


def html(*links: str) -> Page:
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return Page(f"<!doctype html><title>t</title><body><p>text</p>{anchors}</body>")


def robots(text: str) -> Page:
    return Page(text, content_type="text/plain")


def sites(port: int) -> dict[str, dict[str, Page]]:
    return {
        f"open.{DOMAIN}": {
            "/robots.txt": robots("User-agent: *\nAllow: /\n"),
            "/": html("/a", "/b", "/missing", "/c"),  # /b redirects to /c, linked too
            "/a": html("/"),
            "/b": Page(status=301, headers={"Location": "/c"}),
            "/c": html(),
        },
        f"closed.{DOMAIN}": {  # 503 robots.txt: the whole origin is off limits
            "/robots.txt": Page("down", status=503, content_type="text/plain"),
            "/": html("/x"),
            "/x": html(),
        },
        f"norules.{DOMAIN}": {  # 404 robots.txt: no rules
            "/robots.txt": Page("nope", status=404, content_type="text/plain"),
            "/": html("/p"),
            "/p": html(),
        },
        f"partial.{DOMAIN}": {
            "/robots.txt": robots(PARTIAL_ROBOTS),
            "/": html("/private/a", "/public"),
            "/private/a": html(),
            "/public": html(),
        },
        f"ours.{DOMAIN}": {  # our own group wins over *; groups for our token are merged
            "/robots.txt": robots(
                "User-agent: *\nDisallow: /\n\nUser-agent: ConsentCrawl\nDisallow: /no/\n\n"
                "User-agent: other\nDisallow: /yes\n\nUser-agent: consentcrawl\nDisallow: /never\n"
            ),
            "/": html("/yes", "/no/x", "/never"),
            "/yes": html(),
            "/no/x": html(),
            "/never": html(),
        },
        f"prefix.{DOMAIN}": {  # a longer token's group does not bind us (RFC 9309, unlike Protego)
            "/robots.txt": robots("User-agent: consentcrawl-extended\nDisallow: /\n"),
            "/": html(),
        },
        f"slow.{DOMAIN}": {  # robots.txt slower than CONSENT_ROBOTS_TIMEOUT
            "/robots.txt": Page("User-agent: *\nAllow: /\n", content_type="text/plain", delay=3),
            "/": html(),
        },
    }


HOSTS = ("open", "closed", "norules", "partial", "ours", "prefix", "slow")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def catalog_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One crawl per backend serves every test of this module (module scope)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.sqlite'}"
    else:
        yield from postgres_database()


@pytest.fixture(scope="module")
def crawled(catalog_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with serve(sites) as web:
        yield _crawl(web, catalog_url, tmp_path_factory.mktemp("warc"))


def _crawl(web: SiteServer, catalog_url: str, warc_dir: Path) -> dict[str, Any]:
    seeds = [web.url(f"{name}.{DOMAIN}") for name in HOSTS]
    result = crawl(
        seeds,
        catalog_url=catalog_url,
        warc_dir=warc_dir,
        domain=DOMAIN,
        extra=["--set", "CONSENT_ROBOTS_TIMEOUT=1"],
    )
    assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        rows = {row["url"]: row for row in export_rows(catalog)}
    return {"rows": rows, "web": web, "warc_dir": warc_dir, "stdout": result.stdout}


def url(web: SiteServer, host: str, path: str = "/") -> str:
    return web.url(f"{host}.{DOMAIN}", path)


EXPECTED = [
    # (host, path, outcome, reasons, http_status)
    ("open", "/", "collected", [], 200),
    ("open", "/a", "collected", [], 200),
    ("open", "/b", "skipped", ["redirect"], 301),
    ("open", "/c", "collected", [], 200),
    ("open", "/missing", "skipped", ["http-error"], 404),
    ("closed", "/", "skipped", ["robots-unreachable"], None),
    ("norules", "/", "collected", [], 200),
    ("norules", "/p", "collected", [], 200),
    ("partial", "/", "collected", [], 200),
    ("partial", "/public", "collected", [], 200),
    ("partial", "/private/a", "skipped", ["robots-disallow"], None),
    ("ours", "/", "collected", [], 200),
    ("ours", "/yes", "collected", [], 200),
    ("ours", "/no/x", "skipped", ["robots-disallow"], None),
    ("ours", "/never", "skipped", ["robots-disallow"], None),
    ("prefix", "/", "collected", [], 200),
    ("slow", "/", "skipped", ["robots-unreachable"], None),
]


def test_every_url_considered_has_one_record(crawled: dict[str, Any]) -> None:
    web, rows = crawled["web"], crawled["rows"]
    expected = {url(web, h, p): (o, r, s) for h, p, o, r, s in EXPECTED}
    assert set(rows) == set(expected)
    for address, (outcome, reasons, status) in expected.items():
        row = rows[address]
        assert (row["outcome"], row["reasons"], row["http_status"]) == (outcome, reasons, status), address
        assert row["kind"] == "page"
        if outcome == "collected":
            assert row["sha256"] and row["warc_file"] and row["fetched_at"]
        else:
            assert row["warc_file"] is None


def test_blocked_origins_serve_nothing_but_robots_txt(crawled: dict[str, Any]) -> None:
    web = crawled["web"]
    assert web.hits_for(f"closed.{DOMAIN}") == ["/robots.txt"]
    # The slow robots.txt was asked once and timed out (its policy document says so, below); on
    # a loaded machine the crawler may give up before the server has read the request, so the
    # server may not have seen it: what matters here is that nothing else was asked.
    assert set(web.hits_for(f"slow.{DOMAIN}")) <= {"/robots.txt"}
    assert len(web.hits_for(f"slow.{DOMAIN}")) <= 1
    assert "/private/a" not in web.hits_for(f"partial.{DOMAIN}")
    assert not {"/no/x", "/never"} & set(web.hits_for(f"ours.{DOMAIN}"))
    assert web.hits_for(f"norules.{DOMAIN}").count("/robots.txt") == 1  # cached per origin


def test_license_status_reserved_only_for_reservations(crawled: dict[str, Any]) -> None:
    rows = crawled["rows"]
    statuses = {(r["outcome"], tuple(r["reasons"])): r["license_status"] for r in rows.values()}
    assert statuses[("skipped", ("robots-disallow",))] == "reserved"
    assert statuses[("skipped", ("robots-unreachable",))] == "unknown"
    assert statuses[("collected", ())] == "unknown"


def test_evidence_names_the_stored_robots_txt_and_its_line(
    crawled: dict[str, Any], catalog_url: str
) -> None:
    web = crawled["web"]
    denied = url(web, "partial", "/private/a")
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        record = session.scalars(select(UrlRecord).where(UrlRecord.url == denied)).one()
        evidence = session.scalars(select(Evidence).where(Evidence.record_id == record.id)).all()
        documents = session.scalars(select(PolicyDocument)).all()
        jobs = session.scalars(select(CrawlJob)).all()
    engine.dispose()
    [robots_evidence] = [e for e in evidence if e.signal == "robots.txt"]
    assert robots_evidence.effect == "deny"
    assert robots_evidence.reason == "robots-disallow"
    assert robots_evidence.line == 3  # "Disallow: /private/" after a comment and User-agent
    stored = {d.sha256: d for d in documents}
    document = stored[robots_evidence.document_sha256]
    assert document.body == PARTIAL_ROBOTS.encode()
    assert document.url == url(web, "partial", "/robots.txt")
    assert document.sha256 == hashlib.sha256(PARTIAL_ROBOTS.encode()).hexdigest()
    by_url = {d.url: d for d in documents}
    closed = by_url[url(web, "closed", "/robots.txt")]
    assert (closed.http_status, closed.error) == (503, "HTTP 503")
    slow = by_url[url(web, "slow", "/robots.txt")]
    assert slow.http_status is None and slow.body is None and "Timeout" in (slow.error or "")
    assert by_url[url(web, "norules", "/robots.txt")].http_status == 404
    [job] = jobs
    assert job.status == "finished"
    assert job.purpose == "train-genai" and job.agent == "consentcrawl"
    assert job.summary is not None and job.summary["catalog/records"] == len(EXPECTED)


def test_warc_holds_each_collected_page_at_its_recorded_offset(crawled: dict[str, Any]) -> None:
    warc_dir: Path = crawled["warc_dir"]
    collected = [r for r in crawled["rows"].values() if r["outcome"] == "collected"]
    for row in collected:
        with (warc_dir / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            assert record.rec_type == "response"
            assert record.rec_headers.get_header("WARC-Target-URI") == row["url"]
            body = record.content_stream().read()
        assert hashlib.sha256(body).hexdigest() == row["sha256"]
        assert len(body) == row["size"]
    types: list[str] = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            types += [record.rec_type for record in ArchiveIterator(stream, check_digests=True)]
    assert types[0] == "warcinfo"
    assert types.count("response") == types.count("request") == types.count("metadata")
    assert types.count("response") == len(collected)


def test_export_jsonl_and_csv_carry_the_contract_fields(
    crawled: dict[str, Any], catalog_url: str, tmp_path: Path
) -> None:
    result = run_cli("audit", "export", "--catalog", catalog_url, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(EXPECTED)
    for line in lines:
        assert list(line) == list(EXPORT_FIELDS)
        assert line["outcome"] in ("collected", "skipped")
        assert isinstance(line["reasons"], list)
    out = tmp_path / "export.csv"
    result = run_cli("audit", "export", "--catalog", catalog_url, "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    header, *body = out.read_text().splitlines()
    assert header.split(",") == list(EXPORT_FIELDS)
    assert len(body) == len(EXPECTED)


def test_summary_names_outcomes_and_reasons(crawled: dict[str, Any]) -> None:
    stdout = crawled["stdout"]
    for word in ("collected", "robots-disallow", "robots-unreachable", "http-error", "redirect"):
        assert word in stdout
    assert "Catalog:" in stdout and "WARC:" in stdout
