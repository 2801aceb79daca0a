"""Writers for catalog export rows (JSON Lines and CSV)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, TextIO

__all__ = [
    "EXPORT_FIELDS",
    "EXPORT_FIELDS_WITH_WITHDRAWN",
    "WITHDRAWN_FIELD",
    "write_csv",
    "write_jsonl",
]

# The export contract, in column order; Catalog.export_rows yields dicts with these keys.
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
WITHDRAWN_FIELD: Final = "withdrawn"
EXPORT_FIELDS_WITH_WITHDRAWN: Final = (*EXPORT_FIELDS, WITHDRAWN_FIELD)


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
