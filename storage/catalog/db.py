"""Engines for the catalog database and its Alembic migrations."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from storage.catalog.base import TABLE_PREFIX, VERSION_TABLE, Base, include_name
from storage.errors import CatalogError

__all__ = [
    "MIGRATIONS_DIR",
    "OpenMode",
    "alembic_config",
    "current_revision",
    "describe_error",
    "head_revision",
    "make_engine",
    "mask_url",
    "open_engine",
    "schema_diff",
    "upgrade",
]

OpenMode = Literal["read", "write", "upgrade"]
"""How a catalog is opened: ``read`` never writes, creates or migrates (audits); ``write``
creates a missing catalog but refuses an older one (crawls, list intake); ``upgrade``
migrates (`consentcrawl catalog upgrade`)."""

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
    _pragmas(dbapi_connection, "journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL")


def _sqlite_read_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Besides mode=ro: SQLite itself refuses any statement that would change the file.
    _pragmas(dbapi_connection, "query_only=ON")


def _pragmas(dbapi_connection: Any, *pragmas: str) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in pragmas:
            cursor.execute(f"PRAGMA {pragma}")
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


# The file format bytes of an SQLite header (offsets 18 and 19): 2 is WAL, 1 rollback journal.
_WAL_FORMAT = b"\x02\x02"


def _nobody_can_write(folder: Path) -> bool:
    """True on a read-only mount, or for a folder whose mode lets no one write to it."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not folder.stat().st_mode & 0o222
    except OSError:
        return False


def _read_only_uri(path: Path) -> str:
    """The SQLite URI that opens `path` read-only.

    SQLite reads a WAL database without write access only if its -wal and -shm files exist, or
    it may create them (the folder is writable), or the file is opened `immutable=1`
    (https://sqlite.org/wal.html#readonly). Immutable turns off locking and change detection,
    so it is used only where nothing can change the file: a WAL database without a -wal file
    (no connection has it open, every commit is in the file) in a folder no one may write to
    (a writer would have to create the -wal file there first).
    """
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    if _is_wal(path) and not _beside(path, "-wal").exists() and _nobody_can_write(path.parent):
        uri += "&immutable=1"
    return uri


def _is_wal(path: Path) -> bool:
    try:
        with path.open("rb") as header:
            return header.read(20)[18:20] == _WAL_FORMAT
    except OSError:
        return False  # the connection reports what is wrong with the file


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _read_only_hint(path: Path) -> str:
    """Why SQLite could not read `path` read-only, where it is the rule above."""
    shm = _beside(path, "-shm")
    if _is_wal(path) and not shm.exists() and not os.access(path.parent, os.W_OK):
        return (
            f" (a WAL database: SQLite needs {shm.name} beside it and may not create it in "
            f"{path.parent}, which others may write to; read a copy, or make the folder "
            "read-only for everyone)"
        )
    return ""


def describe_error(exc: BaseException, limit: int = 500) -> str:
    """The driver's message on one line, cut short (PostgreSQL echoes whole failing rows)."""
    cause = getattr(exc, "orig", None) or exc
    message = " ".join(str(cause).split()) or type(cause).__name__
    return message if len(message) <= limit else message[: limit - 1] + "…"


