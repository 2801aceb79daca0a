"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect

__all__ = ["BigIntId", "JSONDoc", "UTCDateTime"]

# SQLite only auto-increments an INTEGER PRIMARY KEY (rowid alias); PostgreSQL wants BIGINT.
BigIntId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# JSONB on PostgreSQL so lists and dicts can be indexed and compared there later.
JSONDoc = sa.JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware timestamp that always round-trips as UTC.

    SQLite drops tzinfo, and PostgreSQL returns the session's zone; both are folded to UTC
    here. Naive datetimes are refused: guessing their zone would silently corrupt the record.
    """

    impl = sa.DateTime
    cache_ok = True

    def __init__(self) -> None:
        super().__init__(timezone=True)

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.utcoffset() is None:
            raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
