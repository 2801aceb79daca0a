"""What consentcrawl costs over plain Scrapy: the same crawl, timed both ways.

The script builds a static web of named sites (default 5 hosts ``site0.bench.test`` ... with
2,000 HTML pages of 3-5 KB, about ten same-host links and two cross-host links per page, and a
robots.txt per host that disallows ``/private/``, to which some pages link). It serves them from
``crawler.demo.server.serve`` on 127.0.0.1 in this process and crawls them, each run in a fresh
subprocess (a Twisted reactor cannot restart), alternating:

a. plain Scrapy: a minimal LinkExtractor spider, ROBOTSTXT_OBEY=True, a JSON-lines feed of
   {url, status, length} per page, no consentcrawl add-on;
b. consentcrawl: ``crawler.run.run_crawl`` with purpose train-genai, a SQLite catalog and a WARC
   folder in a temporary directory, i.e. the real catalog + WARC path.

Both get the same seeds, CONCURRENT_REQUESTS = CONCURRENT_REQUESTS_PER_DOMAIN, DOWNLOAD_DELAY=0,
a DEPTH_LIMIT that reaches every page, LOG_LEVEL=WARNING and the same DNS mapping
(``crawler.net.resolver.MappedResolver`` with CONSENT_RESOLVE). Every run is checked: both must fetch
exactly the allowed pages and nothing under /private/, and consentcrawl's catalog (read back with
``Catalog.export_rows``) must hold every collected page, so a broken run cannot look fast; a
failed check exits with status 1. Otherwise the exit status is 0: this is a measurement, and
the target (consentcrawl's median crawl time within 1.25x of plain Scrapy's) is printed as
PASS or FAIL.

Times: "crawl" is measured inside the subprocess from just before the crawl starts to just after
it finishes (for consentcrawl the whole ``run_crawl`` call, preflight and catalog migration
included); "process" is the subprocess's wall time seen from here (interpreter start-up,
imports, the crawl and, for consentcrawl, reading the catalog back). "server CPU" is the CPU
the web server (this process) used during the run, per wall second of the run: if it nears
100% the server, not the crawler, is the bottleneck (it serves pre-rendered bytes from a dict,
~0.15 ms of CPU a request, so it stays near 5%). "CPU s by thread" is each crawler thread's CPU
during the crawl, e.g. consentcrawl's catalog/WARC writer thread next to the reactor thread.

Run it from the repository root::

    .venv/bin/python benchmarks/crawl_overhead.py [--pages 2000] [--hosts 5] \\
        [--concurrency 16] [--repeat 3] [--profile DIR]

``--profile DIR`` (or CRAWL_OVERHEAD_PROFILE=DIR in a worker's environment) runs the crawls
under cProfile, all threads included, writes DIR/<kind>-<run>.prof and prints the top functions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/crawl_overhead.py` puts benchmarks/ first
    sys.path.insert(0, str(ROOT))

from crawler.demo.server import Page, Sites, SiteServer, serve

DOMAIN = "bench.test"
RESOLVE = (f"*.{DOMAIN}:127.0.0.1",)
PRIVATE = "/private/"
PRIVATE_PAGES = 5  # per host; they exist, so a robots bypass would show up as a 200
SAME_HOST_LINKS = 10
CROSS_HOST_LINKS = 2
PRIVATE_LINK_EVERY = 25  # one page in this many links into /private/
TARGET_RATIO = 1.25
PROFILE_ENV = "CRAWL_OVERHEAD_PROFILE"
KINDS = ("plain", "consentcrawl")

VOCABULARY = (
    "consent crawler robots archive catalog record page link site policy licence data model "
    "train search index fetch parse store evidence origin agent token group rule allow "
    "disallow river mountain harbour library museum garden orchard meadow village market "
    "bridge lantern quiet bright early late north south west east winter summer autumn "
    "spring signal answer "
)
WORDS = tuple(VOCABULARY.split())


# -- the site ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Workload:
    """What both crawlers are given, plus what a correct crawl must find."""

    hosts: tuple[str, ...]
    seeds: tuple[str, ...]
    depth_limit: int
    concurrency: int
    allowed_pages: int  # reachable pages robots.txt allows, robots.txt files not counted
    disallowed_links: int  # distinct reachable URLs under /private/


def host_names(count: int) -> tuple[str, ...]:
    return tuple(f"site{i}.{DOMAIN}" for i in range(count))


def page_path(index: int) -> str:
    return "/" if index == 0 else f"/p/{index:05d}.html"


def pages_per_host(total: int, hosts: int) -> list[int]:
    base, extra = divmod(total, hosts)
    return [base + (1 if i < extra else 0) for i in range(hosts)]


def link_graph(
    counts: Sequence[int], rng: random.Random
) -> dict[tuple[int, int], list[tuple[int, str]]]:
    """(host, page) -> links as (host, path): a 4-ary tree per host (so every page is reachable
    from its home page) padded with random same-host links, plus cross-host and private links."""
    graph: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for host, count in enumerate(counts):
        for page in range(count):
            children = [c for c in range(4 * page + 1, 4 * page + 5) if c < count]
            others = rng.sample(range(count), min(count, SAME_HOST_LINKS))
            same = list(dict.fromkeys([*children, *others]))[:SAME_HOST_LINKS]
            links = [(host, page_path(p)) for p in same]
            for _ in range(CROSS_HOST_LINKS if len(counts) > 1 else 0):
                other = rng.choice([h for h in range(len(counts)) if h != host])
                links.append((other, page_path(rng.randrange(counts[other]))))
            if page % PRIVATE_LINK_EVERY == PRIVATE_LINK_EVERY - 1:
                links.append((host, f"{PRIVATE}{rng.randrange(PRIVATE_PAGES)}.html"))
            graph[(host, page)] = links
    return graph


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def render_page(title: str, rng: random.Random, links: Sequence[str]) -> bytes:
    text = "".join(f"<p>{paragraph(rng, rng.randint(60, 100))}</p>" for _ in range(6))
    anchors = "".join(f'<li><a href="{href}">link {n}</a></li>' for n, href in enumerate(links))
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{title}</title></head><body><main><h1>{title}</h1>{text}"
        f"<nav><ul>{anchors}</ul></nav></main></body></html>"
    ).encode()


def robots_txt(host: str, port: int) -> bytes:
    return (
        f"# robots.txt for {host}\n"
        "User-agent: *\n"
        f"Disallow: {PRIVATE}\n"
        "\n"
        "User-agent: NoSuchBot\n"
        "Disallow: /\n"
        "\n"
        f"Sitemap: http://{host}:{port}/sitemap.xml\n"
    ).encode()


def build_sites(hosts: Sequence[str], counts: Sequence[int], seed: int) -> Callable[[int], Sites]:
    """Pre-rendered pages (port-dependent absolute links), so serving is a dict lookup."""

    def sites(port: int) -> Sites:
        rng = random.Random(seed)
        graph = link_graph(counts, rng)
        result: dict[str, dict[str, Page]] = {}
        for h, host in enumerate(hosts):
            site: dict[str, Page] = {
                "/robots.txt": Page(
                    robots_txt(host, port), content_type="text/plain; charset=utf-8"
                )
            }
            for page in range(counts[h]):
                hrefs = [
                    path if target == h else f"http://{hosts[target]}:{port}{path}"
                    for target, path in graph[(h, page)]
                ]
                site[page_path(page)] = Page(render_page(f"{host} page {page}", rng, hrefs))
            for k in range(PRIVATE_PAGES):
                site[f"{PRIVATE}{k}.html"] = Page(render_page(f"{host} private {k}", rng, ["/"]))
            result[host] = site
        return result

    return sites


def explore(counts: Sequence[int], seed: int) -> tuple[int, int, int]:
    """Breadth-first over the link graph from every home page, as both crawlers go:
    (allowed pages reached, distinct /private/ URLs linked, deepest depth of an allowed page)."""
    graph = link_graph(counts, random.Random(seed))
    depth = {(h, "/"): 0 for h in range(len(counts))}
    private: set[tuple[int, str]] = set()
    queue = deque(depth)
    index = {(h, page_path(p)): p for h, count in enumerate(counts) for p in range(count)}
    while queue:
        node = queue.popleft()
        for link in graph[(node[0], index[node])]:
            if link[1].startswith(PRIVATE):
                private.add(link)
            elif link not in depth:
                depth[link] = depth[node] + 1
                queue.append(link)
    return len(depth), len(private), max(depth.values())


def workload(args: argparse.Namespace, port: int) -> Workload:
    hosts = host_names(args.hosts)
    counts = pages_per_host(args.pages, args.hosts)
    reached, private, deepest = explore(counts, args.seed)
    if reached != sum(counts):
        raise SystemExit(f"site generator bug: only {reached} of {sum(counts)} pages reachable")
    return Workload(
        hosts=hosts,
        seeds=tuple(f"http://{host}:{port}/" for host in hosts),
        # Not the breadth-first depth: Scrapy crawls depth-first (LIFO), so a page can first be
        # reached along a much longer path, and SeedSpider never asks again for a URL whose
        # first request DEPTH_LIMIT dropped. No path is longer than the number of pages.
        depth_limit=max(deepest, reached) + 1,
        concurrency=args.concurrency,
        allowed_pages=reached,
        disallowed_links=private,
    )


# -- the workers (run in their own subprocess) ---------------------------------------------------


def scrapy_settings(job: Mapping[str, Any]) -> dict[str, Any]:
    """The settings both crawlers share."""
    return {
        "CONCURRENT_REQUESTS": job["concurrency"],
        "CONCURRENT_REQUESTS_PER_DOMAIN": job["concurrency"],
        "DOWNLOAD_DELAY": 0,
        "DEPTH_LIMIT": job["depth_limit"],
        "LOG_LEVEL": "WARNING",
        "TWISTED_DNS_RESOLVER": "crawler.net.resolver.MappedResolver",
        "CONSENT_RESOLVE": list(RESOLVE),
    }


def run_plain(job: Mapping[str, Any], work: Path) -> dict[str, Any]:
    from scrapy import Request, Spider
    from scrapy.crawler import CrawlerProcess
    from scrapy.linkextractors import LinkExtractor

    class PlainSpider(Spider):
        name = "plain"
        allowed_domains: ClassVar[list[str]] = list(job["hosts"])
        links = LinkExtractor()  # like SeedSpider; allowed_domains keeps the crawl on the hosts

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.seen: set[str] = set()

        async def start(self) -> AsyncIterator[Any]:
            for url in job["seeds"]:
                yield self.follow(url)

        def parse(self, response: Any) -> Iterator[Any]:
            yield {"url": response.url, "status": response.status, "length": len(response.body)}
            for link in self.links.extract_links(response):
                if link.url not in self.seen:
                    yield self.follow(link.url)

        def follow(self, url: str) -> Any:
            # As SeedSpider does: each URL is yielded once (a seen set), so both crawlers hand
            # the engine the same requests; yielding every link and leaving duplicates to the
            # scheduler's dupefilter costs plain Scrapy ~12 requests per page here.
            self.seen.add(url)
            return Request(url, callback=self.parse)

    feed = work / "plain.jsonl"
    settings = {
        **scrapy_settings(job),
        "ROBOTSTXT_OBEY": True,
        "FEEDS": {str(feed): {"format": "jsonlines"}},
        "FEED_EXPORT_ENCODING": "utf-8",
    }
    with ThreadCpu() as threads, profiled(job), timed() as clock:
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(PlainSpider)
        process.crawl(crawler)
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    rows = [json.loads(line) for line in feed.read_text().splitlines() if line.strip()]
    return {
        "crawl_seconds": clock.seconds,
        "thread_cpu": threads.by_name(),
        "pages": sum(1 for row in rows if row["status"] == 200),
        "finish_reason": str(stats.get("finish_reason")),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "feed_rows": len(rows),
    }


def run_consentcrawl(job: Mapping[str, Any], work: Path) -> dict[str, Any]:
    from crawler.consent.model import Purpose
    from crawler.run import CrawlOptions, run_crawl
    from storage.catalog.catalog import Catalog

    catalog_url = f"sqlite:///{work / 'catalog.sqlite'}"
    warc_dir = work / "warc"
    options = CrawlOptions(
        seeds=tuple(job["seeds"]),
        purpose=Purpose.TRAIN_GENAI,
        catalog_url=catalog_url,
        warc_dir=warc_dir,
        depth=job["depth_limit"],
        resolve=RESOLVE,
        allow_private=True,  # the benchmark web is on 127.0.0.1
        concurrency=job["concurrency"],
        per_site_concurrency=job["concurrency"],
        delay=0.0,
        log_level="WARNING",
    )
    with ThreadCpu() as threads, profiled(job), timed() as clock:
        report = run_crawl(options)
    verify_started = time.perf_counter()
    catalog = Catalog(catalog_url, mode="read")
    try:
        rows = list(catalog.export_rows())
    finally:
        catalog.close()
    pages = [r for r in rows if r["kind"] == "page"]
    collected = [r for r in pages if r["outcome"] == "collected"]
    return {
        "crawl_seconds": clock.seconds,
        "thread_cpu": threads.by_name(),
        "run_crawl_elapsed": report.elapsed,  # run_crawl's own clock: after preflight
        "pages": sum(1 for r in collected if r["http_status"] == 200 and r["warc_file"]),
        "finish_reason": report.finish_reason,
        "failure": report.failure,
        "catalog_records": len(rows),
        "collected": len(collected),
        "robots_disallowed": sum(1 for r in pages if robots_disallowed(r["reasons"])),
        "skipped_other": sum(
            1 for r in pages if r["outcome"] != "collected" and not robots_disallowed(r["reasons"])
        ),
        "report_collected": report.collected,
        "warc_files": len(report.warc_files),
        "warc_bytes": sum(p.stat().st_size for p in warc_dir.glob("*.warc.gz")),
        "verify_seconds": time.perf_counter() - verify_started,
    }


def robots_disallowed(reasons: Sequence[str]) -> bool:
    return any(r == "robots-disallow" or r.startswith("robots-disallow:") for r in reasons)


WORKERS: dict[str, Callable[[Mapping[str, Any], Path], dict[str, Any]]] = {
    "plain": run_plain,
    "consentcrawl": run_consentcrawl,
}


class Clock:
    seconds: float = 0.0


@contextmanager
def timed() -> Iterator[Clock]:
    clock = Clock()
    started = time.perf_counter()
    try:
        yield clock
    finally:
        clock.seconds = time.perf_counter() - started


@contextmanager
def profiled(job: Mapping[str, Any]) -> Iterator[None]:
    """cProfile the main thread and every thread started meanwhile, if the env flag is set."""
    folder = os.environ.get(PROFILE_ENV)
    if not folder:
        yield
        return
    import cProfile
    import pstats

    profilers: list[cProfile.Profile] = []

    def start_in_thread(*_: Any) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()

    main = cProfile.Profile()
    threading.setprofile(start_in_thread)
    main.enable()
    try:
        yield
    finally:
        main.disable()
        threading.setprofile(None)
        stats = pstats.Stats(main)
        for profiler in profilers:
            stats.add(profiler)
        sys.setprofile(None)  # the additions above disabled "their" profiler on this thread
        stats.dump_stats(Path(folder) / f"{job['kind']}-{job['run']}.prof")


class ThreadCpu:
    """CPU seconds per thread name, sampled from /proc/self/task (Linux; empty elsewhere).

    cProfile charges a thread with the time it waits for the GIL, so it cannot say how much CPU
    consentcrawl's catalog/WARC thread takes from the reactor thread; the kernel can. Only CPU
    used inside the ``with`` block counts (not start-up and imports); a thread that ends between
    samples loses at most one interval.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.seconds: dict[int, float] = {}
        self.baseline: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-thread-cpu", daemon=True)
        self._tick = float(os.sysconf("SC_CLK_TCK")) if hasattr(os, "sysconf") else 100.0

    def __enter__(self) -> Self:
        if os.path.isdir("/proc/self/task"):
            self._sample()
            self.baseline = dict(self.seconds)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
            self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
        for entry in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue  # ended meanwhile
            tid = int(entry)
            self.seconds[tid] = (int(fields[11]) + int(fields[12])) / self._tick  # utime, stime
            if tid in names:
                self.names[tid] = names[tid]

    def by_name(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for tid, seconds in self.seconds.items():
            seconds -= self.baseline.get(tid, 0.0)
            name = self.names.get(tid, "other")
            name = name.rstrip("0123456789").rstrip("_-") or name  # pool workers: one entry
            totals[name] = round(totals.get(name, 0.0) + seconds, 2)
        return totals


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def worker_main(kind: str, job_json: str) -> None:
    job = json.loads(job_json)
    with tempfile.TemporaryDirectory(prefix=f"bench-{kind}-") as tmp:
        result = WORKERS[kind](job, Path(tmp))
    result.update(kind=kind, peak_rss_mb=peak_rss_mb(), cpu_seconds=cpu_seconds())
    print(json.dumps(result), flush=True)


# -- the driver ----------------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    kind: str
    index: int
    pages: int
    crawl_seconds: float
    process_seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    server_cpu_share: float
    detail: dict[str, Any]

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.crawl_seconds


class BenchmarkError(Exception):
    """A run that did not do the work it is timed for."""


def run_worker(
    kind: str, index: int, load: Workload, server: SiteServer, profile: str | None
) -> Run:
    job = {**asdict(load), "kind": kind, "run": index}
    env = dict(os.environ)
    env.pop(PROFILE_ENV, None)
    if profile:
        env[PROFILE_ENV] = profile
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, json.dumps(job)]
    server.hits.clear()
    server_cpu = cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    server_cpu = cpu_seconds() - server_cpu
    if done.returncode != 0 or not done.stdout.strip():
        raise BenchmarkError(f"{kind} run {index} exited {done.returncode}:\n{done.stderr[-4000:]}")
    detail = json.loads(done.stdout.strip().splitlines()[-1])
    detail["stderr_lines"] = len(done.stderr.splitlines())
    detail["private_hits"] = sum(1 for _, path in server.hits if path.startswith(PRIVATE))
    detail["server_hits"] = len(server.hits)
    run = Run(
        kind=kind,
        index=index,
        pages=int(detail["pages"]),
        crawl_seconds=float(detail["crawl_seconds"]),
        process_seconds=wall,
        peak_rss_mb=float(detail["peak_rss_mb"]),
        cpu_seconds=float(detail["cpu_seconds"]),
        server_cpu_share=server_cpu / wall,
        detail=detail,
    )
    check(run, load, done.stderr)
    return run


