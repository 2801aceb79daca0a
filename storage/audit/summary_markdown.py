"""The EU summary (``storage.audit.summary``) as Markdown: section 2.3 of the Commission's
template, with its headings, as tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.audit.queries import unrecorded_weakenings
from storage.audit.summary import EuSummary
from storage.times import utc_text

__all__ = ["render_markdown"]


def _md(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return utc_text(value) or "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def _weakenings_markdown(s: EuSummary) -> list[str]:
    lines = ["Settings that narrowed a protocol or measure in jobs in scope (weakenings):", ""]
    if s.weakenings:
        lines += _table(
            ("setting", "value", "narrows", "why", "jobs"),
            [
                (
                    n.weakening.setting,
                    n.weakening.value_text,
                    ", ".join(n.weakening.narrows),
                    n.weakening.why,
                    n.jobs,
                )
                for n in s.weakenings
            ],
        )
    else:
        lines += ["None.", ""]
    if s.unrecorded_weakenings:
        lines += [unrecorded_weakenings(s.unrecorded_weakenings), ""]
    return lines


def render_markdown(summary: EuSummary) -> str:
    """Section 2.3 of the template, with its headings, as Markdown tables."""
    s = summary
    used = "Yes" if s.jobs else "No"
    out = [
        "## 2.3 Data crawled and scraped from online sources",
        "",
        (
            f"Scope: records from {_md(s.since) if s.since else 'the beginning'} "
            f"to {_md(s.until) if s.until else 'now'}; {len(s.jobs)} crawl job(s) with the "
            f"purposes {', '.join(s.purposes_covered)} (jobs with other purposes are left out)."
        ),
        "",
        f"**Were crawlers used by the provider or on its behalf?** {used}",
        "",
        "### Crawler name(s)/identifier(s)",
        "",
        *_table(
            ("type", "value"),
            [("robots.txt product token", a) for a in s.crawler_names]
            + [("User-Agent", u) for u in s.user_agents],
        ),
        "### Purposes of the crawler(s)",
        "",
        *_table(("purpose", "jobs"), [(p.purpose, p.jobs) for p in s.purposes]),
        "### Period of data collection",
        "",
        f"From {_md(s.period_start)} to {_md(s.period_end)}.",
        "",
        *_table(
            ("job", "purpose", "crawler", "status", "started", "finished", "records"),
            [
                (j.id, j.purpose, j.agent, j.status, j.started_at, j.finished_at, j.records)
                for j in s.jobs
            ],
        ),
        "### Comprehensive description of the type of content and online sources crawled",
        "",
        (
            f"{s.collected_records} items collected ({s.collected_bytes} bytes) from "
            f"{s.domains_total} domain(s); {s.skipped_records} URLs considered and not "
            f"collected; {s.taken_down_records} items ({s.taken_down_bytes} bytes) taken down "
            "since at a rights holder's request and excluded below."
        ),
        "",
        *_table(
            ("type of content", "items", "bytes", "media types"),
            [(c.type, c.records, c.bytes, ", ".join(c.media_types)) for c in s.content_types],
        ),
        "### General description of crawler behaviour during the data collection period",
        "",
        "Opt-out protocols respected (URLs excluded in the period):",
        "",
        *_table(
            ("opt-out protocol", "respected", "URLs excluded", "reason codes"),
            [
                (p.protocol, p.gate.text("respected"), p.urls_excluded, ", ".join(p.reason_codes))
                for p in s.protocols
            ],
        ),
        (
            "Measures against access controls and the crawl's bounds (login walls and "
            "paywalls are never circumvented; the URLs are skipped):"
        ),
        "",
        *_table(
            ("access control or bound", "applied", "URLs skipped", "reason codes"),
            [
                (a.measure, a.gate.text("applied"), a.urls, ", ".join(a.reason_codes))
                for a in s.access_controls
            ],
        ),
        *_weakenings_markdown(s),
        "### Summary of the most relevant domain names crawled",
        "",
        (
            f"Top 10% of all domain names ({len(s.top_domains)} of {s.domains_total}) "
            "determined by the size of content scraped:"
        ),
        "",
        *_table(
            ("domain name", "bytes", "items"),
            [(d.domain, d.bytes, d.records) for d in s.top_domains],
        ),
    ]
    return "\n".join(out).rstrip("\n") + "\n"
