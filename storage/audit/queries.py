"""Read-only queries for auditors: a URL's history, filtered records, jobs, domains.

Every function takes a SQLAlchemy ``Engine`` or an open ``Catalog`` and only reads, in one
snapshot (``storage.catalog.access.reading``). Queries are built with ``select()`` and bound
parameters; which records they cover is ``storage.audit.filters``.

* Hosts are stored with each record when it is written (``records.host_columns``; the
  migration that added them filled the older records): ``host`` (lower case, punycode, no
  port or trailing dot), ``host_reversed`` (``com.example.www``) and ``registrable_domain``.
  ``domains()`` groups by registrable domain, or by host.
* Records taken down since (a ``catalog_takedown`` without a ``catalog_reinstatement``:
  ``storage.catalog.taken_down``) are left out of ``query_records`` and ``domains`` unless
  ``include_withdrawn``, which marks them.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy import ColumnElement, case, func, select, true
from sqlalchemy.engine import Connection

from storage.audit.filters import AnySelect, RecordFilter, reason_values, where, withdrawn
from storage.catalog import liveness
from storage.catalog.access import Source, reading, url_of
from storage.catalog.models import (
    Blocklist,
    BlocklistVersion,
    CrawlJob,
    Evidence,
    JobBlocklist,
    PolicyDocument,
    Takedown,
    UrlRecord,
)
from storage.catalog.records import url_host
from storage.catalog.taken_down import IN_FORCE, TAKEN_DOWN_IDS
from storage.errors import CatalogError

__all__ = [
    "ALL_PURPOSES",
    "JOB_COLUMNS",
    "DocumentRef",
    "DomainRow",
    "EvidenceView",
    "JobDetail",
    "JobRow",
    "Page",
    "RecordRow",
    "RecordView",
    "TakedownView",
    "Weakening",
    "document",
    "domains",
    "job",
    "job_row",
    "jobs",
    "query_records",
    "record_history",
    "unrecorded_weakenings",
    "url_host",
    "weakenings",
]

_T = TypeVar("_T")

# The purposes of evidence that speaks for every purpose (stored as null).
ALL_PURPOSES: Final = "all"
_RECORD_TABLE: Final = UrlRecord.__table__
MAX_LIMIT: Final = 10_000
# What `domains()` groups by.
DOMAIN_GROUPS: Final = {
    "domain": UrlRecord.registrable_domain,
    "host": UrlRecord.host,
}


# --- values handed back ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page(Generic[_T]):
    items: list[_T]
    total: int  # rows matching, over all pages
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class RecordRow:
    id: int
    job_id: uuid.UUID
    url: str
    kind: str
    outcome: str
    reasons: tuple[str, ...]
    http_status: int | None
    license_status: str
    license: str | None
    size: int | None
    fetched_at: datetime | None
    recorded_at: datetime
    withdrawn: bool = False  # taken down since (only ever True with include_withdrawn)


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """The policy document an evidence row was read from (its body: `document(sha256)`)."""

    sha256: str
    kind: str
    url: str
    http_status: int | None
    fetched_at: datetime
    job_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class Weakening:
    """A setting that narrowed a gate of a job (``catalog_job.weakenings``)."""

    setting: str  # CONSENT_…
    value: Any  # as configured (JSON)
    narrows: tuple[str, ...]  # protocol/measure ids (models.PROTOCOL_IDS)
    why: str

    @property
    def value_text(self) -> str:
        """The value as one line: a list joined with ",", anything else as JSON text."""
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, (list, tuple)):
            return ",".join(v if isinstance(v, str) else json.dumps(v) for v in self.value)
        return json.dumps(self.value, ensure_ascii=False, sort_keys=True)

    def __str__(self) -> str:
        return f"{self.setting}={self.value_text}"


def unrecorded_weakenings(jobs: int) -> str:
    """What auditors read about jobs written before weakenings were recorded."""
    return (
        f"{jobs} job(s) were written before weakenings were recorded: only their settings "
        "(audit job ID) show what they narrowed."
    )


def weakenings(stored: Sequence[Mapping[str, Any]] | None) -> tuple[Weakening, ...] | None:
    """A job's stored weakenings as values; None (not recorded: an older job) stays None."""
    if stored is None:
        return None
    return tuple(
        Weakening(
            setting=str(w.get("setting", "")),
            value=w.get("value"),
            narrows=tuple(str(n) for n in w.get("narrows") or ()),
            why=str(w.get("why", "")),
        )
        for w in stored
    )


