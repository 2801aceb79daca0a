"""evidence licence columns: the SPDX id and strength of a licence declaration

Revision ID: e4b2c6d8f0a1
Revises: d7e3b1a9c5f2
Create Date: 2026-11-30 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e4b2c6d8f0a1"
down_revision: str | Sequence[str] | None = "d7e3b1a9c5f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: evidence written before names no licence; the hash chain covers these columns
    # only when they are set, so earlier records keep their hashes.
    with op.batch_alter_table("catalog_evidence") as batch_op:
        batch_op.add_column(sa.Column("license", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("strength", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_evidence") as batch_op:
        batch_op.drop_column("strength")
        batch_op.drop_column("license")
