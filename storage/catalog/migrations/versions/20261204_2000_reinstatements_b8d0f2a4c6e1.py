"""reinstatements: a withdrawn entry's takedowns undone, chained on "reinstatements"; a record
may have several takedowns over time (at most one without a reinstatement)

Revision ID: b8d0f2a4c6e1
Revises: a7c9e1f3b5d2
Create Date: 2026-12-04 20:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b8d0f2a4c6e1"
down_revision: str | Sequence[str] | None = "a7c9e1f3b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # A reinstated record listed again is taken down again: record_id is no longer unique.
    with op.batch_alter_table("catalog_takedown") as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_takedown_record_id"))
        batch_op.create_index(batch_op.f("ix_catalog_takedown_record_id"), ["record_id"])
    op.create_table(
        "catalog_reinstatement",
        sa.Column("id", BigIntId, autoincrement=True, nullable=False),
        sa.Column("takedown_id", BigIntId, nullable=False),
        sa.Column("record_id", BigIntId, nullable=False),
        sa.Column("withdrawal_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reinstated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stream", sa.String(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("chain_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["takedown_id"],
            ["catalog_takedown.id"],
            name=op.f("fk_catalog_reinstatement_takedown_id_catalog_takedown"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["catalog_record.id"],
            name=op.f("fk_catalog_reinstatement_record_id_catalog_record"),
        ),
        sa.ForeignKeyConstraint(
            ["withdrawal_id"],
            ["catalog_blocklist_withdrawal.id"],
            name=op.f("fk_catalog_reinstatement_withdrawal_id_catalog_blocklist_withdrawal"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_reinstatement")),
        sa.UniqueConstraint("takedown_id", name=op.f("uq_catalog_reinstatement_takedown_id")),
    )
    with op.batch_alter_table("catalog_reinstatement") as batch_op:
        batch_op.create_index(batch_op.f("ix_catalog_reinstatement_withdrawal_id"), ["withdrawal_id"])
        batch_op.create_index(batch_op.f("ix_catalog_reinstatement_stream_id"), ["stream", "id"])


def downgrade() -> None:
    # Without the reinstatements, the items they brought back would vanish from every export.
    raise NotImplementedError(
        "reinstatements cannot be downgraded: they are append-only history"
    )
