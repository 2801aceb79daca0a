"""The SQL catalog, persistence only: which URLs a crawl collected or skipped, and the evidence
why; the rights holders' blocklists in force, and the takedowns of records collected before.

``Catalog`` (``catalog``) is the facade; ``jobs``, ``blocklists`` and ``takedowns`` do its
work on one connection each (``access``: the failure wrapper, the snapshot, the batch size),
``streams`` appends to the hash chains (``chain``) and ``ledger`` records the events;
``checkpoint`` signs the heads, ``liveness`` tells a crashed job; ``records`` are the inputs,
``results`` the values handed back, ``models`` and ``migrations`` the schema. Nothing here
imports ``storage.audit``, which reads the catalog for auditors."""

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
