"""Rights holders' lists in the catalog: their versions, entries and withdrawals.

Append-only: a submission is a new version (1, 2, … per source) with its entries in file
order, a withdrawal is a new row that takes (source, kind, value) out of every version from
then on; each is also an event of the ledger. A list belongs to the submitter of its version
1. Functions take a connection in the caller's transaction (``storage.catalog.access``) and
raise CatalogError naming the list and the catalog for what is not there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, Final, TypeAlias, TypeVar

from sqlalchemy import Select, and_, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from storage.catalog import ledger
from storage.catalog.access import BATCH, chunks, pages, url_of
from storage.catalog.models import (
    Blocklist,
    BlocklistEntry,
    BlocklistVersion,
    CrawlJob,
    EntryWithdrawal,
    JobBlocklist,
)
from storage.catalog.records import BlocklistEntryIn, BlocklistVersionIn
from storage.catalog.results import BlocklistEntryRow, BlocklistVersionInfo, WithdrawalInfo
from storage.errors import CatalogError
from storage.times import utc_text

__all__ = [
    "Withdrawal",
    "active_entries",
    "add_version",
    "current",
    "entries",
    "entry_values",
    "history",
    "of_job",
    "version_id",
    "version_ids",
    "withdraw",
    "withdrawals",
]

# Entries per executemany when a list version is loaded (PostgreSQL uses COPY instead).
_ENTRY_CHUNK: Final = 20_000
# A version's entries as the ledger's digest and BlocklistEntryRow read them, in file order.
_ENTRY_COLUMNS: Final = tuple(getattr(BlocklistEntry, name) for name in ledger.ENTRY_FIELDS)
_entry_values: Final = attrgetter(*ledger.ENTRY_FIELDS)
_Info = TypeVar("_Info", BlocklistVersionInfo, WithdrawalInfo)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A withdrawal just stored, for the reinstatements it causes."""

    id: int
    info: WithdrawalInfo
    entries: int  # entries of the current version it takes out


def _of(cls: type[_Info], row: Mapping[Any, Any], **given: Any) -> _Info:
    """A value handed back: the fields `given`, the others the row's columns of their names."""
    return cls(**given, **{f.name: row[f.name] for f in fields(cls) if f.name not in given})


def _version_info(
    source: str, version: Mapping[Any, Any], *, unchanged: bool = False
) -> BlocklistVersionInfo:
    return _of(BlocklistVersionInfo, version, source=source, unchanged=unchanged)


def _withdrawal_info(source: str, withdrawal: Mapping[Any, Any]) -> WithdrawalInfo:
    return _of(WithdrawalInfo, withdrawal, source=source)


def _current_versions() -> Select[Any]:
    """(source, the latest version's columns) of every list, by source."""
    latest = (
        select(BlocklistVersion.blocklist_id, func.max(BlocklistVersion.version).label("version"))
        .group_by(BlocklistVersion.blocklist_id)
        .subquery()
    )
    return (
        select(Blocklist.source, BlocklistVersion.__table__)
        .join(BlocklistVersion, BlocklistVersion.blocklist_id == Blocklist.id)
        .join(
            latest,
            and_(
                latest.c.blocklist_id == BlocklistVersion.blocklist_id,
                latest.c.version == BlocklistVersion.version,
            ),
        )
        .order_by(Blocklist.source)
    )


def _blocklist_id(connection: Connection, source: str, *, for_update: bool = False) -> int:
    query = select(Blocklist.id).where(Blocklist.source == source)
    # FOR UPDATE (PostgreSQL) serialises the writers of one list; SQLite has one writer.
    found = connection.scalar(query.with_for_update() if for_update else query)
    if found is None:
        raise CatalogError(f"no blocklist {source!r} in catalog {url_of(connection)}")
    return found


