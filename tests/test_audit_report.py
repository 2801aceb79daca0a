"""`storage.audit.report`, `report_html` and `consentcrawl audit report`: the numbers on
SQLite and PostgreSQL, the page escaped and self-contained, and its charts as a browser
draws them (headless Chromium)."""

from __future__ import annotations

import hashlib
import html
import re
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from storage.audit.queries import Weakening, url_host
from storage.audit.report import TOP, Breakdown, EmptySelection, Report, build_report
from storage.audit.report_html import CSP, render_html
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    Catalog,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.models import OUTCOMES, UrlRecord
from storage.cli import app
from storage.errors import CatalogError

from .ci import unavailable
from .sites import run_cli

T0 = datetime(2026, 11, 3, 10, 5, tzinfo=UTC)
# Hostile values in every column a chart or table shows.
XSS_HOST_URL = 'http://x"onload="alert(1)/page'
SCRIPT_HOST_URL = "https://<script>alert(2)<b/page"
XSS_REASON = '"onload="alert(3)'
SCRIPT_REASON = "blocklist:<script>alert(4)</script>"
XSS_SIGNAL = "<img src=x onerror=alert(5)>"
XSS_LICENSE = '"><script>alert(6)</script>'
HOSTILE = (XSS_HOST_URL, SCRIPT_HOST_URL, XSS_REASON, SCRIPT_REASON, XSS_SIGNAL, XSS_LICENSE)


def record(
    url: str,
    outcome: str,
    *reasons: str,
    at: timedelta = timedelta(),
    size: int | None = None,
    status: str = "unknown",
    spdx: str | None = None,
    evidence: Sequence[tuple[str, str]] = (),
) -> RecordIn:
    return RecordIn(
        url=url,
        outcome=outcome,
        reasons=reasons,
        license_status=status,
        license=spdx,
        recorded_at=T0 + at,
        size=size,
        evidence=tuple(EvidenceIn(signal, "header:X", "v", effect) for signal, effect in evidence),
    )


def spec(purpose: str) -> JobSpec:
    return JobSpec(
        purpose=purpose,
        agent="consentcrawl",
        user_agent="consentcrawl/1.0",
        seeds=("https://h01.example/",),
        settings={},
        software_version="1.0",
    )


def job_a_records() -> list[RecordIn]:
    """Over 2 h 40 min (hour buckets, the middle one empty), more groups than TOP."""
    hours = (timedelta(), timedelta(minutes=20), timedelta(hours=2, minutes=40))
    records = [
        record(
            f"https://h{i:02}.example/p",
            "collected",
            at=hours[i % 3],
            size=1000 * i,
            status="open" if i % 2 else "unknown",
            spdx=("CC-BY-4.0", "CC0-1.0", None)[i % 3],
            evidence=[("robots.txt", "info"), ("content-signal", "allow")] if i % 4 else [],
        )
        for i in range(1, 14)  # 13 hosts: TOP shown, 3 as other
    ]
    records += [
        record(XSS_HOST_URL, "collected", size=50_000, spdx=XSS_LICENSE),
        record(SCRIPT_HOST_URL, "collected", size=40_000, evidence=[(XSS_SIGNAL, "deny")]),
        record("https://h01.example/taken", "collected", size=900_000, spdx="MIT"),
    ]
    codes = [f"code-{c}" for c in "abcdefghijkl"]  # 12 codes, code-a most frequent
    for rank, code in enumerate(codes):
        for n in range(len(codes) - rank):
            records.append(
                record(
                    f"https://s{rank:02}.example/{n}",
                    "skipped",
                    code,
                    at=hours[n % 3],
                    status="reserved",
                    evidence=[("robots.txt", "deny")],
                )
            )
    records += [
        record("https://s99.example/both", "skipped", XSS_REASON, SCRIPT_REASON, status="reserved"),
        record("https://s99.example/x", "skipped", XSS_REASON, evidence=[("tdmrep", "deny")]),
    ] * 20
    return records


def job_b_records() -> list[RecordIn]:
    return [
        record("https://h01.example/b", "collected", at=timedelta(hours=2, minutes=50), size=7),
        record("https://s00.example/b", "skipped", "code-a", at=timedelta(hours=2, minutes=52)),
    ]


