"""ORM models of the catalog: crawl jobs, the policy documents they fetched, one record per
URL decision and the evidence behind each decision."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.catalog.base import Base
from storage.catalog.sqltypes import BigIntId, JSONDoc, UTCDateTime

__all__ = [
    "EFFECTS",
    "JOB_STATUSES",
    "OUTCOMES",
    "CrawlJob",
    "Evidence",
    "PolicyDocument",
    "UrlRecord",
]

JOB_STATUSES: Final = ("running", "finished", "interrupted", "failed")
OUTCOMES: Final = ("collected", "skipped")
EFFECTS: Final = ("deny", "allow", "info")


class CrawlJob(Base):
    __tablename__ = "catalog_job"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String)
    purpose: Mapped[str] = mapped_column(sa.Text)
    # robots.txt product token the crawl obeyed, e.g. "consentcrawl".
    agent: Mapped[str] = mapped_column(sa.String)
    user_agent: Mapped[str] = mapped_column(sa.Text)
    seeds: Mapped[list[str]] = mapped_column(JSONDoc)
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    software_version: Mapped[str] = mapped_column(sa.String)
    # Counts written by finish_job; null while running or after a crash.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)


class PolicyDocument(Base):
    """A machine-readable policy (robots.txt, ai.txt, TDMRep …) kept verbatim as evidence."""

    __tablename__ = "catalog_document"
    __table_args__ = (
        # Hash index on PostgreSQL: URLs can exceed the btree entry limit (~2.7 kB).
        sa.Index("ix_catalog_document_url", "url", postgresql_using="hash"),
        sa.Index("ix_catalog_document_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("catalog_job.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String)
    url: Mapped[str] = mapped_column(sa.Text)
    # Null when the fetch failed below HTTP (DNS, TLS, timeout); see `error`.
    http_status: Mapped[int | None] = mapped_column(sa.Integer)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    body: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    error: Mapped[str | None] = mapped_column(sa.Text)


class UrlRecord(Base):
    """One collect/skip decision about one URL."""

    __tablename__ = "catalog_record"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('collected', 'skipped')", name="outcome"),
        sa.Index("ix_catalog_record_url", "url", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("catalog_job.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String)
    url: Mapped[str] = mapped_column(sa.Text)
    source_url: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.String, index=True)
    reasons: Mapped[list[str]] = mapped_column(JSONDoc)
    http_status: Mapped[int | None] = mapped_column(sa.Integer)
    content_type: Mapped[str | None] = mapped_column(sa.String)
    size: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    warc_file: Mapped[str | None] = mapped_column(sa.String)
    warc_offset: Mapped[int | None] = mapped_column(sa.BigInteger)
    warc_length: Mapped[int | None] = mapped_column(sa.BigInteger)
    license_status: Mapped[str] = mapped_column(sa.String)
    license: Mapped[str | None] = mapped_column(sa.String)  # SPDX identifier
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Evidence(Base):
    """One signal that contributed to a record's decision."""

    __tablename__ = "catalog_evidence"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("catalog_record.id", ondelete="CASCADE"), index=True
    )
    signal: Mapped[str] = mapped_column(sa.String)
    # Where the signal came from: a document URL, or e.g. "header:X-Robots-Tag".
    source: Mapped[str] = mapped_column(sa.Text)
    value: Mapped[str] = mapped_column(sa.Text)
    effect: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str | None] = mapped_column(sa.String)
    # Matches PolicyDocument.sha256 of the body the signal was read from.
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    line: Mapped[int | None] = mapped_column(sa.Integer)
