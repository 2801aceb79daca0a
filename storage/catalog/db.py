"""Engines for the catalog database and its Alembic migrations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.util import CommandError
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from storage.catalog.base import VERSION_TABLE, Base, include_name
from storage.errors import CatalogError

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "describe_error",
    "make_engine",
    "mask_url",
    "schema_diff",
    "upgrade",
]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# Serialises concurrent `upgrade` calls on one PostgreSQL database (arbitrary constant).
_PG_MIGRATION_LOCK = 0x636F6E73656E74

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ***."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _PASSWORD_IN_URL.sub(r"\1***@", url)


def _normalise(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogError(
            f"not a database URL: {mask_url(url)!r} "
            "(expected e.g. sqlite:///catalog.sqlite or postgresql://user@host/dbname)"
        ) from exc
    # Plain postgresql:// would pick psycopg2; psycopg 3 is the driver we ship with.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or url.query.get("uri") == "true":
        return None
    return Path(database)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # WAL lets exports read while the crawler writes; NORMAL is durable enough under WAL.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _missing_driver(url: URL, exc: ImportError) -> str:
    if url.get_backend_name() != "postgresql":
        return str(exc)
    driver = url.get_driver_name()
    if driver == "psycopg":
        return "PostgreSQL driver psycopg is not installed: pip install 'consentcrawl[postgres]'"
    return (
        f"PostgreSQL driver {driver} is not installed (consentcrawl[postgres] installs psycopg: "
        "pip install 'consentcrawl[postgres]' and use postgresql://…)"
    )


def describe_error(exc: BaseException, limit: int = 500) -> str:
    """The driver's message on one line, cut short (PostgreSQL echoes whole failing rows)."""
    cause = getattr(exc, "orig", None) or exc
    message = " ".join(str(cause).split()) or type(cause).__name__
    return message if len(message) <= limit else message[: limit - 1] + "…"


def make_engine(url: str) -> Engine:
    """An engine for the catalog at `url`, checked to be reachable.

    Raises CatalogError for an unparsable URL, an unknown dialect or missing driver, or a
    database that cannot be reached.
    """
    parsed = _normalise(url)
    shown = mask_url(parsed)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {}
    if backend == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CatalogError(
                    f"cannot create folder {path.parent} for catalog {shown}: {exc.strerror}"
                ) from exc
    elif backend == "postgresql" and "connect_timeout" not in parsed.query:
        # libpq waits forever on a blackholed host by default.
        options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(parsed, **options)
    except ImportError as exc:  # the dialect is known, its driver is not installed
        why = _missing_driver(parsed, exc)
        raise CatalogError(f"unsupported catalog database {shown}: {why}") from exc
    except (NoSuchModuleError, ArgumentError) as exc:
        raise CatalogError(f"unsupported catalog database {shown}: {exc}") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise CatalogError(f"cannot connect to catalog {shown}: {describe_error(exc)}") from exc
    return engine


def alembic_config() -> Config:
    """Alembic configuration built in code, independent of the current directory."""
    config = Config()
    # ConfigParser interpolates %, which may appear in an install path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the catalog to the newest schema (a no-op when it is current)."""
    config = alembic_config()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except (SQLAlchemyError, CommandError) as exc:
        raise CatalogError(
            f"migrating catalog {mask_url(engine.url)} failed: {describe_error(exc)}"
        ) from exc


def schema_diff(engine: Engine) -> list[Any]:
    """Differences between the models and the database (empty when they match), like
    `alembic check`."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": include_name,
                "version_table": VERSION_TABLE,
            },
        )
        return list(compare_metadata(context, Base.metadata))
