"""How soon ``crawl --resume`` of a big interrupted job sends its first request.

The script writes, directly and without crawling, an interrupted job of a 100,000-URL crawl
(default): its recorded configuration (a real one, as ``crawl`` would record it), a frontier
log of 100,000 asked-for URLs, and catalog records for the first half of them (decided,
skipped). Then it runs ``consentcrawl crawl --resume JOB`` against a local server and times,
from the start of the command, the first request the server sees (the site's robots.txt) and
the first page request; then it stops the crawl (Ctrl-C twice). Target (issue 13): the first
request within 10 s.

Run from the repository root::

    .venv/bin/python benchmarks/resume.py [--urls 100000] [--keep]
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from crawler import __version__
from crawler.consent.model import Purpose
from crawler.demo.server import Page, serve
from crawler.recording.frontier import Asked, FrontierLog, log_path
from crawler.run import CrawlOptions, configuration
from storage.catalog.catalog import Catalog
from storage.catalog.records import JobSpec, RecordIn

HOST = "bench.example.com"
CONTACT = "mailto:bench@consentcrawl.test"
BATCH = 5_000


def _old_job(folder: Path, port: int, urls: int) -> tuple[str, uuid.UUID]:
    catalog_url = f"sqlite:///{folder / 'c.sqlite'}"
    seed = f"http://{HOST}:{port}/"
    options = CrawlOptions(
        seeds=(seed,), purpose=Purpose.parse("search"), catalog_url=catalog_url,
        warc_dir=folder / "w", contact=CONTACT, depth=1000, resolve=(f"{HOST}:127.0.0.1",),
        allow_private=True, delay=0.0,
    )
    config = configuration(options)
    with Catalog(catalog_url, mode="write") as catalog:
        job_id = catalog.start_job(
            JobSpec(purpose="search", agent=config.agent, user_agent=str(config.scrapy["USER_AGENT"]),
                    seeds=(seed,), settings=config.recorded(), software_version=__version__)
        )
        log = FrontierLog(log_path(folder / "w", str(job_id)))
        now = datetime.now(UTC)
        decided = urls // 2
        for start in range(0, urls, BATCH):
            items = [f"{seed}p{i}" for i in range(start, min(start + BATCH, urls))]
            for url in items:
                log.asked(Asked(url, depth=1, referer=seed))
            records = [
                RecordIn(url, "skipped", ("robots-disallow",), "unknown", now)
                for i, url in enumerate(items, start) if i < decided
            ]
            catalog.write(job_id, records=records)
        log.close()
        catalog.finish_job(job_id, "interrupted", {"finish_reason": "shutdown"})
    return catalog_url, job_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--urls", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consentcrawl-resume-"))
    site = {HOST: {"/robots.txt": Page("", status=404), **{
        f"/p{i}": Page("<p>x</p>") for i in range(args.urls // 2, args.urls // 2 + 100)}}}
    try:
        with serve(site) as server:
            built = time.monotonic()
            catalog_url, job_id = _old_job(folder, server.port, args.urls)
            print(f"wrote the job ({args.urls:,} URLs logged, {args.urls // 2:,} decided) "
                  f"in {time.monotonic() - built:.1f} s")
            started = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", "crawler", "crawl", "--resume", str(job_id),
                 "--catalog", catalog_url],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )
            first = page = None
            while page is None and process.poll() is None and time.monotonic() - started < 120:
                hits = server.hits_for(HOST)
                if hits and first is None:
                    first = time.monotonic() - started
                if any(path != "/robots.txt" for path in hits):
                    page = time.monotonic() - started
                time.sleep(0.01)
            process.send_signal(signal.SIGINT)
            time.sleep(0.2)
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
        if page is None:
            sys.exit(f"the resumed crawl sent no page request:\n{stderr}")
        print(f"first request (robots.txt) after {first:.2f} s, first page request after {page:.2f} s")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