def check(run: Run, load: Workload, stderr: str) -> None:
    """Fail loudly unless the run fetched every allowed page and nothing disallowed."""
    d = run.detail
    problems: list[str] = []
    if d["finish_reason"] != "finished":
        problems.append(f"finish reason {d['finish_reason']!r}")
    if d["private_hits"]:
        problems.append(f"{d['private_hits']} requests for {PRIVATE} reached the server")
    if run.pages != load.allowed_pages:
        problems.append(f"{run.pages} pages fetched, {load.allowed_pages} expected")
    if run.kind == "consentcrawl":
        if d["failure"]:
            problems.append(f"run_crawl failure: {d['failure']}")
        if d["collected"] < load.allowed_pages:
            problems.append(
                f"catalog holds {d['collected']} collected pages, plain Scrapy fetched "
                f"{load.allowed_pages} (every allowed page)"
            )
        if d["robots_disallowed"] != load.disallowed_links:
            problems.append(
                f"{d['robots_disallowed']} robots-disallow records, {load.disallowed_links} expected"
            )
        if d["skipped_other"]:
            problems.append(f"{d['skipped_other']} pages skipped for other reasons")
        if d["warc_bytes"] <= 0:
            problems.append("no WARC bytes written")
    if problems:
        raise BenchmarkError(
            f"{run.kind} run {run.index} is not a valid measurement: "
            + "; ".join(problems)
            + f"\n--- worker result ---\n{json.dumps(d, indent=1)}"
            + f"\n--- stderr (tail) ---\n{stderr[-3000:]}"
        )


