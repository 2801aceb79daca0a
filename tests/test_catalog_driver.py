"""A PostgreSQL catalog whose driver is not installed: the error names the driver and the extra."""

from __future__ import annotations

import sys

import pytest

from storage.catalog.db import make_engine
from storage.errors import CatalogError


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://user:secret@127.0.0.1:1/none",
         "PostgreSQL driver psycopg is not installed: pip install 'consentcrawl[postgres]'"),
        ("postgresql+psycopg://user@127.0.0.1:1/none",
         "PostgreSQL driver psycopg is not installed: pip install 'consentcrawl[postgres]'"),
        ("postgresql+pg8000://user:secret@127.0.0.1:1/none",
         "PostgreSQL driver pg8000 is not installed (consentcrawl[postgres] installs psycopg"),
    ],
    ids=["plain", "psycopg", "pg8000"],
)
def test_missing_driver_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, url: str, message: str
) -> None:
    # None in sys.modules makes `import psycopg` fail exactly as when it is not installed;
    # pg8000 is not installed on the test machine.
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(CatalogError) as raised:
        make_engine(url)
    assert message in str(raised.value)
    assert "secret" not in str(raised.value)
    assert str(raised.value).startswith("unsupported catalog database postgresql")