def build(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID]:
    a = catalog.start_job(spec("train-genai"))
    b = catalog.start_job(spec("search"))
    catalog.write(a, records=job_a_records())
    catalog.write(b, records=job_b_records())
    catalog.finish_job(a, "finished", {})
    with catalog.engine.connect() as connection:
        taken = connection.scalar(select(UrlRecord.id).where(UrlRecord.url.endswith("/taken")))
    assert taken is not None
    catalog.add_blocklist_version(
        BlocklistVersionIn(
            source="rights",
            submitter="Rights Org",
            sha256=hashlib.sha256(b"v1").hexdigest(),
            entries=(BlocklistEntryIn("h01.example", "domain", line=1),),
        )
    )
    catalog.record_takedowns([TakedownIn(taken, "rights", 1, "h01.example", "domain", "listed")])
    return a, b


# --- an independent count of what the report must say ----------------------------------


def ranked(counts: Counter[Any], top: int = TOP) -> tuple[list[tuple[Any, int]], int, int]:
    """(top groups, amount of the rest, number of the rest), largest first."""
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, str(kv[0])))
    return order[:top], sum(n for _, n in order[top:]), len(order[top:])


def single(breakdown: Breakdown) -> tuple[list[tuple[Any, int]], int, int]:
    return (
        [(g.label, g.amounts[0]) for g in breakdown.groups],
        breakdown.other[0],
        breakdown.other_groups,
    )


def test_build_report(catalog: Catalog) -> None:
    a, b = build(catalog)
    report = build_report(catalog)
    kept = [r for r in job_a_records() + job_b_records() if not r.url.endswith("/taken")]
    collected = [r for r in kept if r.outcome == "collected"]

    assert [(j.id, j.purpose, j.status, j.records) for j in report.jobs] == [
        (a, "train-genai", "finished", len(job_a_records()) - 1),
        (b, "search", "running", len(job_b_records())),
    ]
    assert (report.records, report.collected, report.skipped) == (
        len(kept),
        len(collected),
        len(kept) - len(collected),
    )
    assert report.bytes_collected == sum(r.size or 0 for r in collected)
    assert (report.taken_down, report.taken_down_bytes) == (1, 900_000)
    assert report.catalog == catalog.url

    assert report.bucket == "hour"
    hourly = Counter((r.recorded_at.strftime("%Y-%m-%d %H:00"), r.outcome) for r in kept)
    labels = ["2026-11-03 10:00", "2026-11-03 11:00", "2026-11-03 12:00"]
    assert [(g.label, g.amounts) for g in report.timeline.groups] == [
        (label, tuple(hourly[label, o] for o in OUTCOMES)) for label in labels
    ]
    assert report.timeline.groups[1].total == 0  # the empty hour is drawn too

    reasons = Counter(code for r in kept if r.outcome == "skipped" for code in r.reasons)
    assert single(report.reasons) == ranked(reasons)
    assert report.reasons.groups[0].label == XSS_REASON  # 40 records

    hosts: Counter[str | None] = Counter()
    for r in collected:
        hosts[url_host(r.url)] += r.size or 0
    assert single(report.hosts) == ranked(hosts)
    assert report.hosts.other_groups == len(hosts) - TOP

    for breakdown, key in (
        (report.license_statuses, lambda r: r.license_status),
        (report.licenses, lambda r: r.license),
    ):
        by_outcome = Counter((key(r), r.outcome) for r in kept)
        top, _, _ = ranked(Counter(key(r) for r in kept))
        assert breakdown.series == OUTCOMES
        assert [(g.label, g.amounts) for g in breakdown.groups] == [
            (label, tuple(by_outcome[label, o] for o in OUTCOMES)) for label, _ in top
        ]
    assert "MIT" not in {g.label for g in report.licenses.groups}  # only on the taken-down one

    effects = Counter((e.signal, e.effect) for r in kept for e in r.evidence)
    signals, _, _ = ranked(Counter(e.signal for r in kept for e in r.evidence))
    assert report.signals.series == ("deny", "allow", "info")
    assert [(g.label, g.amounts) for g in report.signals.groups] == [
        (s, tuple(effects[s, x] for x in report.signals.series)) for s, _ in signals
    ]