@dataclass(frozen=True, slots=True)
class EvidenceView:
    signal: str
    source: str
    value: str
    effect: str
    reason: str | None
    document_sha256: str | None
    line: int | None
    license: str | None  # the SPDX id a licence declaration names
    strength: str | None  # "strong" or "weak", for a licence declaration
    purposes: str  # the purposes it speaks for, comma-separated; "all" for every purpose
    document: DocumentRef | None  # None when no stored document has that hash


@dataclass(frozen=True, slots=True)
class TakedownView:
    source: str
    version: int
    entry: str
    kind: str
    reason: str
    taken_down_at: datetime


@dataclass(frozen=True, slots=True)
class RecordView:
    """One decision about the URL, with everything behind it."""

    id: int
    job_id: uuid.UUID
    purpose: str
    url: str
    kind: str
    source_url: str | None
    outcome: str
    reasons: tuple[str, ...]
    http_status: int | None
    content_type: str | None
    size: int | None
    sha256: str | None
    license_status: str
    license: str | None
    fetched_at: datetime | None
    recorded_at: datetime
    warc_file: str | None
    warc_offset: int | None
    warc_length: int | None
    takedown: TakedownView | None
    evidence: tuple[EvidenceView, ...] = ()


@dataclass(frozen=True, slots=True)
class JobRow:
    id: uuid.UUID
    purpose: str
    agent: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    records: int
    weakenings: tuple[Weakening, ...] | None  # None: not recorded (an older job)


#: What `job_row` reads of a job: its columns and liveness.COLUMNS (for the status shown).
JOB_COLUMNS: Final = (
    CrawlJob.id,
    CrawlJob.purpose,
    CrawlJob.agent,
    CrawlJob.status,
    CrawlJob.started_at,
    CrawlJob.finished_at,
    CrawlJob.weakenings,
    *liveness.COLUMNS,
)
_J = TypeVar("_J", bound=JobRow)


def job_row(cls: type[_J], row: Any, records: int, **more: Any) -> _J:
    """A JobRow (or a subclass with `more` fields) from a row with JOB_COLUMNS."""
    return cls(
        id=row.id,
        purpose=row.purpose,
        agent=row.agent,
        status=liveness.job_status(row),
        started_at=row.started_at,
        finished_at=row.finished_at,
        records=records,
        weakenings=weakenings(row.weakenings),
        **more,
    )


@dataclass(frozen=True, slots=True)
class JobBlocklistRow:
    source: str
    version: int
    sha256: str


@dataclass(frozen=True, slots=True)
class JobDetail:
    id: uuid.UUID
    purpose: str
    agent: str
    user_agent: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    software_version: str
    seeds: list[str]
    settings: dict[str, Any]
    summary: dict[str, Any] | None
    blocklists: list[JobBlocklistRow]  # list versions in force, by source
    outcomes: dict[str, int]  # records by outcome
    reasons: dict[str, int]  # records by reason code, most frequent first
    records: int = 0
    weakenings: tuple[Weakening, ...] | None = None  # None: not recorded (an older job)


@dataclass(frozen=True, slots=True)
class DomainRow:
    """Records of one registrable domain (``example.co.uk`` with all its hosts), or of one
    host when grouped by host."""

    domain: str
    considered: int
    collected: int
    skipped: int
    bytes_collected: int
    withdrawn: int = 0  # collected and taken down since (only counted with include_withdrawn)
    top_reasons: tuple[tuple[str, int], ...] = field(default=())  # up to 3, most frequent


# --- plumbing ---------------------------------------------------------------------------


def host_column(connection: Connection, url: Any = UrlRecord.url) -> ColumnElement[str]:
    """UrlRecord's stored host (`url_host` of its URL), the same on every backend.

    Only UrlRecord.url has a stored host: any other `url` raises ValueError.
    """
    if url is not UrlRecord.url and url is not _RECORD_TABLE.c.url:
        raise ValueError(f"only UrlRecord.url has a stored host, not {url!r}")
    return _RECORD_TABLE.c.host


