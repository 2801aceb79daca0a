"""CatalogRecorder and its writer process: a writer that dies stops the crawl, never silently."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, serve
from storage.catalog.db import make_engine
from storage.catalog.models import CrawlJob, UrlRecord

from .processes import descendants
from .sites import CONTACT, run_cli, start_crawl


def web(port: int) -> dict[str, dict[str, Page]]:
    pages = {f"/p{i}": Page(f'<a href="/p{i + 1}">next</a>', delay=0.05) for i in range(300)}
    return {"slow.example.com": {"/robots.txt": Page("", status=404), "/": pages["/p0"], **pages}}


def test_a_dead_writer_stops_the_crawl_and_fails_the_job(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        process = start_crawl(server.url("slow.example.com"), "slow.example.com", tmp_path,
                              "--set", "CONSENT_CATALOG_FLUSH_INTERVAL=0.2")
        deadline = time.monotonic() + 60
        while len(server.hits_for("slow.example.com")) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        # The writer, and whatever multiprocessing started: every process under the crawler's.
        for pid in descendants(process.pid):
            os.kill(pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=60)
        served = len(server.hits_for("slow.example.com"))
    assert process.returncode == 1, stdout + stderr
    assert "catalog/WARC write failed" in stderr
    assert served < 300  # it stopped instead of crawling on without a record
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        [job] = session.scalars(select(CrawlJob)).all()
        recorded = len(session.scalars(select(UrlRecord)).all())
    engine.dispose()
    assert job.status == "failed" and job.finished_at is not None
    assert recorded < served  # what the dead writer never wrote is not claimed


@pytest.mark.parametrize("value", ["0", "-1", "abc", "inf", "nan", ""])
def test_a_bad_heartbeat_is_a_usage_error_before_anything_is_written(
    tmp_path: Path, value: str
) -> None:
    result = run_cli("crawl", "http://a.example/", "--purpose", "search",
                     "--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}",
                     "--warc-dir", str(tmp_path / "w"), "--contact", CONTACT,
                     "--set", f"CONSENT_JOB_HEARTBEAT={value}")
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"consentcrawl: error: setting CONSENT_JOB_HEARTBEAT={value!r}: ")
    assert list(tmp_path.iterdir()) == []
