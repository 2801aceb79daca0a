"""Check the ledger (storage.catalog.ledger) and everything it covers, for ``verify``.

The ledger's own chain is walked like any stream. Then each ledger-covered table is held
against its events, both ways: a row whose content differs from its event was edited
(``changed``), a row without an event was inserted behind the writer's back (``unrecorded``),
an event without its row means the row was deleted (``deleted``); a job's close event says
how many records and documents its streams held and their heads, so rows deleted from the end
(``truncated``), rows added after the close (``appended``) and a rewritten stream
(``rewritten``) show. Rows that existed before the ledger (its first event lists them) are
counted as unchained instead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from storage.catalog import chain, ledger
from storage.catalog.access import pages
from storage.catalog.blocklists import entry_values
from storage.catalog.models import (
    Blocklist,
    BlocklistEntry,
    BlocklistVersion,
    CrawlJob,
    EntryWithdrawal,
    JobBlocklist,
    LedgerEntry,
    PolicyDocument,
    Reinstatement,
    Takedown,
    UrlRecord,
)

__all__ = ["LEDGER_PROBLEMS", "Found", "LedgerState", "check_ledger"]

#: Problem kinds this module adds to verify's.
LEDGER_PROBLEMS: Final = ("unrecorded", "deleted", "truncated", "appended", "rewritten", "missing")

_JOB_TABLE = CrawlJob.__tablename__
_STREAM_TABLES: Final = (UrlRecord, PolicyDocument)


@dataclass(frozen=True, slots=True)
class Found:
    kind: str
    table: str
    id: int | str
    detail: str


@dataclass(slots=True)
class LedgerState:
    """What the ledger walk learned, for the rest of verify."""

    events: int = 0
    catalog_id: str | None = None
    # The ids that existed before the ledger began (None: no ledger, every row is old).
    before: Mapping[str, int] | None = None
    legacy_jobs: frozenset[str] = frozenset()
    jobs_checked: int = 0
    unchained_jobs: int = 0
    unclosed: list[tuple[str, str]] = field(default_factory=list)  # (job id, status)
    problems: list[Found] = field(default_factory=list)


def _events(connection: Connection) -> Iterator[Any]:
    query = sa.select(
        LedgerEntry.id,
        LedgerEntry.kind,
        LedgerEntry.subject,
        LedgerEntry.content,
        LedgerEntry.prev_hash,
        LedgerEntry.chain_hash,
    )
    for page in pages(connection, query, LedgerEntry.id):
        yield from page


def check_ledger(connection: Connection) -> LedgerState:
    state = LedgerState()
    by_kind: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    expected = chain.genesis(chain.LEDGER_STREAM)
    first = True
    for id_, kind, subject, content, prev, stored in _events(connection):
        state.events += 1
        if prev != expected:
            state.problems.append(
                Found(
                    "gap",
                    LedgerEntry.__tablename__,
                    id_,
                    "the event it follows in the chain is missing: deleted, or its hash rewritten",
                )
            )
        if chain.chain_hash(prev, content) != stored:
            state.problems.append(
                Found(
                    "changed",
                    LedgerEntry.__tablename__,
                    id_,
                    "its content does not match its chain_hash (edited)",
                )
            )
        expected = stored
        try:
            parsed = json.loads(content)
        except ValueError:
            continue  # reported as changed above: no honest event is unreadable
        if first:
            first = False
            if kind != ledger.CATALOG_CREATED:
                state.problems.append(
                    Found(
                        "missing",
                        LedgerEntry.__tablename__,
                        id_,
                        "the ledger's first event (catalog-created) is missing",
                    )
                )
            else:
                state.catalog_id = str(parsed.get("catalog"))
                before = parsed.get("before", {})
                state.before = {k: int(v) for k, v in before.items() if k != "jobs"}
                state.legacy_jobs = frozenset(before.get("jobs", []))
        by_kind[kind][subject or ""].append(parsed)
    if first:
        state.problems.append(
            Found(
                "missing",
                LedgerEntry.__tablename__,
                0,
                "the catalog has no ledger: it was deleted (every catalog has one since revision "
                "a7c9e1f3b5d2)",
            )
        )
        return state
    _check_jobs(connection, state, by_kind)
    _check_sealed(connection, state, by_kind.get(ledger.STREAM_SEALED, {}))
    _check_versions(connection, state, by_kind[ledger.BLOCKLIST_VERSION])
    _check_withdrawals(connection, state, by_kind[ledger.WITHDRAWAL])
    return state


def _differences(stored: Mapping[str, Any], recomputed: Mapping[str, Any]) -> list[str]:
    keys = sorted(set(stored) | set(recomputed))
    return [k for k in keys if stored.get(k) != recomputed.get(k)]


def _job_rows(connection: Connection) -> Iterator[Any]:
    yield from connection.execute(
        sa.select(
            CrawlJob.id,
            CrawlJob.purpose,
            CrawlJob.agent,
            CrawlJob.user_agent,
            CrawlJob.seeds,
            CrawlJob.settings,
            CrawlJob.software_version,
            CrawlJob.started_at,
            CrawlJob.weakenings,
            CrawlJob.status,
        ).order_by(CrawlJob.started_at, CrawlJob.id)
    ).all()


def _links(connection: Connection) -> dict[str, list[tuple[str, int, str]]]:
    rows = connection.execute(
        sa.select(
            JobBlocklist.job_id, Blocklist.source, BlocklistVersion.version, BlocklistVersion.sha256
        )
        .join(BlocklistVersion, BlocklistVersion.id == JobBlocklist.version_id)
        .join(Blocklist, Blocklist.id == BlocklistVersion.blocklist_id)
    ).all()
    links: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for job_id, source, version, sha256 in rows:
        links[str(job_id)].append((source, version, sha256))
    return links


def _check_jobs(
    connection: Connection,
    state: LedgerState,
    by_kind: Mapping[str, Mapping[str, list[dict[str, Any]]]],
) -> None:
    started = by_kind.get(ledger.JOB_STARTED, {})
    closes = by_kind.get(ledger.JOB_CLOSED, {})
    links = _links(connection)
    seen: set[str] = set()
    for row in _job_rows(connection):
        job = str(row.id)
        seen.add(job)
        events = started.get(job)
        if not events:
            if job in state.legacy_jobs:
                state.unchained_jobs += 1
            else:
                state.problems.append(
                    Found(
                        "unrecorded",
                        _JOB_TABLE,
                        job,
                        "a job that the ledger never saw start (inserted behind the writer's back)",
                    )
                )
            continue
        state.jobs_checked += 1
        recomputed = ledger.job_started_content(dict(row._mapping), links.get(job, ()))
        differ = _differences(events[0], recomputed)
        if "blocklists" in differ:
            differ.remove("blocklists")
            state.problems.append(
                Found(
                    "changed",
                    JobBlocklist.__tablename__,
                    job,
                    "the blocklist versions linked to the job differ from those in force when it "
                    "started (links added or deleted)",
                )
            )
        if differ:
            state.problems.append(
                Found(
                    "changed",
                    _JOB_TABLE,
                    job,
                    f"its {', '.join(differ)} differ from the job-started event (edited)",
                )
            )
        closed = closes.get(job)
        status = closed[-1]["status"] if closed else "running"
        if row.status != status:
            state.problems.append(
                Found(
                    "changed",
                    _JOB_TABLE,
                    job,
                    f"its status is {row.status!r}, the ledger's is {status!r} (edited)",
                )
            )
        if closed:
            _check_close(connection, state, job, closed[-1])
        else:
            state.unclosed.append((job, row.status))
    for job in sorted(set(started) - seen):
        state.problems.append(
            Found(
                "deleted",
                _JOB_TABLE,
                job,
                "the job the ledger saw start is gone, with its records (deleted)",
            )
        )


def _check_close(
    connection: Connection, state: LedgerState, job: str, closed: Mapping[str, Any]
) -> None:
    for model in _STREAM_TABLES:
        sealed = closed.get("streams", {}).get(model.__tablename__)
        if sealed is not None:
            _held_to(connection, state, model, sealed, job, "the job closed")


def _check_sealed(
    connection: Connection, state: LedgerState, events: Mapping[str, list[dict[str, Any]]]
) -> None:
    for model in (Takedown, Reinstatement):
        for stream, sealed in events.items():
            last = [e for e in sealed if e.get("table") == model.__tablename__]
            if last:
                _held_to(connection, state, model, last[-1], stream, "its last write left it")


def _held_to(
    connection: Connection,
    state: LedgerState,
    model: type[UrlRecord | PolicyDocument | Takedown | Reinstatement],
    sealed: Mapping[str, Any],
    subject: str,
    when: str,
) -> None:
    """A stream against the count and head the ledger sealed it with."""
    name, stream = model.__tablename__, sealed["stream"]
    count, head = ledger.stream_head(connection, model, stream)
    if count < sealed["count"]:
        state.problems.append(
            Found(
                "truncated",
                name,
                subject,
                f"{when} with {sealed['count']} rows in stream {stream}, {count} are left "
                "(rows deleted)",
            )
        )
    elif count > sealed["count"]:
        state.problems.append(
            Found(
                "appended",
                name,
                subject,
                f"{when} with {sealed['count']} rows in stream {stream}, {count} are there now "
                "(rows added behind the ledger's back)",
            )
        )
    elif head != sealed["head"]:
        state.problems.append(
            Found(
                "rewritten",
                name,
                subject,
                f"stream {stream} ends in another hash than {when} with (the chain was recomputed)",
            )
        )


def _versions(connection: Connection) -> Iterator[Any]:
    yield from connection.execute(
        sa.select(
            BlocklistVersion.id,
            Blocklist.source,
            BlocklistVersion.version,
            BlocklistVersion.submitter,
            BlocklistVersion.submitted_at,
            BlocklistVersion.sha256,
            BlocklistVersion.filename,
            BlocklistVersion.url,
            BlocklistVersion.etag,
            BlocklistVersion.last_modified,
            BlocklistVersion.entry_count,
        )
        .join(Blocklist, Blocklist.id == BlocklistVersion.blocklist_id)
        .order_by(BlocklistVersion.id)
    ).all()


def _against_events(
    state: LedgerState,
    events: Mapping[str, list[dict[str, Any]]],
    rows: Iterable[Any],
    *,
    table: str,
    subject: Callable[[Any], str],
    shown: Callable[[str], int | str],
    before: int,
    unrecorded: str,
    deleted: str,
) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    """Each row with its event (row, subject, event); a row without one is ``unrecorded`` (when
    newer than the ledger's start), an event without its row ``deleted``: both said here, once
    the rows are all read."""
    seen: set[str] = set()
    for row in rows:
        key = subject(row)
        seen.add(key)
        found = events.get(key)
        if found:
            yield row, key, found[0]
        elif row.id > before:
            state.problems.append(Found("unrecorded", table, shown(key), unrecorded))
    for key in sorted(set(events) - seen, key=shown):
        state.problems.append(Found("deleted", table, shown(key), deleted))


def _check_versions(
    connection: Connection, state: LedgerState, events: Mapping[str, list[dict[str, Any]]]
) -> None:
    versions = _against_events(
        state,
        events,
        _versions(connection),
        table=BlocklistVersion.__tablename__,
        subject=lambda row: f"{row.source}:{row.version}",
        shown=str,
        before=(state.before or {}).get("blocklist_versions", 0),
        unrecorded="a list version the ledger never saw stored (inserted behind its back)",
        deleted="the list version the ledger saw stored is gone (deleted)",
    )
    for row, subject, event in versions:
        digest = ledger.entries_digest(entry_values(connection, row.id))
        recomputed = ledger.blocklist_version_content(dict(row._mapping), digest)
        differ = _differences(event, recomputed)
        if differ:
            table = (
                BlocklistEntry.__tablename__
                if differ == ["entries_sha256"]
                else BlocklistVersion.__tablename__
            )
            what = "its entries" if table == BlocklistEntry.__tablename__ else ", ".join(differ)
            state.problems.append(
                Found(
                    "changed",
                    table,
                    subject,
                    f"{what} differ from the blocklist-version event (edited, added or deleted)",
                )
            )


def _check_withdrawals(
    connection: Connection, state: LedgerState, events: Mapping[str, list[dict[str, Any]]]
) -> None:
    rows = connection.execute(
        sa.select(
            EntryWithdrawal.id,
            Blocklist.source,
            EntryWithdrawal.value,
            EntryWithdrawal.kind,
            EntryWithdrawal.reason,
            EntryWithdrawal.withdrawn_by,
            EntryWithdrawal.withdrawn_at,
        )
        .join(Blocklist, Blocklist.id == EntryWithdrawal.blocklist_id)
        .order_by(EntryWithdrawal.id)
    ).all()
    withdrawals = _against_events(
        state,
        events,
        rows,
        table=EntryWithdrawal.__tablename__,
        subject=lambda row: str(row.id),
        shown=int,
        before=(state.before or {}).get("withdrawals", 0),
        unrecorded="a withdrawal the ledger never saw (inserted behind its back)",
        deleted="the withdrawal the ledger saw is gone (deleted): the entry is in force again",
    )
    for row, _, event in withdrawals:
        differ = _differences(event, ledger.withdrawal_content(dict(row._mapping)))
        if differ:
            state.problems.append(
                Found(
                    "changed",
                    EntryWithdrawal.__tablename__,
                    row.id,
                    f"its {', '.join(differ)} differ from the withdrawal event (edited)",
                )
            )
