"""Opening a catalog: audits read only (never create, write or migrate), writers create a new
catalog but refuse an older one, `consentcrawl catalog upgrade` migrates (issue 13)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from crawler.cli import app
from storage.audit.export import export_rows
from storage.catalog import Catalog, JobSpec, RecordIn
from storage.catalog.base import VERSION_TABLE
from storage.catalog.db import OpenMode, make_engine
from storage.errors import CatalogError

from .ci import unavailable
from .sites import CONTACT, ROOT, run_cli
from .test_migrations import BLOCKLISTS, HEAD, at_revision, current_revision

runner = CliRunner()
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)
URLS = ("https://a.example/1", "https://a.example/2", "https://b.example/3")

# Every command that reads the catalog, as a user types it (the URL follows as --catalog).
READERS = [
    ("audit", "verify"),
    ("audit", "summary", "--eu"),
    ("audit", "export", "--format", "jsonl"),
    ("audit", "jobs"),
    ("audit", "job", str(uuid.UUID(int=1))),
    ("audit", "query"),
    ("audit", "show", URLS[0]),
    ("audit", "domains"),
    ("blocklist", "list"),
    ("blocklist", "show", "piracy"),
    ("blocklist", "check", URLS[0]),
]


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def fill(url: str) -> None:
    """A finished job with a few records (a new catalog, so at head)."""
    with Catalog(url, mode="write") as catalog:
        job = catalog.start_job(
            JobSpec(
                purpose="search",
                agent="consentcrawl",
                user_agent="consentcrawl/test",
                seeds=(URLS[0],),
                settings={},
                software_version="test",
            )
        )
        catalog.write(job, records=[RecordIn(u, "collected", (), "unknown", T0) for u in URLS])
        catalog.finish_job(job, "finished", {"collected": len(URLS)})


def tables(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


@pytest.fixture
def engine(catalog_url: str) -> Iterator[Engine]:
    """A connection to the (still empty) database behind `catalog_url`."""
    opened = make_engine(catalog_url)
    yield opened
    opened.dispose()


# --- a mistyped URL -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        *READERS,
        ("audit", "report", "--out", "report.html"),
        ("catalog", "status"),
        ("catalog", "upgrade"),
    ],
)
def test_a_mistyped_sqlite_url_creates_nothing(
    tmp_path: Path, command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    typo = tmp_path / "catalogs" / "typo.sqlite"
    code, stdout, stderr = invoke(*command, "--catalog", f"sqlite:///{typo}")
    assert code == 1, stdout + stderr
    assert stderr.strip() == f"consentcrawl: error: no catalog at {typo}"
    assert "OK" not in stdout
    assert list(tmp_path.iterdir()) == []  # neither the file nor its folder, nor a report


# --- a database without the catalog, or at an older revision ---------------------------------


@pytest.mark.parametrize("command", READERS)
def test_an_empty_database_is_refused_by_readers(
    catalog_url: str, engine: Engine, command: tuple[str, ...]
) -> None:
    code, _, stderr = invoke(*command, "--catalog", catalog_url)
    assert code == 1
    assert "consentcrawl: error: no catalog in " in stderr
    assert "the database has no catalog tables" in stderr
    assert tables(engine) == []


@pytest.fixture
def older(catalog_url: str, engine: Engine) -> Engine:
    """A catalog at the blocklist revision, two revisions before this code's."""
    at_revision(engine, BLOCKLISTS)
    return engine


def upgrade_hint(catalog_url: str) -> str:
    shown = make_url(catalog_url).render_as_string(hide_password=True)
    shown = shown.replace("postgresql://", "postgresql+psycopg://")
    return (
        f"is at revision {BLOCKLISTS}; this consentcrawl needs {HEAD}: "
        f"run consentcrawl catalog upgrade --catalog {shown}"
    )