def _check_page(limit: int, offset: int) -> None:
    if not 0 < limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise ValueError(f"offset must not be negative, got {offset}")


def _count(connection: Connection, query: AnySelect) -> int:
    return connection.scalar(select(func.count()).select_from(query.subquery())) or 0


# --- queries ----------------------------------------------------------------------------


def record_history(source: Source, url: str) -> list[RecordView]:
    """Every record of exactly this URL, in every job, oldest first, with its evidence."""
    with reading(source, f"reading the history of {url!r}") as connection:
        rows = connection.execute(
            select(
                _RECORD_TABLE,
                CrawlJob.purpose.label("purpose"),
                Takedown.id.label("takedown_id"),
                Takedown.source.label("takedown_source"),
                Takedown.version.label("takedown_version"),
                Takedown.entry.label("takedown_entry"),
                Takedown.kind.label("takedown_kind"),
                Takedown.reason.label("takedown_reason"),
                Takedown.taken_down_at.label("taken_down_at"),
            )
            .join(CrawlJob, CrawlJob.id == UrlRecord.job_id)
            .outerjoin(Takedown, sa.and_(Takedown.record_id == UrlRecord.id, IN_FORCE))
            .where(UrlRecord.url == url)
            .order_by(UrlRecord.recorded_at, UrlRecord.id)
        ).all()
        records = [row._mapping for row in rows]
        ids = [m["id"] for m in records]
        evidence: dict[int, list[Mapping[str, Any]]] = {}
        if ids:
            for row in connection.execute(
                select(Evidence.__table__).where(Evidence.record_id.in_(ids)).order_by(Evidence.id)
            ):
                evidence.setdefault(row.record_id, []).append(dict(row._mapping))
        hashes = {
            e["document_sha256"] for es in evidence.values() for e in es if e["document_sha256"]
        }
        documents: dict[str, list[DocumentRef]] = {}
        if hashes:
            for doc in connection.execute(
                select(
                    PolicyDocument.sha256,
                    PolicyDocument.kind,
                    PolicyDocument.url,
                    PolicyDocument.http_status,
                    PolicyDocument.fetched_at,
                    PolicyDocument.job_id,
                )
                .where(PolicyDocument.sha256.in_(sorted(hashes)))
                .order_by(PolicyDocument.fetched_at, PolicyDocument.id)
            ):
                documents.setdefault(doc.sha256, []).append(
                    DocumentRef(
                        sha256=doc.sha256,
                        kind=doc.kind,
                        url=doc.url,
                        http_status=doc.http_status,
                        fetched_at=doc.fetched_at,
                        job_id=doc.job_id,
                    )
                )

    def document_for(sha256: str | None, job_id: uuid.UUID, source: str) -> DocumentRef | None:
        # Two hosts may serve the same bytes (one robots.txt for a whole fleet): the document
        # the evidence names by URL first, then the record's job, then the latest fetch.
        candidates = documents.get(sha256 or "", [])
        url = source.partition("#")[0]
        for chosen in (
            [d for d in candidates if d.url == url and d.job_id == job_id],
            [d for d in candidates if d.url == url],
            [d for d in candidates if d.job_id == job_id],
            candidates,
        ):
            if chosen:
                return chosen[-1]
        return None

    views = []
    for m in records:
        record_id = m["id"]
        job_id = m["job_id"]
        takedown = None
        if m["takedown_id"] is not None:
            takedown = TakedownView(
                source=m["takedown_source"],
                version=m["takedown_version"],
                entry=m["takedown_entry"],
                kind=m["takedown_kind"],
                reason=m["takedown_reason"],
                taken_down_at=m["taken_down_at"],
            )
        views.append(
            RecordView(
                id=record_id,
                job_id=job_id,
                purpose=m["purpose"],
                url=m["url"],
                kind=m["kind"],
                source_url=m["source_url"],
                outcome=m["outcome"],
                reasons=tuple(m["reasons"] or ()),
                http_status=m["http_status"],
                content_type=m["content_type"],
                size=m["size"],
                sha256=m["sha256"],
                license_status=m["license_status"],
                license=m["license"],
                fetched_at=m["fetched_at"],
                recorded_at=m["recorded_at"],
                warc_file=m["warc_file"],
                warc_offset=m["warc_offset"],
                warc_length=m["warc_length"],
                takedown=takedown,
                evidence=tuple(
                    EvidenceView(
                        signal=e["signal"],
                        source=e["source"],
                        value=e["value"],
                        effect=e["effect"],
                        reason=e["reason"],
                        document_sha256=e["document_sha256"],
                        line=e["line"],
                        license=e["license"],
                        strength=e["strength"],
                        purposes=e["purposes"] or ALL_PURPOSES,
                        document=document_for(e["document_sha256"], job_id, e["source"]),
                    )
                    for e in evidence.get(record_id, [])
                ),
            )
        )
    return views


