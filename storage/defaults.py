"""Defaults every entry point shares, in a module that imports nothing (start-up stays fast)."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_CATALOG_URL"]

#: Where the catalog is when neither --catalog nor CONSENT_CATALOG_URL says.
DEFAULT_CATALOG_URL: Final = "sqlite:///consentcrawl.sqlite"