def version_id(connection: Connection, source: str, number: int | None) -> tuple[int, int]:
    """(version id, version number) of a list's version `number`, or of its current one."""
    query = select(BlocklistVersion.id, BlocklistVersion.version).where(
        BlocklistVersion.blocklist_id == _blocklist_id(connection, source)
    )
    if number is None:
        query = query.order_by(BlocklistVersion.version.desc()).limit(1)
    else:
        query = query.where(BlocklistVersion.version == number)
    found = connection.execute(query).first()
    if found is None:
        raise CatalogError(
            f"no version {number} of blocklist {source!r} in catalog {url_of(connection)}"
        )
    return found.id, found.version


def version_ids(connection: Connection, in_force: Sequence[tuple[str, int, str]]) -> list[int]:
    """The ids of the (source, version, sha256) given, each once; CatalogError for one that is
    not in the catalog or has another sha256 (a crawl must not claim a list it did not load)."""
    ids: list[int] = []
    for source, number, sha256 in dict.fromkeys(in_force):
        found = connection.execute(
            select(BlocklistVersion.id, BlocklistVersion.sha256)
            .join(Blocklist, Blocklist.id == BlocklistVersion.blocklist_id)
            .where(Blocklist.source == source, BlocklistVersion.version == number)
        ).one_or_none()
        if found is None:
            raise CatalogError(
                f"no version {number} of blocklist {source!r} in catalog {url_of(connection)}"
            )
        if found.sha256 != sha256:
            raise CatalogError(
                f"version {number} of blocklist {source!r} has sha256 {found.sha256} in "
                f"catalog {url_of(connection)}, not {sha256}"
            )
        if found.id not in ids:
            ids.append(found.id)
    return ids


def of_job(connection: Connection, job_id: uuid.UUID) -> list[BlocklistVersionInfo]:
    """The versions that were in force for a job, by source."""
    if connection.scalar(select(CrawlJob.id).where(CrawlJob.id == job_id)) is None:
        raise CatalogError(f"no crawl job {job_id} in catalog {url_of(connection)}")
    rows = connection.execute(
        select(Blocklist.source, BlocklistVersion.__table__)
        .join(BlocklistVersion, BlocklistVersion.blocklist_id == Blocklist.id)
        .join(JobBlocklist, JobBlocklist.version_id == BlocklistVersion.id)
        .where(JobBlocklist.job_id == job_id)
        .order_by(Blocklist.source, BlocklistVersion.version)
    )
    return [_version_info(row.source, row._mapping) for row in rows]


def _check_entry(source: str, entry: BlocklistEntryIn) -> BlocklistEntryIn:
    # An empty value would match every URL as a prefix.
    if not entry.value or not entry.value.strip() or not entry.kind:
        raise CatalogError(
            f"blocklist {source!r}: entry on line {entry.line} has an empty value or kind: "
            f"{entry!r}"
        )
    return entry


def _insert_entries(
    connection: Connection, source: str, version_id: int, entries: Sequence[BlocklistEntryIn]
) -> None:
    """Bulk-load one version's entries, in input order (ids ascend with the input)."""
    names = ("version_id", *ledger.ENTRY_FIELDS)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        # COPY, in the connection's transaction: 200,000 entries in 1.1 s against 4.0 s for
        # SQLAlchemy's batched INSERTs (measured 2026-11-29).
        driver_connection: Any = connection.connection.driver_connection
        statement = f"COPY {BlocklistEntry.__tablename__} ({', '.join(names)}) FROM STDIN"
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
                for entry in entries:
                    copy.write_row((version_id, *_entry_values(_check_entry(source, entry))))
        except dbapi_error as exc:
            # Raw driver errors bypass SQLAlchemy: wrap them as it would (IntegrityError …).
            raise DBAPIError.instance(statement, None, exc, dbapi_error) from exc
        return
    for chunk in chunks(entries, _ENTRY_CHUNK):
        rows = [
            dict(zip(names, (version_id, *_entry_values(_check_entry(source, e))), strict=True))
            for e in chunk
        ]
        connection.execute(insert(BlocklistEntry), rows)  # one executemany per chunk


