"""Piracy-site lists in a real crawl: listed hosts are never contacted, every skip is recorded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import CrawlJob, Evidence, UrlRecord

from .sites import crawl, run_cli

DOMAIN = "lists.test"
LIST = (
    "entry,kind,reason,evidence_url,added\n"
    f"piracy.{DOMAIN},domain,copies of our catalogue,https://rights.example/case/7,2026-11-01\n"
    f"mirror.{DOMAIN},host,a mirror,,\n"
)


def html(*links: str) -> Page:
    return Page("<!doctype html><p>text</p>" + "".join(f'<a href="{h}">l</a>' for h in links))


def sites(port: int) -> dict[str, dict[str, Page]]:
    def url(host: str, path: str = "/") -> str:
        return f"http://{host}.{DOMAIN}:{port}{path}"

    return {
        f"www.{DOMAIN}": {
            "/robots.txt": Page("", status=404),
            "/": html("/go", "/keep"),
            "/go": Page(status=302, headers={"Location": url("deep.cdn.piracy", "/book")}),
            "/keep": html(),
        },
        **{f"{h}.{DOMAIN}": {"/": html(), "/book": html()}
           for h in ("piracy", "deep.cdn.piracy", "mirror")},
        f"www.mirror.{DOMAIN}": {"/robots.txt": Page("", status=404), "/": html()},
        f"later.{DOMAIN}": {"/robots.txt": Page("", status=404), "/": html()},
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("lists")
    listed = root / "publisher.csv"
    listed.write_text(LIST)
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    with serve(sites) as web:
        seeds = [web.url(f"{h}.{DOMAIN}") for h in ("www", "piracy", "mirror", "www.mirror", "later")]
        result = crawl(seeds, catalog_url=catalog_url, warc_dir=root / "w", domain=DOMAIN,
                       extra=["--blocklist", str(listed), "--allow-offsite"])
        assert result.returncode == 0, result.stderr
        with Catalog(catalog_url, mode="read") as catalog:
            rows = {r["url"]: r for r in export_rows(catalog)}
        yield {"web": web, "rows": rows, "catalog_url": catalog_url, "root": root,
               "stdout": result.stdout}


def test_listed_hosts_are_never_contacted(crawled: dict[str, Any]) -> None:
    web: SiteServer = crawled["web"]
    for host in ("piracy", "deep.cdn.piracy", "mirror"):
        assert web.hits_for(f"{host}.{DOMAIN}") == []  # robots.txt included
    assert web.hits_for(f"www.mirror.{DOMAIN}") != []  # a host entry lists that host only


@pytest.mark.parametrize(
    ("host", "path", "reasons"),
    [
        ("piracy", "/", ["blocklist:publisher"]),  # a seed
        ("mirror", "/", ["blocklist:publisher"]),
        ("deep.cdn.piracy", "/book", ["blocklist:publisher"]),  # a redirect hop into a subdomain
        ("www", "/go", ["redirect"]),
        ("www", "/keep", []),
        ("www.mirror", "/", []),
        ("later", "/", []),
    ],
)
def test_skips(crawled: dict[str, Any], host: str, path: str, reasons: list[str]) -> None:
    assert crawled["rows"][crawled["web"].url(f"{host}.{DOMAIN}", path)]["reasons"] == reasons


def test_evidence_names_list_version_and_entry(crawled: dict[str, Any]) -> None:
    engine = make_engine(crawled["catalog_url"])
    with Session(engine) as session:
        url = crawled["web"].url(f"deep.cdn.piracy.{DOMAIN}", "/book")
        record = session.scalars(select(UrlRecord).where(UrlRecord.url == url)).one()
        [evidence] = session.scalars(select(Evidence).where(Evidence.record_id == record.id))
        [job] = session.scalars(select(CrawlJob)).all()
    engine.dispose()
    assert (evidence.signal, evidence.source, evidence.reason) == (
        "blocklist", "publisher v1", "blocklist:publisher")
    assert evidence.value == f"domain piracy.{DOMAIN} (line 2): copies of our catalogue"
    with Catalog(crawled["catalog_url"], mode="read") as catalog:
        [version] = catalog.job_blocklists(job.id)
    assert (version.source, version.version) == ("publisher", 1)
    assert "blocklist:publisher" in crawled["stdout"]


def test_links_into_listed_sites_are_recorded_not_queued(tmp_path: Path) -> None:
    listed = tmp_path / "l.txt"
    listed.write_text(f"piracy.{DOMAIN}\n")

    def linking(port: int) -> dict[str, dict[str, Page]]:
        return {f"www.{DOMAIN}": {
            "/robots.txt": Page("", status=404),
            "/": html(*(f"http://piracy.{DOMAIN}:{port}/f{i}" for i in range(50))),
        }}

    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(linking) as web:
        result = crawl([web.url(f"www.{DOMAIN}")], catalog_url=catalog_url, warc_dir=tmp_path / "w",
                       domain=DOMAIN, extra=["--blocklist", str(listed), "--allow-offsite"])
        assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        rows = list(export_rows(catalog))
    blocked = [r for r in rows if r["reasons"] == ["blocklist:l"]]
    assert len(blocked) == 50 and all(r["source_url"] for r in blocked)


def test_a_list_blocking_most_seeds_is_flagged(tmp_path: Path) -> None:
    listed = tmp_path / "wide.txt"
    listed.write_text(f"www.{DOMAIN}\npiracy.{DOMAIN}\n")
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(sites) as web:
        result = crawl([web.url(f"www.{DOMAIN}"), web.url(f"piracy.{DOMAIN}")],
                       catalog_url=catalog_url, warc_dir=tmp_path / "w", domain=DOMAIN,
                       extra=["--blocklist", str(listed)])
    assert result.returncode == 0
    assert "Blocklist wide blocks 100% of the seeds: review it" in result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        assert {r["reasons"][0] for r in export_rows(catalog)} == {"blocklist:wide"}


def test_retroactive_apply_after_a_new_list(crawled: dict[str, Any]) -> None:
    catalog_url = crawled["catalog_url"]
    later = crawled["root"] / "later.txt"
    later.write_text(f"later.{DOMAIN}\n")
    result = run_cli("blocklist", "add", str(later), "--submitter", "Another Rights Org",
                     "--catalog", catalog_url)
    assert result.returncode == 0, result.stderr
    result = run_cli("blocklist", "apply", "--catalog", catalog_url, "--json")
    assert result.returncode == 0, result.stderr
    assert '"entry": "later.lists.test"' in result.stdout and '"items": 1' in result.stdout
    exported = run_cli("audit", "export", "--catalog", catalog_url, "--format", "jsonl").stdout
    assert f"later.{DOMAIN}" not in exported and f"www.{DOMAIN}" in exported


def test_bad_blocklist_stops_the_crawl_before_anything_is_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("ok.example\ncom\n")
    result = crawl(["http://www.lists.test/"], catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                   warc_dir=tmp_path / "w", domain=DOMAIN, extra=["--blocklist", str(bad)])
    assert result.returncode == 2
    assert "bad.txt:2" in result.stderr and "com" in result.stderr
    assert not (tmp_path / "c.sqlite").exists() and not (tmp_path / "w").exists()
