"""Blocklists, their versions, withdrawals and the takedowns in the catalog, on both backends."""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from storage.audit.export import (
    EXPORT_FIELDS,
    EXPORT_FIELDS_WITH_WITHDRAWN,
    WITHDRAWN_FIELD,
    export_rows,
)
from storage.audit.filters import RecordFilter
from storage.catalog import (
    BlocklistEntryIn,
    BlocklistEntryRow,
    BlocklistVersionIn,
    Catalog,
    JobSpec,
    RecordIn,
    TakedownIn,
)
from storage.catalog.db import make_engine
from storage.catalog.models import (
    Blocklist,
    BlocklistEntry,
    BlocklistVersion,
    CrawlJob,
    EntryWithdrawal,
    JobBlocklist,
    Takedown,
    UrlRecord,
)
from storage.errors import CatalogError

T0 = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)

SPEC = JobSpec(
    purpose="test crawl",
    agent="consentcrawl",
    user_agent="consentcrawl/0.1 (+https://example.org/bot)",
    seeds=("https://example.org/",),
    settings={},
    software_version="0.1.0",
)

ENTRIES = (
    BlocklistEntryIn(
        "pirate.example",
        "domain",
        reason="counterfeit films",
        evidence_url="https://evidence.example/1",
        added="2026-11-01",
        line=3,
    ),
    BlocklistEntryIn("streams.bad.example", "host", line=4),
    BlocklistEntryIn("https://cdn.example/leaks/", "prefix", reason="leaked books", line=7),
)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def submission(
    entries: tuple[BlocklistEntryIn, ...] = ENTRIES,
    *,
    source: str = "mpa",
    body: str = "v1",
    **provenance: Any,
) -> BlocklistVersionIn:
    return BlocklistVersionIn(
        source=source,
        submitter=provenance.pop("submitter", "Motion Picture Association"),
        sha256=sha(body),
        entries=entries,
        **provenance,
    )


def row(entry: BlocklistEntryIn) -> BlocklistEntryRow:
    return BlocklistEntryRow(
        entry.value, entry.kind, entry.reason, entry.evidence_url, entry.added, entry.line
    )


def values(rows: Iterator[BlocklistEntryRow]) -> list[str]:
    return [r.value for r in rows]


@pytest.fixture
def engine(catalog: Catalog, catalog_url: str) -> Iterator[Engine]:
    """A second engine on the catalog's database, to read back what it wrote."""
    opened = make_engine(catalog_url)
    yield opened
    opened.dispose()


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def counts(engine: Engine) -> dict[str, int]:
    models = (Blocklist, BlocklistVersion, BlocklistEntry, EntryWithdrawal, Takedown, JobBlocklist)
    return {model.__tablename__: count(engine, model) for model in models}


# --- versions and history -------------------------------------------------------------


def test_versions_and_history(catalog: Catalog) -> None:
    first = catalog.add_blocklist_version(
        submission(
            filename="mpa.csv",
            url="https://mpa.example/list.csv",
            etag='"abc"',
            last_modified="Sat, 28 Nov 2026 10:00:00 GMT",
        )
    )
    assert (first.source, first.version, first.entry_count, first.unchanged) == ("mpa", 1, 3, False)
    assert first.submitter == "Motion Picture Association"
    assert first.sha256 == sha("v1")
    assert (first.filename, first.url, first.etag, first.last_modified) == (
        "mpa.csv",
        "https://mpa.example/list.csv",
        '"abc"',
        "Sat, 28 Nov 2026 10:00:00 GMT",
    )
    assert first.submitted_at.tzinfo == UTC
    assert abs((datetime.now(UTC) - first.submitted_at).total_seconds()) < 60

    second = catalog.add_blocklist_version(submission(ENTRIES[:2], body="v2", filename="b.csv"))
    assert (second.version, second.entry_count, second.filename) == (2, 2, "b.csv")
    assert second.url is None

    again = catalog.add_blocklist_version(submission(ENTRIES[:2], body="v2", filename="c.csv"))
    assert again.unchanged
    assert again.version == 2 and again.filename == "b.csv"  # the current version, as stored
    assert again.submitted_at == second.submitted_at

    # Going back to the first file is a change from the current version: it makes v3.
    third = catalog.add_blocklist_version(submission(body="v1"))
    assert (third.version, third.unchanged) == (3, False)

    history = catalog.blocklist_history("mpa")
    assert [(v.version, v.sha256, v.entry_count) for v in history] == [
        (1, sha("v1"), 3),
        (2, sha("v2"), 2),
        (3, sha("v1"), 3),
    ]
    assert history[0] == first and history[1] == second
    assert not any(v.unchanged for v in history)

    catalog.add_blocklist_version(submission(ENTRIES[1:], source="bpi", body="bpi"))
    assert [(v.source, v.version) for v in catalog.blocklists()] == [("bpi", 1), ("mpa", 3)]


