"""ORM models of the catalog: crawl jobs, the policy documents they fetched, one record per
URL decision and the evidence behind each decision; rights holders' blocklists, their
versions, entries and withdrawals, the takedowns of records collected before a site
was listed, and the reinstatements of those whose entry was withdrawn.

The blocklist tables are append-only: the catalog never updates or deletes their rows."""

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
    "LICENSE_STATUSES",
    "OUTCOMES",
    "PROTOCOL_IDS",
    "PURPOSES",
    "Blocklist",
    "BlocklistEntry",
    "BlocklistVersion",
    "CrawlJob",
    "EntryWithdrawal",
    "Evidence",
    "JobBlocklist",
    "LedgerEntry",
    "PolicyDocument",
    "Reinstatement",
    "Takedown",
    "UrlRecord",
]

# "crashed": the job's crawler died without closing it (its heartbeat went stale).
JOB_STATUSES: Final = ("running", "finished", "interrupted", "failed", "crashed")
# Compared byte by byte on every backend: a domain's range of reversed hosts
# ("com.example" up to "com.example/") must not depend on a PostgreSQL locale.
_BYTEWISE = sa.String().with_variant(sa.String(collation="C"), "postgresql")
OUTCOMES: Final = ("collected", "skipped")
# The crawler's Purpose and LicenseStatus values, in contract order (storage may not import
# the crawler; a test keeps them equal).
PURPOSES: Final = ("train-genai", "train-ai", "ai-input", "search")
LICENSE_STATUSES: Final = ("open", "restricted", "licensable", "reserved", "unknown")
EFFECTS: Final = ("deny", "allow", "info")
# What a weakening (catalog_job.weakenings) "narrows": the protocols and measures the crawler
# honours, each a row of the EU summary (storage.audit.summary.PROTOCOLS, ACCESS_CONTROLS).
PROTOCOL_IDS: Final = (
    "robots",
    "content-signal",
    "content-usage",
    "tdmrep",
    "robots-tags",
    "ai-txt",
    "rsl",
    "image-metadata",
    "blocklists",
    "login-walls",
    "paywalls",
    "addresses",
    "dns",
    "scope",
)


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
    # Beaten by the job's writer while it runs: a running job whose heartbeat is older than
    # the job lease has crashed. Null for jobs written before liveness.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The settings that narrowed a gate for this job, each {"setting", "value", "narrows",
    # "why"} (crawler.weakenings); [] for none, null for jobs written before they were recorded.
    weakenings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONDoc)


class PolicyDocument(Base):
    """A machine-readable policy (robots.txt, ai.txt, TDMRep …) kept verbatim as evidence."""

    __tablename__ = "catalog_document"
    __table_args__ = (
        # Hash index on PostgreSQL: URLs can exceed the btree entry limit (~2.7 kB).
        sa.Index("ix_catalog_document_url", "url", postgresql_using="hash"),
        sa.Index("ix_catalog_document_sha256", "sha256"),
        sa.Index("ix_catalog_document_stream_id", "stream", "id"),
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
    # Tamper evidence, as on UrlRecord (each job's documents are a stream of their own; the
    # body is covered through sha256, which verify recomputes). Null before the ledger.
    stream: Mapped[str | None] = mapped_column(sa.String)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))


