"""Auditors' read-only queries (storage.audit.queries) and the `audit` commands, on SQLite
and PostgreSQL: a URL's history, filtered records, jobs and their weakenings, domains,
filtered export; filter values that look like SQL are plain data, and the CLI refuses a
purpose or licence status it does not know; a reader of stdout going away ends a command
quietly."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crawler.consent.model import LicenseStatus, Purpose
from storage.audit import queries
from storage.audit.export import export_rows
from storage.audit.filters import RecordFilter
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    DocumentIn,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.models import (
    LICENSE_STATUSES,
    PURPOSES,
    CrawlJob,
    Evidence,
    JobBlocklist,
    PolicyDocument,
    Takedown,
    UrlRecord,
)
from storage.cli import app
from storage.errors import CatalogError

from .databases import postgres_database

T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
ROBOTS_SHA = hashlib.sha256(ROBOTS).hexdigest()
LIST_SHA = "a" * 64
INJECTION = "' OR 1=1 --"
AGENTS_DROP = {
    "setting": "CONSENT_AI_AGENTS_DROP",
    "value": ["GPTBot", "CCBot"],
    "narrows": ["robots"],
    "why": "the robots.txt groups of these AI agents are not honoured",
}
PRIVATE = {
    "setting": "CONSENT_ALLOW_PRIVATE_NETWORKS",
    "value": True,
    "narrows": ["addresses"],
    "why": "private and internal addresses are crawled",
}


def spec(
    purpose: str,
    blocklists: tuple[tuple[str, int, str], ...] = (),
    weakenings: tuple[dict[str, Any], ...] | None = (),
) -> JobSpec:
    return JobSpec(
        purpose=purpose,
        agent="consentcrawl",
        user_agent="consentcrawl/0.1 (+https://example.org/bot)",
        seeds=("https://example.com/",),
        settings={"DEPTH_LIMIT": 2, "ROBOTSTXT_OBEY": True},
        software_version="0.1.0",
        blocklists=blocklists,
        weakenings=weakenings,
    )


def rec(url: str, outcome: str, at: timedelta, **fields: Any) -> RecordIn:
    return RecordIn(
        url=url,
        outcome=outcome,
        reasons=tuple(fields.pop("reasons", ())),
        license_status=fields.pop("license_status", "unknown"),
        recorded_at=T0 + at,
        fetched_at=T0 + at if outcome == "collected" else None,
        **fields,
    )


@dataclass
class Built:
    catalog: Catalog
    job_a: uuid.UUID
    job_b: uuid.UUID


def build(cat: Catalog) -> Built:
    """Two jobs: an AI-training crawl and a research crawl with a blocklist in force."""
    h = timedelta(hours=1)
    job_a = cat.start_job(spec("train-genai", weakenings=(AGENTS_DROP, PRIVATE)))
    cat.write(
        job_a,
        documents=[
            DocumentIn(
                kind="robots.txt",
                url="https://example.com/robots.txt",
                http_status=200,
                fetched_at=T0,
                body=ROBOTS,
            )
        ],
        records=[
            rec(
                "https://example.com/",
                "collected",
                0 * h,
                size=100,
                http_status=200,
                warc_file="a.warc.gz",
                warc_offset=0,
                warc_length=90,
                sha256="b" * 64,
            ),
            rec("http://a.example.com:8080/x", "collected", 1 * h, size=50, http_status=200),
            rec(
                "https://example.com/private/p",
                "skipped",
                2 * h,
                reasons=("robots-disallow",),
                license_status="reserved",
                evidence=(
                    EvidenceIn(
                        signal="robots.txt",
                        source="https://example.com/robots.txt",
                        value="Disallow: /private/",
                        effect="deny",
                        reason="robots-disallow",
                        document_sha256=ROBOTS_SHA,
                        line=2,
                    ),
                    EvidenceIn(
                        signal="x-robots-tag",
                        source="header:X-Robots-Tag",
                        value="noai",
                        effect="deny",
                        reason="x-robots-tag:noai",
                        purposes="train-genai,train-ai",
                    ),
                ),
            ),
            rec(
                "http://notexample.com/",
                "skipped",
                3 * h,
                reasons=("content-signal:ai-train=no", "robots-disallow"),
                license_status="reserved",
            ),
            rec("https://x_y.test/", "collected", 4 * h, size=7),
            rec("https://xzy.test/", "skipped", 5 * h, reasons=("content-signal-x",)),
        ],
    )
    cat.finish_job(job_a, "finished", {"records": 6})
    cat.add_blocklist_version(
        BlocklistVersionIn(
            source="publisher",
            submitter="Rights Ltd",
            sha256=LIST_SHA,
            entries=(BlocklistEntryIn(value="bücher.example", kind="domain", line=1),),
        )
    )
    job_b = cat.start_job(spec("search", (("publisher", 1, LIST_SHA),), weakenings=None))
    cat.write(
        job_b,
        records=[
            rec("https://example.com/", "collected", 24 * h, size=120, http_status=200),
            rec(
                "https://bücher.example/",
                "skipped",
                25 * h,
                reasons=("blocklist:publisher",),
                evidence=(
                    EvidenceIn(
                        signal="blocklist",
                        source="publisher v1",
                        value="bücher.example",
                        effect="deny",
                        reason="blocklist:publisher",
                    ),
                ),
            ),
            # Stored data that looks like SQL is just data: a genuine match for the payload.
            rec(
                "https://odd.test/?q=' OR 1=1 --",
                "skipped",
                26 * h,
                reasons=(INJECTION,),
                license_status=INJECTION,
            ),
        ],
    )
    collected_b = [r for r in cat.collected_records() if r.job_id == job_b]
    cat.record_takedowns(
        [
            TakedownIn(
                record_id=collected_b[0].record_id,
                source="publisher",
                version=1,
                entry="example.com",
                kind="domain",
                reason="listed later",
            )
        ]
    )
    return Built(cat, job_a, job_b)


@pytest.fixture
def built(catalog: Catalog) -> Built:
    return build(catalog)


def counts(cat: Catalog) -> dict[str, int]:
    engine = cat._engine
    with Session(engine) as session:
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (CrawlJob, PolicyDocument, UrlRecord, Evidence, Takedown, JobBlocklist)
        }


def urls(page: queries.Page[queries.RecordRow]) -> list[str]:
    return [row.url for row in page.items]


# --- record_history and document -------------------------------------------------------


def test_record_history_spans_jobs_with_evidence_documents_and_takedown(built: Built) -> None:
    history = queries.record_history(built.catalog, "https://example.com/")
    assert [(v.job_id, v.purpose, v.outcome) for v in history] == [
        (built.job_a, "train-genai", "collected"),
        (built.job_b, "search", "collected"),
    ]
    first, second = history
    assert (first.warc_file, first.warc_offset, first.http_status) == ("a.warc.gz", 0, 200)
    assert first.fetched_at == T0 and first.recorded_at == T0
    assert first.takedown is None
    assert second.takedown is not None and second.takedown.reason == "listed later"
    assert second.takedown.source == "publisher" and second.takedown.version == 1

    (skipped,) = queries.record_history(built.catalog, "https://example.com/private/p")
    assert skipped.reasons == ("robots-disallow",) and skipped.license_status == "reserved"
    evidence, noai = skipped.evidence
    assert (evidence.signal, evidence.effect, evidence.line) == ("robots.txt", "deny", 2)
    assert (evidence.purposes, noai.purposes) == ("all", "train-genai,train-ai")
    assert evidence.document is not None
    assert evidence.document.url == "https://example.com/robots.txt"
    assert evidence.document.http_status == 200 and evidence.document.fetched_at == T0
    assert queries.document(built.catalog, ROBOTS_SHA) == ROBOTS
    assert queries.document(built.catalog, "0" * 64) is None
    assert queries.record_history(built.catalog, "https://example.com") == []  # exact URL


def test_evidence_names_its_own_document_when_hosts_share_bytes(catalog: Catalog) -> None:
    # A fleet of hosts serving one robots.txt body: each evidence row names its own host's file.
    job = catalog.start_job(spec("train-genai"))
    hosts = ("https://a.example/", "https://b.example/", "https://c.example/")
    catalog.write(
        job,
        documents=[DocumentIn("robots.txt", f"{h}robots.txt", 200, T0, ROBOTS) for h in hosts],
        records=[
            rec(
                f"{h}private/x",
                "skipped",
                timedelta(minutes=n),
                reasons=("robots-disallow",),
                evidence=(
                    EvidenceIn(
                        "robots.txt",
                        f"{h}robots.txt",
                        "Disallow: /private/",
                        "deny",
                        "robots-disallow",
                        ROBOTS_SHA,
                        2,
                    ),
                ),
            )
            for n, h in enumerate(hosts)
        ],
    )
    for host in hosts:
        (view,) = queries.record_history(catalog, f"{host}private/x")
        (evidence,) = view.evidence
        assert evidence.document is not None and evidence.document.url == f"{host}robots.txt"


# --- query_records ------------------------------------------------------------------------


def test_query_records_each_filter(built: Built) -> None:
    cat = built.catalog

    def q(**fields: Any) -> list[str]:
        return urls(queries.query_records(cat, RecordFilter(**fields)))

    # The search job's https://example.com/ was taken down: left out (see
    # test_taken_down_records_are_left_out_unless_asked_for).
    assert q(domain="example.com") == [
        "https://example.com/",
        "http://a.example.com:8080/x",
        "https://example.com/private/p",
    ]
    assert q(domain="EXAMPLE.com.") == q(domain="example.com")
    assert q(domain="a.example.com") == ["http://a.example.com:8080/x"]
    assert q(domain="notexample.com") == ["http://notexample.com/"]
    assert q(domain="x_y.test") == ["https://x_y.test/"]  # "_" is no wildcard
    assert q(domain="bücher.example") == ["https://bücher.example/"]
    assert q(domain="com") == [u for u in q() if urlsplit(u).hostname.endswith(".com")]  # type: ignore[union-attr]
    assert len(q(job_id=built.job_a)) == 6 and len(q(job_id=built.job_b)) == 2
    assert q(job_id=uuid.uuid4()) == []
    assert q(purpose="search") == q(job_id=built.job_b)
    assert q(outcome="collected", job_id=built.job_a) == [
        "https://example.com/",
        "http://a.example.com:8080/x",
        "https://x_y.test/",
    ]
    assert q(reason="robots-disallow") == [
        "https://example.com/private/p",
        "http://notexample.com/",
    ]
    # A family matches "content-signal:…", not the different code "content-signal-x".
    assert q(reason="content-signal") == ["http://notexample.com/"]
    assert q(reason="content-signal:ai-train=no") == ["http://notexample.com/"]
    assert q(reason="content-signal-x") == ["https://xzy.test/"]
    assert q(reason="blocklist") == ["https://bücher.example/"]
    assert q(reason="robots") == []
    assert q(license_status="reserved") == [
        "https://example.com/private/p",
        "http://notexample.com/",
    ]
    assert q(since=T0 + timedelta(hours=24)) == q(job_id=built.job_b)
    assert q(until=T0 + timedelta(hours=1)) == ["https://example.com/"]
    plus2 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC).astimezone(
        __import__("datetime").timezone(timedelta(hours=2))
    )  # 10:00 UTC written as 12:00+02:00
    assert q(since=plus2, until=plus2 + timedelta(hours=2)) == [
        "http://notexample.com/",
        "https://x_y.test/",
    ]
    assert q(domain="example.com", outcome="skipped") == ["https://example.com/private/p"]
    with pytest.raises(ValueError, match="timezone-aware"):
        RecordFilter(since=datetime(2026, 11, 29))


def test_query_records_pages(built: Built) -> None:
    page = queries.query_records(built.catalog, RecordFilter(), limit=4, offset=0)
    assert (page.total, page.limit, page.offset, len(page.items)) == (8, 4, 0, 4)
    rest = queries.query_records(built.catalog, RecordFilter(), limit=4, offset=7)
    assert len(rest.items) == 1 and rest.total == 8
    ids = [r.id for r in page.items]
    assert ids == sorted(ids)
    assert page.items[0].reasons == () and isinstance(page.items[0].reasons, tuple)
    with pytest.raises(ValueError):
        queries.query_records(built.catalog, RecordFilter(), limit=0)
    with pytest.raises(ValueError):
        queries.query_records(built.catalog, RecordFilter(), offset=-1)


# --- jobs, job, domains, export --------------------------------------------------------------


def test_jobs_and_job_detail(built: Built) -> None:
    listed = queries.jobs(built.catalog)
    assert [(j.id, j.purpose, j.status, j.records) for j in listed] == [
        (built.job_b, "search", "running", 3),
        (built.job_a, "train-genai", "finished", 6),
    ]
    assert listed[1].finished_at is not None and listed[0].finished_at is None

    a = queries.job(built.catalog, built.job_a)
    assert a.agent == "consentcrawl" and a.settings == {"DEPTH_LIMIT": 2, "ROBOTSTXT_OBEY": True}
    assert a.outcomes == {"collected": 3, "skipped": 3} and a.records == 6
    assert a.reasons == {
        "robots-disallow": 2,
        "content-signal-x": 1,
        "content-signal:ai-train=no": 1,
    }
    assert a.blocklists == [] and a.summary == {"records": 6}
    assert a.weakenings == (
        queries.Weakening(
            "CONSENT_AI_AGENTS_DROP",
            ["GPTBot", "CCBot"],
            ("robots",),
            "the robots.txt groups of these AI agents are not honoured",
        ),
        queries.Weakening(
            "CONSENT_ALLOW_PRIVATE_NETWORKS",
            True,
            ("addresses",),
            "private and internal addresses are crawled",
        ),
    )
    assert [str(w) for w in a.weakenings] == [
        "CONSENT_AI_AGENTS_DROP=GPTBot,CCBot",
        "CONSENT_ALLOW_PRIVATE_NETWORKS=true",
    ]
    assert listed[1].weakenings == a.weakenings
    b = queries.job(built.catalog, built.job_b)
    assert b.weakenings is None and listed[0].weakenings is None  # not recorded
    assert [(x.source, x.version, x.sha256) for x in b.blocklists] == [("publisher", 1, LIST_SHA)]
    assert b.reasons == {INJECTION: 1, "blocklist:publisher": 1}
    with pytest.raises(CatalogError, match="no crawl job"):
        queries.job(built.catalog, uuid.uuid4())


DomainCounts = tuple[
    str, int, int, int, int, int
]  # key, considered, collected, skipped, bytes, withdrawn


def domain_counts(page: queries.Page[queries.DomainRow]) -> list[DomainCounts]:
    return [
        (d.domain, d.considered, d.collected, d.skipped, d.bytes_collected, d.withdrawn)
        for d in page.items
    ]


# One record each, the same in every grouping: (key, considered, collected, skipped, bytes,
# withdrawn); they follow the bigger groups, by name.
SINGLE_RECORD_GROUPS: list[DomainCounts] = [
    ("notexample.com", 1, 0, 1, 0, 0),  # not a subdomain of example.com
    ("odd.test", 1, 0, 1, 0, 0),
    ("x_y.test", 1, 1, 0, 7, 0),
    ("xn--bcher-kva.example", 1, 0, 1, 0, 0),  # bücher.example, in punycode
    ("xzy.test", 1, 0, 1, 0, 0),
]


@pytest.mark.parametrize(
    ("by", "include_withdrawn", "expected"),
    [
        # example.com's search record (120 bytes) was taken down; a.example.com is in
        # example.com, and the port is not part of its host.
        ("domain", False, [("example.com", 3, 2, 1, 150, 0)]),
        ("domain", True, [("example.com", 4, 3, 1, 270, 1)]),
        ("host", False, [("example.com", 2, 1, 1, 100, 0), ("a.example.com", 1, 1, 0, 50, 0)]),
        ("host", True, [("example.com", 3, 2, 1, 220, 1), ("a.example.com", 1, 1, 0, 50, 0)]),
    ],
)
def test_domains(
    built: Built, by: str, include_withdrawn: bool, expected: list[DomainCounts]
) -> None:
    expected = expected + SINGLE_RECORD_GROUPS
    page = queries.domains(built.catalog, by=by, include_withdrawn=include_withdrawn)
    assert domain_counts(page) == expected  # most records first, then by name
    assert page.total == len(expected)
    rows = {d.domain: d for d in page.items}
    example = rows["example.com"]
    assert example.top_reasons == (("robots-disallow", 1),)
    assert rows["notexample.com"].top_reasons == (
        ("content-signal:ai-train=no", 1),
        ("robots-disallow", 1),
    )
    assert rows["x_y.test"].top_reasons == ()  # collected only
    second = queries.domains(
        built.catalog, by=by, include_withdrawn=include_withdrawn, limit=2, offset=2
    )
    assert domain_counts(second) == expected[2:4] and second.total == len(expected)
    beyond = queries.domains(built.catalog, by=by, include_withdrawn=include_withdrawn, offset=50)
    assert beyond.items == [] and beyond.total == len(expected)
    with pytest.raises(ValueError, match="by must be one of"):
        queries.domains(built.catalog, by="url")


def test_taken_down_records_are_left_out_unless_asked_for(built: Built) -> None:
    cat = built.catalog
    (x_y,) = [r for r in cat.collected_records() if r.url == "https://x_y.test/"]
    cat.record_takedowns(
        [TakedownIn(x_y.record_id, "publisher", 1, "x_y.test", "domain", "listed")]
    )
    taken = {"https://example.com/": built.job_b, "https://x_y.test/": built.job_a}

    default = queries.query_records(cat, RecordFilter(), limit=1000)
    marked = queries.query_records(cat, RecordFilter(), limit=1000, include_withdrawn=True)
    assert (default.total, marked.total) == (7, 9)
    assert not any(row.withdrawn for row in default.items)
    assert {(r.url, r.job_id) for r in marked.items if r.withdrawn} == set(taken.items())
    assert [r.id for r in marked.items if not r.withdrawn] == [r.id for r in default.items]
    # The same records with the same filters in query, domains and export.
    exported = list(export_rows(cat, include_withdrawn=True))
    assert [r["withdrawn"] for r in exported] == [r.withdrawn for r in marked.items]
    assert [r["url"] for r in export_rows(cat)] == urls(default)
    by_domain = queries.domains(cat)
    assert "x_y.test" not in [d.domain for d in by_domain.items]  # all of it taken down
    assert sum(d.considered for d in by_domain.items) == default.total
    with_withdrawn = queries.domains(cat, include_withdrawn=True)
    assert sum(d.considered for d in with_withdrawn.items) == marked.total
    assert {d.domain: d.withdrawn for d in with_withdrawn.items if d.withdrawn} == {
        "example.com": 1,
        "x_y.test": 1,
    }
    only_x_y = RecordFilter(domain="x_y.test")
    assert queries.query_records(cat, only_x_y).items == []
    assert urls(queries.query_records(cat, only_x_y, include_withdrawn=True)) == [
        "https://x_y.test/"
    ]


def test_host_column_is_the_stored_host(built: Built) -> None:
    with queries.reading(built.catalog, "test") as connection:
        host = queries.host_column(connection)
        assert set(connection.scalars(select(host).distinct())) == {
            queries.url_host(row.url)
            for row in queries.query_records(
                built.catalog, RecordFilter(), include_withdrawn=True
            ).items
        }
        with pytest.raises(ValueError, match="only UrlRecord.url"):
            queries.host_column(connection, UrlRecord.source_url)


# --- the domain filter ------------------------------------------------------------------

EDGE_URLS = [
    "https://example.com/",  # 0
    "https://www.example.com/a",  # 1
    "http://a.b.example.com:8080/x",  # 2
    "https://EXAMPLE.com./upper",  # 3
    "http://user:pw@example.com/cred",  # 4
    "http://ample.com/",  # 5: a suffix of example.com, not a subdomain
    "https://notexample.com/",  # 6
    "https://example.com.evil.test/",  # 7
    "https://example-cdn.com/",  # 8: sorts between com.example and com.example.
    "https://bücher.example/",  # 9
    "https://xn--bcher-kva.example/p",  # 10: the same host in punycode
    "http://10.0.0.1:8080/",  # 11
    "http://110.0.0.1/",  # 12
    "http://[2001:db8::1]/",  # 13
    "https://x_y.test/",  # 14
    "https://xzy.test/",  # 15
]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def edge_catalog(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Catalog]:
    """One catalog per backend for the whole table of domain filter cases."""
    if request.param == "sqlite":
        urls_ = iter([f"sqlite:///{tmp_path_factory.mktemp('edge') / 'catalog.sqlite'}"])
    else:
        urls_ = postgres_database()
    for url in urls_:
        with Catalog(url, mode="write") as cat:
            job_id = cat.start_job(spec("edge"))
            cat.write(job_id, records=[rec(u, "skipped", timedelta(0)) for u in EDGE_URLS])
            yield cat


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("example.com", [0, 1, 2, 3, 4]),
        (" EXAMPLE.COM. ", [0, 1, 2, 3, 4]),  # case, spaces and dots around it ignored
        (".example.com", [0, 1, 2, 3, 4]),
        ("www.example.com", [1]),
        ("b.example.com", [2]),
        ("ample.com", [5]),
        ("notexample.com", [6]),
        ("com", [0, 1, 2, 3, 4, 5, 6, 8]),
        ("example.com.evil.test", [7]),
        ("evil.test", [7]),
        ("example.com:8080", []),  # a domain, not a host and port
        ("https://example.com/", []),
        ("bücher.example", [9, 10]),
        ("BÜCHER.example", [9, 10]),
        ("xn--bcher-kva.example", [9, 10]),
        ("example", [9, 10]),
        ("10.0.0.1", [11]),
        ("0.0.1", []),  # an address is matched whole, never as a "domain" of its labels
        ("0.1", []),
        ("110.0.0.1", [12]),
        ("2001:db8::1", [13]),
        ("[2001:DB8:0::1]", [13]),
        ("x_y.test", [14]),
        ("x%y.test", []),
        ("_", []),
        ("%", []),
        ("test", [7, 14, 15]),
    ],
)
def test_domain_filter(edge_catalog: Catalog, domain: str, expected: list[int]) -> None:
    wanted = [EDGE_URLS[i] for i in expected]
    assert urls(queries.query_records(edge_catalog, RecordFilter(domain=domain))) == wanted
    exported = export_rows(edge_catalog, RecordFilter(domain=domain))
    assert [row["url"] for row in exported] == wanted


def test_export_rows_filtered(built: Built) -> None:
    rows = list(export_rows(built.catalog, RecordFilter(domain="example.com")))
    # The search job's example.com record was taken down: out of the plain export.
    assert [r["url"] for r in rows] == [
        "https://example.com/",
        "http://a.example.com:8080/x",
        "https://example.com/private/p",
    ]
    assert rows[0]["recorded_at"] == "2026-11-29T07:00:00.000000Z"
    assert [r["purpose"] for r in rows] == ["train-genai"] * 3
    assert rows == [r for r in export_rows(built.catalog) if r["url"] in {x["url"] for x in rows}]
    withdrawn = list(
        export_rows(built.catalog, RecordFilter(job_id=built.job_b), include_withdrawn=True)
    )
    assert [r["withdrawn"] for r in withdrawn] == [True, False, False]
    assert [r["purpose"] for r in withdrawn] == ["search"] * 3


# --- filter values that look like SQL -------------------------------------------------------

PAYLOADS = [
    INJECTION,
    "%",
    "_",
    '"); DROP TABLE catalog_record; --',
    "'; DELETE FROM catalog_job; --",
    "robots%",
    "\\",
    "bücher.example",
    "content-signal",
    "😀' OR ''='",
]


def only(field: str, value: str) -> RecordFilter:
    fields: dict[str, Any] = {field: value}
    return RecordFilter(**fields)


def genuinely(cat: Catalog, field: str, value: str) -> list[str]:
    """The URLs that really match, decided in Python from an unfiltered read."""
    rows = queries.query_records(cat, RecordFilter(), limit=1000).items
    purposes = {j.id: j.purpose for j in queries.jobs(cat)}
    out = []
    for row in rows:
        if field == "domain":
            d = value.strip().strip(".").lower()
            host = (urlsplit(row.url).hostname or "").lower()
            hit = bool(d) and (host == d or host.endswith("." + d))
        elif field == "reason":
            hit = any(r == value or r.startswith(value + ":") for r in row.reasons)
        elif field == "purpose":
            hit = purposes[row.job_id] == value
        else:
            hit = getattr(row, field) == value
        if hit:
            out.append(row.url)
    return out


@pytest.mark.parametrize("payload", PAYLOADS)
def test_filter_values_are_data(built: Built, payload: str) -> None:
    cat = built.catalog
    before = counts(cat)
    for field in ("domain", "purpose", "outcome", "reason", "license_status"):
        got = urls(queries.query_records(cat, only(field, payload), limit=1000))
        assert got == genuinely(cat, field, payload), field
        exported = [r["url"] for r in export_rows(cat, only(field, payload))]
        assert exported == [u for u in got if u != "https://example.com/" or field != "purpose"]
    assert queries.record_history(cat, payload) == []
    assert queries.document(cat, payload) is None
    assert counts(cat) == before
    expected_hits = {
        INJECTION: {"reason", "license_status"},
        "bücher.example": {"domain"},
        "content-signal": {"reason"},
    }.get(payload, set())
    for field in ("domain", "reason", "license_status"):
        hit = bool(queries.query_records(cat, only(field, payload)).items)
        assert hit == (field in expected_hits), field


# --- the CLI ------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_catalog(catalog_url: str) -> tuple[str, Built]:
    with Catalog(catalog_url, mode="write") as cat:
        built = build(cat)
    return catalog_url, built


def run(url: str, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [*args, "--catalog", url])
    return result.exit_code, result.stdout, result.stderr


def test_cli_show(cli_catalog: tuple[str, Built]) -> None:
    url, built = cli_catalog
    code, out, _ = run(url, "show", "https://example.com/private/p")
    assert code == 0, out
    assert "robots-disallow" in out and "https://example.com/robots.txt" in out
    code, out, _ = run(url, "show", "https://example.com/", "--json")
    assert code == 0
    history = json.loads(out)
    assert [h["job_id"] for h in history] == [str(built.job_a), str(built.job_b)]
    assert history[1]["takedown"]["reason"] == "listed later"
    assert history[0]["recorded_at"] == "2026-11-29T07:00:00.000000Z"
    code, out, _ = run(url, "show", "https://example.com/private/p", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["evidence_signal"], r["evidence_purposes"]) for r in rows] == [
        ("robots.txt", "all"),
        ("x-robots-tag", "train-genai,train-ai"),
    ]
    assert rows[0]["reasons"] == "robots-disallow"
    code, out, _ = run(url, "show", "https://example.com/private/p", "--json")
    assert [e["purposes"] for e in json.loads(out)[0]["evidence"]] == [
        "all",
        "train-genai,train-ai",
    ]
    code, out, _ = run(url, "show", "https://example.com/private/p")
    assert "┃ purposes " in out and "│ train-genai,train-ai " in out and "│ all " in out
    code, _, err = run(url, "show", "https://nowhere.test/")
    assert code == 1 and err.startswith("consentcrawl: error: no record") and err.count("\n") == 1


def test_cli_query(cli_catalog: tuple[str, Built]) -> None:
    url, built = cli_catalog
    code, out, _ = run(url, "query", "--domain", "example.com", "--outcome", "skipped", "--json")
    assert code == 0, out
    page = json.loads(out)
    assert page["total"] == 1 and page["items"][0]["url"] == "https://example.com/private/p"
    code, out, _ = run(
        url,
        "query",
        "--reason",
        "content-signal",
        "--since",
        "2026-11-29T09:30:00+01:00",
        "--until",
        "2026-11-30",
        "--csv",
    )
    assert code == 0, out
    assert [r["url"] for r in csv.DictReader(io.StringIO(out))] == ["http://notexample.com/"]
    code, out, _ = run(url, "query", "--job", str(built.job_b), "--limit", "2", "--offset", "1")
    assert code == 0 and "records (2-2 of 2)" in out and "withdrawn" not in out
    code, out, _ = run(url, "query", "--purpose", "search", "--license-status", "unknown", "--json")
    assert [i["url"] for i in json.loads(out)["items"]] == ["https://bücher.example/"]


def test_cli_query_include_withdrawn(cli_catalog: tuple[str, Built]) -> None:
    url, built = cli_catalog
    job = ["query", "--job", str(built.job_b)]
    code, out, _ = run(url, *job, "--include-withdrawn", "--limit", "2", "--offset", "1")
    assert code == 0 and "records (2-3 of 3)" in out
    code, out, _ = run(url, *job, "--include-withdrawn", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["url"], r["withdrawn"]) for r in rows] == [
        ("https://example.com/", "True"),
        ("https://bücher.example/", "False"),
        ("https://odd.test/?q=' OR 1=1 --", "False"),
    ]
    code, out, _ = run(url, *job, "--csv")
    assert "withdrawn" not in out.splitlines()[0] and len(out.splitlines()) == 3
    code, out, _ = run(url, *job, "--include-withdrawn", "--json")
    assert [i["withdrawn"] for i in json.loads(out)["items"]] == [True, False, False]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["query", "--since", "yesterday"], "--since"),
        (["query", "--until", INJECTION], "--until"),
        (["query", "--job", INJECTION], "--job"),
        (["query", "--outcome", "maybe"], "--outcome"),
        (["query", "--limit", "0"], "--limit"),
        (["domains", "--offset", "-1"], "--offset"),
        (["domains", "--limit", "10001"], "--limit"),
        (["job", "not-a-uuid"], "ID"),
        (["export", "--format", "jsonl", "--since", "%"], "--since"),
        (["jobs", "--json", "--csv"], "--json/--csv"),
        (["query", "--purpose", "ai-training"], "--purpose"),
        (["export", "--format", "jsonl", "--purpose", "Search"], "--purpose"),
        (["query", "--license-status", "opn"], "--license-status"),
        (["export", "--format", "csv", "--license-status", INJECTION], "--license-status"),
        (["summary", "--eu", "--purpose", "ai-training"], "--purpose"),
    ],
)
def test_cli_bad_values_exit_2_in_one_line(
    cli_catalog: tuple[str, Built], args: list[str], option: str
) -> None:
    url, _ = cli_catalog
    code, out, err = run(url, *args)
    assert code == 2, (out, err)
    assert err.startswith(f"consentcrawl: error: {option}: ") and err.count("\n") == 1
    choices = {"--purpose": PURPOSES, "--license-status": LICENSE_STATUSES}.get(option, ())
    assert all(choice in err for choice in choices)


def test_vocabularies_are_the_crawlers() -> None:
    """storage may not import the crawler: its copies must stay equal, in contract order."""
    assert PURPOSES == tuple(p.value for p in Purpose)
    assert LICENSE_STATUSES == tuple(s.value for s in LicenseStatus)


def test_cli_jobs_job_domains(cli_catalog: tuple[str, Built]) -> None:
    url, built = cli_catalog
    code, out, _ = run(url, "jobs", "--json")
    assert code == 0 and [j["purpose"] for j in json.loads(out)] == ["search", "train-genai"]
    assert [j["weakenings"] for j in json.loads(out)] == [None, [AGENTS_DROP, PRIVATE]]
    code, out, _ = run(url, "jobs")
    assert code == 0 and "train-genai" in out and str(built.job_a) in out
    code, out, _ = run(url, "jobs", "--csv")
    assert [(r["purpose"], r["weakenings"]) for r in csv.DictReader(io.StringIO(out))] == [
        ("search", ""),
        ("train-genai", "CONSENT_AI_AGENTS_DROP;CONSENT_ALLOW_PRIVATE_NETWORKS"),
    ]
    code, out, _ = run(url, "job", str(built.job_b), "--json")
    detail = json.loads(out)
    assert detail["blocklists"] == [{"source": "publisher", "version": 1, "sha256": LIST_SHA}]
    assert detail["outcomes"] == {"collected": 1, "skipped": 2}
    code, out, _ = run(url, "job", str(built.job_a), "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert ["setting", "DEPTH_LIMIT", "2"] in rows and ["reason", "robots-disallow", "2"] in rows
    assert [r for r in rows if r[0] == "weakening"] == [
        [
            "weakening",
            "CONSENT_AI_AGENTS_DROP",
            (
                "GPTBot,CCBot: the robots.txt groups of these AI agents are not honoured "
                "(narrows robots)"
            ),
        ],
        [
            "weakening",
            "CONSENT_ALLOW_PRIVATE_NETWORKS",
            "true: private and internal addresses are crawled (narrows addresses)",
        ],
    ]
    code, out, _ = run(url, "job", str(built.job_b), "--csv")
    assert [r for r in csv.reader(io.StringIO(out)) if r[0] == "weakening"] == [
        ["weakening", "", "not recorded (the job was written before weakenings were)"]
    ]
    code, out, _ = run(url, "job", str(built.job_a))
    assert code == 0 and "robots-disallow" in out
    code, _, err = run(url, "job", str(uuid.uuid4()))
    assert code == 1 and "no crawl job" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("options", "first", "total"),
    [
        # (options, first row of the CSV, rows in all)
        (
            [],
            {"domain": "example.com", "considered": "3", "bytes_collected": "150"},
            6,
        ),
        (
            ["--by", "host"],
            {"host": "example.com", "considered": "2", "bytes_collected": "100"},
            7,
        ),
        (
            ["--include-withdrawn"],
            {"domain": "example.com", "considered": "4", "withdrawn": "1"},
            6,
        ),
        (
            ["--by", "host", "--include-withdrawn"],
            {"host": "example.com", "considered": "3", "bytes_collected": "220", "withdrawn": "1"},
            7,
        ),
    ],
)
def test_cli_domains(
    cli_catalog: tuple[str, Built], options: list[str], first: dict[str, str], total: int
) -> None:
    url, _ = cli_catalog
    code, out, err = run(url, "domains", *options, "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == total and rows[0].items() >= first.items()
    assert ("withdrawn" in rows[0]) == ("--include-withdrawn" in options)
    assert rows[0]["top_reasons"] == "robots-disallow=1"
    code, out, _ = run(url, "domains", *options, "--limit", "1")
    assert code == 0 and "example.com" in out and f"(1-1 of {total})" in out
    code, out, _ = run(url, "domains", *options, "--json")
    page = json.loads(out)
    assert page["total"] == total and page["items"][0]["domain"] == "example.com"
    assert page["items"][0]["top_reasons"] == [["robots-disallow", 1]]


def test_cli_export_filters_and_runtime_error(cli_catalog: tuple[str, Built]) -> None:
    url, _ = cli_catalog
    code, out, err = run(
        url, "export", "--format", "jsonl", "--domain", "example.com", "--outcome", "collected"
    )
    assert code == 0, err
    assert [json.loads(line)["url"] for line in out.splitlines()] == [
        "https://example.com/",
        "http://a.example.com:8080/x",
    ]
    assert "2 rows exported" in err
    code, _, err = run("postgresql://x@127.0.0.1:1/none", "jobs")
    assert code == 1 and err.startswith("consentcrawl: error:") and err.count("\n") == 1


@pytest.fixture
def sqlite_cli_catalog(tmp_path: Path) -> str:
    """The CLI only passes values on: the queries are checked with them on both backends."""
    url = f"sqlite:///{tmp_path / 'audit.sqlite'}"
    with Catalog(url, mode="write") as cat:
        build(cat)
    return url


@pytest.mark.parametrize("payload", PAYLOADS)
def test_cli_filter_values_are_data(sqlite_cli_catalog: str, payload: str) -> None:
    url = sqlite_cli_catalog
    with Catalog(url, mode="write") as cat:
        before = counts(cat)
        expected = {
            option: genuinely(cat, field, payload)
            for option, field in (
                ("--domain", "domain"),
                ("--purpose", "purpose"),
                ("--reason", "reason"),
                ("--license-status", "license_status"),
            )
        }
    for option, wanted in expected.items():
        code, out, err = run(url, "query", option, payload, "--json", "--limit", "1000")
        # No payload is a purpose or a licence status: the CLI refuses them.
        vocabulary = option in ("--purpose", "--license-status")
        if vocabulary or (option == "--domain" and not payload.strip().strip(".")):
            assert code == 2 and err.startswith(f"consentcrawl: error: {option}: "), err
            continue
        assert code == 0, err
        assert [i["url"] for i in json.loads(out)["items"]] == wanted, option
    code, _, _ = run(url, "query", "--job", payload)
    assert code == 2
    with Catalog(url, mode="write") as cat:
        assert counts(cat) == before


# --- a reader of stdout that goes away ------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def small_catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('pipe') / 'pipe.sqlite'}"
    with Catalog(url, mode="write") as cat:
        build(cat)
    return url


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--format", "jsonl"],
        ["export", "--format", "csv"],
        ["query", "--csv"],
        ["query", "--json"],
        ["query"],  # a rich table
        ["domains", "--csv"],
        ["jobs"],
        ["show", "https://example.com/"],
        ["summary", "--eu"],
        ["verify"],
    ],
)
def test_cli_exits_quietly_when_the_reader_goes_away(small_catalog: str, args: list[str]) -> None:
    """`consentcrawl audit export --format jsonl | head -1`: no traceback, exit code 141.

    The pipe's reader is gone before the command writes: how much a pipe holds before a
    writer waits differs between kernels, so a reader that leaves later may find it all
    written already."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from storage.cli import app; app()", *args],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            env={**os.environ, "CONSENT_CATALOG_URL": small_catalog},
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr.decode()) == (141, "")