# A list is its submitter's: the submitter of version 1 owns it, and nobody else's file may
# become a version of it (it would replace the owner's entries in force).
@pytest.mark.parametrize(
    ("submitter", "body"),
    [
        ("Someone Else", "other"),  # a different file
        ("Someone Else", "v1"),  # the owner's very file: not "unchanged" for someone else
        ("motion picture association", "other"),  # names are compared exactly
    ],
)
def test_another_submitter_cannot_add_a_version(
    catalog: Catalog, engine: Engine, submitter: str, body: str
) -> None:
    catalog.add_blocklist_version(submission())
    before = counts(engine)
    with pytest.raises(CatalogError) as refused:
        catalog.add_blocklist_version(submission(ENTRIES[:1], body=body, submitter=submitter))
    message = str(refused.value)
    assert "\n" not in message
    assert "'mpa'" in message and "'Motion Picture Association'" in message
    assert repr(submitter) in message and "--source" in message
    assert counts(engine) == before
    assert [(v.version, v.submitter) for v in catalog.blocklist_history("mpa")] == [
        (1, "Motion Picture Association")
    ]
    # Under a list id of its own it is stored, and the owner's list goes on as before.
    own = catalog.add_blocklist_version(
        submission(ENTRIES[:1], source="other", body=body, submitter=submitter)
    )
    assert (own.source, own.version, own.submitter) == ("other", 1, submitter)
    assert catalog.add_blocklist_version(submission(body="v2")).version == 2


def test_no_lists(catalog: Catalog) -> None:
    assert catalog.blocklists() == []
    assert list(catalog.active_blocklist_entries()) == []
    assert catalog.takedowns() == []
    assert list(catalog.collected_records()) == []


def test_entries_round_trip(catalog: Catalog) -> None:
    catalog.add_blocklist_version(submission())
    catalog.add_blocklist_version(submission(ENTRIES[:1], body="v2"))
    assert list(catalog.blocklist_entries("mpa", 1)) == [row(e) for e in ENTRIES]
    assert list(catalog.blocklist_entries("mpa")) == [row(ENTRIES[0])]  # current: v2
    assert list(catalog.blocklist_entries("mpa", 2)) == [row(ENTRIES[0])]
    with pytest.raises(CatalogError, match="no version 7 of blocklist 'mpa'"):
        catalog.blocklist_entries("mpa", 7)


def test_entries_keep_file_order_and_duplicates(catalog: Catalog) -> None:
    entries = tuple(
        BlocklistEntryIn(value, "domain", line=n)
        for n, value in enumerate(["z.example", "a.example", "m.example", "a.example"], 1)
    )
    catalog.add_blocklist_version(submission(entries))
    assert [(r.value, r.line) for r in catalog.blocklist_entries("mpa")] == [
        ("z.example", 1),
        ("a.example", 2),
        ("m.example", 3),
        ("a.example", 4),
    ]


def test_active_entries_are_the_current_versions(catalog: Catalog) -> None:
    catalog.add_blocklist_version(submission())
    catalog.add_blocklist_version(submission(ENTRIES[2:], body="v2"))
    catalog.add_blocklist_version(submission(ENTRIES[:2], source="bpi", body="b1"))
    assert [(s, v, e.value) for s, v, e in catalog.active_blocklist_entries()] == [
        ("bpi", 1, "pirate.example"),
        ("bpi", 1, "streams.bad.example"),
        ("mpa", 2, "https://cdn.example/leaks/"),
    ]