def print_run(run: Run) -> None:
    d = run.detail
    extra = ""
    if run.kind == "consentcrawl":
        extra = (
            f"  catalog={d['catalog_records']} rows (collected {d['collected']}, "
            f"robots-disallow {d['robots_disallowed']})  warc={d['warc_bytes'] / 1e6:.1f} MB"
        )
    else:
        extra = f"  feed={d['feed_rows']} rows  robots-forbidden={d['robots_forbidden']}"
    print(
        f"  {run.kind:<12} #{run.index}: {run.pages} pages in {run.crawl_seconds:6.2f} s "
        f"({run.pages_per_second:6.0f} pages/s), process {run.process_seconds:6.2f} s, "
        f"crawler CPU {run.cpu_seconds:6.2f} s, server CPU {run.server_cpu_share:4.0%}, "
        f"RSS {run.peak_rss_mb:5.0f} MB{extra}",
        flush=True,
    )
    threads = sorted(d.get("thread_cpu", {}).items(), key=lambda item: -item[1])
    if threads:
        print("      CPU s by thread: " + ", ".join(f"{n} {s:.2f}" for n, s in threads), flush=True)


def summarise(runs: Sequence[Run]) -> dict[str, dict[str, float]]:
    summary: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        mine = [r for r in runs if r.kind == kind]
        summary[kind] = {
            "runs": len(mine),
            "pages": statistics.median(r.pages for r in mine),
            "pages_per_second": statistics.median(r.pages_per_second for r in mine),
            "crawl_seconds": statistics.median(r.crawl_seconds for r in mine),
            "process_seconds": statistics.median(r.process_seconds for r in mine),
            "cpu_seconds": statistics.median(r.cpu_seconds for r in mine),
            "server_cpu_share": statistics.median(r.server_cpu_share for r in mine),
            "peak_rss_mb": max(r.peak_rss_mb for r in mine),
        }
    return summary


