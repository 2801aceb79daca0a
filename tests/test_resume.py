"""``crawl --resume JOB``: a crawl stopped by a double Ctrl-C or killed, then resumed, records
every page of the site exactly once over both jobs, and verifies clean.

Real crawls of tests/test_interrupt.py's slow local site, on SQLite.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from crawler.demo.server import Page, SiteServer, serve
from crawler.recording.frontier import log_path, read_log
from storage.catalog.models import CrawlJob

from .processes import descendants, left_after
from .sites import CONTACT, ROOT, run_cli, start_crawl
from .test_crawl_images import jpeg, page
from .test_interrupt import HOST, PAGES, _job, _rows, _started, _verified, web

#: Every URL path of the site the crawl reaches: the seed, then /p1… (/p0 is linked from nowhere);
#: the last pages link to two that are not there (HTTP 404: skipped).
SITE = {"/", *(f"/p{i}" for i in range(1, PAGES + 2))}
MISSING = {f"/p{PAGES}", f"/p{PAGES + 1}"}


def _catalog(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'c.sqlite'}"


def _has_records(tmp_path: Path) -> bool:
    path = tmp_path / "c.sqlite"
    if not path.exists():
        return False
    try:  # read-only: never what changes the file
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            return bool(connection.execute("SELECT 1 FROM catalog_record LIMIT 1").fetchone())
    except sqlite3.Error:  # not made yet, or locked by the writer's commit
        return False


def _resume(tmp_path: Path, job: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("crawl", "--resume", job, "--catalog", _catalog(tmp_path), *extra)


def _jobs(tmp_path: Path) -> list[dict[str, Any]]:
    listed = run_cli("audit", "jobs", "--catalog", _catalog(tmp_path), "--json")
    assert listed.returncode == 0, listed.stderr
    jobs: list[dict[str, Any]] = json.loads(listed.stdout)
    return jobs


def _two_ctrl_c(process: subprocess.Popen[str]) -> str:
    """Ctrl-C twice, 0.2 s apart (the second stops sooner); the crawl's stderr once it ended."""
    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    return stderr


def _served(server: SiteServer, host: str, path: str) -> None:
    """Wait (at most 60 s) until the server has been asked for ``path`` of ``host``."""
    deadline = time.monotonic() + 60
    while path not in server.hits_for(host) and time.monotonic() < deadline:
        time.sleep(0.05)


def _double_sigint(server: SiteServer, tmp_path: Path) -> str:
    process = _started(server, tmp_path, "--concurrency", "4")
    stderr = _two_ctrl_c(process)
    assert process.returncode == 130, stderr
    return "interrupted"


def _kill_crawler(server: SiteServer, tmp_path: Path) -> str:
    process = _started(server, tmp_path, "--set", "CONSENT_CATALOG_FLUSH_INTERVAL=0.2")
    family = descendants(process.pid)
    process.kill()
    process.communicate(timeout=60)
    assert family and not left_after(family)  # the writer closed the job and ended
    return "crashed"


def _killed_in_the_crash_window(server: SiteServer, tmp_path: Path) -> str:
    """As if every recorded page's record had reached the catalog before any of its links
    reached the log: only the decided URLs' lines are kept, and no "links done" line."""
    status = _kill_crawler(server, tmp_path)
    recorded = {row["url"] for row in _rows(_catalog(tmp_path))}
    path = log_path(tmp_path / "w", str(_job(_catalog(tmp_path)).id))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    kept = [line for line in lines if line.get("url") in recorded]
    assert len(kept) < len(lines)
    path.write_text("".join(json.dumps(line) + "\n" for line in kept))
    return status


def _kill_group(server: SiteServer, tmp_path: Path) -> str:
    process = _started(server, tmp_path, "--set", "CONSENT_JOB_HEARTBEAT=0.5",
                       "--set", "CONSENT_CATALOG_FLUSH_INTERVAL=0.2", own_group=True)
    # The writer (a process of its own) may still be starting on a loaded machine: kill the
    # group once something is recorded, or the old job would have nothing to resume from.
    deadline = time.monotonic() + 60
    while not _has_records(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=60)
    time.sleep(3.5)  # more than 6 heartbeats: the job is stale, shown crashed
    return "crashed"


