"""How fast the auditors' queries answer on a catalog of a million records.

The script synthesises a catalog (default 1,000,000 records) that looks like a few real crawl
jobs: about 20,000 hosts under about 5,000 registrable domains whose sizes follow a Zipf-like
law (the biggest holds ~4 % of all records), a few IP-literal hosts, ports, upper-case and
internationalised names, a domain that is a suffix of another (``ample.com`` beside
``example.com``); 70 % collected, 30 % skipped with the reason codes the crawler gives;
licences, content types, sizes and WARC locations; 1-4 evidence rows per record, each robots.txt
row pointing at a stored policy document; some records of each job crawled again by a later job;
the collected records of a few domains taken down through a rights holder's list. Rows are
written with executemany (SQLite) or COPY (PostgreSQL), in id order per job, each chained with
``storage.catalog.chain`` exactly as ``Catalog.write`` chains them, so ``verify`` must pass.

Then it times what an auditor runs (``storage.audit.queries`` and ``verify``): ``show URL``
(``record_history``), ``query --domain`` first page with its total (the biggest domain, a
middle one, a small one, one host), the other filters, ``jobs``, ``job``, ``domains``,
``summary --eu``, ``verify`` (records/s) and ``export --format jsonl`` to a file (rows/s).

Run from the repository root::

    .venv/bin/python benchmarks/audit.py [--records 1000000] [--postgres URL] [--keep]
    .venv/bin/python benchmarks/audit.py --catalog sqlite:///bench.sqlite   # time only

``--postgres URL`` names a server (e.g. postgresql://postgres@127.0.0.1:5432/postgres): a
fresh database is made there and dropped afterwards (``--keep`` keeps it, as it keeps the
SQLite file). ``--catalog URL`` times a catalog built before (with ``--keep``) without building.

Targets (issue 6): show at most 50 ms; query by domain at most 500 ms for the first page with
its total; verify at least 50,000 records/s; export at least 50,000 rows/s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import secrets
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.console import Console
from rich.table import Table

from storage.audit import queries
from storage.audit.export import export_rows, write_jsonl
from storage.audit.filters import RecordFilter
from storage.audit.summary import eu_summary
from storage.audit.verify import verify
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    DocumentIn,
    JobSpec,
    TakedownIn,
    chain,
)
from storage.catalog.checkpoint import check as checkpoint_check
from storage.catalog.models import Evidence, UrlRecord
from storage.catalog.records import host_columns, url_host

SHOW_TARGET_MS = 50.0
QUERY_TARGET_MS = 500.0
VERIFY_TARGET = 50_000.0  # records/s
EXPORT_TARGET = 50_000.0  # rows/s
CHECKPOINT_TARGET = 1.0  # seconds per million records, to sign or to check

SUFFIXES = ["com"] * 40 + ["org"] * 10 + ["net"] * 8 + ["de", "fr", "nl", "io", "jp"] * 3
SUFFIXES += ["co.uk", "com.br", "com.au", "co.jp", "github.io", "blogspot.com", "ac.uk"]
SUBDOMAINS = ["www", "blog", "cdn", "shop", "news", "m", "docs", "img", "api", "forum", "wiki"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
IDN = ["bücher", "münchen", "café", "straße", "日本語", "россия"]
# (reasons, weight) of skipped records, as the crawler writes them.
SKIP_REASONS: list[tuple[tuple[str, ...], int]] = [
    (("robots-disallow",), 35),
    (("robots-ai-optout:GPTBot",), 10),
    (("robots-ai-optout:CCBot", "robots-ai-optout:GPTBot"), 5),
    (("content-signal:ai-train=no",), 10),
    (("content-usage:train-ai=n",), 4),
    (("tdmrep-reserved",), 5),
    (("x-robots-tag:noai",), 4),
    (("meta-robots:noai",), 3),
    (("ai-txt-disallow",), 2),
    (("auth-required",), 4),
    (("login-form",), 2),
    (("paywall",), 2),
    (("http-error",), 6),
    (("too-large",), 1),
    (("content-signal:ai-train=no", "tdmrep-reserved"), 3),
    (("site-page-cap",), 2),
]
LICENCES = [("unknown", None, 70), ("open", "CC-BY-4.0", 10), ("open", "CC0-1.0", 5)]
LICENCES += [("restricted", "CC-BY-NC-4.0", 5), ("licensable", None, 3), ("reserved", None, 7)]
CONTENT_TYPES = [("text/html; charset=utf-8", 80), ("image/jpeg", 8), ("image/png", 4)]
CONTENT_TYPES += [("application/pdf", 5), ("text/plain", 2), ("application/json", 1)]
CHUNK = 10_000  # records per insert batch


def _label(rng: random.Random, low: int = 3, high: int = 12) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(low, high)))


@dataclass
class Web:
    """The synthetic web: registrable domains with their hosts, and how popular each is."""

    domains: list[str]
    hosts: list[list[str]]  # per domain, the apex first
    weights: list[float]  # cumulative, per domain

    @classmethod
    def make(cls, domains: int, hosts: int, rng: random.Random) -> Web:
        names: list[str] = []
        seen: set[str] = set()
        while len(names) < domains:
            roll = rng.random()
            if roll < 0.01:
                name = ".".join(str(rng.randint(1, 254)) for _ in range(4))  # an IP host
            elif roll < 0.012:
                name = f"[2001:db8::{rng.randint(1, 0xFFFF):x}]"
            elif roll < 0.02:
                name = f"{rng.choice(IDN)}{rng.randint(1, 999)}.{rng.choice(SUFFIXES)}"
            elif roll < 0.04 and names:
                base = rng.choice(names)  # "ample.com" beside "example.com"
                if base[0].isalpha() and "." in base and len(base.split(".")[0]) > 3:
                    name = base[rng.randint(1, 2) :]
                else:
                    continue
            else:
                name = f"{_label(rng)}.{rng.choice(SUFFIXES)}"
            if name not in seen:
                seen.add(name)
                names.append(name)
        rng.shuffle(names)
        # Zipf-like popularity: the biggest domain gets ~4 % of the records.
        raw = [1 / (rank + 1) ** 0.8 for rank in range(domains)]
        host_lists: list[list[str]] = [[name] for name in names]
        # The other hosts go to popular domains more often (sqrt of the popularity).
        share = [math.sqrt(w) for w in raw]
        named = [
            n for n in range(domains) if not names[n].startswith("[") and names[n][0].isalpha()
        ]
        extra = hosts - domains
        picks = rng.choices(named, weights=[share[n] for n in named], k=extra * 2)
        made = 0
        for n in picks:
            if made >= extra:
                break
            depth = rng.random()
            sub = rng.choice(SUBDOMAINS) if depth < 0.6 else _label(rng, 2, 8)
            if depth > 0.9:
                sub = f"{_label(rng, 1, 4)}.{sub}"
            host = f"{sub}.{names[n]}"
            if host not in host_lists[n]:
                host_lists[n].append(host)
                made += 1
        total = 0.0
        cumulative = []
        for w in raw:
            total += w
            cumulative.append(total)
        return cls(names, host_lists, cumulative)


@dataclass(frozen=True)
class Built:
    records: int
    evidence: int
    seconds: float
    taken_down: int


def _weighted(rng: random.Random, table: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


class Generator:
    """Records of one catalog, a chunk at a time, chained per job stream as Catalog.write does."""

    def __init__(self, web: Web, jobs: list[uuid.UUID], starts: list[datetime], seed: int):
        self.web = web
        self.jobs = jobs
        self.starts = starts
        self.rng = random.Random(seed)
        self.next_id = 1
        self.heads = {job: chain.genesis(str(job)) for job in jobs}
        self.robots_sha = {
            d: hashlib.sha256(f"robots {d}".encode()).hexdigest() for d in web.domains
        }
        self.warc_offset = 0
        self.warc_serial = 0
        self.earlier: list[tuple[str, str]] = []  # (URL, domain) a later job crawls again

    def url(self) -> tuple[str, str]:
        rng = self.rng
        if self.earlier and rng.random() < 0.05:
            return rng.choice(self.earlier)
        n = rng.choices(range(len(self.web.domains)), cum_weights=self.web.weights)[0]
        hosts = self.web.hosts[n]
        host = hosts[0] if rng.random() < 0.4 or len(hosts) == 1 else rng.choice(hosts)
        netloc = host
        roll = rng.random()
        if roll < 0.01:
            netloc = f"{host}:8080"
        elif roll < 0.012:
            netloc = host.upper()
        section = rng.choice(["article", "news", "p", "img", "tag", "private", "docs"])
        url = f"https://{netloc}/{section}/{rng.randrange(10**9):x}"
        if rng.random() < 0.02:
            self.earlier.append((url, self.web.domains[n]))
        return url, self.web.domains[n]

    def records(
        self, job_index: int, count: int
    ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """(record rows, evidence rows) in chunks; ids assigned in write order."""
        rng = self.rng
        job = self.jobs[job_index]
        stream = str(job)
        at = self.starts[job_index]
        rows: list[dict[str, Any]] = []
        evidence_rows: list[dict[str, Any]] = []
        for _ in range(count):
            url, domain = self.url()
            at += timedelta(milliseconds=rng.randint(1, 400))
            collected = rng.random() < 0.7
            status, licence = _weighted(rng, [((s, lic), w) for s, lic, w in LICENCES])
            row: dict[str, Any] = {
                "id": self.next_id,
                "job_id": job,
                "kind": "page",
                "url": url,
                "source_url": None,
                "outcome": "collected" if collected else "skipped",
                "reasons": [],
                "http_status": None,
                "content_type": None,
                "size": None,
                "sha256": None,
                "warc_file": None,
                "warc_offset": None,
                "warc_length": None,
                "license_status": status,
                "license": licence,
                "fetched_at": None,
                "recorded_at": at,
                **host_columns(url),  # as Catalog.write derives them
            }
            self.next_id += 1
            if rng.random() < 0.05:
                row["kind"] = "image"
                row["source_url"] = url.rsplit("/", 1)[0] + "/"
            if collected:
                size = int(rng.lognormvariate(9.5, 1.2)) + 200
                length = size // 3 + 400
                if self.warc_offset > 1_000_000_000:
                    self.warc_serial += 1
                    self.warc_offset = 0
                row.update(
                    http_status=200,
                    content_type=_weighted(rng, CONTENT_TYPES),
                    size=size,
                    sha256=f"{rng.getrandbits(256):064x}",
                    warc_file=f"consentcrawl-{stream[:8]}-{self.warc_serial:05d}.warc.gz",
                    warc_offset=self.warc_offset,
                    warc_length=length,
                    fetched_at=at - timedelta(milliseconds=50),
                )
                self.warc_offset += length + 700
            else:
                row["reasons"] = list(_weighted(rng, SKIP_REASONS))
                row["license_status"] = "reserved" if status == "unknown" else status
                if row["reasons"][0] == "http-error":
                    row["http_status"] = rng.choice([404, 410, 500])
            evidence = self.evidence(row, domain, rng.randint(1, 4))
            prev = self.heads[job]
            row["stream"] = stream
            row["prev_hash"] = prev
            row["chain_hash"] = self.heads[job] = chain.chain_hash(
                prev, chain.record_content(row, evidence)
            )
            rows.append(row)
            evidence_rows += ({"record_id": row["id"], **e} for e in evidence)
            if len(rows) == CHUNK:
                yield rows, evidence_rows
                rows, evidence_rows = [], []
        if rows:
            yield rows, evidence_rows

    def evidence(self, row: dict[str, Any], domain: str, count: int) -> list[dict[str, Any]]:
        robots = f"https://{row['url'].split('/')[2].lower()}/robots.txt"
        reasons = row["reasons"]
        first = {
            "signal": "robots.txt",
            "source": robots,
            "value": "Disallow: /private/" if "robots-disallow" in reasons else "Allow: /",
            "effect": "deny" if "robots-disallow" in reasons else "allow",
            "reason": "robots-disallow" if "robots-disallow" in reasons else None,
            "document_sha256": self.robots_sha[domain],
            "line": 2,
        }
        out = [first]
        for n in range(1, count):
            reason = reasons[n - 1] if n - 1 < len(reasons) else None
            out.append(
                {
                    "signal": ["x-robots-tag", "content-signal", "tdmrep", "http"][n % 4],
                    "source": "header:X-Robots-Tag" if n % 2 else robots,
                    "value": reason or "all",
                    "effect": "deny" if reason else "info",
                    "reason": reason,
                    "document_sha256": None,
                    "line": None,
                }
            )
        return out


_RECORD_COLUMNS = [c.name for c in UrlRecord.__table__.columns]
_EVIDENCE_COLUMNS = [c.name for c in Evidence.__table__.columns if c.name != "id"]


def _copy(
    connection: sa.Connection, table: str, columns: list[str], rows: list[dict[str, Any]]
) -> None:
    driver: Any = connection.connection.driver_connection
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([json.dumps(row[c]) if c == "reasons" else row.get(c) for c in columns])


def build(url: str, web: Web, args: argparse.Namespace, console: Console) -> Built:
    started = time.perf_counter()
    base = datetime(2026, 9, 1, 8, tzinfo=UTC)
    with Catalog(url, mode="write") as catalog:
        jobs = []
        for n in range(args.jobs):
            purpose = ["train-genai", "train-ai", "ai-input", "search"][n % 4]
            jobs.append(
                catalog.start_job(
                    JobSpec(
                        purpose=purpose,
                        agent="consentcrawl",
                        user_agent="consentcrawl/0.1 (+https://consentcrawl.example/bot)",
                        seeds=tuple(f"https://{d}/" for d in web.domains[:50]),
                        settings={"DEPTH_LIMIT": 5, "CONSENT_PURPOSE": purpose},
                        software_version="0.1.0",
                    )
                )
            )
        starts = [base + timedelta(days=10 * n) for n in range(args.jobs)]
        # One robots.txt per registrable domain, stored with the first job.
        documents = [
            DocumentIn(
                kind="robots.txt",
                url=f"https://{d}/robots.txt",
                http_status=200,
                fetched_at=base,
                body=f"robots {d}".encode(),
            )
            for d in web.domains
        ]
        for start in range(0, len(documents), 1000):
            catalog.write(jobs[0], documents=documents[start : start + 1000])
        engine = catalog.engine
        postgres = engine.dialect.name == "postgresql"
        generator = Generator(web, jobs, starts, args.seed + 1)
        per_job = [args.records // args.jobs] * args.jobs
        per_job[-1] += args.records - sum(per_job)
        evidence_count = 0
        for index, count in enumerate(per_job):
            for rows, evidence in generator.records(index, count):
                with engine.begin() as connection:
                    if postgres:
                        _copy(connection, "catalog_record", _RECORD_COLUMNS, rows)
                        _copy(connection, "catalog_evidence", _EVIDENCE_COLUMNS, evidence)
                    else:
                        connection.execute(sa.insert(UrlRecord), rows)
                        connection.execute(sa.insert(Evidence), evidence)
                evidence_count += len(evidence)
                if (generator.next_id - 1) % 100_000 < CHUNK:
                    console.print(
                        f"  {generator.next_id - 1:,} records, {evidence_count:,} evidence rows "
                        f"({time.perf_counter() - started:.0f} s)"
                    )
        if postgres:
            with engine.begin() as connection:
                for table in ("catalog_record", "catalog_evidence"):
                    connection.execute(
                        sa.text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))"
                        )
                    )
        # A rights holder lists a few domains: their collected records are taken down.
        listed = [d for d in web.domains[40:60] if d[0].isalpha()][:8]
        entries = tuple(BlocklistEntryIn(d, "domain", line=i + 1) for i, d in enumerate(listed))
        version = catalog.add_blocklist_version(
            BlocklistVersionIn(
                source="rights-org",
                submitter="Rights Org",
                sha256=hashlib.sha256("\n".join(listed).encode()).hexdigest(),
                entries=entries,
            )
        )
        takedowns = [
            TakedownIn(r.record_id, "rights-org", version.version, d, "domain", "listed")
            for r in catalog.collected_records()
            for d in listed
            if (host := url_host(r.url)) == d or host.endswith("." + d)
        ]
        taken_down = catalog.record_takedowns(takedowns)
        for n, job in enumerate(jobs):
            catalog.finish_job(job, "finished", {"records": per_job[n]})
        if postgres:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))  # what autovacuum does soon after
    return Built(
        records=args.records,
        evidence=evidence_count,
        seconds=time.perf_counter() - started,
        taken_down=taken_down,
    )


def domains_to_query(web: Web) -> dict[str, str]:
    """--domain values by popularity rank (named domains, not IP hosts), and one host."""
    named = [(rank, d) for rank, d in enumerate(web.domains) if d[0].isascii() and d[0].isalpha()]
    picks = {"biggest domain": named[0][1]}
    for wanted in (100, 2000):
        rank, domain = next((r, d) for r, d in named if r >= wanted - 1)
        picks[f"domain ranked {rank + 1}"] = domain
    picks["one host of the biggest"] = next(h for h in web.hosts[named[0][0]][1:])
    return picks


@dataclass(frozen=True)
class Result:
    name: str
    value: float  # by the wall clock
    cpu: float  # the same by this process's CPU time: all of SQLite's work, none of PostgreSQL's
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.target is None:
            return ""
        ok = self.value >= self.target if self.higher_is_better else self.value <= self.target
        return "[green]PASS[/]" if ok else "[red]FAIL[/]"


def _timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, float, Any]:
    """Median wall and CPU seconds of `repeat` calls of fn() (caches warm after the first),
    and its last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def _ms(
    name: str, fn: Callable[[], Any], repeat: int, target: float | None = None, note: str = ""
) -> tuple[Result, Any]:
    wall, cpu, result = _timed(fn, repeat)
    return Result(name, wall * 1000, cpu * 1000, "ms", target, note=note), result