# --- withdrawals ----------------------------------------------------------------------


def test_withdrawal_recorded_and_leaves_active_entries(catalog: Catalog) -> None:
    catalog.add_blocklist_version(submission())
    assert (
        catalog.withdraw_blocklist_entry(
            "mpa", "streams.bad.example", "host", reason="licensed since", by="legal@example"
        ).entries
        == 1
    )
    [withdrawal] = catalog.withdrawals("mpa")
    assert (withdrawal.source, withdrawal.value, withdrawal.kind) == (
        "mpa",
        "streams.bad.example",
        "host",
    )
    assert (withdrawal.reason, withdrawal.withdrawn_by) == ("licensed since", "legal@example")
    assert withdrawal.withdrawn_at.tzinfo == UTC

    assert values(catalog.blocklist_entries("mpa")) == [
        "pirate.example",
        "https://cdn.example/leaks/",
    ]
    assert [e.value for _, _, e in catalog.active_blocklist_entries()] == [
        "pirate.example",
        "https://cdn.example/leaks/",
    ]
    shown = list(catalog.blocklist_entries("mpa", include_withdrawn=True))
    assert [r.withdrawn for r in shown] == [None, withdrawal, None]
    # The version itself is unchanged: the withdrawal is a row of its own.
    assert catalog.blocklist_history("mpa")[0].entry_count == 3

    # Later versions that still list it do not bring it back.
    catalog.add_blocklist_version(submission(ENTRIES + (ENTRIES[1],), body="v2"))
    assert "streams.bad.example" not in values(catalog.blocklist_entries("mpa"))
    assert [r.withdrawn for r in catalog.blocklist_entries("mpa", include_withdrawn=True)] == [
        None,
        withdrawal,
        None,
        withdrawal,
    ]
    with pytest.raises(CatalogError, match="withdrawn already.*legal@example"):
        catalog.withdraw_blocklist_entry(
            "mpa", "streams.bad.example", "host", reason="again", by="x"
        )
    assert len(catalog.withdrawals("mpa")) == 1


def test_withdrawal_without_kind_covers_every_kind(catalog: Catalog) -> None:
    entries = (
        BlocklistEntryIn("pirate.example", "domain", line=1),
        BlocklistEntryIn("pirate.example", "host", line=2),
        BlocklistEntryIn("other.example", "host", line=3),
    )
    catalog.add_blocklist_version(submission(entries))
    assert (
        catalog.withdraw_blocklist_entry("mpa", "pirate.example", "host", reason="r", by="a").entries
        == 1
    )
    # Without a kind: what is left of that value, i.e. the domain entry.
    withdrawn = catalog.withdraw_blocklist_entry("mpa", "pirate.example", None, reason="r", by="b")
    assert withdrawn.entries == 1
    assert values(catalog.blocklist_entries("mpa")) == ["other.example"]
    assert [w.kind for w in catalog.withdrawals("mpa")] == ["host", None]
    # The host entry keeps the earliest withdrawal that covers it.
    shown = list(catalog.blocklist_entries("mpa", include_withdrawn=True))
    assert [r.withdrawn and r.withdrawn.withdrawn_by for r in shown] == ["b", "a", None]


def test_withdrawals_are_per_list(catalog: Catalog) -> None:
    catalog.add_blocklist_version(submission())
    catalog.add_blocklist_version(submission(source="bpi", body="b1"))
    catalog.withdraw_blocklist_entry("mpa", "pirate.example", "domain", reason="r", by="a")
    assert "pirate.example" in values(catalog.blocklist_entries("bpi"))
    assert catalog.withdrawals("bpi") == []


