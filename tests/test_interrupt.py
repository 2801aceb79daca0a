"""Ctrl-C: the crawl stops gracefully, and every URL decided until then is in the catalog."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, serve
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import CrawlJob

from .sites import start_crawl

PAGES = 400
POLICY_DOCUMENTS = {"/robots.txt", "/.well-known/tdmrep.json", "/ai.txt"}


def web(port: int) -> dict[str, dict[str, Page]]:
    pages = {
        f"/p{i}": Page(f'<a href="/p{i + 1}">next</a><a href="/p{i + 2}">skip</a>', delay=0.05)
        for i in range(PAGES)
    }
    return {"slow.example.com": {"/robots.txt": Page("", status=404), "/": pages["/p0"], **pages}}


def test_sigint_flushes_everything(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        process = start_crawl(server.url("slow.example.com"), "slow.example.com", tmp_path,
                              "--concurrency", "2")
        deadline = time.monotonic() + 60
        while len(server.hits_for("slow.example.com")) < 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        served = set(server.hits_for("slow.example.com")) - POLICY_DOCUMENTS
    assert process.returncode == 130, stderr
    assert "Interrupted" in stdout
    with Catalog(catalog_url, mode="read") as catalog:
        rows = list(catalog.export_rows())
    recorded = {row["url"].split(str(server.port), 1)[1] for row in rows}
    assert 20 <= len(served) < PAGES  # it really stopped early
    assert recorded == served  # every page served was decided and recorded, nothing lost
    assert all(row["outcome"] == "collected" for row in rows)
    engine = make_engine(catalog_url)
    with Session(engine) as session:
        [job] = session.scalars(select(CrawlJob)).all()
    engine.dispose()
    assert job.status == "interrupted" and job.finished_at is not None
    assert job.summary is not None and job.summary["catalog/records"] == len(rows)