@pytest.mark.parametrize(
    ("first", "span", "unit", "buckets"),
    [
        (T0, timedelta(), "second", 1),
        (T0, timedelta(seconds=119, microseconds=5), "second", 120),
        (T0, timedelta(minutes=2, seconds=1), "minute", 3),
        (T0 + timedelta(minutes=25), timedelta(hours=2, minutes=59), "hour", 4),
        (T0, timedelta(days=10), "day", 11),
        (datetime(2026, 11, 30, 23, tzinfo=UTC), timedelta(days=200), "month", 8),
        (datetime(2020, 12, 31, 23, tzinfo=UTC), timedelta(days=365 * 20), "year", 21),
        (datetime(9999, 12, 31, 23, 59, 58, tzinfo=UTC), timedelta(seconds=1), "second", 2),
    ],
)
def test_time_buckets(
    catalog: Catalog, first: datetime, span: timedelta, unit: str, buckets: int
) -> None:
    job = catalog.start_job(spec("search"))
    moments = (first, first + span / 2, first + span)
    catalog.write(
        job,
        records=[
            RecordIn(
                url=f"https://a.example/{i}",
                outcome=outcome,
                reasons=(),
                license_status="unknown",
                recorded_at=at,
            )
            for i, (at, outcome) in enumerate(zip(moments, ("collected", "skipped", "skipped")))
        ],
    )
    report = build_report(catalog)
    assert (report.bucket, len(report.timeline.groups)) == (unit, buckets)
    # The database's labels are the ones filled in here: every record lands in a bucket.
    assert [sum(g.amounts[i] for g in report.timeline.groups) for i in (0, 1)] == [1, 2]
    assert report.timeline.groups[0].amounts[0] == 1
    assert report.timeline.groups[-1].amounts[1] >= 1


def test_scope(catalog: Catalog) -> None:
    a, b = build(catalog)
    only_b = build_report(catalog, jobs=[b])
    assert [j.id for j in only_b.jobs] == [b]
    assert (only_b.records, only_b.taken_down) == (2, 0)
    late = build_report(catalog, since=T0 + timedelta(hours=2, minutes=45))
    assert [j.id for j in late.jobs] == [b]  # job a has no record in the window
    assert late.bucket == "second"
    early = build_report(catalog, jobs=[a, b], until=T0 + timedelta(minutes=1))
    assert [j.id for j in early.jobs] == [a, b]
    assert [j.records for j in early.jobs] == [early.records, 0]
    assert early.taken_down == 1
    full, top1 = build_report(catalog), build_report(catalog, top=1)
    for name in ("reasons", "hosts", "license_statuses", "licenses", "signals"):
        whole, cut = getattr(full, name), getattr(top1, name)
        assert len(cut.groups) == 1 and cut.groups[0] == whole.groups[0], name
        assert cut.other_groups == len(whole.groups) + whole.other_groups - 1, name
        # Per series, the groups left out add up to the rest, even a series (here the
        # signals' "allow") that only the groups left out have.
        assert [
            sum(g.amounts[i] for g in cut.groups) + cut.other[i] for i in range(len(cut.series))
        ] == [
            sum(g.amounts[i] for g in whole.groups) + whole.other[i]
            for i in range(len(whole.series))
        ], name
    assert top1.signals.groups[0].amounts[1] == 0 and top1.signals.other[1] > 0

    with pytest.raises(EmptySelection, match="no records to report"):
        build_report(catalog, since=T0 + timedelta(days=1))
    with pytest.raises(CatalogError, match="no crawl job"):
        build_report(catalog, jobs=[uuid.uuid4()])
    with pytest.raises(ValueError, match="timezone-aware"):
        build_report(catalog, since=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="top"):
        build_report(catalog, top=0)


def test_everything_taken_down_is_empty(catalog: Catalog) -> None:
    a, _ = build(catalog)
    job = catalog.start_job(spec("train-genai"))
    catalog.write(job, records=[record("https://h01.example/later", "collected", size=5)])
    with catalog.engine.connect() as connection:
        later = connection.scalar(select(UrlRecord.id).where(UrlRecord.job_id == job))
    assert later is not None
    catalog.record_takedowns([TakedownIn(later, "rights", 1, "h01.example", "domain", "listed")])
    with pytest.raises(EmptySelection, match=r"\(1 taken down\)"):
        build_report(catalog, jobs=[job])
    assert build_report(catalog, jobs=[a, job]).taken_down == 2


# --- the page ---------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(page: str) -> Elements:
    elements = Elements()
    elements.feed(page)
    elements.close()
    return elements


def test_page_is_escaped_and_self_contained(catalog: Catalog) -> None:
    build(catalog)
    report = build_report(catalog)
    page = render_html(report)
    elements = parsed(page)
    names = [tag for tag, _ in elements.tags]
    assert "script" not in names and "img" not in names and "link" not in names
    for tag, attrs in elements.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
    meta = [a for t, a in elements.tags if t == "meta" and a.get("http-equiv")]
    assert meta == [{"http-equiv": "Content-Security-Policy", "content": CSP}]
    # Every hostile value is shown, as text.
    text = "".join(elements.text)
    for value in (
        url_host(XSS_HOST_URL),
        url_host(SCRIPT_HOST_URL),
        XSS_REASON,
        SCRIPT_REASON,
        XSS_SIGNAL,
        XSS_LICENSE,
    ):
        assert value in text
        assert html.escape(value or "", quote=True) in page
    assert "1 record(s) (900000 bytes)" in text  # the taken-down one, said once