@pytest.mark.parametrize(
    "command",
    [
        *READERS,
        ("blocklist", "apply"),
        ("blocklist", "withdraw", "piracy", "a.example", "--reason", "wrong"),
    ],
)
def test_an_older_catalog_is_refused_until_upgraded(
    catalog_url: str, older: Engine, command: tuple[str, ...]
) -> None:
    before = tables(older)
    code, stdout, _ = invoke("catalog", "status", "--catalog", catalog_url)
    assert code == 0
    assert f"is at revision {BLOCKLISTS}; this consentcrawl needs {HEAD} (run " in stdout
    code, _, stderr = invoke(*command, "--catalog", catalog_url)
    assert code == 1
    assert upgrade_hint(catalog_url) in " ".join(stderr.split())
    assert (current_revision(older), tables(older)) == (BLOCKLISTS, before)  # untouched

    code, stdout, stderr = invoke("catalog", "upgrade", "--catalog", catalog_url)
    assert code == 0, stderr
    assert f"upgraded from revision {BLOCKLISTS} to {HEAD}" in stdout
    assert current_revision(older) == HEAD
    code, _, stderr = invoke(*command, "--catalog", catalog_url)
    assert code in (0, 1), stderr  # 1: e.g. no such job, a real answer from the catalog
    assert "revision" not in stderr and "no catalog" not in stderr


def test_a_crawl_refuses_an_older_catalog(catalog_url: str, older: Engine, tmp_path: Path) -> None:
    result = run_cli(
        "crawl", "http://127.0.0.1:9/", "--purpose", "search",
        "--catalog", catalog_url, "--warc-dir", str(tmp_path / "warc"), "--contact", CONTACT,
    )
    assert result.returncode == 1, result.stderr
    assert upgrade_hint(catalog_url) in " ".join(result.stderr.split())
    assert current_revision(older) == BLOCKLISTS
    assert not (tmp_path / "warc").exists()  # the crawl's own folder is not left behind


@pytest.mark.parametrize("mode", ["read", "write"])
def test_catalog_refuses_an_older_revision(catalog_url: str, older: Engine, mode: OpenMode) -> None:
    with pytest.raises(CatalogError, match="run consentcrawl catalog upgrade"):
        Catalog(catalog_url, mode=mode)
    assert current_revision(older) == BLOCKLISTS


def test_upgrade_mode_migrates_and_the_command_reports_nothing_to_do(
    catalog_url: str, older: Engine
) -> None:
    with Catalog(catalog_url, mode="upgrade"):
        assert current_revision(older) == HEAD
    code, stdout, _ = invoke("catalog", "upgrade", "--catalog", catalog_url)
    assert code == 0
    assert f"is at revision {HEAD}: nothing to do" in stdout
    code, stdout, _ = invoke("catalog", "status", "--catalog", catalog_url)
    assert code == 0
    assert f"is at revision {HEAD}; this consentcrawl needs {HEAD} (current)" in stdout


@pytest.mark.parametrize("mode", ["read", "write", "upgrade"])
def test_a_revision_from_a_newer_consentcrawl_is_refused(
    catalog_url: str, engine: Engine, mode: OpenMode
) -> None:
    fill(catalog_url)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = 'f00dfeedbeef'"))
    with pytest.raises(CatalogError, match="which this consentcrawl does not know"):
        Catalog(catalog_url, mode=mode)
    assert current_revision(engine) == "f00dfeedbeef"


# --- write mode creates ----------------------------------------------------------------------


def test_write_mode_creates_a_new_catalog_at_head(catalog_url: str) -> None:
    fill(catalog_url)  # a missing SQLite file (and its folder), or an empty database
    with Catalog(catalog_url, mode="read") as catalog:
        assert [r["url"] for r in export_rows(catalog)] == list(URLS)
        with catalog.engine.connect() as connection:
            assert connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")) == HEAD


# --- read mode cannot write ------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO catalog_blocklist (source, created_at) VALUES ('x', CURRENT_TIMESTAMP)",
        "UPDATE catalog_record SET outcome = 'skipped'",
        "DELETE FROM catalog_record",
        "CREATE TABLE catalog_extra (id INTEGER)",
        "DROP TABLE catalog_takedown",
    ],
)
def test_the_read_engine_refuses_writes(catalog_url: str, engine: Engine, statement: str) -> None:
    fill(catalog_url)
    with Catalog(catalog_url, mode="read") as catalog:
        with pytest.raises(DBAPIError, match="(?i)read-?only"), catalog.engine.begin() as c:
            c.execute(text(statement))
        with pytest.raises(DBAPIError, match="(?i)read-?only"), catalog.engine.begin() as c:
            # Not even after asking for a writing transaction (PostgreSQL) or lifting
            # query_only (SQLite): the file is open read-only, the session defaults to it.
            if c.dialect.name == "postgresql":
                c.execute(text("SET default_transaction_read_only = off"))
            else:
                c.execute(text("PRAGMA query_only = off"))
            c.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM catalog_record")) == len(URLS)
    assert "catalog_extra" not in tables(engine) and "catalog_takedown" in tables(engine)