def document(source: Source, sha256: str) -> bytes | None:
    """The verbatim body of a stored policy document with this hash, or None."""
    with reading(source, f"reading document {sha256!r}") as connection:
        return connection.scalar(
            select(PolicyDocument.body)
            .where(PolicyDocument.sha256 == sha256, PolicyDocument.body.is_not(None))
            .order_by(PolicyDocument.id)
            .limit(1)
        )


_RECORD_ROW_COLUMNS = (
    UrlRecord.id,
    UrlRecord.job_id,
    UrlRecord.url,
    UrlRecord.kind,
    UrlRecord.outcome,
    UrlRecord.reasons,
    UrlRecord.http_status,
    UrlRecord.license_status,
    UrlRecord.license,
    UrlRecord.size,
    UrlRecord.fetched_at,
    UrlRecord.recorded_at,
)


def query_records(
    source: Source,
    filters: RecordFilter,
    *,
    limit: int = 100,
    offset: int = 0,
    include_withdrawn: bool = False,
) -> Page[RecordRow]:
    """The records `filters` matches, in id order (the order they were written).

    Records taken down since are left out, unless `include_withdrawn`: then they are in,
    with `withdrawn` True.
    """
    _check_page(limit, offset)
    with reading(source, "querying records") as connection:
        query = withdrawn(select(*_RECORD_ROW_COLUMNS), include_withdrawn)
        query = where(connection, query, filters)
        total = _count(connection, query)
        rows = connection.execute(query.order_by(UrlRecord.id).limit(limit).offset(offset))
        items = [
            RecordRow(**{**row._asdict(), "reasons": tuple(row.reasons or ())}) for row in rows
        ]
    return Page(items=items, total=total, limit=limit, offset=offset)


def jobs(source: Source) -> list[JobRow]:
    """Every crawl job, newest first, with its number of records."""
    counts = (
        select(UrlRecord.job_id, func.count().label("records"))
        .group_by(UrlRecord.job_id)
        .subquery()
    )
    query = (
        select(*JOB_COLUMNS, func.coalesce(counts.c.records, 0).label("records"))
        .outerjoin(counts, counts.c.job_id == CrawlJob.id)
        .order_by(CrawlJob.started_at.desc(), CrawlJob.id)
    )
    with reading(source, "listing jobs") as connection:
        return [job_row(JobRow, row, row.records) for row in connection.execute(query)]


def job(source: Source, job_id: uuid.UUID) -> JobDetail:
    """One job: its settings, lists in force, and its records by outcome and by reason.

    Raises CatalogError when there is no such job.
    """
    with reading(source, f"reading job {job_id}") as connection:
        found = connection.execute(select(CrawlJob.__table__).where(CrawlJob.id == job_id)).first()
        if found is None:
            raise CatalogError(f"no crawl job {job_id} in catalog {url_of(connection)}")
        lists = [
            JobBlocklistRow(*row)
            for row in connection.execute(
                select(Blocklist.source, BlocklistVersion.version, BlocklistVersion.sha256)
                .join(BlocklistVersion, BlocklistVersion.blocklist_id == Blocklist.id)
                .join(JobBlocklist, JobBlocklist.version_id == BlocklistVersion.id)
                .where(JobBlocklist.job_id == job_id)
                .order_by(Blocklist.source, BlocklistVersion.version)
            )
        ]
        outcomes = {
            outcome: count
            for outcome, count in connection.execute(
                select(UrlRecord.outcome, func.count())
                .where(UrlRecord.job_id == job_id)
                .group_by(UrlRecord.outcome)
                .order_by(UrlRecord.outcome)
            )
        }
        reasons = reason_values(connection)
        by_reason = connection.execute(
            select(reasons.c.value, func.count())
            .select_from(UrlRecord)
            .join(reasons, true())
            .where(UrlRecord.job_id == job_id)
            .group_by(reasons.c.value)
            .order_by(func.count().desc(), reasons.c.value)
        ).all()
    j = found._mapping
    return JobDetail(
        id=j["id"],
        purpose=j["purpose"],
        agent=j["agent"],
        user_agent=j["user_agent"],
        status=liveness.job_status(found),
        started_at=j["started_at"],
        finished_at=j["finished_at"],
        software_version=j["software_version"],
        seeds=list(j["seeds"] or []),
        settings=dict(j["settings"] or {}),
        summary=None if j["summary"] is None else dict(j["summary"]),
        blocklists=lists,
        outcomes=outcomes,
        reasons={str(code): count for code, count in by_reason},
        records=sum(outcomes.values()),
        weakenings=weakenings(j["weakenings"]),
    )


