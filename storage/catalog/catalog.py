"""The catalog facade the crawler, the list intake and the CLI use: one database, opened in a
mode, each method one transaction (``access.writing``) or one snapshot (``access.reading``).

The work is in the modules of what is stored: ``jobs`` (jobs, their documents and records),
``blocklists`` (lists, versions, entries, withdrawals), ``takedowns`` (takedowns and
reinstatements), ``checkpoint``. The readers for auditors are ``storage.audit``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import Engine

# As _modules: Catalog has methods of the same names.
from storage.catalog import blocklists as _blocklists
from storage.catalog import checkpoint as checkpoints
from storage.catalog import jobs as _jobs
from storage.catalog import takedowns as _takedowns
from storage.catalog.access import failures, reading, writing
from storage.catalog.checkpoint import Checkpoint
from storage.catalog.db import OpenMode, mask_url, open_engine
from storage.catalog.models import JOB_STATUSES
from storage.catalog.records import (
    BlocklistVersionIn,
    DocumentIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.results import (
    BlocklistEntryRow,
    BlocklistVersionInfo,
    CollectedRecord,
    TakedownRow,
    WithdrawalInfo,
    WithdrawalReport,
)
from storage.closing import Closing
from storage.errors import CatalogError

__all__ = ["Catalog"]


class Catalog(Closing):
    """Synchronous access to one catalog database; use from one thread at a time."""

    def __init__(self, url: str, *, mode: OpenMode) -> None:
        """Open the catalog at `url`: ``read`` (audits; never writes, creates or migrates),
        ``write`` (crawls, list intake; creates a new catalog, refuses an older one) or
        ``upgrade`` (migrates). Raises CatalogError when it cannot be opened so."""
        self._engine: Engine = open_engine(url, mode)

    @property
    def engine(self) -> Engine:
        """For the readers (``storage.audit``); writes go through the methods."""
        return self._engine

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self._engine.url)

    def __repr__(self) -> str:
        return f"Catalog({self.url!r})"

    __str__ = __repr__

    # --- jobs ---------------------------------------------------------------------------

    def start_job(self, spec: JobSpec) -> uuid.UUID:
        """Record a running job, and the blocklist versions in force for it.

        Raises CatalogError when a (source, version) in `spec.blocklists` is not in the
        catalog or its sha256 differs: the crawl must not claim a list it did not load.
        """
        with writing(self._engine, "starting a job") as connection:
            return _jobs.start(connection, spec)

    def job_blocklists(self, job_id: uuid.UUID) -> list[BlocklistVersionInfo]:
        """The blocklist versions that were in force for a job, by source."""
        with reading(self._engine, "reading a job's blocklists") as connection:
            return _blocklists.of_job(connection, job_id)

    def write(
        self,
        job_id: uuid.UUID,
        documents: Sequence[DocumentIn] = (),
        records: Sequence[RecordIn] = (),
    ) -> None:
        """Store documents, records and their evidence in one transaction: all or nothing."""
        if not documents and not records:
            return
        with writing(self._engine, "writing a batch") as connection:
            _jobs.write(connection, job_id, documents, records)

    def finish_job(self, job_id: uuid.UUID, status: str, summary: Mapping[str, Any]) -> None:
        if status not in JOB_STATUSES or status == "running":
            raise ValueError(f"not a final job status: {status!r}")
        with writing(self._engine, "finishing a job") as connection:
            _jobs.finish(connection, job_id, status, summary)

    def heartbeat(self, job_id: uuid.UUID) -> None:
        """The job's writer is alive: stamp its heartbeat (a job no longer running is left)."""
        with writing(self._engine, "beating a job's heartbeat") as connection:
            _jobs.heartbeat(connection, job_id)

    def mark_crashed_jobs(self) -> list[uuid.UUID]:
        """Close every running job whose heartbeat went stale as ``crashed``; return their ids.

        Its finished_at is its last beat, the last moment it was known to run; its close event
        seals its streams as they are. A job that beat again since it was read is left running.
        """
        with failures(self._engine, "marking crashed jobs"), self._engine.connect() as connection:
            return _jobs.mark_crashed(connection)

    # --- blocklists -----------------------------------------------------------------------

    def add_blocklist_version(self, version: BlocklistVersionIn) -> BlocklistVersionInfo:
        """Store a submitted list as its next version (1 for a new source), all or nothing.

        A list is identified by its source and its owner, the submitter of version 1: a
        submission by anyone else is refused (CatalogError), since it would replace the owner's
        entries in force. Submitting the current version's file again (same sha256) makes no
        new version: the current one is returned with `unchanged=True`. Raises CatalogError
        for an entry with an empty value or kind.
        """
        action = f"adding a version of blocklist {version.source!r}"
        with writing(self._engine, action) as connection:
            return _blocklists.add_version(connection, version)

    def blocklists(self) -> list[BlocklistVersionInfo]:
        """The current (latest) version of every list, by source."""
        with reading(self._engine, "reading blocklists") as connection:
            return _blocklists.current(connection)

    def blocklist_history(self, source: str) -> list[BlocklistVersionInfo]:
        """Every version of one list, oldest first."""
        with reading(self._engine, f"reading blocklist {source!r}") as connection:
            return _blocklists.history(connection, source)

    def blocklist_entries(
        self, source: str, version: int | None = None, *, include_withdrawn: bool = False
    ) -> Iterator[BlocklistEntryRow]:
        """The entries of one version (default: the current one) in file order, streamed.

        Withdrawn entries are left out unless `include_withdrawn`; their `withdrawn` tells
        when and why. An unknown source or version raises CatalogError at once.
        """
        action = f"reading blocklist {source!r}"
        with reading(self._engine, action) as connection:
            _blocklists.version_id(connection, source, version)  # fail here, not at next()

        def streamed() -> Iterator[BlocklistEntryRow]:
            with reading(self._engine, action) as connection:
                yield from _blocklists.entries(connection, source, version, include_withdrawn)

        return streamed()

    def active_blocklist_entries(self) -> Iterator[tuple[str, int, BlocklistEntryRow]]:
        """(source, version, entry) of every list's current version, withdrawn entries left
        out, by source then file order: what a crawl loads. Streamed from one snapshot."""
        with reading(self._engine, "reading blocklists") as connection:
            yield from _blocklists.active_entries(connection)

    def withdraw_blocklist_entry(
        self,
        source: str,
        value: str,
        kind: str | None,
        *,
        reason: str,
        by: str,
        kept_down: Callable[[str], str | None] | None = None,
    ) -> WithdrawalReport:
        """Take (source, kind, value) out of the list from now on, in every version, and
        reinstate what its takedowns removed, in one transaction.

        `kind` None covers every kind with that value. Each item in force that the entry
        took down gets a reinstatement (back in export), unless `kept_down(url)` names
        another entry in force that lists it ("LIST ENTRY"): then it stays down. Reports how
        many entries of the current version it takes out (those not withdrawn already) and,
        per entry kind, the items reinstated and kept down. Raises CatalogError for an unknown
        source, an empty reason or withdrawer, no such entry in the current version, or an
        entry that is withdrawn already.
        """
        if not reason.strip():
            raise CatalogError(f"withdrawing {value!r} from blocklist {source!r}: give a reason")
        if not by.strip():
            raise CatalogError(f"withdrawing {value!r} from blocklist {source!r}: say who by")
        what = f"{kind} {value!r}" if kind else repr(value)
        with writing(self._engine, f"withdrawing {what} from blocklist {source!r}") as connection:
            withdrawal = _blocklists.withdraw(connection, source, value, kind, reason=reason, by=by)
            reinstated = _takedowns.reinstate(connection, withdrawal, kept_down)
        return WithdrawalReport(withdrawal.entries, reinstated)

    def withdrawals(self, source: str) -> list[WithdrawalInfo]:
        """The withdrawals from one list, oldest first."""
        with reading(self._engine, f"reading blocklist {source!r}") as connection:
            return _blocklists.withdrawals(connection, source)

    # --- takedowns ------------------------------------------------------------------------

    def collected_records(self) -> Iterator[CollectedRecord]:
        """Collected records without a takedown, in id order, streamed: what a new list is
        matched against."""
        with reading(self._engine, "reading collected records") as connection:
            yield from _takedowns.collected(connection)

    def record_takedowns(self, takedowns: Sequence[TakedownIn]) -> int:
        """Take collected records out of every later export, all or nothing.

        A record taken down already (earlier, or earlier in `takedowns`) is skipped.
        Returns how many takedowns were added. Raises CatalogError for an unknown list
        version or record, or a record that was not collected.
        """
        if not takedowns:
            return 0
        with writing(self._engine, "recording takedowns") as connection:
            return _takedowns.record(connection, takedowns)

    def takedowns(self) -> list[TakedownRow]:
        """Every takedown, oldest first, with the record's URL and job."""
        with reading(self._engine, "reading takedowns") as connection:
            return _takedowns.rows(connection)

    def checkpoint(self, key: Ed25519PrivateKey) -> Checkpoint:
        """Sign the heads and counts of every stream as they are now, and add the checkpoint
        to the ledger (storage.catalog.checkpoint)."""
        with writing(self._engine, "signing a checkpoint") as connection:
            return checkpoints.sign(connection, key)

    def close(self) -> None:
        self._engine.dispose()
