"""The crawler part of the EU public summary of training content, from the catalog alone.

AI Act Art. 53(1)(d); the Commission's template (July 2025), section 2.3 "Data crawled and
scraped from online sources": crawler names, purposes, collection period, the types of
content collected, the opt-out protocols respected, the measures against access controls and
the top 10 % of domain names (registrable domains, as ``audit domains`` groups them) by size
of content collected.

Scope: the jobs given (default: every job), and within them the records whose
``recorded_at`` is in ``[since, until)``; with a time window and no jobs, the jobs that
have a record in it. Collected records that were taken down since (``catalog_takedown``)
are not training content: content types and domains leave them out, and their number and
bytes are reported on their own. Exclusion counts are distinct URLs of skipped records.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import func, select, true
from sqlalchemy.engine import Engine

from storage.catalog import liveness
from storage.catalog.catalog import Catalog
from storage.catalog.models import CrawlJob, Takedown, UrlRecord
from storage.catalog.queries import DOMAIN_GROUPS, reading, reason_values
from storage.catalog.selection import Selection

__all__ = [
    "ACCESS_CONTROLS",
    "PROTOCOLS",
    "AccessControlRow",
    "ContentTypeRow",
    "DomainBytes",
    "EuSummary",
    "JobPeriod",
    "ProtocolRow",
    "PurposeRow",
    "eu_summary",
    "render_markdown",
]

# (protocol, reason codes or families: a code matches itself and "<code>:…").
PROTOCOLS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "robots.txt (RFC 9309), including the groups of AI agents",
        ("robots-disallow", "robots-unreachable", "robots-ai-optout"),
    ),
    ("Content-Signal (robots.txt)", ("content-signal",)),
    ("IETF AIPREF Content-Usage (robots.txt and header)", ("content-usage",)),
    ("W3C TDMRep (tdmrep.json, headers, meta)", ("tdmrep-reserved", "tdmrep-unreachable")),
    (
        "X-Robots-Tag header and robots meta tags (noai, noimageai …)",
        ("x-robots-tag", "meta-robots"),
    ),
    ("Spawning ai.txt", ("ai-txt-disallow", "ai-txt-unreachable")),
    ("Rights holders' lists of piracy sites", ("blocklist",)),
)

# (measure, reason-code prefixes).
ACCESS_CONTROLS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Login walls and access restrictions (not circumvented)", ("auth-", "login-")),
    ("Paywalls (not circumvented)", ("paywall",)),
)

_MAIN_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("text/", "text"),
    ("application/xhtml+xml", "text"),
    ("image/", "images"),
    ("application/pdf", "PDF documents"),
    ("audio/", "audio"),
    ("video/", "video"),
)


def _main_type(content_type: str | None) -> tuple[str, str]:
    """(main type, media type) of a Content-Type value."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if not media:
        return "unknown", "(none)"
    for prefix, name in _MAIN_TYPES:
        if media.startswith(prefix):
            return name, media
    return "other", media


def _matches(code: str, families: Iterable[str]) -> bool:
    return any(code == f or code.startswith(f + ":") for f in families)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class JobPeriod:
    id: uuid.UUID
    purpose: str
    agent: str
    user_agent: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    records: int  # in scope


@dataclass(frozen=True, slots=True)
class PurposeRow:
    purpose: str
    jobs: int


@dataclass(frozen=True, slots=True)
class ContentTypeRow:
    type: str  # "text", "images", "PDF documents" …
    records: int
    bytes: int
    media_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ProtocolRow:
    protocol: str
    status: str  # always "respected": the crawler honours every one
    urls_excluded: int
    reason_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessControlRow:
    measure: str
    urls: int
    reason_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DomainBytes:
    domain: str  # registrable domain, as `queries.domains` groups records
    bytes: int
    records: int


