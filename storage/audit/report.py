"""The numbers behind the auditor's HTML report (`report_html` renders them).

Scope, as in the EU summary: the jobs given (default: every job with a record in scope) and,
within them, the records whose ``recorded_at`` is in ``[since, until)``. Records taken down
since (``catalog_takedown``) are left out of every count; how many were left out is reported
on its own.

Every figure is one GROUP BY query in the database, never a walk over the rows: a catalog
can hold millions of records, and a chart only needs its top groups. Each chart's data is a
`Breakdown`: its groups (most first, at most `top`), one amount per series (collected and
skipped, or an evidence effect), and what the groups left out add up to.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, case, func, or_, select, true
from sqlalchemy import literal_column as sql_constant
from sqlalchemy import null as sql_null
from sqlalchemy.engine import Connection
from sqlalchemy.orm import QueryableAttribute

from storage.audit.filters import reason_values
from storage.audit.queries import ALL_PURPOSES, JOB_COLUMNS, JobRow, host_column, job_row
from storage.audit.selection import Selection
from storage.catalog.access import Source, reading, url_of
from storage.catalog.models import EFFECTS, OUTCOMES, Evidence, UrlRecord
from storage.catalog.taken_down import TAKEN_DOWN

__all__ = [
    "TOP",
    "Breakdown",
    "EmptySelection",
    "Group",
    "Report",
    "ReportJob",
    "build_report",
]

TOP: Final = 10  # groups per chart; the rest are added up as "other"

# Time buckets, finest first: (unit, longest span it is used for, strftime form, to_char
# form). At most ~120 buckets a chart; SQLite and PostgreSQL give the same label text.
_BUCKETS: Final[tuple[tuple[str, timedelta, str, str], ...]] = (
    ("second", timedelta(minutes=2), "%Y-%m-%d %H:%M:%S", "YYYY-MM-DD HH24:MI:SS"),
    ("minute", timedelta(hours=2), "%Y-%m-%d %H:%M", "YYYY-MM-DD HH24:MI"),
    ("hour", timedelta(days=5), "%Y-%m-%d %H:00", "YYYY-MM-DD HH24:00"),
    ("day", timedelta(days=120), "%Y-%m-%d", "YYYY-MM-DD"),
    ("month", timedelta(days=3660), "%Y-%m", "YYYY-MM"),
    ("year", timedelta.max, "%Y", "YYYY"),
)
assert not any("'" in b[2] + b[3] for b in _BUCKETS)  # spliced into SQL as constants


class EmptySelection(LookupError):
    """No record of the catalog is in the scope asked for: there is nothing to report."""


ReportJob = JobRow
"""A job the report covers; its ``records`` are those in scope, taken-down records left out."""


@dataclass(frozen=True, slots=True)
class Group:
    label: str | None  # None: the column was empty (no licence, no host)
    amounts: tuple[int, ...]  # one per series of its Breakdown

    @property
    def total(self) -> int:
        return sum(self.amounts)


@dataclass(frozen=True, slots=True)
class Breakdown:
    series: tuple[str, ...]
    groups: tuple[Group, ...]  # most first (or in time order)
    other: tuple[int, ...]  # per series, over the groups left out
    other_groups: int  # how many groups were left out

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups) + sum(self.other)


@dataclass(frozen=True, slots=True)
class Report:
    catalog: str  # URL, password masked
    generated_at: datetime
    since: datetime | None
    until: datetime | None
    jobs: tuple[ReportJob, ...]
    records: int  # counted: in scope and not taken down
    collected: int
    skipped: int
    bytes_collected: int
    taken_down: int  # records in scope left out because they were taken down
    taken_down_bytes: int
    first_recorded: datetime
    last_recorded: datetime
    bucket: str  # the unit of `timeline`: second, minute, hour, day, month or year
    timeline: Breakdown  # per bucket (every bucket from first to last), by outcome
    reasons: Breakdown  # skipped records per reason code (a record counts under each)
    hosts: Breakdown  # bytes collected per URL host
    license_statuses: Breakdown  # records per licence status, by outcome
    licenses: Breakdown  # records per SPDX licence id (None: no licence), by outcome
    signals: Breakdown  # evidence rows per signal, by effect
    signal_purposes: Breakdown  # evidence rows per signal, by the purposes it speaks for


# --- time buckets -----------------------------------------------------------------------


def _bucket_for(span: timedelta) -> tuple[str, str, str]:
    for unit, longest, py_form, pg_form in _BUCKETS:
        if span <= longest:
            return unit, py_form, pg_form
    raise AssertionError("the last bucket has no limit")


_FIELDS: Final = ("year", "month", "day", "hour", "minute", "second")
_FIRST: Final = (0, 1, 1, 0, 0, 0)  # each field's first value (the year is kept)


def _floor(moment: datetime, unit: str) -> datetime:
    utc = moment.astimezone(UTC)
    actual = (utc.year, utc.month, utc.day, utc.hour, utc.minute, utc.second)
    keep = _FIELDS.index(unit) + 1
    year, month, day, hour, minute, second = (*actual[:keep], *_FIRST[keep:])
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def _after(moment: datetime, unit: str) -> datetime:
    if unit == "month":
        year, month = divmod(moment.month, 12)
        return moment.replace(year=moment.year + year, month=month + 1)
    if unit == "year":
        return moment.replace(year=moment.year + 1)
    return moment + timedelta(**{unit + "s": 1})


def _bucket_labels(first: datetime, last: datetime, unit: str, form: str) -> list[str]:
    """Every bucket's label from the one holding `first` to the one holding `last`."""
    labels = []
    moment = _floor(first, unit)
    while moment <= last:
        labels.append(moment.strftime(form))
        try:
            moment = _after(moment, unit)
        except (OverflowError, ValueError):  # past the year 9999
            break
    return labels