def _check_owner(connection: Connection, blocklist_id: int, source: str, submitter: str) -> None:
    """Refuse a version of a list by anyone but its owner (the submitter of its version 1)."""
    owner = connection.scalar(
        select(BlocklistVersion.submitter).where(
            BlocklistVersion.blocklist_id == blocklist_id, BlocklistVersion.version == 1
        )
    )
    if owner is not None and owner != submitter:
        raise CatalogError(
            f"blocklist {source!r} belongs to {owner!r} (the submitter of its version 1); "
            f"a list from {submitter!r} cannot become a version of it: store it as a list of "
            "its own with --source ID"
        )


def add_version(connection: Connection, version: BlocklistVersionIn) -> BlocklistVersionInfo:
    """Store `version` as its list's next version (`Catalog.add_blocklist_version`)."""
    source = version.source
    now = datetime.now(UTC)
    found = connection.scalar(
        select(Blocklist.id).where(Blocklist.source == source).with_for_update()
    )
    number = 1
    if found is None:
        blocklist_id = connection.execute(
            insert(Blocklist).values(source=source, created_at=now).returning(Blocklist.id)
        ).scalar_one()
    else:
        blocklist_id = found
        _check_owner(connection, blocklist_id, source, version.submitter)
        latest = connection.execute(
            select(BlocklistVersion.__table__)
            .where(BlocklistVersion.blocklist_id == blocklist_id)
            .order_by(BlocklistVersion.version.desc())
            .limit(1)
        ).first()
        if latest is not None:
            if latest.sha256 == version.sha256:
                return _version_info(source, latest._mapping, unchanged=True)
            number = latest.version + 1
    row = {
        "version": number,
        "submitter": version.submitter,
        "submitted_at": now,
        "sha256": version.sha256,
        "filename": version.filename,
        "url": version.url,
        "etag": version.etag,
        "last_modified": version.last_modified,
        "entry_count": len(version.entries),
    }
    new_id = connection.execute(
        insert(BlocklistVersion)
        .values(blocklist_id=blocklist_id, **row)
        .returning(BlocklistVersion.id)
    ).scalar_one()
    _insert_entries(connection, source, new_id, version.entries)
    digest = ledger.entries_digest(map(_entry_values, version.entries))
    content = ledger.blocklist_version_content({"source": source, **row}, digest)
    ledger.append(connection, ledger.BLOCKLIST_VERSION, f"{source}:{number}", content, now)
    return _version_info(source, row)


def current(connection: Connection) -> list[BlocklistVersionInfo]:
    """The current (latest) version of every list, by source."""
    return [_version_info(r.source, r._mapping) for r in connection.execute(_current_versions())]


def history(connection: Connection, source: str) -> list[BlocklistVersionInfo]:
    """Every version of one list, oldest first."""
    versions = connection.execute(
        select(BlocklistVersion.__table__)
        .where(BlocklistVersion.blocklist_id == _blocklist_id(connection, source))
        .order_by(BlocklistVersion.version)
    )
    return [_version_info(source, v._mapping) for v in versions]


# Withdrawals of one list by value, oldest first; matched in Python, as they are few.
_Withdrawals: TypeAlias = dict[str, list[WithdrawalInfo]]


def _withdrawals_by_value(connection: Connection, source: str, blocklist_id: int) -> _Withdrawals:
    by_value: _Withdrawals = {}
    for withdrawal in _withdrawals_of(connection, source, blocklist_id):
        by_value.setdefault(withdrawal.value, []).append(withdrawal)
    return by_value


def _withdrawals_of(connection: Connection, source: str, blocklist_id: int) -> list[WithdrawalInfo]:
    rows = connection.execute(
        select(EntryWithdrawal.__table__)
        .where(EntryWithdrawal.blocklist_id == blocklist_id)
        .order_by(EntryWithdrawal.id)
    )
    return [_withdrawal_info(source, row._mapping) for row in rows]


def _withdrawal_of(withdrawals: _Withdrawals, value: str, kind: str) -> WithdrawalInfo | None:
    for withdrawal in withdrawals.get(value, ()):
        if withdrawal.kind is None or withdrawal.kind == kind:
            return withdrawal
    return None