def test_withdrawal_errors(catalog: Catalog, engine: Engine) -> None:
    with pytest.raises(CatalogError, match="no blocklist 'nope'"):
        catalog.withdraw_blocklist_entry("nope", "pirate.example", None, reason="r", by="a")
    catalog.add_blocklist_version(submission())
    catalog.add_blocklist_version(submission(ENTRIES[1:], body="v2"))
    with pytest.raises(CatalogError, match="give a reason"):
        catalog.withdraw_blocklist_entry("mpa", "streams.bad.example", None, reason=" ", by="a")
    with pytest.raises(CatalogError, match="say who by"):
        catalog.withdraw_blocklist_entry("mpa", "streams.bad.example", None, reason="r", by="")
    # Only in version 1: the current version has no such entry.
    with pytest.raises(CatalogError, match=r"no entry domain 'pirate.example' in version 2"):
        catalog.withdraw_blocklist_entry("mpa", "pirate.example", "domain", reason="r", by="a")
    with pytest.raises(CatalogError, match=r"no entry domain 'streams.bad.example'"):
        catalog.withdraw_blocklist_entry("mpa", "streams.bad.example", "domain", reason="r", by="a")
    assert counts(engine)["catalog_blocklist_withdrawal"] == 0


def test_unknown_source(catalog: Catalog) -> None:
    with pytest.raises(CatalogError, match="no blocklist 'nope' in catalog"):
        catalog.blocklist_history("nope")
    with pytest.raises(CatalogError, match="no blocklist 'nope'"):
        catalog.blocklist_entries("nope")  # at the call, not at the first next()
    with pytest.raises(CatalogError, match="no blocklist 'nope'"):
        catalog.withdrawals("nope")


def test_invalid_submissions() -> None:
    with pytest.raises(ValueError, match="sha256"):
        BlocklistVersionIn(source="mpa", submitter="x", sha256="ABC", entries=())
    with pytest.raises(ValueError, match="source"):
        BlocklistVersionIn(source=" ", submitter="x", sha256=sha(""), entries=())
    with pytest.raises(ValueError, match="submitter"):
        BlocklistVersionIn(source="mpa", submitter="", sha256=sha(""), entries=())
    with pytest.raises(ValueError, match="reason"):
        TakedownIn(record_id=1, source="mpa", version=1, entry="x", kind="domain", reason="")


# --- all or nothing -------------------------------------------------------------------


def test_failed_submission_writes_nothing(catalog: Catalog, engine: Engine) -> None:
    bad = (*ENTRIES, BlocklistEntryIn("", "domain", line=9))
    with pytest.raises(CatalogError, match="line 9 has an empty value"):
        catalog.add_blocklist_version(submission(bad))
    assert set(counts(engine).values()) == {0}  # not even the list's own row

    catalog.add_blocklist_version(submission())
    before = counts(engine)
    # A failure inside the database (NOT NULL) also rolls the whole version back.
    broken = (*ENTRIES, BlocklistEntryIn("x.example", "host", line=None))  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="adding a version of blocklist 'mpa' failed"):
        catalog.add_blocklist_version(submission(broken, body="v2"))
    assert counts(engine) == before
    assert [v.version for v in catalog.blocklist_history("mpa")] == [1]
    assert len(list(catalog.blocklist_entries("mpa"))) == 3
    catalog.add_blocklist_version(submission(body="v2"))  # still usable afterwards
    assert [v.version for v in catalog.blocklist_history("mpa")] == [1, 2]


def test_bulk_load(catalog: Catalog, engine: Engine, catalog_url: str) -> None:
    entries = tuple(
        BlocklistEntryIn(
            f"site{i}.example",
            ("domain", "host", "prefix")[i % 3],
            reason="piracy",
            evidence_url=f"https://evidence.example/{i}",
            added="2026-11-01",
            line=i + 1,
        )
        for i in range(100_000)
    )
    started = time.perf_counter()
    info = catalog.add_blocklist_version(submission(entries))
    elapsed = time.perf_counter() - started
    backend = make_url(catalog_url).get_backend_name()
    print(f"\n100,000-entry blocklist on {backend}: {elapsed:.2f}s")

    assert info.entry_count == 100_000 == count(engine, BlocklistEntry)
    started = time.perf_counter()
    loaded = [e for _, _, e in catalog.active_blocklist_entries()]
    print(f"streaming them back on {backend}: {time.perf_counter() - started:.2f}s")
    assert loaded == [row(e) for e in entries]
    assert elapsed < 30


