"""The one way storage writes a moment as text: ISO 8601 in UTC, with microseconds and a
trailing Z (``2026-12-04T21:28:07.000000Z``).

The chains hash times in this form (``storage.catalog.chain``), the export contract carries
it, and every JSON output, Markdown summary and HTML report prints it. It is fixed-width, so
text order is time order, and lossless: a time as printed is the one stored, and can be given
back to ``--since``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["require_aware", "utc_text"]


@overload
def utc_text(value: datetime) -> str: ...
@overload
def utc_text(value: None) -> None: ...
def utc_text(value: datetime | None) -> str | None:
    """`value` (timezone-aware) in the one form; None stays None."""
    if value is None:
        return None
    # verify runs this twice per record: isoformat is faster than formatting the fields by
    # hand or strftime, and most values are in UTC already. "+00:00" becomes "Z".
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def require_aware(name: str, value: datetime | None) -> None:
    """ValueError naming `name` for a naive datetime: guessing its zone would corrupt the
    record (or the window) it is for."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
