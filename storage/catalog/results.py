"""Plain values the catalog hands back about blocklists and takedowns.

Like the input records they carry no SQLAlchemy state: they stay valid after the session
that read them is gone.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "BlocklistEntryRow",
    "BlocklistVersionInfo",
    "CollectedRecord",
    "EntryReinstatement",
    "KeptDown",
    "TakedownRow",
    "WithdrawalInfo",
    "WithdrawalReport",
]


@dataclass(frozen=True, slots=True)
class BlocklistVersionInfo:
    """One version of a list and its provenance."""

    source: str
    version: int  # 1, 2, … per source
    submitter: str
    submitted_at: datetime
    sha256: str
    entry_count: int
    filename: str | None
    url: str | None
    etag: str | None
    last_modified: str | None
    # True when add_blocklist_version was given the current version's file again: this
    # is that current version, and no new one was made.
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class WithdrawalInfo:
    """(source, kind, value) taken out of the list, in every version, from `withdrawn_at` on."""

    source: str
    value: str
    kind: str | None  # None: every kind with this value
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


@dataclass(frozen=True, slots=True)
class BlocklistEntryRow:
    value: str
    kind: str
    reason: str | None
    evidence_url: str | None
    added: str | None
    line: int
    withdrawn: WithdrawalInfo | None = None  # the earliest withdrawal covering the entry


@dataclass(frozen=True, slots=True)
class CollectedRecord:
    """A collected record that has not been taken down, to match against new lists."""

    record_id: int
    url: str
    size: int | None
    job_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class TakedownRow:
    record_id: int
    url: str  # of the record taken down
    job_id: uuid.UUID  # the job that collected it
    source: str  # the list, its version and the entry that asked for the takedown
    version: int
    entry: str
    kind: str
    reason: str
    taken_down_at: datetime


@dataclass(frozen=True, slots=True)
class KeptDown:
    """An item a withdrawn entry took down that stays down: another entry in force lists it."""

    record_id: int
    url: str
    by: str  # "LIST ENTRY"


@dataclass(frozen=True, slots=True)
class EntryReinstatement:
    """What withdrawing one entry (one kind of a value) did to the items it took down."""

    source: str
    entry: str
    kind: str
    items: int  # reinstated: back in export
    bytes: int
    kept_down: tuple[KeptDown, ...]


@dataclass(frozen=True, slots=True)
class WithdrawalReport:
    entries: int  # entries of the current version taken out
    reinstated: tuple[EntryReinstatement, ...]  # per entry kind that had takedowns, by kind