def test_page_charts_are_accessible(catalog: Catalog) -> None:
    build(catalog)
    elements = parsed(render_html(build_report(catalog)))
    charts = [a for t, a in elements.tags if t == "svg"]
    assert [a["data-chart"] for a in charts] == list(CHARTS)
    for attrs in charts:
        assert attrs["role"] == "img" and attrs["aria-label"]
    assert [t for t, _ in elements.tags].count("title") >= 2 * len(CHARTS)


def test_bad_text_never_breaks_the_page(catalog: Catalog) -> None:
    job = catalog.start_job(spec("search"))
    nasty = "http://\x1b[31m\u202e/p"
    catalog.write(job, records=[record(nasty, "skipped", "r\x07\u2028" + "x" * 5000)])
    page = render_html(build_report(catalog))
    assert "\x1b" not in page and "\x07" not in page
    assert "x" * 5000 in page  # the table keeps the whole value; the chart label is cut


HOSTILE_WEAKENING = {
    "setting": "CONSENT_AI_AGENTS_DROP",
    "value": ["GPTBot", "<script>alert(7)</script>"],
    "narrows": ["robots"],
    "why": '"onload="alert(8)',
}


def test_weakenings_and_evidence_purposes(catalog: Catalog) -> None:
    """Each job's weakenings, named before the charts (escaped); evidence rows by the purposes
    they apply to, so a search job's noai page does not read as a violation."""
    weak = catalog.start_job(replace(spec("train-genai"), weakenings=(HOSTILE_WEAKENING,)))
    old = catalog.start_job(spec("search"))  # written before weakenings: None
    clean = catalog.start_job(replace(spec("train-ai"), weakenings=()))
    noai = EvidenceIn("x-robots-tag", "header:X-Robots-Tag", "noai", "deny", purposes="train-genai")
    catalog.write(weak, records=[record("https://h01.example/w", "collected", size=1)])
    catalog.write(
        old,
        records=[
            replace(record("https://h02.example/n", "collected", size=1), evidence=(noai,)),
            record("https://h02.example/r", "collected", evidence=[("robots.txt", "info")]),
        ],
    )
    catalog.write(clean, records=[record("https://h03.example/c", "collected", size=1)])
    report = build_report(catalog)
    assert [j.weakenings for j in report.jobs] == [
        (
            Weakening(
                "CONSENT_AI_AGENTS_DROP",
                ["GPTBot", "<script>alert(7)</script>"],
                ("robots",),
                '"onload="alert(8)',
            ),
        ),
        None,
        (),
    ]
    assert report.signal_purposes.series == ("all", "train-genai")
    assert [(g.label, g.amounts) for g in report.signal_purposes.groups] == [
        ("robots.txt", (1, 0)),
        ("x-robots-tag", (0, 1)),
    ]
    page = render_html(report)
    elements = parsed(page)
    assert "script" not in [tag for tag, _ in elements.tags]
    text = "".join(elements.text)
    weakenings = text.index("Weakenings")
    assert weakenings < text.index("Outcomes over time")  # before every chart
    assert "1 setting(s) in 1 job(s) narrowed a protocol or measure" in text
    assert "1 job(s) were written before weakenings were recorded" in text
    for value in (
        f'{weak}CONSENT_AI_AGENTS_DROPGPTBot,<script>alert(7)</script>robots"onload="alert(8)',
        "Evidence rows by signal and the purposes they apply to (all: every purpose)",
    ):
        assert value in text
    assert html.escape('"onload="alert(8)', quote=True) in page


def test_no_weakening_is_said_so(catalog: Catalog) -> None:
    job = catalog.start_job(replace(spec("train-genai"), weakenings=()))
    catalog.write(job, records=[record("https://h01.example/", "collected", size=1)])
    text = "".join(parsed(render_html(build_report(catalog))).text)
    assert "No setting narrowed a protocol or measure in the jobs covered." in text
    assert "written before weakenings" not in text


# --- the page in a browser --------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHARTS = ("timeline", "reasons", "hosts", "licence-status", "licences", "signals")