def _bucket_column(connection: Connection, py_form: str, pg_form: str) -> ColumnElement[str]:
    # The format is a constant of this module, inline so SELECT and GROUP BY match.
    if connection.dialect.name == "postgresql":
        utc = func.timezone(sql_constant("'UTC'"), UrlRecord.recorded_at)
        return func.to_char(utc, sql_constant(f"'{pg_form}'"))
    return func.strftime(sql_constant(f"'{py_form}'"), UrlRecord.recorded_at)


# --- grouping ---------------------------------------------------------------------------

_Query = Callable[..., Select[Any]]  # columns -> SELECT … FROM … WHERE <scope>
_Column = ColumnElement[Any] | QueryableAttribute[Any]


def _int(value: Any) -> int:
    return int(value or 0)  # PostgreSQL sums bigints as numeric


def _breakdown(
    connection: Connection,
    query: _Query,
    label: _Column,
    *,
    split: _Column | None = None,
    series: Sequence[str] = ("records",),
    amount: ColumnElement[Any] | None = None,
    top: int | None = TOP,
) -> Breakdown:
    """`amount` (default: rows) per `label` and `split`: the `top` labels with the largest
    sums (all when None), and what the others add up to.

    One scan of the rows: the cells (label, split) are grouped, then window functions rank
    the labels by their sum, count them and sum each series. Besides the top labels' cells,
    the first cell of every series comes back, so a series seen only among the others still
    has its total.
    """
    value = func.count() if amount is None else amount
    cells = (
        query(
            label.label("label"),
            (sql_null() if split is None else split).label("series"),
            value.label("amount"),
        )
        .group_by(label, *([] if split is None else [split]))
        .subquery("cells")
    )
    c = cells.c
    sums = select(
        cells,
        func.sum(c.amount).over(partition_by=c.label).label("label_total"),
        func.sum(c.amount).over(partition_by=c.series).label("series_total"),
        func.row_number().over(partition_by=c.series, order_by=c.label).label("nth"),
    ).subquery("sums")
    by_size = (sums.c.label_total.desc(), sums.c.label.is_(None), sums.c.label)  # None last
    ranked = select(sums, func.dense_rank().over(order_by=by_size).label("rank")).subquery("ranked")
    counted = select(ranked, func.max(ranked.c.rank).over().label("labels")).subquery("counted")
    wanted = select(counted)
    if top is not None:
        wanted = wanted.where(or_(counted.c.rank <= top, counted.c.nth == 1))
    rows = connection.execute(wanted).all()

    def name(row: Any) -> str:
        return series[0] if split is None else str(row.series)

    seen = {name(row): _int(row.series_total) for row in rows}
    names = (*series, *sorted(set(seen) - set(series)))
    shown: dict[Any, list[int]] = {}
    for row in sorted(rows, key=lambda row: row.rank):
        if top is None or row.rank <= top:
            shown.setdefault(row.label, [0] * len(names))[names.index(name(row))] = _int(row.amount)
    groups = tuple(Group(None if k is None else str(k), tuple(v)) for k, v in shown.items())
    drawn = [sum(g.amounts[i] for g in groups) for i in range(len(names))]
    return Breakdown(
        series=names,
        groups=groups,
        other=tuple(seen.get(n, 0) - drawn[i] for i, n in enumerate(names)),
        other_groups=_int(rows[0].labels) - len(groups) if rows else 0,
    )


# --- the report -------------------------------------------------------------------------


