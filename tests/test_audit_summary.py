"""`storage.catalog.summary` and `consentcrawl audit summary --eu`: the crawler section of the
EU public summary of training content, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.models import CrawlJob, UrlRecord
from storage.catalog.summary import EuSummary, eu_summary, render_markdown
from storage.cli import app

A_START = datetime(2026, 11, 1, 8, tzinfo=UTC)
A_END = datetime(2026, 11, 2, 8, tzinfo=UTC)
B_START = datetime(2026, 11, 20, 8, tzinfo=UTC)
B_END = datetime(2026, 11, 21, 8, tzinfo=UTC)
A_AT = datetime(2026, 11, 1, 10, tzinfo=UTC)
B_AT = datetime(2026, 11, 20, 10, tzinfo=UTC)


def collected(url: str, size: int, content_type: str, at: datetime) -> RecordIn:
    return RecordIn(
        url=url,
        outcome="collected",
        reasons=(),
        license_status="unknown",
        recorded_at=at,
        http_status=200,
        content_type=content_type,
        size=size,
    )


def skipped(url: str, *reasons: str, at: datetime = A_AT) -> RecordIn:
    return RecordIn(
        url=url, outcome="skipped", reasons=reasons, license_status="reserved", recorded_at=at
    )


def spec(purpose: str, agent: str) -> JobSpec:
    return JobSpec(
        purpose=purpose,
        agent=agent,
        user_agent=f"{agent}/1.0 (+https://consentcrawl.example/bot)",
        seeds=("https://d01.example/",),
        settings={},
        software_version="1.0",
    )


def build(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    a = catalog.start_job(spec("train-genai", "consentcrawl"))
    b = catalog.start_job(spec("search", "consentcrawl-search"))
    html = "text/html; charset=utf-8"
    records = [
        collected(
            f"https://d{i:02}.example/page",
            i * 1000,
            "application/pdf" if i == 3 else html,
            A_AT,
        )
        for i in range(1, 12)
    ]
    records += [
        collected("https://d01.example/big", 100_000, html, A_AT),  # taken down below
        skipped("https://d02.example/private", "robots-disallow"),
        skipped("https://d02.example/ai", "robots-ai-optout:GPTBot"),
        skipped("https://d04.example/cs", "content-signal:ai-train=no"),
        skipped("https://d04.example/cu", "content-usage:train-ai=n"),
        skipped("https://d05.example/tdm", "tdmrep-reserved"),
        skipped("https://d06.example/x", "x-robots-tag:noai"),
        skipped("https://d06.example/m", "meta-robots:noai"),
        skipped("https://d07.example/ai", "ai-txt-disallow"),
        skipped("https://pirate.example/film", "blocklist:mpa"),
        skipped("https://d08.example/account", "auth-required"),
        skipped("https://d08.example/login", "login-form"),
        skipped("https://d09.example/article", "paywall"),
        skipped("https://d10.example/both", "content-signal:ai-train=no", "tdmrep-reserved"),
        skipped("https://d11.example/error", "http-error"),
    ]
    catalog.write(a, records=records)
    catalog.write(
        b,
        records=[
            collected("https://D12.example:443/img.png", 12_000, "image/png", B_AT),
            skipped("https://d02.example/private", "robots-disallow", at=B_AT),
        ],
    )
    catalog.finish_job(a, "finished", {})
    catalog.finish_job(b, "finished", {})
    with catalog.engine.begin() as connection:
        for job, start, end in ((a, A_START, A_END), (b, B_START, B_END)):
            connection.execute(
                update(CrawlJob).where(CrawlJob.id == job).values(started_at=start, finished_at=end)
            )
        big = connection.scalar(select(UrlRecord.id).where(UrlRecord.url.endswith("/big")))
    assert big is not None
    catalog.add_blocklist_version(
        BlocklistVersionIn(
            source="mpa",
            submitter="MPA",
            sha256=hashlib.sha256(b"v1").hexdigest(),
            entries=(BlocklistEntryIn("d01.example", "domain", line=1),),
        )
    )
    assert catalog.record_takedowns([TakedownIn(big, "mpa", 1, "d01.example", "domain", "x")]) == 1
    return a, b


def test_summary(catalog: Catalog) -> None:
    a, b = build(catalog)
    s = eu_summary(catalog)
    assert [j.id for j in s.jobs] == [a, b]
    assert [j.records for j in s.jobs] == [26, 2]
    assert (s.period_start, s.period_end) == (A_START, B_END)
    assert [(j.started_at, j.finished_at) for j in s.jobs] == [(A_START, A_END), (B_START, B_END)]
    assert [(p.purpose, p.jobs) for p in s.purposes] == [("search", 1), ("train-genai", 1)]
    assert s.crawler_names == ("consentcrawl", "consentcrawl-search")
    assert s.user_agents == (
        "consentcrawl-search/1.0 (+https://consentcrawl.example/bot)",
        "consentcrawl/1.0 (+https://consentcrawl.example/bot)",
    )
    text_bytes = sum(i * 1000 for i in range(1, 12)) - 3000
    assert [(c.type, c.records, c.bytes, c.media_types) for c in s.content_types] == [
        ("text", 10, text_bytes, ("text/html",)),
        ("images", 1, 12_000, ("image/png",)),
        ("PDF documents", 1, 3000, ("application/pdf",)),
    ]
    assert (s.collected_records, s.collected_bytes) == (12, text_bytes + 15_000)
    assert (s.taken_down_records, s.taken_down_bytes) == (1, 100_000)
    assert s.skipped_records == 15
    assert [(p.urls_excluded, p.status) for p in s.protocols] == [
        (2, "respected"),  # robots.txt: private (twice, one URL), ai
        (2, "respected"),  # Content-Signal: cs, both
        (1, "respected"),
        (2, "respected"),  # TDMRep: tdm, both
        (2, "respected"),  # X-Robots-Tag, meta
        (1, "respected"),
        (1, "respected"),  # blocklist
    ]
    assert s.protocols[0].reason_codes == ("robots-ai-optout:GPTBot", "robots-disallow")
    assert [(x.urls, x.reason_codes) for x in s.access_controls] == [
        (2, ("auth-required", "login-form")),
        (1, ("paywall",)),
    ]
    assert s.domains_total == 12
    # d01 would lead with its 100 000 bytes, but they were taken down.
    assert [(d.domain, d.bytes) for d in s.top_domains] == [
        ("d12.example", 12_000),
        ("d11.example", 11_000),
    ]
    data = s.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["top_domains"][0] == {"domain": "d12.example", "bytes": 12_000, "records": 1}
    assert data["period_end"] == "2026-11-21T08:00:00Z"
    assert isinstance(s, EuSummary)

    md = render_markdown(s)
    assert "## 2.3 Data crawled and scraped from online sources" in md
    assert "| opt-out protocol | respected | URLs excluded | reason codes |" in md
    assert "| Spawning ai.txt | respected | 1 | ai-txt-disallow |" in md
    assert "| domain name | bytes | items |" in md
    assert "| d12.example | 12000 | 1 |" in md
    assert "| images | 1 | 12000 | image/png |" in md
    assert "| robots.txt product token | consentcrawl |" in md
    assert "From 2026-11-01T08:00:00Z to 2026-11-21T08:00:00Z." in md


def test_scope(catalog: Catalog) -> None:
    a, b = build(catalog)
    late = eu_summary(catalog, since=datetime(2026, 11, 10, tzinfo=UTC))
    assert [j.id for j in late.jobs] == [b]
    assert [c.type for c in late.content_types] == ["images"]
    assert late.protocols[0].urls_excluded == 1
    assert [d.domain for d in late.top_domains] == ["d12.example"]
    only_a = eu_summary(catalog, jobs=[a])
    assert [j.id for j in only_a.jobs] == [a]
    assert only_a.domains_total == 11
    assert [d.domain for d in only_a.top_domains] == ["d11.example", "d10.example"]
    empty = eu_summary(catalog, until=datetime(2026, 1, 1, tzinfo=UTC))
    assert (empty.jobs, empty.top_domains, empty.period_start) == ((), (), None)
    assert "**Were crawlers used by the provider or on its behalf?** No" in render_markdown(empty)


def test_cli(catalog: Catalog, catalog_url: str, tmp_path: Path) -> None:
    a, _ = build(catalog)
    runner = CliRunner()
    out = tmp_path / "summary.json"
    args = ["summary", "--eu", "--catalog", catalog_url]
    result = runner.invoke(app, [*args, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == eu_summary(catalog).to_json()
    result = runner.invoke(app, [*args, "--job", str(a)])
    assert result.exit_code == 0, result.output
    assert result.stdout == render_markdown(eu_summary(catalog, jobs=[a]))
    md = tmp_path / "summary.md"
    result = runner.invoke(app, [*args, "--since", "2026-11-10", "-o", str(md)])
    assert result.exit_code == 0, result.output
    assert "| d12.example | 12000 | 1 |" in md.read_text()

    for bad in (
        ["--since", "yesterday"],
        ["--until", "2026-13-01"],
        ["--job", "not-a-uuid"],
        ["--since", "2026-11-10", "--until", "2026-11-01"],
        ["--format", "xml"],
    ):
        result = runner.invoke(app, [*args, *bad])
        assert result.exit_code == 2, (bad, result.output)
    result = runner.invoke(app, ["summary", "--catalog", catalog_url])
    assert result.exit_code == 2
    result = runner.invoke(app, [*args, "--job", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "no crawl job" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_top_domains_are_registrable_domains(catalog: Catalog) -> None:
    """Hosts count under their registrable domain, as in `audit domains`."""
    job = catalog.start_job(spec("train-genai", "consentcrawl"))
    html = "text/html"
    catalog.write(
        job,
        records=[
            collected("https://news.site.co.uk/a", 500, html, A_AT),
            collected("https://WWW.Site.co.uk./b", 600, html, A_AT),
            collected("https://big.example.com/c", 1000, html, A_AT),
            *(collected(f"https://s{i}.example.org/", 10, html, A_AT) for i in range(10)),
            skipped("https://site.co.uk/private", "robots-disallow"),
        ],
    )
    s = eu_summary(catalog)
    # By host, big.example.com (1000 bytes) would lead and there would be 13 of them.
    assert s.domains_total == 3
    assert [(d.domain, d.bytes, d.records) for d in s.top_domains] == [("site.co.uk", 1100, 2)]
