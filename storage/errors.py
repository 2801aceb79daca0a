"""Exceptions raised by the storage layer, so callers can catch storage failures apart."""

from __future__ import annotations

__all__ = ["CatalogError", "WarcStoreError"]


class CatalogError(RuntimeError):
    """The catalog database is unusable: bad or unreachable URL, failed migration or write.

    Messages name the catalog URL with its password masked.
    """


class WarcStoreError(OSError):
    """The WARC folder cannot be created or written; the message names the folder or file."""
