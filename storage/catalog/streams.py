"""Appending rows to the catalog's hash-chained streams (``storage.catalog.chain``).

A job's records and documents are each a stream of the job (its writer holds the job row's
lock); takedowns and reinstatements are shared streams, written under one advisory lock and
sealed by a ledger event after each write. Rows are chained in input order and inserted with
ids ascending in that order: the order ``verify`` walks them in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from storage.catalog import chain, ledger
from storage.catalog.models import PolicyDocument, Reinstatement, Takedown, UrlRecord

__all__ = ["Chained", "append_shared", "chain_rows", "insert_ordered", "lock_shared"]

Chained = type[UrlRecord | PolicyDocument | Takedown | Reinstatement]

# pg_advisory_xact_lock key of the shared chains, takedowns and reinstatements ("ccTD"): one
# key for both, so a withdrawal reads the takedowns in force and chains its reinstatements
# with no takedown written in between.
_SHARED_LOCK: Final = 0x63635444


def chain_rows(
    connection: Connection,
    model: Chained,
    stream: str,
    rows: list[dict[str, Any]],
    contents: Iterable[Mapping[str, Any]],
) -> None:
    """Chain `rows` onto the end of `stream`, in order: fills their stream, prev_hash and
    chain_hash (insert them in the same transaction)."""
    prev = connection.scalar(
        select(model.chain_hash).where(model.stream == stream).order_by(model.id.desc()).limit(1)
    ) or chain.genesis(stream)
    for row, content in zip(rows, contents, strict=True):
        row["stream"] = stream
        row["prev_hash"] = prev
        prev = row["chain_hash"] = chain.chain_hash(prev, content)


def insert_ordered(
    connection: Connection, model: Chained, rows: list[dict[str, Any]], *, returning: bool = True
) -> Sequence[int]:
    """Insert `rows` with ids ascending in input order; returns the ids in input order, or ()
    when not `returning` on SQLite."""
    if connection.dialect.name == "postgresql":
        # Drawing the ids from the sequence first is ~4x faster with psycopg than a
        # multi-row INSERT … RETURNING that has to be sorted back into input order.
        sequence = func.pg_get_serial_sequence(model.__tablename__, "id")
        ids = sorted(
            connection.scalars(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
            ).all()
        )
        connection.execute(
            insert(model), [{**row, "id": id_} for row, id_ in zip(rows, ids, strict=True)]
        )
        return ids
    if not returning:
        # One executemany: SQLite inserts the rows one after the other, ids ascending.
        connection.execute(insert(model), rows)
        return ()
    # SQLite cannot promise the order of a multi-row RETURNING, so SQLAlchemy sends one
    # (cheap, in-process) INSERT per row.
    return connection.scalars(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    ).all()


def lock_shared(connection: Connection) -> None:
    """Serialise the writers of the shared streams until commit (SQLite has one writer)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_SHARED_LOCK)))


def append_shared(
    connection: Connection,
    model: type[Takedown | Reinstatement],
    stream: str,
    rows: list[dict[str, Any]],
    content: Callable[[Mapping[str, Any]], Mapping[str, Any]],
    now: datetime,
) -> None:
    """Chain `rows` onto a shared stream in order, insert them, and seal the stream: a ledger
    event with its count and head after the write, so that deleting its last rows shows (a
    job's streams are sealed by its close event instead)."""
    lock_shared(connection)
    chain_rows(connection, model, stream, rows, map(content, rows))
    insert_ordered(connection, model, rows, returning=False)
    count, head = ledger.stream_head(connection, model, stream)
    sealed = ledger.stream_sealed_content(model.__tablename__, stream, count, head)
    ledger.append(connection, ledger.STREAM_SEALED, stream, sealed, now)
