"""job liveness and weakenings, evidence purposes

A running job's writer beats `heartbeat_at` so that a job whose crawler died can be told from
one still running (status "crashed"); `weakenings` lists the settings that narrowed a gate
for the job; an evidence row's `purposes` names the purposes it speaks for (null: all).

Revision ID: f1a2b3c4d5e6
Revises: e4b2c6d8f0a1
Create Date: 2026-12-04 19:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

# revision identifiers, used by Alembic.
revision: str = "f1a2b3c4d5e6"
down_revision: str | Sequence[str] | None = "e4b2c6d8f0a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: jobs and evidence written before say nothing of these; the hash chain covers
    # evidence purposes only when set, so earlier records keep their hashes.
    with op.batch_alter_table("catalog_job") as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("weakenings", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True)
        )
    with op.batch_alter_table("catalog_evidence") as batch_op:
        batch_op.add_column(sa.Column("purposes", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_evidence") as batch_op:
        batch_op.drop_column("purposes")
    with op.batch_alter_table("catalog_job") as batch_op:
        batch_op.drop_column("weakenings")
        batch_op.drop_column("heartbeat_at")