def expected_bars(report: Report) -> dict[str, list[int]]:
    """Each chart's non-zero amounts in drawing order: group by group, series by series."""

    def bars(breakdown: Breakdown) -> list[int]:
        rows = [g.amounts for g in breakdown.groups]
        if breakdown.other_groups:
            rows.append(breakdown.other)
        return [amount for amounts in rows for amount in amounts if amount > 0]

    return {
        "timeline": bars(report.timeline),
        "reasons": bars(report.reasons),
        "hosts": bars(report.hosts),
        "licence-status": bars(report.license_statuses),
        "licences": bars(report.licenses),
        "signals": bars(report.signals),
    }


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        reason = f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)"
        unavailable(reason, "the browser test")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)  # never a browser fetched by selenium-manager
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--window-size=1280,2000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.mark.parametrize("catalog_url", ["sqlite"], indirect=True)
def test_charts_in_a_browser(catalog: Catalog, browser: Any, tmp_path: Path) -> None:
    build(catalog)
    report = build_report(catalog)
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    browser.get(page.as_uri())

    drawn = browser.execute_script(
        """
        const charts = {};
        for (const svg of document.querySelectorAll('svg[data-chart]')) {
            const box = svg.getBoundingClientRect();
            charts[svg.dataset.chart] = {
                width: box.width, height: box.height,
                title: svg.querySelector(':scope > title').textContent,
                bars: [...svg.querySelectorAll('rect.seg')].map(r => {
                    const b = r.getBoundingClientRect();
                    return {width: b.width, height: b.height, value: Number(r.dataset.value)};
                }),
            };
        }
        return charts;
        """
    )
    assert sorted(drawn) == sorted(CHARTS)
    for chart, amounts in expected_bars(report).items():
        svg = drawn[chart]
        assert svg["width"] > 300 and svg["height"] > 50, chart
        assert svg["title"], chart
        assert [bar["value"] for bar in svg["bars"]] == amounts, chart
        length = "height" if chart == "timeline" else "width"
        sizes = [bar[length] for bar in svg["bars"]]
        assert min(sizes) > 0, chart
        scale = max(sizes) / max(amounts)  # pixels per unit: the same for every bar
        for size, amount in zip(sizes, amounts, strict=True):
            assert size == pytest.approx(amount * scale, abs=0.75), (chart, size, amount)

    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    assert browser.execute_script("return document.scripts.length") == 0
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


# --- the command ------------------------------------------------------------------------


@pytest.mark.parametrize("catalog_url", ["sqlite"], indirect=True)
def test_cli(catalog: Catalog, catalog_url: str, tmp_path: Path) -> None:
    a, _ = build(catalog)
    out = tmp_path / "report.html"
    args = ("audit", "report", "--catalog", catalog_url)
    done = run_cli(*args, "--out", str(out), "--job", str(a), "--since", "2026-11-03T10:00:00Z")
    assert done.returncode == 0, done.stderr
    page = out.read_text(encoding="utf-8")
    assert page == render_html(
        replace(
            build_report(catalog, jobs=[a], since=T0.replace(minute=0)),
            generated_at=datetime.fromisoformat(
                re.findall(r"<dt>Generated</dt><dd>([^<]+)", page)[0]
            ),
        )
    )

    empty = tmp_path / "empty.html"
    done = run_cli(*args, "--out", str(empty), "--since", "2030-01-01")
    assert (done.returncode, empty.exists()) == (1, False)
    assert "no records to report" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

    unwritable = tmp_path / "no-such-folder" / "r.html"
    done = run_cli(*args, "--out", str(unwritable))
    assert done.returncode == 1
    assert f"--out {str(unwritable)!r}" in done.stderr


@pytest.mark.parametrize(
    ("options", "code", "message"),
    [
        (["--out", "."], 1, "--out '.': is a folder"),
        (["--since", "yesterday"], 2, "--since"),
        (["--until", "2026-11-01", "--since", "2026-11-02"], 2, "--until"),
        (["--job", "not-a-uuid"], 2, "--job"),
        (["--job", "0b5cbb4e-8a9f-4d7e-9a57-3f0f2c1f6b11"], 1, "no crawl job"),
    ],
)
def test_cli_refuses(
    catalog: Catalog,
    catalog_url: str,
    tmp_path: Path,
    options: list[str],
    code: int,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build(catalog)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app, ["report", "--catalog", catalog_url, "--out", "r.html", *options]
    )
    assert result.exit_code == code, result.output
    assert message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == []
