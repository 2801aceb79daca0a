"""Takedowns and reinstatements: collected records taken out of every later export because
a list in force names their site, and put back when the entry that asked is withdrawn.

Both are shared hash-chained streams ("takedowns", "reinstatements"; ``streams``). A record
has at most one takedown in force (``taken_down.IN_FORCE``: not reinstated). Functions take
a connection in the caller's transaction (``storage.catalog.access``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.engine import Connection

from storage.catalog import chain, streams
from storage.catalog.access import BATCH, chunks, url_of
from storage.catalog.blocklists import Withdrawal, version_id
from storage.catalog.models import Blocklist, EntryWithdrawal, Reinstatement, Takedown, UrlRecord
from storage.catalog.records import TakedownIn
from storage.catalog.results import CollectedRecord, EntryReinstatement, KeptDown, TakedownRow
from storage.catalog.taken_down import IN_FORCE, TAKEN_DOWN
from storage.errors import CatalogError

__all__ = ["collected", "record", "reinstate", "rows"]

# TakedownRow's fields, in order.
_ROW_COLUMNS: Final = (
    Takedown.record_id,
    UrlRecord.url,
    UrlRecord.job_id,
    Takedown.source,
    Takedown.version,
    Takedown.entry,
    Takedown.kind,
    Takedown.reason,
    Takedown.taken_down_at,
)


def _some(ids: Sequence[int], shown: int = 10) -> str:
    listed = ", ".join(str(id_) for id_ in ids[:shown])
    return listed + (f" … ({len(ids)} in all)" if len(ids) > shown else "")


def collected(connection: Connection) -> Iterator[CollectedRecord]:
    """Collected records without a takedown, in id order, streamed."""
    query = (
        select(UrlRecord.id, UrlRecord.url, UrlRecord.size, UrlRecord.job_id)
        .where(UrlRecord.outcome == "collected", ~TAKEN_DOWN)
        .order_by(UrlRecord.id)
        .execution_options(yield_per=BATCH)
    )
    with connection.execute(query) as result:
        for record_id, url, size, job_id in result:
            yield CollectedRecord(record_id, url, size, job_id)


def record(connection: Connection, takedowns: Sequence[TakedownIn]) -> int:
    """Chain and store `takedowns` (`Catalog.record_takedowns`); returns how many were new."""
    now = datetime.now(UTC)
    for source, number in dict.fromkeys((t.source, t.version) for t in takedowns):
        version_id(connection, source, number)
    wanted = list(dict.fromkeys(t.record_id for t in takedowns))
    outcomes: dict[int, str] = {}
    done: set[int] = set()
    for chunk in chunks(wanted):
        found = connection.execute(
            select(UrlRecord.id, UrlRecord.outcome).where(UrlRecord.id.in_(chunk))
        )
        outcomes.update((id_, outcome) for id_, outcome in found)
        done.update(
            connection.scalars(
                select(Takedown.record_id).where(Takedown.record_id.in_(chunk), IN_FORCE)
            )
        )
    missing = [id_ for id_ in wanted if id_ not in outcomes]
    if missing:
        raise CatalogError(f"no records {_some(missing)} in catalog {url_of(connection)}")
    skipped = [id_ for id_ in wanted if outcomes[id_] != "collected"]
    if skipped:
        raise CatalogError(f"records {_some(skipped)} were not collected: nothing to take down")
    new: list[dict[str, Any]] = []
    for takedown in takedowns:
        if takedown.record_id in done:
            continue
        done.add(takedown.record_id)
        new.append(
            {
                "record_id": takedown.record_id,
                "source": takedown.source,
                "version": takedown.version,
                "entry": takedown.entry,
                "kind": takedown.kind,
                "reason": takedown.reason,
                "taken_down_at": now,
            }
        )
    if new:
        streams.append_shared(
            connection, Takedown, chain.TAKEDOWN_STREAM, new, chain.takedown_content, now
        )
    return len(new)


def rows(connection: Connection) -> list[TakedownRow]:
    """Every takedown, oldest first, with the record's URL and job."""
    query = select(*_ROW_COLUMNS).join(UrlRecord, UrlRecord.id == Takedown.record_id)
    return [TakedownRow(*row) for row in connection.execute(query.order_by(Takedown.id))]


def _entry_withdrawn() -> ColumnElement[bool]:
    """On a query over Takedown: the entry that asked for it is withdrawn."""
    return exists().where(
        EntryWithdrawal.blocklist_id == Blocklist.id,
        Blocklist.source == Takedown.source,
        EntryWithdrawal.value == Takedown.entry,
        or_(EntryWithdrawal.kind.is_(None), EntryWithdrawal.kind == Takedown.kind),
    )


def reinstate(
    connection: Connection,
    withdrawal: Withdrawal,
    kept_down: Callable[[str], str | None] | None,
) -> tuple[EntryReinstatement, ...]:
    """Reinstate the items in force that a withdrawn entry took down (the one withdrawn now,
    or one withdrawn earlier whose items another entry kept down until now), unless
    `kept_down` names an entry in force that lists the URL; one report per entry and kind."""
    streams.lock_shared(connection)
    info = withdrawal.info
    query = (
        select(
            Takedown.id, Takedown.source, Takedown.entry, Takedown.kind,
            UrlRecord.id, UrlRecord.url, UrlRecord.size,
        )
        .join(UrlRecord, UrlRecord.id == Takedown.record_id)
        .where(IN_FORCE, _entry_withdrawn())  # the new withdrawal is stored: covered too
        .order_by(Takedown.id)
    )  # fmt: skip
    new: list[dict[str, Any]] = []
    totals: dict[tuple[str, str, str], tuple[int, int, list[KeptDown]]] = {}
    for takedown_id, of_source, entry, kind, record_id, url, size in connection.execute(query):
        key = (of_source, entry, kind)
        own = (of_source, entry) == (info.source, info.value) and info.kind in (None, kind)
        by = kept_down(url) if kept_down is not None else None
        if by is not None:
            if own:  # an earlier entry's items kept down were reported by its withdrawal
                items, size_sum, kept = totals.get(key, (0, 0, []))
                totals[key] = (items, size_sum, [*kept, KeptDown(record_id, url, by)])
            continue
        items, size_sum, kept = totals.get(key, (0, 0, []))
        totals[key] = (items + 1, size_sum + (size or 0), kept)
        new.append(
            {
                "takedown_id": takedown_id,
                "record_id": record_id,
                "withdrawal_id": withdrawal.id,
                "reason": info.reason,
                "reinstated_at": info.withdrawn_at,
            }
        )
    if new:
        streams.append_shared(
            connection,
            Reinstatement,
            chain.REINSTATEMENT_STREAM,
            new,
            chain.reinstatement_content,
            info.withdrawn_at,
        )
    return tuple(
        EntryReinstatement(*key, items, size_sum, tuple(kept))
        for key, (items, size_sum, kept) in sorted(totals.items())
    )