def make_engine(url: str, mode: OpenMode = "write") -> Engine:
    """An engine for the catalog at `url`, checked to be reachable; the schema is not looked at
    (`open_engine` does).

    In ``read`` mode nothing is written: an SQLite file is opened read-only and must exist, a
    PostgreSQL session is read-only. In ``upgrade`` mode the SQLite file must exist too; in
    ``write`` mode it is created, with its folder.

    Raises CatalogError for an unparsable URL, an unknown dialect or missing driver, a missing
    SQLite file (read, upgrade), or a database that cannot be reached.
    """
    parsed = _normalise(url)
    shown = mask_url(parsed)
    backend = parsed.get_backend_name()
    options: dict[str, Any] = {}
    path = _sqlite_file(parsed) if backend == "sqlite" else None
    if backend == "sqlite" and mode == "read" and parsed.query.get("uri") == "true":
        parsed = parsed.update_query_dict({"mode": "ro"})  # the caller's own SQLite URI
    if path is not None and mode != "write" and not path.is_file():
        raise CatalogError(f"no catalog at {path}")
    if path is not None and mode == "write":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CatalogError(
                f"cannot create folder {path.parent} for catalog {shown}: {exc.strerror}"
            ) from exc
    if backend == "postgresql":
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = 10  # libpq waits forever on a blackholed host
        if mode == "read":
            # Every transaction of the session is read-only: a bug cannot write.
            given = parsed.query.get("options", "")
            connect_args["options"] = f"{given} -c default_transaction_read_only=on".strip()
        options["connect_args"] = connect_args
    try:
        engine = create_engine(parsed, **options)
    except ImportError as exc:  # the dialect is known, its driver is not installed
        why = _missing_driver(parsed, exc)
        raise CatalogError(f"unsupported catalog database {shown}: {why}") from exc
    except (NoSuchModuleError, ArgumentError) as exc:
        raise CatalogError(f"unsupported catalog database {shown}: {exc}") from exc
    if backend == "sqlite" and mode == "read":
        if path is not None:
            uri = _read_only_uri(path)

            def read_only(dialect: Any, record: Any, cargs: list[Any], cparams: Any) -> None:
                cargs[:] = [uri]
                cparams["uri"] = True

            event.listen(engine, "do_connect", read_only)
        event.listen(engine, "connect", _sqlite_read_pragmas)
    elif backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as connection:
            # schema_version reads the file (SELECT 1 does not): an unreadable one fails here.
            connection.execute(text("PRAGMA schema_version" if path else "SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        hint = _read_only_hint(path) if path is not None and mode == "read" else ""
        raise CatalogError(
            f"cannot connect to catalog {shown}: {describe_error(exc)}{hint}"
        ) from exc
    return engine


def open_engine(url: str, mode: OpenMode) -> Engine:
    """An engine for the catalog at `url`, whose schema is the one this code needs.

    ``read`` refuses a database without the catalog or at another revision; ``write`` creates
    the schema in an empty database but refuses one at another revision; ``upgrade`` migrates.
    Raises CatalogError, with the command that fixes it where there is one.
    """
    engine = make_engine(url, mode)
    try:
        if mode == "upgrade":
            upgrade(engine)
            return engine
        with engine.connect() as connection:
            current = current_revision(connection)
            empty = current is None and not _catalog_tables(connection)
        if mode == "write" and empty:
            upgrade(engine)  # a new catalog
        elif empty:
            raise CatalogError(
                f"no catalog in {mask_url(engine.url)}: the database has no catalog tables"
            )
        elif current != head_revision():
            raise CatalogError(_wrong_revision(mask_url(engine.url), current))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise CatalogError(
            f"cannot read catalog {mask_url(engine.url)}: {describe_error(exc)}"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    return engine


def _wrong_revision(shown: str, current: str | None) -> str:
    head = head_revision()
    if current is not None and current not in _known_revisions():
        return (
            f"catalog {shown} is at revision {current}, which this consentcrawl does not know "
            f"(it needs {head}): the catalog was written by a newer consentcrawl"
        )
    return (
        f"catalog {shown} is at revision {current or '(none)'}; this consentcrawl needs {head}: "
        f"run consentcrawl catalog upgrade --catalog {shown}"
    )


def _catalog_tables(connection: Connection) -> list[str]:
    return [t for t in inspect(connection).get_table_names() if t.startswith(TABLE_PREFIX)]


def current_revision(connection: Connection) -> str | None:
    """The catalog's Alembic revision, None for a database without one (only reads)."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision this code's models match."""
    head = _script().get_current_head()
    assert head is not None, "the migrations have no head"
    return head


def _known_revisions() -> set[str]:
    return {script.revision for script in _script().walk_revisions()}


def alembic_config() -> Config:
    """Alembic configuration built in code, independent of the current directory."""
    config = Config()
    # ConfigParser interpolates %, which may appear in an install path.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Migrate the catalog to the newest schema (a no-op when it is current); returns the
    revisions before and after (before is None for a new catalog)."""
    config = alembic_config()
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            before = current_revision(connection)
            if before is not None and before not in _known_revisions():
                raise CatalogError(_wrong_revision(mask_url(engine.url), before))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            return before, head_revision()
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