def domains(
    source: Source,
    *,
    limit: int = 100,
    offset: int = 0,
    by: str = "domain",
    include_withdrawn: bool = False,
) -> Page[DomainRow]:
    """Records per registrable domain, or per host with ``by="host"`` (most records first):
    considered, collected, skipped, bytes collected and the three most frequent reasons of
    its skipped records.

    Records taken down since are left out, unless `include_withdrawn`: then they count, and
    `withdrawn` says how many there are. Raises ValueError for a `by` not in DOMAIN_GROUPS.
    """
    if by not in DOMAIN_GROUPS:
        raise ValueError(f"by must be one of {', '.join(DOMAIN_GROUPS)}, got {by!r}")
    _check_page(limit, offset)
    key = DOMAIN_GROUPS[by]
    collected = UrlRecord.outcome == "collected"

    def per_group(query: AnySelect) -> Any:
        return query.add_columns(
            key.label("domain"),
            func.count().label("considered"),
            func.sum(case((collected, 1), else_=0)).label("collected"),
            func.coalesce(func.sum(case((collected, UrlRecord.size), else_=0)), 0).label("bytes"),
        ).group_by(key)

    # Every group in one pass over the covering index; the records taken down (few, reached
    # from catalog_takedown, all collected) are then taken off per group, which costs far
    # less than asking for each of a million records whether it was taken down.
    every = per_group(select()).subquery()
    gone = per_group(select().where(UrlRecord.id.in_(TAKEN_DOWN_IDS))).subquery()
    withdrawn = func.coalesce(gone.c.considered, 0)
    counts = {
        name: every.c[name] - (0 if include_withdrawn else func.coalesce(gone.c[name], 0))
        for name in ("considered", "collected", "bytes")
    }
    query = (
        select(
            every.c.domain,
            *(value.label(name) for name, value in counts.items()),
            (withdrawn if include_withdrawn else sa.literal(0)).label("withdrawn"),
            func.count().over().label("groups"),
        )
        .select_from(every.outerjoin(gone, every.c.domain.is_not_distinct_from(gone.c.domain)))
        .where(counts["considered"] > 0)
        .order_by(counts["considered"].desc(), every.c.domain)
    )
    with reading(source, "counting domains") as connection:
        rows = connection.execute(query.limit(limit).offset(offset)).all()
        total = rows[0].groups if rows else _count(connection, query)
        keys = [row.domain for row in rows]
        top: dict[str, Counter[str]] = {k: Counter() for k in keys}
        if keys:
            reasons = reason_values(connection)
            for k, code, count in connection.execute(
                select(key, reasons.c.value, func.count())
                .select_from(UrlRecord)
                .join(reasons, true())
                .where(key.in_(keys), UrlRecord.outcome == "skipped")
                .group_by(key, reasons.c.value)
            ):
                top[k][str(code)] = count
    items = [
        DomainRow(
            domain=row.domain or "",
            considered=row.considered,
            collected=int(row.collected or 0),
            skipped=row.considered - int(row.collected or 0),
            bytes_collected=int(row.bytes or 0),
            withdrawn=int(row.withdrawn),
            top_reasons=tuple(
                sorted(top.get(row.domain, Counter()).items(), key=lambda i: (-i[1], i[0]))[:3]
            ),
        )
        for row in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