def test_an_sqlite_uri_is_opened_read_only_too(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    fill(f"sqlite:///{path}")
    before = path.read_bytes()
    with (
        Catalog(f"sqlite:///file:{path}?uri=true&mode=rw", mode="read") as catalog,
        pytest.raises(DBAPIError, match="readonly"),
        catalog.engine.begin() as c,
    ):
        c.execute(text("PRAGMA query_only = off"))
        c.execute(text("DELETE FROM catalog_record"))
    assert path.read_bytes() == before


# --- read-only files and folders ---------------------------------------------------------------


def audit(path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """`consentcrawl COMMAND --catalog sqlite:///PATH`, in a process that file permissions bind."""
    return subprocess.run(
        [*unprivileged(), sys.executable, "-m", "crawler", *command,
         "--catalog", f"sqlite:///{path}"],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )


def unprivileged() -> list[str]:
    """A command prefix under which file permissions hold (root ignores them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        unavailable("setpriv (util-linux) is missing: root cannot test read-only files", "it")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


AUDITS = [
    ("audit", "export", "--format", "jsonl"),
    ("audit", "verify"),
    ("audit", "query", "--json"),
]


# The file 0444, or its folder 0555; "owner": only its owner (the tests) may not write to it.
PERMISSIONS = {"file": 0o444, "folder": 0o555, "owner": 0o575}


@pytest.fixture(params=["file", "folder"])
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A WAL catalog with no -wal or -shm file, made read-only."""
    folder = tmp_path / "ro"
    path = folder / "catalog.sqlite"
    fill(f"sqlite:///{path}")
    assert path.read_bytes()[18:20] == b"\x02\x02"  # WAL mode
    assert sorted(p.name for p in folder.iterdir()) == ["catalog.sqlite"]
    target = path if request.param == "file" else folder
    mode = target.stat().st_mode
    target.chmod(PERMISSIONS[request.param])
    try:
        yield path
    finally:
        target.chmod(mode)


@pytest.mark.parametrize("command", AUDITS)
def test_a_read_only_catalog_can_be_audited(read_only: Path, command: tuple[str, ...]) -> None:
    before = hashlib.sha256(read_only.read_bytes()).hexdigest()
    folder_before = sorted(p.name for p in read_only.parent.iterdir())
    result = audit(read_only, *command)
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(read_only.read_bytes()).hexdigest() == before
    if read_only.parent.stat().st_mode & 0o222 == 0:  # nothing new in a read-only folder
        assert sorted(p.name for p in read_only.parent.iterdir()) == folder_before
    if command[1] == "export":
        assert [json.loads(line)["url"] for line in result.stdout.splitlines()] == list(URLS)
    elif command[1] == "verify":
        assert "OK: no tampering found" in result.stdout
    else:
        assert json.loads(result.stdout)["total"] == len(URLS)


@pytest.mark.parametrize("read_only", ["folder"], indirect=True)
def test_an_unprivileged_process_cannot_write_the_read_only_folder(read_only: Path) -> None:
    """The check behind the test above: the permissions hold for its processes."""
    result = subprocess.run(
        [*unprivileged(), sys.executable, "-c", f"open({str(read_only) + '-shm'!r}, 'x')"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0 and "PermissionError" in result.stderr


@pytest.mark.parametrize("read_only", ["owner"], indirect=True)
def test_a_wal_catalog_in_a_folder_others_may_write_is_refused_clearly(read_only: Path) -> None:
    """Not immutable there (a writer may appear), and SQLite cannot create the -shm file."""
    before = sorted(p.name for p in read_only.parent.iterdir())
    result = audit(read_only, "audit", "verify")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"consentcrawl: error: cannot connect to catalog sqlite:///{read_only}: "
    )
    assert "SQLite needs catalog.sqlite-shm beside it and may not create it" in result.stderr
    assert "OK" not in result.stdout
    assert sorted(p.name for p in read_only.parent.iterdir()) == before
