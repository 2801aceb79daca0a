"""What ``crawl`` prints is what the catalog holds: the job id as soon as it exists, the summary
(text and ``--json``) counted from the job's records, the contact in every User-Agent, and never
a catalog password."""

from __future__ import annotations

import json
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler import __version__
from crawler.demo.server import Page, SiteServer, serve
from storage.catalog.db import make_engine
from storage.catalog.models import UrlRecord

from .databases import postgres_database
from .sites import CONTACT, crawl, start_crawl

DOMAIN = "sum.test"
JSON_KEYS = {
    "job_id", "status", "collected", "skipped", "reasons", "license_statuses", "licenses",
    "images", "bytes_collected", "elapsed_seconds", "catalog", "warc_files", "interrupted",
    "failure",
}
JOB_LINE = re.compile(r"^job ([0-9a-f-]{36})$", re.MULTILINE)


def page(body: str, **headers: str) -> Page:
    return Page(f"<!doctype html><title>t</title><body>{body}</body>", headers=headers)


SITES = {
    f"www.{DOMAIN}": {
        "/robots.txt": Page("User-agent: *\nDisallow: /private/\n", content_type="text/plain"),
        "/": page('<a href="/a">a</a><a href="/b">b</a><a href="/private/x">x</a>'
                  '<a href="/cc">cc</a><a href="/noai">n</a>'),
        "/a": page("a"),
        "/b": page("b"),
        "/cc": page('<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">by</a>'),
        "/noai": page("n", **{"X-Robots-Tag": "noai"}),
        "/private/x": page("x"),
    },
}


def catalog_counts(catalog_url: str, job_id: str) -> dict[str, Any]:
    """The job's records counted straight from the table, the summary's reference."""
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        rows = session.execute(
            select(UrlRecord.outcome, UrlRecord.reasons, UrlRecord.license_status, UrlRecord.size)
            .where(UrlRecord.job_id == uuid.UUID(job_id))
        ).all()
        total = session.scalar(
            select(func.count()).select_from(UrlRecord).where(UrlRecord.job_id == uuid.UUID(job_id))
        )
    engine.dispose()
    assert total == len(rows)
    return {
        "collected": sum(r.outcome == "collected" for r in rows),
        "skipped": sum(r.outcome == "skipped" for r in rows),
        "reasons": Counter(code for r in rows for code in r.reasons or ()),
        "license_statuses": Counter(r.license_status for r in rows),
        "bytes_collected": sum(r.size or 0 for r in rows if r.outcome == "collected"),
    }


@pytest.fixture(scope="module")
def web() -> Iterator[SiteServer]:
    with serve(SITES) as server:
        yield server


def test_json_summary_equals_the_catalog(web: SiteServer, tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = crawl([web.url(f"www.{DOMAIN}")], catalog_url=catalog_url, warc_dir=tmp_path / "w",
                   domain=DOMAIN, extra=["--json"])
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # stdout holds the one object and nothing else
    assert set(data) == JSON_KEYS
    [job_id] = JOB_LINE.findall(result.stderr)
    assert data["job_id"] == job_id
    expected = catalog_counts(catalog_url, job_id)
    assert expected["collected"] >= 3 and expected["skipped"] >= 2  # a real mix
    for key in ("collected", "skipped", "bytes_collected"):
        assert data[key] == expected[key], key
    assert Counter(data["reasons"]) == expected["reasons"]
    assert Counter(data["license_statuses"]) == expected["license_statuses"]
    assert data["status"] == "finished" and data["interrupted"] is False
    assert data["failure"] is None and data["catalog"] == catalog_url
    assert data["warc_files"] and all(Path(p).is_file() for p in data["warc_files"])
    assert data["images"] == {"collected": 0, "skipped": 0, "reasons": {}}


def test_every_request_carries_the_contact(web: SiteServer, tmp_path: Path) -> None:
    before = len(web.headers)
    result = crawl([web.url(f"www.{DOMAIN}")], catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                   warc_dir=tmp_path / "w", domain=DOMAIN, extra=["--agent", "sumbot"])
    assert result.returncode == 0, result.stderr
    agents = {h.get("user-agent") for h in web.headers[before:]}
    assert agents == {f"sumbot/{__version__} (+{CONTACT})"}


@pytest.fixture
def secret_postgres() -> Iterator[str]:
    # The test server trusts local connections, so a password in the URL is accepted and unused.
    for url in postgres_database():
        yield url.replace("postgres@", "postgres:s3cr3t-pw@", 1)


@pytest.mark.postgres
@pytest.mark.parametrize("extra", [[], ["--json"], ["--verbose"]], ids=["text", "json", "verbose"])
def test_the_catalog_password_is_never_printed(
    web: SiteServer, tmp_path: Path, secret_postgres: str, extra: list[str]
) -> None:
    assert "s3cr3t-pw" in secret_postgres
    result = crawl([web.url(f"www.{DOMAIN}")], catalog_url=secret_postgres,
                   warc_dir=tmp_path / "w", domain=DOMAIN, extra=extra)
    assert result.returncode == 0, result.stderr
    assert "s3cr3t-pw" not in result.stdout + result.stderr
    assert "postgres:***@" in result.stdout  # the catalog is still named
    if not extra:  # the printed summary, too, is the catalog's count
        [job_id] = JOB_LINE.findall(result.stderr)
        counts = catalog_counts(secret_postgres, job_id)
        assert f"{counts['collected']} collected ({counts['bytes_collected']:,} bytes), " \
               f"{counts['skipped']} skipped" in " ".join(result.stdout.split())


@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_no_password_in_a_catalog_error(tmp_path: Path, extra: list[str]) -> None:
    result = crawl(["http://www.sum.test/"], catalog_url="postgresql://user:s3cr3t-pw@127.0.0.1:1/x",
                   warc_dir=tmp_path / "w", domain=DOMAIN, extra=extra)
    assert result.returncode == 1
    assert "consentcrawl: error: cannot connect to catalog postgresql+psycopg://user:***@" in (
        result.stderr
    )
    assert "s3cr3t-pw" not in result.stdout + result.stderr
    assert not (tmp_path / "w").exists()


SLOW_PAGES = 400


def slow_web(port: int) -> dict[str, dict[str, Page]]:
    pages = {
        f"/p{i}": Page(f'<a href="/p{i + 1}">next</a><a href="/p{i + 2}">skip</a>', delay=0.05)
        for i in range(SLOW_PAGES)
    }
    return {"slow.sum.test": {"/robots.txt": Page("", status=404), "/": pages["/p0"], **pages}}


def test_an_interrupted_summary_equals_the_catalog(tmp_path: Path) -> None:
    with serve(slow_web) as server:
        process = start_crawl(server.url("slow.sum.test"), "slow.sum.test", tmp_path,
                              "--concurrency", "2", "--json")
        deadline = time.monotonic() + 60
        while len(server.hits_for("slow.sum.test")) < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    data = json.loads(stdout)
    assert data["interrupted"] is True and data["status"] == "interrupted"
    counts = catalog_counts(f"sqlite:///{tmp_path / 'c.sqlite'}", data["job_id"])
    assert 20 <= counts["collected"] < SLOW_PAGES
    assert (data["collected"], data["skipped"]) == (counts["collected"], counts["skipped"])
    assert data["bytes_collected"] == counts["bytes_collected"]
