"""Test databases: a fresh PostgreSQL database per use, skipped (or failed in CI) when absent."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .ci import unavailable

POSTGRES_URL = os.environ.get(
    "CONSENT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_database() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    server = make_url(POSTGRES_URL)
    if server.drivername in ("postgresql", "postgres"):
        server = server.set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"cc_test_{secrets.token_hex(6)}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        reason = (
            f"PostgreSQL test server {server.render_as_string(hide_password=True)} "
            f"unavailable ({str(getattr(exc, 'orig', None) or exc).splitlines()[0]}); "
            "set CONSENT_TEST_POSTGRES_URL"
        )
        unavailable(reason, "the PostgreSQL tests")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
