"""record host columns: host, reversed host and registrable domain, indexed for the audit queries

Revision ID: d7e3b1a9c5f2
Revises: c4a1e2f7b9d3
Create Date: 2026-11-30 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from storage.catalog.records import HOST_COLUMNS, host_columns

# revision identifiers, used by Alembic.
revision: str = "d7e3b1a9c5f2"
down_revision: str | Sequence[str] | None = "c4a1e2f7b9d3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = "catalog_record"
_BATCH = 2_000  # records read and updated per statement pair
# The audit queries' indexes (README "Index review"); job_id and outcome get the record id
# after them, so a filter's first page in id order comes straight off the index.
_INDEXES = (
    ("ix_catalog_record_job_id_id", ["job_id", "id"]),
    ("ix_catalog_record_outcome_id", ["outcome", "id"]),
    ("ix_catalog_record_license_status_id", ["license_status", "id"]),
    ("ix_catalog_record_recorded_at", ["recorded_at"]),
    ("ix_catalog_record_host_reversed", ["host_reversed", "id"]),
    ("ix_catalog_record_registrable_domain", ["registrable_domain", "outcome", "size"]),
    ("ix_catalog_record_host", ["host", "outcome", "size"]),
)
_REPLACED = ("ix_catalog_record_job_id", "ix_catalog_record_outcome")


def upgrade() -> None:
    connection = op.get_bind()
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "sqlite" and not driver.in_transaction:
        # pysqlite opens a transaction only before DML, so each ALTER would commit on its
        # own and an interrupted backfill would leave the columns half added for good.
        connection.exec_driver_sql("BEGIN")
    # Nullable: SQLite can add a NOT NULL column only with a default, and a table copy to
    # change it afterwards would cascade-delete the evidence rows.
    with op.batch_alter_table(_TABLE) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "host_reversed",
                sa.String().with_variant(sa.String(collation="C"), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("registrable_domain", sa.String(), nullable=True))
    _backfill(connection)
    # After the backfill: building an index once is cheaper than keeping it up to date.
    with op.batch_alter_table(_TABLE) as batch_op:
        for name in _REPLACED:
            batch_op.drop_index(name)
        for name, columns in _INDEXES:
            batch_op.create_index(name, columns)


def _backfill(connection: sa.Connection) -> None:
    """Fill the new columns of every existing record, a batch of ids at a time."""
    record = sa.table(_TABLE, sa.column("id"), sa.column("url"), *map(sa.column, HOST_COLUMNS))
    fill = (
        sa.update(record)
        .where(record.c.id == sa.bindparam("record_id"))
        .values({name: sa.bindparam(name) for name in HOST_COLUMNS})
    )
    last: int | None = None
    while True:
        page = sa.select(record.c.id, record.c.url).order_by(record.c.id).limit(_BATCH)
        if last is not None:
            page = page.where(record.c.id > last)
        rows = connection.execute(page).all()
        if not rows:
            return
        connection.execute(fill, [{"record_id": id_, **host_columns(url)} for id_, url in rows])
        last = rows[-1].id


def downgrade() -> None:
    # Dropping derived columns loses nothing, but on SQLite the drop would stay done when
    # the refusal of the revision before this one rolls the rest back, leaving the columns
    # gone under this revision's number (and a batch table copy would cascade-delete the
    # evidence rows).
    raise NotImplementedError(
        "the host columns are not downgraded: the catalog before them is append-only "
        "(tamper evidence), so there is nothing to go back to"
    )
