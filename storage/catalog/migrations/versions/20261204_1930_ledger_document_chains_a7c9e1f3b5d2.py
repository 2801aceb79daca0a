"""the ledger: one hash chain over jobs, their status changes and closes, blocklist versions,
withdrawals and checkpoints; hash chains over policy documents

The first ledger row, "catalog-created", is written here: it names the catalog (a random id,
so a checkpoint says which catalog it covers) and lists what existed before the ledger (those
rows are "unchained": tamper evidence covers what is written from now on). Its hash is
computed here with the chain's rule (storage.catalog.chain, pinned by a test): revisions do not
import application code.

Revision ID: a7c9e1f3b5d2
Revises: f1a2b3c4d5e6
Create Date: 2026-12-04 19:30:00.000000
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a7c9e1f3b5d2"
down_revision: str | Sequence[str] | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _max_id(connection: sa.Connection, table: str) -> int:
    return int(connection.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() or 0)


def upgrade() -> None:
    ledger = op.create_table(
        "catalog_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_ledger")),
    )
    op.create_index(op.f("ix_catalog_ledger_kind"), "catalog_ledger", ["kind", "subject"])
    with op.batch_alter_table("catalog_document") as batch_op:
        batch_op.add_column(sa.Column("stream", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("chain_hash", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_catalog_document_stream_id"), ["stream", "id"])

    connection = op.get_bind()
    jobs = sorted(
        str(uuid.UUID(str(j)))
        for j in connection.execute(sa.text("SELECT id FROM catalog_job")).scalars()
    )
    content = {
        "catalog": str(uuid.uuid4()),
        "before": {
            "jobs": jobs,
            "documents": _max_id(connection, "catalog_document"),
            "records": _max_id(connection, "catalog_record"),
            "takedowns": _max_id(connection, "catalog_takedown"),
            "blocklist_versions": _max_id(connection, "catalog_blocklist_version"),
            "withdrawals": _max_id(connection, "catalog_blocklist_withdrawal"),
        },
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    prev = hashlib.sha256(b"consentcrawl-chain:ledger").hexdigest()
    op.bulk_insert(
        ledger,
        [
            {
                "kind": "catalog-created",
                "subject": content["catalog"],
                "content": text,
                "recorded_at": datetime.now(UTC),
                "prev_hash": prev,
                "chain_hash": hashlib.sha256((prev + text).encode("utf-8")).hexdigest(),
            }
        ],
    )


def downgrade() -> None:
    # Dropping the ledger would destroy the tamper evidence of every job written since.
    raise NotImplementedError("the ledger cannot be downgraded: it is append-only tamper evidence")
