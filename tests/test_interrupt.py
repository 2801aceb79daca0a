"""Ctrl-C once or twice, or kill -9: the crawl ends truthfully.

Every URL decided is in the catalog and its payload in the WARC, the job is closed
(``interrupted``, or ``crashed`` when the crawler was killed), and no process outlives it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import CrawlJob

from .processes import descendants, left_after
from .sites import CONTACT, run_cli, start_crawl

PAGES = 400
POLICY_DOCUMENTS = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}
HOST = "slow.example.com"


def web(port: int, *, stall_from: int = PAGES, stall: float = 0.0) -> dict[str, dict[str, Page]]:
    pages = {
        f"/p{i}": Page(
            f'<a href="/p{i + 1}">next</a><a href="/p{i + 2}">skip</a>',
            delay=stall if i >= stall_from else 0.05,
        )
        for i in range(PAGES)
    }
    return {HOST: {"/robots.txt": Page("", status=404), "/": pages["/p0"], **pages}}


def stalling_web(port: int) -> dict[str, dict[str, Page]]:
    """From /p20 on, each page takes 25 s: a graceful stop waits that long for those in flight."""
    return web(port, stall_from=20, stall=25.0)


def _started(server: SiteServer, tmp_path: Path, *extra: str, own_group: bool = False,
             hits: int = 25) -> subprocess.Popen[str]:
    process = start_crawl(server.url(HOST), HOST, tmp_path, *extra, own_group=own_group)
    deadline = time.monotonic() + 60
    while len(server.hits_for(HOST)) < hits and time.monotonic() < deadline:
        time.sleep(0.05)
    return process


def _job(catalog_url: str) -> CrawlJob:
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        [job] = session.scalars(select(CrawlJob)).all()
        session.expunge(job)
    engine.dispose()
    return job


def _rows(catalog_url: str) -> list[dict[str, Any]]:
    with Catalog(catalog_url, mode="read") as catalog:
        return list(export_rows(catalog))


def _verified(catalog_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("audit", "verify", "--catalog", catalog_url, "--warc-dir", str(tmp_path / "w"))


def _job_row(path: Path) -> tuple[Any, ...]:
    # Read-only: this reader must not be what changes the file.
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        row: tuple[Any, ...] = connection.execute("SELECT * FROM catalog_job").fetchone()
    return row


def test_sigint_flushes_everything(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        process = _started(server, tmp_path, "--concurrency", "2")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        served = set(server.hits_for(HOST)) - POLICY_DOCUMENTS
    assert process.returncode == 130, stderr
    assert "Interrupted" in stdout
    rows = _rows(catalog_url)
    recorded = {row["url"].split(str(server.port), 1)[1] for row in rows}
    assert 20 <= len(served) < PAGES  # it really stopped early
    assert recorded == served  # every page served was decided and recorded, nothing lost
    assert all(row["outcome"] == "collected" for row in rows)
    job = _job(catalog_url)
    assert job.status == "interrupted" and job.finished_at is not None
    assert job.summary is not None and job.summary["catalog/records"] == len(rows)


def test_a_second_sigint_stops_sooner_and_still_records_every_decision(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(stalling_web) as server:
        process = _started(server, tmp_path, "--concurrency", "16", hits=23)
        family = descendants(process.pid)
        process.send_signal(signal.SIGINT)
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        stdout, stderr = process.communicate(timeout=60)
        took = time.monotonic() - stopped
    assert process.returncode == 130, stdout + stderr
    assert took < 15  # the downloads in flight (25 s each) were not waited for
    assert "Interrupted" in stdout
    assert "Traceback" not in stderr
    rows = _rows(catalog_url)
    job = _job(catalog_url)
    assert job.status == "interrupted" and job.finished_at is not None
    assert job.summary is not None and job.summary["catalog/records"] == len(rows) > 0
    collected = [row for row in rows if row["outcome"] == "collected"]
    assert collected and all(row["warc_file"] for row in collected)
    verified = _verified(catalog_url, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert family and not left_after(family)


def test_a_killed_crawler_leaves_its_writer_to_close_the_job_crashed(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        process = _started(server, tmp_path, "--set", "CONSENT_CATALOG_FLUSH_INTERVAL=0.2")
        family = descendants(process.pid)
        process.kill()
        process.wait(timeout=60)
        assert family and not left_after(family)  # the writer noticed, and ended by itself
        process.communicate(timeout=60)  # nothing else holds its output open
    job = _job(catalog_url)
    assert job.status == "crashed" and job.finished_at is not None
    assert job.summary is not None and job.summary["catalog/records"] == len(_rows(catalog_url))
    verified = _verified(catalog_url, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_crawl_killed_with_its_writer_is_shown_crashed_then_marked(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    catalog_url = f"sqlite:///{path}"
    with serve(web) as server:
        process = _started(server, tmp_path, "--set", "CONSENT_JOB_HEARTBEAT=0.5", own_group=True)
        family = descendants(process.pid)
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        assert family and not left_after(family)
        job_id = _job(catalog_url).id
        before = _job_row(path)
        assert "running" in before
        time.sleep(3.5)  # more than 6 heartbeats of 0.5 s
        listed = run_cli("audit", "jobs", "--catalog", catalog_url, "--json")
        assert listed.returncode == 0, listed.stderr
        assert [(j["id"], j["status"]) for j in json.loads(listed.stdout)] == [(str(job_id), "crashed")]
        assert _job_row(path) == before  # shown, not written
        again = run_cli("crawl", server.url(HOST, "/p0"), "--purpose", "search",
                        "--catalog", catalog_url, "--warc-dir", str(tmp_path / "w"),
                        "--resolve", f"{HOST}:127.0.0.1", "--allow-private-addresses",
                        "--depth", "0", "--contact", CONTACT)
    assert again.returncode == 0, again.stdout + again.stderr
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        crashed = session.get(CrawlJob, job_id)
        assert crashed is not None and crashed.status == "crashed"
        assert crashed.finished_at == crashed.heartbeat_at
    engine.dispose()
