"""blocklists: lists, versions, entries, withdrawals, job links and takedowns

Revision ID: 8f859d167e59
Revises: 38df31d6fbc0
Create Date: 2026-11-29 07:32:26.512310
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "8f859d167e59"
down_revision: str | Sequence[str] | None = "38df31d6fbc0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of storage.catalog.sqltypes, so later model changes cannot alter history.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Only new tables: the existing ones and their rows are untouched.
    op.create_table(
        "catalog_blocklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_blocklist")),
        sa.UniqueConstraint("source", name=op.f("uq_catalog_blocklist_source")),
    )

    op.create_table(
        "catalog_blocklist_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocklist_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitter", sa.Text(), nullable=False),
        sa.Column("submitted_at", Timestamp, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blocklist_id"],
            ["catalog_blocklist.id"],
            name=op.f("fk_catalog_blocklist_version_blocklist_id_catalog_blocklist"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_blocklist_version")),
        sa.UniqueConstraint(
            "blocklist_id", "version", name=op.f("uq_catalog_blocklist_version_blocklist_id")
        ),
    )

    op.create_table(
        "catalog_blocklist_entry",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence_url", sa.Text(), nullable=True),
        sa.Column("added", sa.String(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalog_blocklist_version.id"],
            name=op.f("fk_catalog_blocklist_entry_version_id_catalog_blocklist_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_blocklist_entry")),
    )
    with op.batch_alter_table("catalog_blocklist_entry") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_blocklist_entry_version_id"), ["version_id"])

    op.create_table(
        "catalog_blocklist_withdrawal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("blocklist_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_by", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["blocklist_id"],
            ["catalog_blocklist.id"],
            name=op.f("fk_catalog_blocklist_withdrawal_blocklist_id_catalog_blocklist"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_blocklist_withdrawal")),
    )
    with op.batch_alter_table("catalog_blocklist_withdrawal") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_catalog_blocklist_withdrawal_blocklist_id"), ["blocklist_id"]
        )

    op.create_table(
        "catalog_takedown",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("record_id", BigIntId, nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("taken_down_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["catalog_record.id"],
            name=op.f("fk_catalog_takedown_record_id_catalog_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_takedown")),
    )
    with op.batch_alter_table("catalog_takedown") as batch_op:
        # Unique: at most one takedown per record.
        batch_op.create_index(
            batch_op.f("ix_catalog_takedown_record_id"), ["record_id"], unique=True
        )

    op.create_table(
        "catalog_job_blocklist",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["catalog_job.id"],
            name=op.f("fk_catalog_job_blocklist_job_id_catalog_job"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalog_blocklist_version.id"],
            name=op.f("fk_catalog_job_blocklist_version_id_catalog_blocklist_version"),
        ),
        sa.PrimaryKeyConstraint("job_id", "version_id", name=op.f("pk_catalog_job_blocklist")),
    )
    with op.batch_alter_table("catalog_job_blocklist") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_job_blocklist_version_id"), ["version_id"])


def downgrade() -> None:
    # Dropping these tables would destroy append-only history, and records taken down
    # would reappear in every export made by the older code. Restore a backup instead.
    raise NotImplementedError(
        "the blocklist and takedown tables cannot be downgraded: they are append-only history"
    )