def entry_values(connection: Connection, version_id: int) -> Iterator[tuple[Any, ...]]:
    """A version's entries in file order, each in ledger.ENTRY_FIELDS order, streamed."""
    query = select(BlocklistEntry.id, *_ENTRY_COLUMNS).where(
        BlocklistEntry.version_id == version_id
    )
    # Entries are small rows, and a list has many.
    for page in pages(connection, query, BlocklistEntry.id, BATCH * 20):
        for row in page:
            yield tuple(row[1:])


def _stream_entries(
    connection: Connection, version_id: int, withdrawals: _Withdrawals, include_withdrawn: bool
) -> Iterator[BlocklistEntryRow]:
    for value, kind, reason, evidence_url, added, line in entry_values(connection, version_id):
        withdrawn = _withdrawal_of(withdrawals, value, kind) if withdrawals else None
        if withdrawn is not None and not include_withdrawn:
            continue
        yield BlocklistEntryRow(value, kind, reason, evidence_url, added, line, withdrawn)


def entries(
    connection: Connection, source: str, version: int | None, include_withdrawn: bool
) -> Iterator[BlocklistEntryRow]:
    """The entries of one version (None: the current one) in file order, streamed."""
    found, _ = version_id(connection, source, version)
    withdrawals = _withdrawals_by_value(connection, source, _blocklist_id(connection, source))
    yield from _stream_entries(connection, found, withdrawals, include_withdrawn)


def active_entries(connection: Connection) -> Iterator[tuple[str, int, BlocklistEntryRow]]:
    """(source, version, entry) of every list's current version, withdrawn entries left out,
    by source then file order."""
    for row in connection.execute(_current_versions()).all():
        withdrawals = _withdrawals_by_value(connection, row.source, row.blocklist_id)
        for entry in _stream_entries(connection, row.id, withdrawals, False):
            yield row.source, row.version, entry


def withdrawals(connection: Connection, source: str) -> list[WithdrawalInfo]:
    """The withdrawals from one list, oldest first."""
    return _withdrawals_of(connection, source, _blocklist_id(connection, source))


def withdraw(
    connection: Connection, source: str, value: str, kind: str | None, *, reason: str, by: str
) -> Withdrawal:
    """Take (source, kind, value) out of the list from now on (`Catalog.withdraw_blocklist_
    entry`, which reinstates what its takedowns removed in the same transaction)."""
    what = f"{kind} {value!r}" if kind else repr(value)
    blocklist_id = _blocklist_id(connection, source, for_update=True)
    current_id, number = version_id(connection, source, None)
    matching = select(BlocklistEntry.kind, func.count()).where(
        BlocklistEntry.version_id == current_id, BlocklistEntry.value == value
    )
    if kind is not None:
        matching = matching.where(BlocklistEntry.kind == kind)
    by_kind: dict[str, int] = dict(connection.execute(matching.group_by(BlocklistEntry.kind)).all())
    if not by_kind:
        raise CatalogError(
            f"no entry {what} in version {number} (current) of blocklist {source!r} "
            f"in catalog {url_of(connection)}"
        )
    earlier = _withdrawals_by_value(connection, source, blocklist_id).get(value, [])
    covered = sum(
        n for k, n in by_kind.items() if not any(w.kind is None or w.kind == k for w in earlier)
    )
    if covered == 0:
        first = earlier[0]
        raise CatalogError(
            f"entry {what} of blocklist {source!r} was withdrawn already, on "
            f"{utc_text(first.withdrawn_at)} by {first.withdrawn_by!r}: {first.reason}"
        )
    info = WithdrawalInfo(source, value, kind, reason, by, datetime.now(UTC))
    row = {n: getattr(info, n) for n in ledger.WITHDRAWAL_FIELDS if n not in ("id", "source")}
    new_id = connection.execute(
        insert(EntryWithdrawal)
        .values(blocklist_id=blocklist_id, **row)
        .returning(EntryWithdrawal.id)
    ).scalar_one()
    content = ledger.withdrawal_content({"id": new_id, "source": source, **row})
    ledger.append(connection, ledger.WITHDRAWAL, str(new_id), content, info.withdrawn_at)
    return Withdrawal(new_id, info, covered)
