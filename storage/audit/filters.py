"""Which records a query or an export covers: the eight record filters, and the records taken
down since.

Filter values are bound as parameters, never pasted into SQL; ``LIKE`` patterns built from
them are escaped (``escape="\\"``) so ``%`` and ``_`` are literals.

* The ``domain`` filter matches a host and every subdomain as one range of the indexed
  ``host_reversed`` (stored with each record: ``records.host_columns``): ``com.example``
  itself, or from ``com.example.`` up to ``com.example/`` (``/`` is the character after
  ``.``), so ``a.example.com:8080`` is in ``example.com`` and ``notexample.com`` is not.
* A record's reason codes are the elements of the JSON ``reasons`` array, read with
  ``json_each`` (SQLite) or ``jsonb_array_elements_text`` (PostgreSQL), so a reason filter
  compares whole codes, never a substring of the JSON text.
* Records taken down since (``storage.catalog.taken_down``) are left out unless
  ``include_withdrawn``, which marks them in a last column, WITHDRAWN_FIELD.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import Connection

from storage.catalog.models import CrawlJob, UrlRecord
from storage.catalog.records import reversed_domain
from storage.catalog.taken_down import TAKEN_DOWN
from storage.times import require_aware

__all__ = [
    "EVERY_RECORD",
    "WITHDRAWN_FIELD",
    "RecordFilter",
    "normalise_domain",
    "reason_values",
    "where",
    "withdrawn",
]

AnySelect = Select[*tuple[Any, ...]]
_S = TypeVar("_S", bound=AnySelect)

_LIKE_ESCAPE: Final = "\\"
#: The last column (and export key) `withdrawn` adds: True for a record taken down since.
WITHDRAWN_FIELD: Final = "withdrawn"


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Which records to return; every field left None matches everything.

    `reason` is a whole code (``robots-disallow``) or a family: ``content-signal`` also
    matches ``content-signal:ai-train=no``. `since` is inclusive, `until` exclusive; both
    must be timezone-aware and compare with ``recorded_at``.
    """

    domain: str | None = None
    job_id: uuid.UUID | None = None
    purpose: str | None = None
    outcome: str | None = None
    reason: str | None = None
    license_status: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        require_aware("since", self.since)
        require_aware("until", self.until)


#: The filter that matches every record.
EVERY_RECORD: Final = RecordFilter()


def normalise_domain(domain: str) -> str:
    return domain.strip().strip(".").lower()


def reason_values(connection: Connection) -> Any:
    """The reasons array of UrlRecord as a table of one `value` column (correlated)."""
    if connection.dialect.name == "postgresql":
        return func.jsonb_array_elements_text(UrlRecord.reasons).table_valued("value")
    return func.json_each(UrlRecord.reasons).table_valued("value")


def _like_literal(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character made literal."""
    return (text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", _LIKE_ESCAPE + "%")).replace(
        "_", _LIKE_ESCAPE + "_"
    )


def where(connection: Connection, query: _S, filters: RecordFilter) -> _S:
    """`query` (over UrlRecord) narrowed to the records `filters` matches."""
    if filters.domain is not None:
        key = reversed_domain(normalise_domain(filters.domain))
        column = UrlRecord.host_reversed
        # One index range [key, key + "/") for both backends; the domain itself or a name
        # under it ("com.example." …), not a sibling such as "com.example-cdn".
        query = query.where(
            column >= key, column < key + "/", or_(column == key, column >= key + ".")
        )
    if filters.job_id is not None:
        query = query.where(UrlRecord.job_id == filters.job_id)
    if filters.purpose is not None:
        query = query.where(
            UrlRecord.job_id.in_(select(CrawlJob.id).where(CrawlJob.purpose == filters.purpose))
        )
    if filters.outcome is not None:
        query = query.where(UrlRecord.outcome == filters.outcome)
    if filters.license_status is not None:
        query = query.where(UrlRecord.license_status == filters.license_status)
    if filters.since is not None:
        query = query.where(UrlRecord.recorded_at >= filters.since)
    if filters.until is not None:
        query = query.where(UrlRecord.recorded_at < filters.until)
    if filters.reason is not None:
        reasons = reason_values(connection)
        code = filters.reason
        family = _like_literal(code) + ":%"
        query = query.where(
            select(1)
            .select_from(reasons)
            .where(or_(reasons.c.value == code, reasons.c.value.like(family, escape=_LIKE_ESCAPE)))
            .exists()
        )
    return query


def withdrawn(query: AnySelect, include_withdrawn: bool) -> AnySelect:
    """`query` (over UrlRecord) without the records taken down since, or with all of them
    and a last column, WITHDRAWN_FIELD, true for those."""
    if include_withdrawn:
        return query.add_columns(TAKEN_DOWN.label(WITHDRAWN_FIELD))
    return query.where(~TAKEN_DOWN)