# --- jobs -----------------------------------------------------------------------------


def test_job_records_the_versions_in_force(catalog: Catalog, engine: Engine) -> None:
    catalog.add_blocklist_version(submission())
    catalog.add_blocklist_version(submission(body="v2"))
    catalog.add_blocklist_version(submission(source="bpi", body="b1"))
    in_force = (("mpa", 2, sha("v2")), ("bpi", 1, sha("b1")), ("mpa", 2, sha("v2")))
    job_id = catalog.start_job(dataclasses.replace(SPEC, blocklists=in_force))
    assert [(v.source, v.version) for v in catalog.job_blocklists(job_id)] == [
        ("bpi", 1),
        ("mpa", 2),
    ]
    plain = catalog.start_job(SPEC)  # existing callers: no lists
    assert catalog.job_blocklists(plain) == []
    with pytest.raises(CatalogError, match="no crawl job"):
        catalog.job_blocklists(uuid.uuid4())
    assert count(engine, JobBlocklist) == 2


@pytest.mark.parametrize(
    ("in_force", "message"),
    [
        (("mpa", 3, sha("v1")), "no version 3 of blocklist 'mpa'"),
        (("nope", 1, sha("v1")), "no version 1 of blocklist 'nope'"),
        (("mpa", 1, sha("other")), "version 1 of blocklist 'mpa' has sha256"),
    ],
)
def test_job_with_unknown_version_is_refused(
    catalog: Catalog, engine: Engine, in_force: tuple[str, int, str], message: str
) -> None:
    catalog.add_blocklist_version(submission())
    spec = JobSpec(
        purpose="p",
        agent="a",
        user_agent="ua",
        seeds=(),
        settings={},
        software_version="0",
        blocklists=(("mpa", 1, sha("v1")), in_force),
    )
    with pytest.raises(CatalogError, match=message):
        catalog.start_job(spec)
    with Session(engine) as session:  # neither the job nor any link
        assert session.scalar(select(func.count()).select_from(JobBlocklist)) == 0
        assert session.scalar(select(func.count()).select_from(UrlRecord)) == 0
        assert session.scalar(select(func.count()).select_from(Blocklist)) == 1
    assert _job_ids(engine) == []


def _job_ids(engine: Engine) -> list[uuid.UUID]:
    with Session(engine) as session:
        return list(session.scalars(select(CrawlJob.id)))


# --- takedowns ------------------------------------------------------------------------


def _collect(catalog: Catalog) -> tuple[uuid.UUID, dict[str, int]]:
    job_id = catalog.start_job(SPEC)
    urls = ["https://pirate.example/a", "https://ok.example/b", "https://pirate.example/c"]
    catalog.write(
        job_id,
        records=[
            RecordIn(url, "collected", (), "unknown", T0, size=10 * n)
            for n, url in enumerate(urls, 1)
        ]
        + [
            RecordIn(
                "https://pirate.example/private", "skipped", ("robots-disallow",), "unknown", T0
            )
        ],
    )
    ids = {r.url: r.record_id for r in catalog.collected_records()}
    return job_id, ids


def test_collected_records(catalog: Catalog) -> None:
    job_id, _ = _collect(catalog)
    rows = list(catalog.collected_records())
    assert [(r.url, r.size, r.job_id) for r in rows] == [
        ("https://pirate.example/a", 10, job_id),
        ("https://ok.example/b", 20, job_id),
        ("https://pirate.example/c", 30, job_id),
    ]
    assert [r.record_id for r in rows] == sorted(r.record_id for r in rows)