@pytest.mark.parametrize(
    "stop", [_double_sigint, _kill_crawler, _killed_in_the_crash_window, _kill_group]
)
def test_a_resumed_crawl_records_every_page_exactly_once(
    tmp_path: Path, stop: Callable[[SiteServer, Path], str]
) -> None:
    catalog_url = _catalog(tmp_path)
    with serve(web) as server:
        status = stop(server, tmp_path)
        old = _job(catalog_url)
        first = {row["url"] for row in _rows(catalog_url)}
        assert 0 < len(first) < len(SITE)  # it really stopped early
        served_before = len(server.hits_for(HOST))
        resumed = _resume(tmp_path, str(old.id))
        assert resumed.returncode == 0, resumed.stdout + resumed.stderr
        again = Counter(server.hits_for(HOST)[served_before:])
    rows = _rows(catalog_url)
    paths = Counter(row["url"].split(str(server.port), 1)[1] for row in rows)
    assert set(paths) == SITE and set(paths.values()) == {1}  # every page, each once
    outcomes = {row["url"].split(str(server.port), 1)[1]: row["outcome"] for row in rows}
    assert {path for path, outcome in outcomes.items() if outcome == "skipped"} == MISSING
    assert not {path for path in again if server.url(HOST, path) in first}  # nothing re-fetched
    jobs = {job["id"]: job for job in _jobs(tmp_path)}
    new_id = next(job_id for job_id in jobs if job_id != str(old.id))
    assert jobs[str(old.id)]["status"] == status and jobs[new_id]["status"] == "finished"
    detail = run_cli("audit", "job", new_id, "--catalog", catalog_url, "--json")
    assert json.loads(detail.stdout)["settings"]["CONSENT_RESUMES"] == str(old.id)
    verified = _verified(catalog_url, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    twice = _resume(tmp_path, str(old.id))
    assert twice.returncode == 2 and f"already resumed by job {new_id}" in twice.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A catalog with one interrupted job (Ctrl-C once) of a site still served."""
    tmp_path = tmp_path_factory.mktemp("interrupted")
    with serve(web) as server:
        process = _started(server, tmp_path, "--concurrency", "2", hits=5)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
    return tmp_path, str(_job(_catalog(tmp_path)).id)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((str(uuid.UUID(int=7)),), "no such job in the catalog"),
        (("not-a-job",), "--resume not-a-job: not a job id"),
        (("{job}", "--depth", "2"), "--resume: --depth may not be given"),
        (("{job}", "--set", "DOWNLOAD_DELAY=1"), "--resume: --set may not be given"),
        (("{job}", "--warc-dir", "elsewhere"), "--resume: --warc-dir may not be given"),
        (("{job}", "--purpose", "train-genai"), "--purpose train-genai is not the job's (search)"),
        (("{job}", "http://other.example.com/"), "the seeds given are not the job's"),
    ],
)
def test_bad_resumes_are_usage_errors_that_write_nothing(
    interrupted: tuple[Path, str], args: tuple[str, ...], message: str
) -> None:
    tmp_path, job = interrupted
    before = _digest(tmp_path / "c.sqlite")
    logs = sorted((tmp_path / "w").rglob("*"))
    result = _resume(tmp_path, *(arg.format(job=job) for arg in args))
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert _digest(tmp_path / "c.sqlite") == before
    assert sorted((tmp_path / "w").rglob("*")) == logs


def test_a_finished_or_running_job_is_not_resumed(tmp_path: Path) -> None:
    catalog_url = _catalog(tmp_path)
    with serve(web) as server:
        done = run_cli("crawl", server.url(HOST, "/p0"), "--purpose", "search",
                       "--catalog", catalog_url, "--warc-dir", str(tmp_path / "w"),
                       "--resolve", f"{HOST}:127.0.0.1", "--allow-private-addresses",
                       "--depth", "0", "--contact", CONTACT)
        assert done.returncode == 0, done.stderr
        finished = _job(catalog_url).id
        refused = _resume(tmp_path, str(finished))
        assert refused.returncode == 2
        assert "the job is finished; only an interrupted or crashed job resumes" in refused.stderr
        process = _started(server, tmp_path, hits=5)
        try:
            running = next(j["id"] for j in _jobs(tmp_path) if j["status"] == "running")
            busy = _resume(tmp_path, running)
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)
    assert busy.returncode == 2 and "the job is still running" in busy.stderr
    assert len(_jobs(tmp_path)) == 2  # neither refusal started a job


def test_the_frontier_log_holds_every_request_and_the_links_done(tmp_path: Path) -> None:
    catalog_url = _catalog(tmp_path)
    with serve(web) as server:
        process = _started(server, tmp_path, "--concurrency", "2")
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    job = _job(catalog_url)
    logged = read_log(log_path(tmp_path / "w", str(job.id)))
    recorded = {row["url"] for row in _rows(catalog_url)}
    assert recorded <= set(logged.asked)  # asked for before decided
    assert set(logged.links_done) <= recorded
    assert logged.asked[server.url(HOST, "/p2")].referer == server.url(HOST, "/")
    assert logged.asked[server.url(HOST, "/p2")].depth == 1


CDN = "cdn.example.net"


@contextmanager
def _stopped_with_an_image_pending(tmp_path: Path) -> Iterator[tuple[CrawlJob, dict[str, Page]]]:
    """A crawl stopped while the image of its one page (which says noimageai) waits for its
    CDN's robots.txt; the CDN answers at once from then on."""
    cdn: dict[str, Page] = {
        "/robots.txt": Page("", status=404, delay=25.0),  # the image waits for its origin's
        "/photo.jpg": Page(jpeg(), content_type="image/jpeg"),
    }

    def sites(port: int) -> dict[str, dict[str, Page]]:
        photo = f"http://{CDN}:{port}/photo.jpg"
        tagged = page(photo, head='<meta name="robots" content="noimageai">')
        return {HOST: {"/robots.txt": Page("", status=404), "/": tagged}, CDN: cdn}

    with serve(sites) as server:
        process = start_crawl(server.url(HOST), HOST, tmp_path, "--images",  # noimageai: AI only
                              "--purpose", "train-genai", "--resolve", f"{CDN}:127.0.0.1")
        _served(server, CDN, "/robots.txt")
        _two_ctrl_c(process)
        cdn["/robots.txt"] = Page("", status=404)
        yield _job(_catalog(tmp_path)), cdn


def test_a_resumed_image_still_honours_its_page_noimageai(tmp_path: Path) -> None:
    catalog_url = _catalog(tmp_path)
    with _stopped_with_an_image_pending(tmp_path) as (old, _):
        assert [row["kind"] for row in _rows(catalog_url)] == ["page"]  # the image was pending
        resumed = _resume(tmp_path, str(old.id))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [image] = [row for row in _rows(catalog_url) if row["kind"] == "image"]
    assert image["outcome"] == "skipped" and "meta-robots:noimageai" in image["reasons"]


def test_a_page_linked_again_asks_for_its_images_with_what_it_said(tmp_path: Path) -> None:
    """The crash window: the page's record reached the catalog, its image's line and its
    "links done" line never reached the log. Resumed, the page is read again from its WARC
    record, and its image is asked for with the page's noimageai and its licence for it."""
    catalog_url = _catalog(tmp_path)
    with _stopped_with_an_image_pending(tmp_path) as (old, _):
        [collected] = [row["url"] for row in _rows(catalog_url)]
        path = log_path(tmp_path / "w", str(old.id))
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        assert any(line.get("kind") == "image" for line in lines)
        path.write_text(json.dumps(next(x for x in lines if x.get("url") == collected)) + "\n")
        resumed = _resume(tmp_path, str(old.id))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    [image] = [row for row in _rows(catalog_url) if row["kind"] == "image"]
    assert image["outcome"] == "skipped" and "meta-robots:noimageai" in image["reasons"]
    assert image["source_url"] == collected  # linked from the page read again


def test_a_redirect_target_asked_for_by_scrapy_is_resumed(tmp_path: Path) -> None:
    pages: dict[str, Page] = {
        "/robots.txt": Page("", status=404),
        "/": Page('<a href="/moved">moved</a>'),
        "/moved": Page("", status=302, headers={"Location": "/target"}),
        "/target": Page("<p>here</p>", delay=25.0),  # in flight when the crawl is stopped
    }
    catalog_url = _catalog(tmp_path)
    with serve({HOST: pages}) as server:
        process = start_crawl(server.url(HOST), HOST, tmp_path)
        _served(server, HOST, "/target")
        _two_ctrl_c(process)
        old = _job(catalog_url)
        assert not any(row["url"].endswith("/target") for row in _rows(catalog_url))
        pages["/target"] = Page("<p>here</p>")
        resumed = _resume(tmp_path, str(old.id))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    outcomes = {row["url"].split(str(server.port), 1)[1]: row["outcome"] for row in _rows(catalog_url)}
    assert outcomes == {"/": "collected", "/moved": "skipped", "/target": "collected"}
    assert len(_rows(catalog_url)) == 3


def test_a_continuation_stopped_in_its_turn_resumes_the_whole_chain(tmp_path: Path) -> None:
    catalog_url = _catalog(tmp_path)
    with serve(web) as server:
        _double_sigint(server, tmp_path)
        [first] = [job["id"] for job in _jobs(tmp_path)]
        served = len(server.hits_for(HOST))
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", "--resume", first, "--catalog", catalog_url],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        deadline = time.monotonic() + 60
        while len(server.hits_for(HOST)) < served + 25 and time.monotonic() < deadline:
            time.sleep(0.05)
        stderr = _two_ctrl_c(process)
        assert process.returncode == 130, stderr
        [second] = [job["id"] for job in _jobs(tmp_path) if job["id"] != first]
        assert len({row["url"] for row in _rows(catalog_url)}) < len(SITE)
        resumed = _resume(tmp_path, second)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    paths = Counter(row["url"].split(str(server.port), 1)[1] for row in _rows(catalog_url))
    assert set(paths) == SITE and set(paths.values()) == {1}
    assert [job["status"] for job in _jobs(tmp_path)].count("interrupted") == 2
    verified = _verified(catalog_url, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