def print_table(summary: Mapping[str, Mapping[str, float]]) -> None:
    header = (
        f"{'crawler':<13}{'runs':>5}{'pages':>7}{'pages/s':>9}{'crawl s':>9}"
        f"{'process s':>11}{'CPU s':>8}{'server CPU':>12}{'peak RSS MB':>13}"
    )
    print("\nmedians over runs (peak RSS: max)")
    print(header)
    print("-" * len(header))
    for kind in KINDS:
        s = summary[kind]
        print(
            f"{kind:<13}{s['runs']:>5.0f}{s['pages']:>7.0f}{s['pages_per_second']:>9.0f}"
            f"{s['crawl_seconds']:>9.2f}{s['process_seconds']:>11.2f}{s['cpu_seconds']:>8.2f}"
            f"{s['server_cpu_share']:>12.0%}{s['peak_rss_mb']:>13.0f}"
        )
    crawl = summary["consentcrawl"]["crawl_seconds"] / summary["plain"]["crawl_seconds"]
    process = summary["consentcrawl"]["process_seconds"] / summary["plain"]["process_seconds"]
    verdict = "PASS" if crawl <= TARGET_RATIO else "FAIL"
    print(f"\nconsentcrawl / plain Scrapy, crawl time:   {crawl:.2f}x")
    print(f"consentcrawl / plain Scrapy, process time: {process:.2f}x")
    print(f"target: consentcrawl within {TARGET_RATIO}x of plain Scrapy's crawl time -> {verdict}")


