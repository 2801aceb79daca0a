"""tamper evidence: hash chains over catalog records and takedowns

Revision ID: c4a1e2f7b9d3
Revises: 8f859d167e59
Create Date: 2026-11-30 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c4a1e2f7b9d3"
down_revision: str | Sequence[str] | None = "8f859d167e59"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("catalog_record", "catalog_takedown")


def upgrade() -> None:
    # Nullable columns only: rows written before stay as they are ("unchained").
    for table in _TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("stream", sa.String(), nullable=True))
            batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_stream_id"), ["stream", "id"])


def downgrade() -> None:
    # Dropping the hashes would destroy the tamper evidence of every record written since.
    raise NotImplementedError(
        "the chain hashes cannot be downgraded: they are append-only tamper evidence"
    )