def measure(url: str, web: Web, repeat: int, console: Console) -> list[Result]:
    results: list[Result] = []
    with Catalog(url, mode="read") as catalog:
        with catalog.engine.connect() as connection:
            total = connection.scalar(sa.select(sa.func.count()).select_from(UrlRecord)) or 0
            samples = list(  # 200 URLs spread over the catalog
                connection.scalars(
                    sa.select(UrlRecord.url).where(UrlRecord.id % max(1, total // 200) == 0)
                )
            )
        console.print(f"catalog: {catalog.url}, {total:,} records")

        shown = [_timed(partial(queries.record_history, catalog, sample)) for sample in samples]
        assert all(history for _, _, history in shown)
        walls = sorted(wall * 1000 for wall, _, _ in shown)
        results.append(
            Result(
                "show URL (median of 200 URLs)",
                statistics.median(walls),
                statistics.median(cpu * 1000 for _, cpu, _ in shown),
                "ms",
                SHOW_TARGET_MS,
                note=f"p95 {walls[int(len(walls) * 0.95)]:.1f} ms",
            )
        )

        filters: list[tuple[str, RecordFilter, float | None]] = [
            (f"query --domain {label}", RecordFilter(domain=domain), QUERY_TARGET_MS)
            for label, domain in domains_to_query(web).items()
        ]
        first_job = queries.jobs(catalog)[-1].id
        filters += [
            ("query --job", RecordFilter(job_id=first_job), None),
            ("query --purpose", RecordFilter(purpose="train-ai"), None),
            ("query --outcome skipped", RecordFilter(outcome="skipped"), None),
            ("query --reason content-signal", RecordFilter(reason="content-signal"), None),
            ("query --license-status open", RecordFilter(license_status="open"), None),
            (
                "query --since/--until (24 h)",
                RecordFilter(
                    since=datetime(2026, 9, 1, 9, tzinfo=UTC),
                    until=datetime(2026, 9, 2, 9, tzinfo=UTC),
                ),
                None,
            ),
        ]
        for label, where, target in filters:
            result, page = _ms(
                f"{label}, first page", partial(queries.query_records, catalog, where), repeat
            )
            note = f"{page.total:,} records"
            if where.domain:
                note = f"{where.domain}: {note}"
            results.append(replace(result, target=target, note=note))

        result, listed = _ms("jobs", partial(queries.jobs, catalog), repeat)
        results.append(replace(result, note=f"{len(listed)} jobs"))
        result, _ = _ms("job ID", partial(queries.job, catalog, first_job), repeat)
        results.append(replace(result, note="the first job"))
        for by in queries.DOMAIN_GROUPS:
            result, groups = _ms(
                f"domains --by {by}, first page", partial(queries.domains, catalog, by=by), repeat
            )
            results.append(replace(result, note=f"{groups.total:,} rows"))
        result, summary = _ms("summary --eu", partial(eu_summary, catalog), 1)
        results.append(replace(result, note=f"{summary.domains_total:,} domains"))

        wall, cpu, checked = _timed(partial(verify, catalog))
        count = checked.records + checked.takedowns
        results.append(
            Result(
                "verify",
                count / wall,
                count / cpu,
                "records/s",
                VERIFY_TARGET,
                True,
                note=f"{count:,} in {wall:.1f} s; {'OK' if checked.ok else 'TAMPERED'}",
            )
        )
        if not checked.ok:
            console.print(f"[red]verify found {len(checked.problems)} problems[/]")
        results += _checkpoint(url, count)

        with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp:
            path = Path(tmp) / "export.jsonl"
            with path.open("w", encoding="utf-8") as out:
                wall, cpu, rows = _timed(partial(write_jsonl, export_rows(catalog), out))
            results.append(
                Result(
                    "export --format jsonl",
                    rows / wall,
                    rows / cpu,
                    "rows/s",
                    EXPORT_TARGET,
                    True,
                    note=f"{rows:,} rows in {wall:.1f} s, {path.stat().st_size / 2**20:.0f} MB",
                )
            )
    return results


def _checkpoint(url: str, rows: int) -> list[Result]:
    """Signing a checkpoint of every stream, then checking the catalog against it (the part
    verify --checkpoint adds to the walk), scaled to a million rows."""
    key = Ed25519PrivateKey.generate()
    with Catalog(url, mode="write") as catalog:  # a checkpoint goes into the ledger
        wall, cpu, signed = _timed(partial(catalog.checkpoint, key))
        sign = Result("checkpoint sign", wall * 1e6 / rows, cpu * 1e6 / rows,
                      "s per million rows", CHECKPOINT_TARGET,
                      note=f"{len(signed.body['streams'])} streams")
        with catalog.engine.connect() as connection:
            wall, cpu, problems = _timed(
                partial(checkpoint_check, connection, signed, key.public_key())
            )
        check = Result("checkpoint check", wall * 1e6 / rows, cpu * 1e6 / rows,
                       "s per million rows", CHECKPOINT_TARGET,
                       note="OK" if not problems else f"{len(problems)} problems")
    return [sign, check]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def report(results: list[Result], title: str, console: Console) -> None:
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    table = Table(title=f"{title} (load average now {load})", title_justify="left")
    for column in ("operation", "measured", "CPU time", "target", "", "note"):
        table.add_column(column)
    for r in results:
        target = ""
        if r.target is not None:
            target = f"{'≥' if r.higher_is_better else '≤'} {r.target:,.0f} {r.unit}"
        cpu = f"{_number(r.cpu)} {r.unit}"
        table.add_row(r.name, f"{_number(r.value)} {r.unit}", cpu, target, r.verdict, r.note)
    console.print(table)


@contextmanager
def _database(args: argparse.Namespace, console: Console) -> Iterator[str]:
    """The catalog URL to build into: a fresh PostgreSQL database, or a SQLite file."""
    if args.postgres is None:
        folder = Path(tempfile.mkdtemp(prefix="audit-bench-"))
        path = folder / "catalog.sqlite"
        try:
            yield f"sqlite:///{path}"
        finally:
            if args.keep:
                console.print(f"kept: sqlite:///{path}")
            else:
                for leftover in folder.iterdir():
                    leftover.unlink()
                folder.rmdir()
        return
    server = sa.engine.make_url(args.postgres).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"cc_audit_bench_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        if args.keep:
            console.print(f"kept: {server.set(database=name).render_as_string()}")
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--hosts", type=int, default=20_000)
    parser.add_argument("--domains", type=int, default=5_000)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--postgres", metavar="URL", help="build on this PostgreSQL server")
    parser.add_argument("--keep", action="store_true", help="keep the catalog built")
    parser.add_argument("--catalog", metavar="URL", help="time this catalog; build nothing")
    args = parser.parse_args()
    if args.hosts < args.domains or args.domains < 2000 or args.records < args.jobs:
        parser.error("need --hosts >= --domains >= 2000 and --records >= --jobs")
    console = Console(width=160)
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    console.print(f"{os.cpu_count()} CPUs, load average {load}; seed {args.seed}")
    web = Web.make(args.domains, args.hosts, random.Random(args.seed))
    if args.catalog:
        results = measure(args.catalog, web, args.repeat, console)
        report(results, "audit queries", console)
        return
    with _database(args, console) as url:
        console.print(
            f"building {args.records:,} records, {args.hosts:,} hosts under "
            f"{args.domains:,} domains, {args.jobs} jobs"
        )
        built = build(url, web, args, console)
        console.print(
            f"built in {built.seconds:.0f} s: {built.records:,} records, {built.evidence:,} "
            f"evidence rows, {built.taken_down:,} taken down"
        )
        results = measure(url, web, args.repeat, console)
    report(results, f"audit queries on {args.records:,} records", console)


if __name__ == "__main__":
    main()