def print_profiles(folder: Path, runs: Sequence[Run], top: int = 25) -> None:
    import pstats

    for run in runs:
        path = folder / f"{run.kind}-{run.index}.prof"
        if path.exists():
            print(f"\n=== {path} (all threads, by internal time; a thread's time includes")
            print("    its waits for the GIL: see 'CPU s by thread' for real CPU) ===")
            pstats.Stats(str(path)).sort_stats("tottime").print_stats(top)


def code_version() -> str:
    """The commit being measured, so numbers can be tied to code."""
    try:
        rev = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--", "crawler", "storage"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{ROOT} (not a git checkout)"
    return f"{rev}{' + uncommitted changes in crawler/ or storage/' if dirty else ''}"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000, help="HTML pages in all (default 2000)")
    parser.add_argument("--hosts", type=int, default=5, help="named hosts (default 5)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (16)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each crawler (default 3)")
    parser.add_argument("--seed", type=int, default=2024, help="site generator seed")
    parser.add_argument("--profile", metavar="DIR", help="cProfile each run into DIR")
    args = parser.parse_args(argv)
    if args.pages < args.hosts or args.hosts < 1 or args.repeat < 1 or args.concurrency < 1:
        parser.error("need --hosts >= 1, --pages >= --hosts, --repeat >= 1, --concurrency >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    profile = None
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
        profile = str(Path(args.profile).resolve())
    sites = build_sites(host_names(args.hosts), pages_per_host(args.pages, args.hosts), args.seed)
    runs: list[Run] = []
    with serve(sites) as server:
        load = workload(args, server.port)
        print(
            f"site: {load.allowed_pages} allowed pages on {len(load.hosts)} hosts "
            f"(+{load.disallowed_links} linked /private/ URLs robots.txt disallows), "
            f"served on 127.0.0.1:{server.port}; concurrency {load.concurrency}, "
            f"DEPTH_LIMIT {load.depth_limit}; {os.cpu_count()} CPUs; code {code_version()}",
            flush=True,
        )
        try:
            for index in range(args.repeat):
                for kind in KINDS:
                    run = run_worker(kind, index, load, server, profile)
                    print_run(run)
                    runs.append(run)
        except BenchmarkError as exc:
            print(f"\nBENCHMARK INVALID: {exc}", file=sys.stderr)
            return 1
    print_table(summarise(runs))
    if profile:
        print_profiles(Path(profile), runs)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        worker_main(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
