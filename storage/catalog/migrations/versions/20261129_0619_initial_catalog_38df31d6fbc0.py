"""initial catalog: jobs, policy documents, URL records and their evidence

Revision ID: 38df31d6fbc0
Revises:
Create Date: 2026-11-29 06:19:17.401855
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "38df31d6fbc0"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.catalog.sqltypes, so later model changes cannot alter history.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "catalog_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("started_at", Timestamp, nullable=False),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("agent", sa.String(), nullable=False),
        sa.Column("user_agent", sa.Text(), nullable=False),
        sa.Column("seeds", JSONDoc, nullable=False),
        sa.Column("settings", JSONDoc, nullable=False),
        sa.Column("software_version", sa.String(), nullable=False),
        sa.Column("summary", JSONDoc, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_job")),
    )

    op.create_table(
        "catalog_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("fetched_at", Timestamp, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["catalog_job.id"],
            name=op.f("fk_catalog_document_job_id_catalog_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_document")),
    )
    with op.batch_alter_table("catalog_document") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_document_job_id"), ["job_id"])
        batch_op.create_index(batch_op.f("ix_catalog_document_sha256"), ["sha256"])
        # Hash on PostgreSQL: long URLs exceed the btree entry limit.
        batch_op.create_index(
            batch_op.f("ix_catalog_document_url"), ["url"], postgresql_using="hash"
        )

    op.create_table(
        "catalog_record",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reasons", JSONDoc, nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("warc_file", sa.String(), nullable=True),
        sa.Column("warc_offset", sa.BigInteger(), nullable=True),
        sa.Column("warc_length", sa.BigInteger(), nullable=True),
        sa.Column("license_status", sa.String(), nullable=False),
        sa.Column("license", sa.String(), nullable=True),
        sa.Column("fetched_at", Timestamp, nullable=True),
        sa.Column("recorded_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            "outcome IN ('collected', 'skipped')", name=op.f("ck_catalog_record_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["catalog_job.id"],
            name=op.f("fk_catalog_record_job_id_catalog_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_record")),
    )
    with op.batch_alter_table("catalog_record") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_record_job_id"), ["job_id"])
        batch_op.create_index(batch_op.f("ix_catalog_record_outcome"), ["outcome"])
        batch_op.create_index(batch_op.f("ix_catalog_record_url"), ["url"], postgresql_using="hash")

    op.create_table(
        "catalog_evidence",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("record_id", BigIntId, nullable=False),
        sa.Column("signal", sa.String(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("effect", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["catalog_record.id"],
            name=op.f("fk_catalog_evidence_record_id_catalog_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_evidence")),
    )
    with op.batch_alter_table("catalog_evidence") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_evidence_record_id"), ["record_id"])


def downgrade() -> None:
    # Indexes go with their tables.
    op.drop_table("catalog_evidence")
    op.drop_table("catalog_record")
    op.drop_table("catalog_document")
    op.drop_table("catalog_job")