class UrlRecord(Base):
    """One collect/skip decision about one URL."""

    __tablename__ = "catalog_record"
    __table_args__ = (
        sa.CheckConstraint("outcome IN ('collected', 'skipped')", name="outcome"),
        sa.Index("ix_catalog_record_url", "url", postgresql_using="hash"),
        sa.Index("ix_catalog_record_stream_id", "stream", "id"),
        # The audit queries (README "Index review"): a filter's first page in id order
        # straight off its index, a domain and its subdomains as one range, and the
        # per-domain and per-host counts from the index alone (covering).
        sa.Index("ix_catalog_record_job_id_id", "job_id", "id"),
        sa.Index("ix_catalog_record_outcome_id", "outcome", "id"),
        sa.Index("ix_catalog_record_license_status_id", "license_status", "id"),
        sa.Index("ix_catalog_record_recorded_at", "recorded_at"),
        sa.Index("ix_catalog_record_host_reversed", "host_reversed", "id"),
        sa.Index("ix_catalog_record_registrable_domain", "registrable_domain", "outcome", "size"),
        sa.Index("ix_catalog_record_host", "host", "outcome", "size"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("catalog_job.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String)
    url: Mapped[str] = mapped_column(sa.Text)
    source_url: Mapped[str | None] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.String)
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
    # Tamper evidence (storage.catalog.chain): the writer stream (the job id), the chain
    # hash of the record before it in that stream and its own. Null for records written
    # before the chain existed.
    stream: Mapped[str | None] = mapped_column(sa.String)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # Derived from url when written (storage.catalog.records.host_columns) so the audit
    # queries can use indexes; outside the hash chain, which covers url itself. Null only
    # for rows written by code older than these columns after the upgrade that filled them.
    host: Mapped[str | None] = mapped_column(sa.String)
    host_reversed: Mapped[str | None] = mapped_column(_BYTEWISE)  # "com.example.www"
    registrable_domain: Mapped[str | None] = mapped_column(sa.String)


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
    # A licence declaration's SPDX id and strength ("strong"/"weak"); null for other signals.
    license: Mapped[str | None] = mapped_column(sa.String)
    strength: Mapped[str | None] = mapped_column(sa.String)
    # The purposes the evidence speaks for, comma-separated in contract order
    # ("train-genai,train-ai"); null when it speaks for every purpose.
    purposes: Mapped[str | None] = mapped_column(sa.String)


# --- blocklists -----------------------------------------------------------------------
# Deleting a list, version or record does not cascade into this history (the database
# refuses it instead); only a job's own links go with the job, like its records.


class Blocklist(Base):
    """A rights holder's list, known by a stable name across its versions."""

    __tablename__ = "catalog_blocklist"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    source: Mapped[str] = mapped_column(sa.String, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlocklistVersion(Base):
    """One submission of a list (1, 2, … per list), with its provenance."""

    __tablename__ = "catalog_blocklist_version"
    __table_args__ = (sa.UniqueConstraint("blocklist_id", "version"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    blocklist_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_blocklist.id"))
    version: Mapped[int] = mapped_column(sa.Integer)
    submitter: Mapped[str] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Of the file as received.
    sha256: Mapped[str] = mapped_column(sa.String(64))
    filename: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    etag: Mapped[str | None] = mapped_column(sa.Text)
    last_modified: Mapped[str | None] = mapped_column(sa.Text)
    entry_count: Mapped[int] = mapped_column(sa.Integer)


class BlocklistEntry(Base):
    """One entry (domain, host or URL prefix) of one list version."""

    __tablename__ = "catalog_blocklist_entry"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_blocklist_version.id"), index=True
    )
    value: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    evidence_url: Mapped[str | None] = mapped_column(sa.Text)
    added: Mapped[str | None] = mapped_column(sa.String)  # as the submitter wrote it
    line: Mapped[int] = mapped_column(sa.Integer)


class EntryWithdrawal(Base):
    """(source, kind, value) is out of the list from `withdrawn_at` on, in every version."""

    __tablename__ = "catalog_blocklist_withdrawal"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    blocklist_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog_blocklist.id"), index=True)
    value: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str | None] = mapped_column(sa.String)  # null: every kind with this value
    reason: Mapped[str] = mapped_column(sa.Text)
    withdrawn_by: Mapped[str] = mapped_column(sa.Text)
    withdrawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Takedown(Base):
    """A collected record taken out of every later export because its site was listed.

    The record stays in the catalog. At most one takedown per record is in force (without a
    Reinstatement); a reinstated record listed again gets a new one.
    """

    __tablename__ = "catalog_takedown"
    __table_args__ = (sa.Index("ix_catalog_takedown_stream_id", "stream", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("catalog_record.id"), index=True
    )
    # The list version and entry that asked for it.
    source: Mapped[str] = mapped_column(sa.String)
    version: Mapped[int] = mapped_column(sa.Integer)
    entry: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String)
    reason: Mapped[str] = mapped_column(sa.Text)
    taken_down_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Tamper evidence, as on UrlRecord; every takedown is on the stream "takedowns".
    stream: Mapped[str | None] = mapped_column(sa.String)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))


class Reinstatement(Base):
    """A takedown undone because the entry that asked for it was withdrawn: the record is
    back in export. At most one per takedown."""

    __tablename__ = "catalog_reinstatement"
    __table_args__ = (sa.Index("ix_catalog_reinstatement_stream_id", "stream", "id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    takedown_id: Mapped[int] = mapped_column(
        BigIntId, sa.ForeignKey("catalog_takedown.id"), unique=True
    )
    record_id: Mapped[int] = mapped_column(BigIntId, sa.ForeignKey("catalog_record.id"))
    withdrawal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_blocklist_withdrawal.id"), index=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    reinstated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Tamper evidence, as on Takedown; every reinstatement is on the stream "reinstatements".
    stream: Mapped[str | None] = mapped_column(sa.String)
    prev_hash: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))


class LedgerEntry(Base):
    """One event of the catalog's ledger (storage.catalog.ledger): a job started, changed
    status or closed, a blocklist version or withdrawal stored, a checkpoint signed. All are
    one hash chain; `content` is the canonical JSON that was hashed."""

    __tablename__ = "catalog_ledger"
    __table_args__ = (sa.Index("ix_catalog_ledger_kind", "kind", "subject"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String)
    subject: Mapped[str | None] = mapped_column(sa.String)  # a job id, "source:version" …
    content: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    chain_hash: Mapped[str] = mapped_column(sa.String(64))


class JobBlocklist(Base):
    """A list version that was in force for a crawl job."""

    __tablename__ = "catalog_job_blocklist"

    job_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("catalog_job.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_blocklist_version.id"), primary_key=True, index=True
    )
