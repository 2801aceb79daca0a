"""Intake: a validated list into the catalog, with provenance; and the lists in force, back out.

A file is parsed and validated completely before anything is written (``load_blocklist``
raises with every problem, file and line), then stored as a new version of its source in one
transaction. The same functions give the crawler, ``blocklist apply`` and ``blocklist check``
the matcher over every list's current version, withdrawn entries left out.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from storage.catalog.catalog import Catalog
from storage.catalog.records import BlocklistEntryIn, BlocklistVersionIn, TakedownIn
from storage.catalog.results import BlocklistVersionInfo, WithdrawalReport

from .formats import load_blocklist
from .matcher import Match, Matcher
from .model import Entry, EntryKind

__all__ = [
    "InForce",
    "Takedown",
    "apply_takedowns",
    "in_force",
    "submit",
    "withdraw_entry",
]


def submit(
    catalog: Catalog,
    name: str | Path,
    *,
    submitter: str,
    data: bytes | None = None,
    source: str | None = None,
    strip_www: bool = False,
    url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> BlocklistVersionInfo:
    """Validate a list (a file, or ``data`` named ``name``) and store it as a new version."""
    path = Path(name)
    raw = path.read_bytes() if data is None else data
    entries = load_blocklist(path, data=raw, strip_www=strip_www)  # raises before any write
    version = BlocklistVersionIn(
        source=source or path.stem,
        submitter=submitter,
        sha256=hashlib.sha256(raw).hexdigest(),
        entries=tuple(_entry_in(e) for e in entries),
        filename=path.name,
        url=url,
        etag=etag,
        last_modified=last_modified,
    )
    return catalog.add_blocklist_version(version)


@dataclass(frozen=True, slots=True)
class InForce:
    """The lists a crawl applies: a matcher and the (source, version, sha256) of each."""

    matcher: Matcher
    versions: tuple[tuple[str, int, str], ...]


def in_force(catalog: Catalog, without: tuple[str, str, str | None] | None = None) -> InForce:
    """The lists in force; `without` (source, value, kind or None for every kind) leaves one
    more entry out, as if it were withdrawn already."""
    versions = tuple((v.source, v.version, v.sha256) for v in catalog.blocklists())
    # A version submitted between the two reads is left out: what is applied is what is recorded.
    grouped: dict[tuple[str, int], list[Entry]] = {(s, v): [] for s, v, _ in versions}
    for source, version, row in catalog.active_blocklist_entries():
        if (source, version) not in grouped or _is_entry(without, source, row.value, row.kind):
            continue
        grouped[(source, version)].append(
            Entry(
                value=row.value,
                kind=EntryKind(row.kind),
                reason=row.reason,
                evidence_url=row.evidence_url,
                added=row.added,
                line=row.line,
            )
        )
    matcher = Matcher.build((source, version, entries) for (source, version), entries in grouped.items())
    return InForce(matcher, versions)


@dataclass(frozen=True, slots=True)
class Takedown:
    """What one entry took down retroactively."""

    source: str
    version: int
    entry: str
    kind: str
    items: int
    bytes: int


def apply_takedowns(catalog: Catalog, matcher: Matcher | None = None) -> list[Takedown]:
    """Withdraw every collected item a current entry now lists (new records; history kept)."""
    matcher = matcher or in_force(catalog).matcher
    found: list[TakedownIn] = []
    totals: dict[tuple[str, int, str, str], list[int]] = {}
    for record in catalog.collected_records():
        match = matcher.match(record.url)
        if match is None:
            continue
        key = (match.source, match.version, match.entry.value, match.entry.kind.value)
        found.append(TakedownIn(record.record_id, *key, reason=_reason(match)))
        counts = totals.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += record.size or 0
    catalog.record_takedowns(found)
    return [Takedown(*key, items, size) for key, (items, size) in sorted(totals.items())]


def withdraw_entry(
    catalog: Catalog, source: str, value: str, kind: str | None, *, reason: str, by: str
) -> WithdrawalReport:
    """Withdraw an entry and reinstate what it took down, except the items another entry in
    force still lists (they stay down, reported as kept down by "LIST ENTRY").

    The other entries are read just before the withdrawal's transaction: a version submitted
    in between is matched by the next ``blocklist apply``.
    """
    matcher = in_force(catalog, without=(source, value, kind)).matcher

    def kept_down(url: str) -> str | None:
        match = matcher.match(url)
        return None if match is None else f"{match.source} {match.entry.value}"

    return catalog.withdraw_blocklist_entry(
        source, value, kind, reason=reason, by=by, kept_down=kept_down
    )


def _is_entry(
    entry: tuple[str, str, str | None] | None, source: str, value: str, kind: str
) -> bool:
    if entry is None:
        return False
    return entry[:2] == (source, value) and entry[2] in (None, kind)


def _reason(match: Match) -> str:
    return f"blocklist:{match.source}"


def _entry_in(entry: Entry) -> BlocklistEntryIn:
    return BlocklistEntryIn(
        value=entry.value,
        kind=entry.kind.value,
        reason=entry.reason,
        evidence_url=entry.evidence_url,
        added=entry.added,
        line=entry.line,
    )
