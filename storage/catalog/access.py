"""How every module reaches the catalog database: one failure wrapper, one snapshot, one
batch size.

Writes run in one transaction each (``writing``: all or nothing); reads that must agree run in
one snapshot (``reading``: REPEATABLE READ on PostgreSQL, where each statement would otherwise
see its own; an SQLite read transaction already is one). A driver's error leaves as a
CatalogError naming the action and the catalog (password masked), the driver's error chained
as its __cause__.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Final, Protocol, TypeAlias, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Select
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import QueryableAttribute

from storage.catalog.db import describe_error, mask_url
from storage.errors import CatalogError

__all__ = [
    "BATCH",
    "Source",
    "chunks",
    "engine_of",
    "failures",
    "pages",
    "reading",
    "url_of",
    "writing",
]

#: Rows per page read or streamed, and bound parameters per IN (…) list: well under SQLite's
#: and PostgreSQL's limits, and past it larger pages no longer read faster.
BATCH: Final = 1000

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")


class _HasEngine(Protocol):
    @property
    def engine(self) -> Engine: ...


#: What the readers take: an Engine, or an open Catalog.
Source: TypeAlias = Engine | _HasEngine


def engine_of(source: Source) -> Engine:
    return source if isinstance(source, Engine) else source.engine


def url_of(connection: Connection) -> str:
    """The catalog's URL with its password masked, for messages."""
    return mask_url(connection.engine.url)


@contextmanager
def failures(engine: Engine, action: str) -> Iterator[None]:
    """SQLAlchemy errors inside as one CatalogError: "{action} failed in catalog URL: …"."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise CatalogError(
            f"{action} failed in catalog {mask_url(engine.url)}: {describe_error(exc)}"
        ) from exc


@contextmanager
def writing(engine: Engine, action: str) -> Iterator[Connection]:
    """A connection in one transaction, committed when the block ends, rolled back on error."""
    with failures(engine, action), engine.begin() as connection:
        yield connection


@contextmanager
def reading(source: Source, action: str) -> Iterator[Connection]:
    """A connection in one transaction that sees one snapshot of the catalog."""
    engine = engine_of(source)
    with failures(engine, action), engine.connect() as connection:
        postgresql = connection.dialect.name == "postgresql"
        if postgresql:
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            if postgresql:
                # Compiling a plan costs more than it saves on these index-served queries:
                # half of `audit domains` on a million records (0.5 of 1.1 s).
                connection.exec_driver_sql("SET LOCAL jit = off")
            yield connection


def pages(
    connection: Connection,
    query: Select[int, *_Ts],
    key: ColumnElement[int] | QueryableAttribute[int],
    size: int = BATCH,
    after: int | None = None,
) -> Iterator[Sequence[Row[int, *_Ts]]]:
    """The rows of `query` (whose first column is `key`, an indexed id) in `key` order, after
    `after`, `size` at a time: each page is one index range from the last key seen, so a long
    walk keeps no cursor open and never re-reads a row."""
    last = after
    while True:
        page_query = query if last is None else query.where(key > last)
        page = connection.execute(page_query.order_by(key).limit(size)).all()
        if not page:
            return
        yield page
        last = page[-1][0]


def chunks(items: Iterable[_T], size: int = BATCH) -> Iterator[list[_T]]:
    """`items` in lists of `size` (the last one shorter)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
