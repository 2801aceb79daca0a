"""A running job whose heartbeat went stale is crashed: the rule, the readers, the next crawl."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import queries
from storage.audit.report import build_report
from storage.audit.summary import eu_summary
from storage.catalog import Catalog
from storage.catalog.liveness import PERIOD_SETTING, is_stale, status_of
from storage.catalog.models import CrawlJob
from storage.catalog.records import JobSpec, RecordIn

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
SPEC = JobSpec(
    purpose="train-ai",  # a purpose the EU summary covers by default
    agent="consentcrawl",
    user_agent="consentcrawl/0.1",
    seeds=("https://example.org/",),
    settings={PERIOD_SETTING: 0.1},
    software_version="0.1.0",
)


@pytest.mark.parametrize(
    ("status", "beat_ago", "settings", "expected"),
    [
        ("running", 0.5, {PERIOD_SETTING: 0.1}, "running"),  # 5 periods: still alive
        ("running", 0.6, {PERIOD_SETTING: 0.1}, "running"),  # 6 periods is the limit itself
        ("running", 0.7, {PERIOD_SETTING: 0.1}, "crashed"),  # older than 6 periods
        ("running", 59.0, {PERIOD_SETTING: 10}, "running"),  # the job's own period counts
        ("running", 61.0, {PERIOD_SETTING: 10}, "crashed"),
        ("running", 61.0, {PERIOD_SETTING: 60}, "running"),
        ("running", 3600.0, {}, "running"),  # written before heartbeats: no period
        ("running", 3600.0, None, "running"),
        ("running", None, {PERIOD_SETTING: 10}, "running"),  # never beat: no evidence
        ("running", 3600.0, {PERIOD_SETTING: "10"}, "running"),  # not a number
        ("running", 3600.0, {PERIOD_SETTING: True}, "running"),
        ("running", 3600.0, {PERIOD_SETTING: 0}, "running"),
        ("finished", 3600.0, {PERIOD_SETTING: 10}, "finished"),  # only running jobs crash
        ("interrupted", 3600.0, {PERIOD_SETTING: 10}, "interrupted"),
        ("failed", 3600.0, {PERIOD_SETTING: 10}, "failed"),
        ("crashed", 3600.0, {PERIOD_SETTING: 10}, "crashed"),
    ],
)
def test_status_of(
    status: str, beat_ago: float | None, settings: dict[str, Any] | None, expected: str
) -> None:
    beat = None if beat_ago is None else NOW - timedelta(seconds=beat_ago)
    assert status_of(status, beat, settings, NOW) == expected
    assert is_stale(beat, settings, NOW) == (
        expected == "crashed" or (status != "running" and beat_ago == 3600.0)
    )


def _rows(catalog: Catalog) -> dict[uuid.UUID, tuple[str, datetime | None, datetime | None]]:
    with Session(catalog.engine) as session:
        return {
            j.id: (j.status, j.finished_at, j.heartbeat_at)
            for j in session.scalars(select(CrawlJob))
        }


def _jobs(catalog: Catalog) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """A stale, a beating, a finished, a pre-heartbeat and a slow-period job."""
    stale = catalog.start_job(SPEC)
    finished = catalog.start_job(SPEC)
    catalog.finish_job(finished, "finished", {})
    old = catalog.start_job(replace(SPEC, settings={}))
    slow = catalog.start_job(replace(SPEC, settings={PERIOD_SETTING: 10}))
    beating = catalog.start_job(replace(SPEC, settings={PERIOD_SETTING: 0.2}))
    time.sleep(1.3)  # more than 6 periods of 0.1 s, and of 0.2 s
    catalog.heartbeat(beating)  # alive again for 1.2 s
    for job_id in (stale, beating, finished, old, slow):  # the report wants records
        record = RecordIn(f"https://example.org/{job_id}", "collected", (), "unknown", NOW)
        catalog.write(job_id, records=[record])
    return stale, beating, finished, old, slow


def test_readers_show_a_stale_job_crashed_without_writing(catalog: Catalog) -> None:
    stale, beating, finished, old, slow = _jobs(catalog)
    before = _rows(catalog)
    expected = {
        stale: "crashed",
        beating: "running",
        finished: "finished",
        old: "running",
        slow: "running",
    }
    assert {j.id: j.status for j in queries.jobs(catalog)} == expected
    assert {id_: queries.job(catalog, id_).status for id_ in expected} == expected
    assert {j.id: j.status for j in eu_summary(catalog).jobs} == expected
    assert {j.id: j.status for j in build_report(catalog, jobs=list(expected)).jobs} == expected
    assert _rows(catalog) == before  # reading never writes


def test_mark_crashed_jobs_closes_only_stale_running_jobs(catalog: Catalog) -> None:
    stale = _jobs(catalog)[0]
    before = _rows(catalog)
    assert catalog.mark_crashed_jobs() == [stale]
    after = _rows(catalog)
    beat = before[stale][2]
    assert after[stale] == ("crashed", beat, beat)  # finished at its last sign of life
    assert {k: v for k, v in after.items() if k != stale} == {
        k: v for k, v in before.items() if k != stale
    }
    assert catalog.mark_crashed_jobs() == []  # once closed, it stays as it is


def test_heartbeat_moves_only_running_jobs(catalog: Catalog) -> None:
    running, finished = catalog.start_job(SPEC), catalog.start_job(SPEC)
    catalog.finish_job(finished, "finished", {})
    before = _rows(catalog)
    time.sleep(0.01)
    catalog.heartbeat(running)
    catalog.heartbeat(finished)
    after = _rows(catalog)
    assert after[finished] == before[finished]
    beat_before, beat_after = before[running][2], after[running][2]
    assert beat_before is not None and beat_after is not None and beat_after > beat_before