def _over(source: Any, *where: ColumnElement[bool]) -> _Query:
    def query(*columns: Any) -> Select[Any]:
        return select(*columns).select_from(source).where(*where)

    return query


def build_report(
    source: Source,
    *,
    jobs: Sequence[uuid.UUID] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    top: int = TOP,
) -> Report:
    """The report's numbers for the jobs and the window given (see the module docstring).

    `since` is inclusive, `until` exclusive; both timezone-aware. Raises CatalogError for a
    job that is not in the catalog (or a catalog that cannot be read), EmptySelection when
    no record is left to count, ValueError for a naive datetime or `top` below 1.
    """
    selection = Selection.of(jobs, since, until)
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    scope = selection.records
    kept = [*scope, ~TAKEN_DOWN]
    collected = UrlRecord.outcome == "collected"
    skipped = UrlRecord.outcome == "skipped"

    with reading(source, "building the report") as connection:
        catalog = url_of(connection)
        job_rows = selection.job_rows(connection, *JOB_COLUMNS, every_job_without_window=False)
        records, collected_count, collected_bytes, first, last = connection.execute(
            select(
                func.count(),
                func.sum(case((collected, 1), else_=0)),
                func.sum(case((collected, UrlRecord.size), else_=0)),
                func.min(UrlRecord.recorded_at),
                func.max(UrlRecord.recorded_at),
            ).where(*kept)
        ).one()
        removed, removed_bytes = connection.execute(
            select(func.count(), func.sum(UrlRecord.size)).where(*scope, TAKEN_DOWN)
        ).one()
        if not records:
            left_out = f" ({removed} taken down)" if removed else ""
            raise EmptySelection(
                f"no records to report for {selection.describe()}{left_out} in catalog {catalog}"
            )
        per_job = dict(
            connection.execute(
                select(UrlRecord.job_id, func.count()).where(*kept).group_by(UrlRecord.job_id)
            ).all()
        )
        unit, py_form, pg_form = _bucket_for(last - first)
        records_kept = _over(UrlRecord, *kept)
        by_bucket = _breakdown(
            connection,
            records_kept,
            _bucket_column(connection, py_form, pg_form),
            split=UrlRecord.outcome,
            series=OUTCOMES,
            top=None,
        )
        reasons = reason_values(connection)
        with_reasons = UrlRecord.__table__.join(reasons, true())
        with_records = Evidence.__table__.join(UrlRecord, UrlRecord.id == Evidence.record_id)
        report_parts = {
            "reasons": _breakdown(
                connection, _over(with_reasons, *kept, skipped), reasons.c.value, top=top
            ),
            "hosts": _breakdown(
                connection,
                _over(UrlRecord, *kept, collected),
                host_column(connection),
                series=("bytes collected",),
                amount=func.sum(func.coalesce(UrlRecord.size, 0)),
                top=top,
            ),
            **{
                name: _breakdown(
                    connection,
                    records_kept,
                    column,
                    split=UrlRecord.outcome,
                    series=OUTCOMES,
                    top=top,
                )
                for name, column in (
                    ("license_statuses", UrlRecord.license_status),
                    ("licenses", UrlRecord.license),
                )
            },
            "signals": _breakdown(
                connection,
                _over(with_records, *kept),
                Evidence.signal,
                split=Evidence.effect,
                series=EFFECTS,
                top=top,
            ),
            "signal_purposes": _breakdown(
                connection,
                _over(with_records, *kept),
                Evidence.signal,
                split=func.coalesce(Evidence.purposes, ALL_PURPOSES),
                series=(ALL_PURPOSES,),
                top=top,
            ),
        }

    # Every bucket from the first record to the last, the empty ones too.
    counted = {g.label: g.amounts for g in by_bucket.groups}
    zero = (0,) * len(by_bucket.series)
    timeline = Breakdown(
        series=by_bucket.series,
        groups=tuple(
            Group(label, counted.get(label, zero))
            for label in _bucket_labels(first, last, unit, py_form)
        ),
        other=zero,
        other_groups=0,
    )
    return Report(
        catalog=catalog,
        generated_at=datetime.now(UTC),
        since=since,
        until=until,
        jobs=tuple(job_row(ReportJob, row, _int(per_job.get(row.id))) for row in job_rows),
        records=_int(records),
        collected=_int(collected_count),
        skipped=_int(records) - _int(collected_count),
        bytes_collected=_int(collected_bytes),
        taken_down=_int(removed),
        taken_down_bytes=_int(removed_bytes),
        first_recorded=first,
        last_recorded=last,
        bucket=unit,
        timeline=timeline,
        **report_parts,
    )