@dataclass(frozen=True, slots=True)
class EuSummary:
    since: datetime | None
    until: datetime | None
    jobs: tuple[JobPeriod, ...]
    crawler_names: tuple[str, ...]  # robots.txt product tokens
    user_agents: tuple[str, ...]
    purposes: tuple[PurposeRow, ...]
    period_start: datetime | None
    period_end: datetime | None
    collected_records: int  # not taken down
    collected_bytes: int
    skipped_records: int
    taken_down_records: int
    taken_down_bytes: int
    content_types: tuple[ContentTypeRow, ...]
    protocols: tuple[ProtocolRow, ...]
    access_controls: tuple[AccessControlRow, ...]
    domains_total: int
    top_domains: tuple[DomainBytes, ...]  # top 10 % (at least 1) by bytes collected

    def to_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "until": _iso(self.until),
            "jobs": [
                {
                    "id": str(j.id),
                    "purpose": j.purpose,
                    "agent": j.agent,
                    "user_agent": j.user_agent,
                    "status": j.status,
                    "started_at": _iso(j.started_at),
                    "finished_at": _iso(j.finished_at),
                    "records": j.records,
                }
                for j in self.jobs
            ],
            "crawler_names": list(self.crawler_names),
            "user_agents": list(self.user_agents),
            "purposes": [{"purpose": p.purpose, "jobs": p.jobs} for p in self.purposes],
            "period_start": _iso(self.period_start),
            "period_end": _iso(self.period_end),
            "collected_records": self.collected_records,
            "collected_bytes": self.collected_bytes,
            "skipped_records": self.skipped_records,
            "taken_down_records": self.taken_down_records,
            "taken_down_bytes": self.taken_down_bytes,
            "content_types": [
                {
                    "type": c.type,
                    "records": c.records,
                    "bytes": c.bytes,
                    "media_types": list(c.media_types),
                }
                for c in self.content_types
            ],
            "protocols": [
                {
                    "protocol": p.protocol,
                    "status": p.status,
                    "urls_excluded": p.urls_excluded,
                    "reason_codes": list(p.reason_codes),
                }
                for p in self.protocols
            ],
            "access_controls": [
                {"measure": a.measure, "urls": a.urls, "reason_codes": list(a.reason_codes)}
                for a in self.access_controls
            ],
            "domains_total": self.domains_total,
            "top_domains": [
                {"domain": d.domain, "bytes": d.bytes, "records": d.records}
                for d in self.top_domains
            ],
        }


