"""Small text helpers the signal readers share (header values in, evidence text out)."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["clip", "header_strings"]

#: Evidence text is stored for every URL: a 10 KB junk header must not bloat the catalog.
MAX_VALUE = 300


def clip(text: str, limit: int = MAX_VALUE) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header_strings(values: Iterable[str | bytes]) -> list[str]:
    """Header values as text: one value or many, bytes read as ISO-8859-1, anything else skipped
    (``str(None)`` would read as the robots directive "none")."""
    if isinstance(values, str | bytes):
        values = [values]  # one header value passed on its own
    out: list[str] = []
    try:
        for value in values:
            if isinstance(value, bytes):
                out.append(value.decode("latin-1"))
            elif isinstance(value, str):
                out.append(value)
    except TypeError:
        pass
    return out
