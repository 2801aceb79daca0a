"""The export: one row per record, keyed by the contract's fields, and its writers (JSON
Lines and CSV).

``export_rows`` narrows with the same filters as ``audit query`` (``storage.audit.filters``)
and leaves out the records taken down since unless ``include_withdrawn``; rows stream from
one snapshot, BATCH at a time.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final, TextIO

import sqlalchemy as sa
from sqlalchemy import select

from storage.audit.filters import EVERY_RECORD, WITHDRAWN_FIELD, RecordFilter, where, withdrawn
from storage.catalog.access import BATCH, Source, reading
from storage.catalog.models import CrawlJob, UrlRecord
from storage.times import utc_text

__all__ = [
    "EXPORT_FIELDS",
    "EXPORT_FIELDS_WITH_WITHDRAWN",
    "WITHDRAWN_FIELD",
    "export_rows",
    "write_csv",
    "write_jsonl",
]

# The export contract, in column order: the keys of every row export_rows yields.
EXPORT_FIELDS: Final = (
    "job_id",
    "purpose",  # of the job
    "kind",
    "url",
    "source_url",
    "outcome",
    "reasons",
    "http_status",
    "content_type",
    "size",
    "sha256",
    "license_status",
    "license",
    "fetched_at",
    "recorded_at",
    "warc_file",
    "warc_offset",
    "warc_length",
)

# Not part of the contract: only `export_rows(include_withdrawn=True)` adds it, last, True
# for records taken down since (a plain export leaves those records out altogether).
EXPORT_FIELDS_WITH_WITHDRAWN: Final = (*EXPORT_FIELDS, WITHDRAWN_FIELD)

# The job id as the driver returns it: a catalog has few jobs, so each is made text once,
# and its purpose looked up once, instead of a UUID object or a join per exported row (the
# purpose's column is a null placeholder, filled in from the job).
_COLUMNS: Final = tuple(
    sa.type_coerce(UrlRecord.job_id, sa.String)
    if name == "job_id"
    else sa.null().label(name)
    if name == "purpose"
    else getattr(UrlRecord, name)
    for name in EXPORT_FIELDS
)


def export_rows(
    source: Source,
    filters: RecordFilter = EVERY_RECORD,
    *,
    include_withdrawn: bool = False,
) -> Iterator[dict[str, Any]]:
    """Export rows of the records `filters` matches (default: all), keyed by EXPORT_FIELDS,
    in id order.

    Records with a takedown are left out unless `include_withdrawn`, which adds a last
    "withdrawn" key (bool) to every row.
    """
    fields = EXPORT_FIELDS_WITH_WITHDRAWN if include_withdrawn else EXPORT_FIELDS
    with reading(source, "exporting") as connection:
        purposes = dict(connection.execute(select(CrawlJob.id, CrawlJob.purpose)).all())
        query = withdrawn(select(*_COLUMNS), include_withdrawn)
        query = where(connection, query, filters).order_by(UrlRecord.id)
        job_ids: dict[Any, tuple[str, str]] = {}
        with connection.execution_options(yield_per=BATCH).execute(query) as result:
            for row in result:
                values: dict[str, Any] = dict(zip(fields, row, strict=True))
                raw = values["job_id"]
                job = job_ids.get(raw)
                if job is None:
                    parsed = uuid.UUID(str(raw))
                    job = job_ids[raw] = (str(parsed), purposes[parsed])
                values["job_id"], values["purpose"] = job
                values["reasons"] = list(values["reasons"] or [])
                values["fetched_at"] = utc_text(values["fetched_at"])
                values["recorded_at"] = utc_text(values["recorded_at"])
                if include_withdrawn:
                    values[WITHDRAWN_FIELD] = bool(values[WITHDRAWN_FIELD])
                yield values


def write_jsonl(rows: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    """Write one JSON object per line; returns the number of rows."""
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        out.write("\n")
        count += 1
    return count


def _cell(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ";".join(str(item) for item in value)
    return value  # csv writes None as an empty cell


def write_csv(
    rows: Iterable[Mapping[str, Any]], out: TextIO, fields: Sequence[str] = EXPORT_FIELDS
) -> int:
    """Write a header and one line per row (lists joined with ";"); returns the row count.

    Open `out` with newline="" as the csv module requires.
    """
    writer = csv.writer(out)
    writer.writerow(fields)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(name)) for name in fields])
        count += 1
    return count