def eu_summary(
    source: Engine | Catalog,
    *,
    jobs: Sequence[uuid.UUID] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> EuSummary:
    """The section 2.3 facts for the jobs and time window given (see the module docstring).

    `since` is inclusive, `until` exclusive; both timezone-aware. Raises CatalogError for a
    job id that is not in the catalog, ValueError for a naive datetime.
    """
    selection = Selection.of(jobs, since, until)
    with reading(source, "summarising the catalog") as connection:
        job_rows = selection.job_rows(
            connection, CrawlJob.__table__, every_job_without_window=True
        )
        # Without --job the jobs are those with a record in the window, so naming them
        # again would only keep the queries off the indexes that serve them.
        scope = selection.records
        per_job = dict(
            connection.execute(
                select(UrlRecord.job_id, func.count()).where(*scope).group_by(UrlRecord.job_id)
            ).all()
        )
        taken_down = select(Takedown.record_id)
        kept = [*scope, UrlRecord.outcome == "collected", UrlRecord.id.not_in(taken_down)]
        by_type = connection.execute(
            select(UrlRecord.content_type, func.count(), func.coalesce(func.sum(UrlRecord.size), 0))
            .where(*kept)
            .group_by(UrlRecord.content_type)
        ).all()
        removed_records, removed_bytes = connection.execute(
            select(func.count(), func.coalesce(func.sum(UrlRecord.size), 0)).where(
                *scope, UrlRecord.outcome == "collected", UrlRecord.id.in_(taken_down)
            )
        ).one()
        skipped = (
            connection.scalar(select(func.count()).where(*scope, UrlRecord.outcome == "skipped"))
            or 0
        )
        domain = DOMAIN_GROUPS["domain"]
        by_domain = connection.execute(
            select(domain, func.coalesce(func.sum(UrlRecord.size), 0), func.count())
            .where(*kept)
            .group_by(domain)
        ).all()
        reasons = reason_values(connection)
        pairs = connection.execute(
            select(UrlRecord.url, reasons.c.value)
            .select_from(UrlRecord)
            .join(reasons, true())
            .where(*scope, UrlRecord.outcome == "skipped")
            .distinct()
        ).all()

    urls_by_code: dict[str, set[str]] = defaultdict(set)
    for url, code in pairs:
        urls_by_code[str(code)].add(url)

    def urls_where(predicate: Any) -> tuple[int, tuple[str, ...]]:
        codes = sorted(code for code in urls_by_code if predicate(code))
        urls: set[str] = set()
        for code in codes:
            urls |= urls_by_code[code]
        return len(urls), tuple(codes)

    protocols = []
    for name, families in PROTOCOLS:
        count, codes = urls_where(lambda c, f=families: _matches(c, f))
        protocols.append(ProtocolRow(name, "respected", count, codes))
    access = []
    for name, prefixes in ACCESS_CONTROLS:
        count, codes = urls_where(lambda c, p=prefixes: c.startswith(p))
        access.append(AccessControlRow(name, count, codes))

    types: dict[str, list[Any]] = {}
    for content_type, count, size in by_type:
        main, media = _main_type(content_type)
        entry = types.setdefault(main, [0, 0, set()])
        entry[0] += count
        entry[1] += int(size or 0)
        entry[2].add(media)
    content_types = tuple(
        sorted(
            (ContentTypeRow(t, n, b, tuple(sorted(m))) for t, (n, b, m) in types.items()),
            key=lambda row: (-row.bytes, row.type),
        )
    )

    domains = sorted(
        (DomainBytes(str(d), int(b or 0), int(n)) for d, b, n in by_domain),
        key=lambda d: (-d.bytes, d.domain),
    )
    top = max(1, math.ceil(len(domains) / 10)) if domains else 0

    periods = tuple(
        JobPeriod(
            id=row.id,
            purpose=row.purpose,
            agent=row.agent,
            user_agent=row.user_agent,
            status=liveness.job_status(row),
            started_at=row.started_at,
            finished_at=row.finished_at,
            records=int(per_job.get(row.id, 0)),
        )
        for row in job_rows
    )
    purposes: dict[str, int] = defaultdict(int)
    for p in periods:
        purposes[p.purpose] += 1
    finished = [p.finished_at for p in periods if p.finished_at is not None]
    return EuSummary(
        since=since,
        until=until,
        jobs=periods,
        crawler_names=tuple(sorted({p.agent for p in periods})),
        user_agents=tuple(sorted({p.user_agent for p in periods})),
        purposes=tuple(PurposeRow(k, v) for k, v in sorted(purposes.items())),
        period_start=min((p.started_at for p in periods), default=None),
        period_end=max(finished, default=None),
        collected_records=sum(c.records for c in content_types),
        collected_bytes=sum(c.bytes for c in content_types),
        skipped_records=int(skipped),
        taken_down_records=int(removed_records),
        taken_down_bytes=int(removed_bytes or 0),
        content_types=content_types,
        protocols=tuple(protocols),
        access_controls=tuple(access),
        domains_total=len(domains),
        top_domains=tuple(domains[:top]),
    )


# --- Markdown ---------------------------------------------------------------------------


def _md(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return _iso(value) or "—"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md(v) for v in row) + " |" for row in rows]
    return [*lines, ""]


def render_markdown(summary: EuSummary) -> str:
    """Section 2.3 of the template, with its headings, as Markdown tables."""
    s = summary
    used = "Yes" if s.jobs else "No"
    out = [
        "## 2.3 Data crawled and scraped from online sources",
        "",
        (
            f"Scope: records from {_md(s.since) if s.since else 'the beginning'} "
            f"to {_md(s.until) if s.until else 'now'}; {len(s.jobs)} crawl job(s)."
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
                (p.protocol, p.status, p.urls_excluded, ", ".join(p.reason_codes))
                for p in s.protocols
            ],
        ),
        (
            "Measures against access controls (login walls and paywalls are never "
            "circumvented; the URLs are skipped):"
        ),
        "",
        *_table(
            ("access control", "URLs skipped", "reason codes"),
            [(a.measure, a.urls, ", ".join(a.reason_codes)) for a in s.access_controls],
        ),
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
