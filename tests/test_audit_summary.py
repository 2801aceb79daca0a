"""`storage.audit.summary` (and its Markdown) and `consentcrawl audit summary --eu`: the crawler section of the
EU public summary of training content, on SQLite and PostgreSQL: the training purposes by
default, and never "respected" for a protocol a job's setting narrowed."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from storage.audit.summary import (
    ACCESS_CONTROLS,
    PROTOCOL_IDS,
    PROTOCOLS,
    EuSummary,
    eu_summary,
)
from storage.audit.summary_markdown import render_markdown
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.models import PURPOSES, CrawlJob, UrlRecord
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


AGENTS_DROP = {
    "setting": "CONSENT_AI_AGENTS_DROP",
    "value": ["GPTBot"],
    "narrows": ["robots"],
    "why": "the robots.txt groups of these AI agents are not honoured",
}
PRIVATE = {
    "setting": "CONSENT_ALLOW_PRIVATE_NETWORKS",
    "value": True,
    "narrows": ["addresses"],
    "why": "private and internal addresses are crawled",
}
WALLS = {
    "setting": "CONSENT_AUTH_URL_PATTERNS",
    "value": ["/members/"],
    "narrows": ["login-walls", "paywalls"],
    "why": "the built-in login and account URL patterns are replaced",
}


def spec(purpose: str, agent: str, weakenings: tuple[dict[str, Any], ...] | None = ()) -> JobSpec:
    return JobSpec(
        purpose=purpose,
        agent=agent,
        user_agent=f"{agent}/1.0 (+https://consentcrawl.example/bot)",
        seeds=("https://d01.example/",),
        settings={},
        software_version="1.0",
        weakenings=weakenings,
    )


def build(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    """A training job whose settings narrowed robots.txt and private addresses, and a search
    job whose settings narrowed the login walls."""
    a = catalog.start_job(spec("train-genai", "consentcrawl", (AGENTS_DROP, PRIVATE)))
    b = catalog.start_job(spec("search", "consentcrawl-search", (WALLS,)))
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
        skipped("https://d03.example/rsl", "rsl-prohibited:ai-train"),
        skipped("https://d03.example/paid", "rsl-payment:training"),
        skipped("https://d05.example/a.jpg", "iptc-data-mining:DMI-PROHIBITED"),
        skipped("https://d05.example/b.jpg", "c2pa-training-mining:cawg.ai_training"),
        skipped("http://intranet.d07.example/", "private-address"),
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


def test_protocol_ids_name_one_row_each() -> None:
    assert [row[0] for row in (*PROTOCOLS, *ACCESS_CONTROLS)] == list(PROTOCOL_IDS)
    assert len(set(PROTOCOL_IDS)) == len(PROTOCOL_IDS)


def test_summary(catalog: Catalog) -> None:
    a, b = build(catalog)
    s = eu_summary(catalog, purposes=PURPOSES)
    assert s.purposes_covered == PURPOSES
    assert [j.id for j in s.jobs] == [a, b]
    assert [j.records for j in s.jobs] == [31, 2]
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
    assert s.skipped_records == 20
    assert [(p.urls_excluded, p.status) for p in s.protocols] == [
        (2, "narrowed"),  # robots.txt: private (twice, one URL), ai; GPTBot's group dropped
        (2, "respected"),  # Content-Signal: cs, both
        (1, "respected"),
        (2, "respected"),  # TDMRep: tdm, both
        (2, "respected"),  # X-Robots-Tag, meta
        (1, "respected"),
        (2, "respected"),  # RSL: prohibited, payment
        (2, "respected"),  # image metadata: IPTC, C2PA
        (1, "respected"),  # blocklist
    ]
    assert s.protocols[0].reason_codes == ("robots-ai-optout:GPTBot", "robots-disallow")
    assert s.protocols[6].reason_codes == ("rsl-payment:training", "rsl-prohibited:ai-train")
    assert s.protocols[7].reason_codes == (
        "c2pa-training-mining:cawg.ai_training",
        "iptc-data-mining:DMI-PROHIBITED",
    )
    assert [(x.urls, x.status, x.reason_codes) for x in s.access_controls] == [
        (2, "narrowed", ("auth-required", "login-form")),  # the search job's patterns
        (1, "narrowed", ("paywall",)),
        (1, "narrowed", ("private-address",)),
        (0, "applied", ()),
        (0, "applied", ()),
    ]
    assert [(str(n.weakening), n.jobs) for n in s.weakenings] == [
        ("CONSENT_AI_AGENTS_DROP=GPTBot", 1),
        ("CONSENT_ALLOW_PRIVATE_NETWORKS=true", 1),
        ("CONSENT_AUTH_URL_PATTERNS=/members/", 1),
    ]
    assert s.domains_total == 12
    # d01 would lead with its 100 000 bytes, but they were taken down.
    assert [(d.domain, d.bytes) for d in s.top_domains] == [
        ("d12.example", 12_000),
        ("d11.example", 11_000),
    ]
    data = s.to_json()
    assert json.loads(json.dumps(data)) == data
    assert data["purposes_covered"] == list(PURPOSES)
    assert data["protocols"][0] == {
        "protocol": "robots.txt (RFC 9309), including the groups of AI agents and Crawl-delay",
        "id": "robots",
        "status": "narrowed",
        "narrowed_jobs": 1,
        "weakenings": [{**AGENTS_DROP, "jobs": 1}],
        "urls_excluded": 2,
        "reason_codes": ["robots-ai-optout:GPTBot", "robots-disallow"],
    }
    assert data["protocols"][1]["status"] == "respected"
    assert data["protocols"][1]["weakenings"] == []
    assert data["access_controls"][2]["weakenings"] == [{**PRIVATE, "jobs": 1}]
    assert data["jobs"][0]["weakenings"] == [AGENTS_DROP, PRIVATE]
    assert data["weakenings"][2] == {**WALLS, "jobs": 1}
    assert data["top_domains"][0] == {"domain": "d12.example", "bytes": 12_000, "records": 1}
    assert data["period_end"] == "2026-11-21T08:00:00.000000Z"
    assert isinstance(s, EuSummary)

    md = render_markdown(s)
    assert "## 2.3 Data crawled and scraped from online sources" in md
    assert "| opt-out protocol | respected | URLs excluded | reason codes |" in md
    assert "| Spawning ai.txt | respected | 1 | ai-txt-disallow |" in md
    assert (
        "| robots.txt (RFC 9309), including the groups of AI agents and Crawl-delay | "
        "respected, narrowed in 1 job(s) by CONSENT_AI_AGENTS_DROP=GPTBot | 2 | "
        "robots-ai-optout:GPTBot, robots-disallow |"
    ) in md
    assert (
        "| Paywalls (not circumvented) | applied, narrowed in 1 job(s) by "
        "CONSENT_AUTH_URL_PATTERNS=/members/ | 1 | paywall |"
    ) in md
    assert (
        "| CONSENT_ALLOW_PRIVATE_NETWORKS | true | addresses | private and internal addresses "
        "are crawled | 1 |"
    ) in md
    assert "purposes train-genai, train-ai, ai-input, search" in md
    assert "| domain name | bytes | items |" in md
    assert "| d12.example | 12000 | 1 |" in md
    assert "| images | 1 | 12000 | image/png |" in md
    assert "| robots.txt product token | consentcrawl |" in md
    assert "From 2026-11-01T08:00:00.000000Z to 2026-11-21T08:00:00.000000Z." in md


def test_scope(catalog: Catalog) -> None:
    a, b = build(catalog)
    late = eu_summary(catalog, since=datetime(2026, 11, 10, tzinfo=UTC), purposes=PURPOSES)
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
    result = runner.invoke(
        app, [*args, "--since", "2026-11-10", "--purpose", "search", "-o", str(md)]
    )
    assert result.exit_code == 0, result.output
    assert "| d12.example | 12000 | 1 |" in md.read_text()
    result = runner.invoke(
        app, [*args, "--purpose", "search", "--purpose", "train-genai", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    both = json.loads(result.stdout)
    assert both["purposes_covered"] == ["train-genai", "search"]
    assert both == eu_summary(catalog, purposes=("search", "train-genai")).to_json()

    for bad in (
        ["--since", "yesterday"],
        ["--until", "2026-13-01"],
        ["--job", "not-a-uuid"],
        ["--since", "2026-11-10", "--until", "2026-11-01"],
        ["--format", "xml"],
        ["--purpose", "ai-training"],
    ):
        result = runner.invoke(app, [*args, *bad])
        assert result.exit_code == 2, (bad, result.output)
    result = runner.invoke(app, ["summary", "--catalog", catalog_url])
    assert result.exit_code == 2
    result = runner.invoke(app, [*args, "--job", str(uuid.uuid4())])
    assert result.exit_code == 1
    assert "no crawl job" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("purposes", "jobs", "robots", "walls"),
    [
        # (purposes asked for, jobs covered: a, b; robots.txt status; login walls status)
        (None, "a", "narrowed", "applied"),  # the default: the training purposes
        (("train-ai", "train-genai"), "a", "narrowed", "applied"),
        (("search",), "b", "respected", "narrowed"),
        (("ai-input",), "", "respected", "applied"),
        (PURPOSES, "ab", "narrowed", "narrowed"),
    ],
)
def test_purposes_covered(
    catalog: Catalog, purposes: tuple[str, ...] | None, jobs: str, robots: str, walls: str
) -> None:
    """A search job's records and weakenings are not training content, unless asked for."""
    a, b = build(catalog)
    s = eu_summary(catalog) if purposes is None else eu_summary(catalog, purposes=purposes)
    assert [j.id for j in s.jobs] == [{"a": a, "b": b}[x] for x in jobs]
    assert s.purposes_covered == tuple(p for p in PURPOSES if p in (purposes or PURPOSES[:2]))
    assert (s.protocols[0].status, s.access_controls[0].status) == (robots, walls)
    # Only records of the jobs covered count: d12's image is the search job's.
    assert ("images" in [c.type for c in s.content_types]) == ("b" in jobs)
    assert s.skipped_records == 19 * ("a" in jobs) + 1 * ("b" in jobs)
    md = render_markdown(s)
    assert f"with the purposes {', '.join(s.purposes_covered)}" in md
    assert ("respected, narrowed in 1 job(s)" in md) == (robots == "narrowed")


@pytest.mark.parametrize("purposes", [(), ("ai-training",), ("search", "Search")])
def test_unknown_purposes_are_refused(catalog: Catalog, purposes: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="purposes must be some of train-genai"):
        eu_summary(catalog, purposes=purposes)


def test_a_job_written_before_weakenings_is_said_so(catalog: Catalog) -> None:
    catalog.start_job(spec("train-ai", "consentcrawl", weakenings=None))
    s = eu_summary(catalog)
    assert (s.weakenings, s.unrecorded_weakenings) == ((), 1)
    assert s.to_json()["jobs"][0]["weakenings"] is None
    md = render_markdown(s)
    assert "1 job(s) were written before weakenings were recorded" in md
    assert (
        "| robots.txt (RFC 9309), including the groups of AI agents and Crawl-delay | respected |"
        in md
    )


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
