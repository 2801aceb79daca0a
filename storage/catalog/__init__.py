"""The SQL catalog: which URLs a crawl collected or skipped, and the evidence why; the
rights holders' blocklists in force, and the takedowns of records collected before."""

from __future__ import annotations

from storage.catalog.catalog import Catalog
from storage.catalog.records import (
    BlocklistEntryIn,
    BlocklistVersionIn,
    DocumentIn,
    EvidenceIn,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.results import (
    BlocklistEntryRow,
    BlocklistVersionInfo,
    CollectedRecord,
    EntryReinstatement,
    KeptDown,
    TakedownRow,
    WithdrawalInfo,
    WithdrawalReport,
)

__all__ = [
    "BlocklistEntryIn",
    "BlocklistEntryRow",
    "BlocklistVersionIn",
    "BlocklistVersionInfo",
    "Catalog",
    "CollectedRecord",
    "DocumentIn",
    "EntryReinstatement",
    "EvidenceIn",
    "JobSpec",
    "KeptDown",
    "RecordIn",
    "TakedownIn",
    "TakedownRow",
    "WithdrawalInfo",
    "WithdrawalReport",
]