def test_takedowns_idempotent_and_out_of_exports(catalog: Catalog, engine: Engine) -> None:
    catalog.add_blocklist_version(submission())
    job_id, ids = _collect(catalog)
    a, b, c = ids.values()

    def takedown(record_id: int) -> TakedownIn:
        return TakedownIn(record_id, "mpa", 1, "pirate.example", "domain", "listed by mpa v1")

    assert catalog.record_takedowns([takedown(a), takedown(c), takedown(a)]) == 2
    assert catalog.record_takedowns([takedown(a), takedown(c)]) == 0  # already done
    assert catalog.record_takedowns([]) == 0

    rows = catalog.takedowns()
    assert [(t.record_id, t.url, t.job_id) for t in rows] == [
        (a, "https://pirate.example/a", job_id),
        (c, "https://pirate.example/c", job_id),
    ]
    assert (rows[0].source, rows[0].version, rows[0].entry, rows[0].kind, rows[0].reason) == (
        "mpa",
        1,
        "pirate.example",
        "domain",
        "listed by mpa v1",
    )
    assert rows[0].taken_down_at.tzinfo == UTC

    # Left out of every later export, and of the records still to be matched…
    exported = list(export_rows(catalog))
    assert [r["url"] for r in exported] == [
        "https://ok.example/b",
        "https://pirate.example/private",
    ]
    assert all(list(r) == list(EXPORT_FIELDS) for r in exported)
    assert [r["url"] for r in export_rows(catalog, RecordFilter(job_id=job_id))] == [
        "https://ok.example/b",
        "https://pirate.example/private",
    ]
    assert [r.record_id for r in catalog.collected_records()] == [b]

    # … but still in the catalog, and shown on request.
    assert count(engine, UrlRecord) == 4
    everything = list(export_rows(catalog, include_withdrawn=True))
    assert all(list(r) == list(EXPORT_FIELDS_WITH_WITHDRAWN) for r in everything)
    assert [(r["url"], r[WITHDRAWN_FIELD]) for r in everything] == [
        ("https://pirate.example/a", True),
        ("https://ok.example/b", False),
        ("https://pirate.example/c", True),
        ("https://pirate.example/private", False),
    ]
    assert everything[0]["size"] == 10 and everything[0]["job_id"] == str(job_id)
    assert len(list(export_rows(catalog, RecordFilter(job_id=uuid.uuid4()), include_withdrawn=True))) == 0


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (TakedownIn(10**9, "mpa", 1, "x", "domain", "r"), "no records 1000000000"),
        (TakedownIn(0, "mpa", 2, "x", "domain", "r"), "no version 2 of blocklist 'mpa'"),
        (TakedownIn(0, "nope", 1, "x", "domain", "r"), "no blocklist 'nope'"),
        (TakedownIn(-1, "mpa", 1, "x", "domain", "r"), "were not collected"),
    ],
)
def test_failing_takedowns_add_nothing(
    catalog: Catalog, engine: Engine, bad: TakedownIn, message: str
) -> None:
    catalog.add_blocklist_version(submission())
    _, ids = _collect(catalog)
    first = next(iter(ids.values()))
    skipped = next(r["url"] for r in export_rows(catalog) if r["outcome"] == "skipped")
    with Session(engine) as session:
        skipped_id = session.scalar(select(UrlRecord.id).where(UrlRecord.url == skipped))
    assert skipped_id is not None
    record_id = {0: first, -1: skipped_id}.get(bad.record_id, bad.record_id)
    bad = TakedownIn(record_id, bad.source, bad.version, bad.entry, bad.kind, bad.reason)
    good = TakedownIn(first, "mpa", 1, "pirate.example", "domain", "r")
    with pytest.raises(CatalogError, match=message):
        catalog.record_takedowns([good, bad])
    assert catalog.takedowns() == []
    assert len(list(export_rows(catalog))) == 4


def test_streams_can_be_stopped_early(catalog: Catalog) -> None:
    """A caller that stops reading leaves no open server-side cursor behind (PostgreSQL
    would warn when it is collected; warnings are errors here)."""
    catalog.add_blocklist_version(submission())
    _collect(catalog)
    streams: list[Iterator[Any]] = [
        export_rows(catalog),
        export_rows(catalog, include_withdrawn=True),
        catalog.collected_records(),
        catalog.blocklist_entries("mpa"),
        catalog.active_blocklist_entries(),
    ]
    for stream in streams:
        assert next(stream) is not None
    del stream, streams
    gc.collect()
