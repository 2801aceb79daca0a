"""Alembic environment for the catalog.

Programmatic use (storage.catalog.db.upgrade) passes an open connection in
`config.attributes["connection"]`. From the alembic CLI the database URL comes from
`-x url=...`, else $CONSENT_CATALOG_URL, else `sqlalchemy.url`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from alembic.util import CommandError
from sqlalchemy.engine import Connection

try:
    import storage  # noqa: F401
except ModuleNotFoundError:  # alembic CLI in a source checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from storage.catalog import models  # noqa: F401  (registers the tables)
from storage.catalog.base import VERSION_TABLE, Base, include_name
from storage.catalog.db import make_engine
from storage.catalog.sqltypes import UTCDateTime

config = context.config


def _url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("CONSENT_CATALOG_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise CommandError("no catalog URL: pass -x url=..., or set CONSENT_CATALOG_URL")
    return url


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Revisions must not import the models: UTCDateTime only changes Python-side values.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


_OPTIONS: dict[str, Any] = {
    "target_metadata": Base.metadata,
    "version_table": VERSION_TABLE,
    "include_name": include_name,
    "render_as_batch": True,  # SQLite can only ALTER through table copies
    "compare_type": True,
    "render_item": _render_item,
}


def _configure(connection: Connection) -> None:
    context.configure(connection=connection, **_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(
        url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"}, **_OPTIONS
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Connection):
        _configure(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _configure(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
