"""When a running job has crashed: the one rule, for the readers and for the next crawl.

A job's writer beats ``catalog_job.heartbeat_at`` every CONSENT_JOB_HEARTBEAT seconds (the
period is recorded in the job's settings). A ``running`` job whose last beat is older than
STALE_BEATS periods has crashed: its crawler was killed or its machine died, and nothing
will close it. Readers show such a job as ``crashed`` without writing; the next crawl on the
catalog writes it (``Catalog.mark_crashed_jobs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from storage.catalog.models import CrawlJob

__all__ = ["COLUMNS", "PERIOD_SETTING", "STALE_BEATS", "is_stale", "job_status", "status_of"]

#: Beats a job may miss before it counts as crashed (a busy or paused writer misses a few).
STALE_BEATS: Final = 6
#: The job setting that holds its heartbeat period, in seconds.
PERIOD_SETTING: Final = "CONSENT_JOB_HEARTBEAT"
#: What ``job_status`` reads of a job row, besides its status.
COLUMNS: Final = (CrawlJob.heartbeat_at, CrawlJob.settings)


class _JobRow(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def heartbeat_at(self) -> datetime | None: ...
    @property
    def settings(self) -> Mapping[str, Any] | None: ...


def is_stale(
    heartbeat_at: datetime | None, settings: Mapping[str, Any] | None, now: datetime
) -> bool:
    """Whether the last beat is older than STALE_BEATS of the job's periods.

    Jobs written before heartbeats (no beat, or no period recorded) are never stale: there is
    nothing to tell a live one from a dead one by.
    """
    period = (settings or {}).get(PERIOD_SETTING)
    if heartbeat_at is None or isinstance(period, bool) or not isinstance(period, (int, float)):
        return False
    return period > 0 and now - heartbeat_at > timedelta(seconds=STALE_BEATS * period)


def status_of(
    status: str,
    heartbeat_at: datetime | None,
    settings: Mapping[str, Any] | None,
    now: datetime | None = None,
) -> str:
    """The status to show: ``crashed`` for a running job whose heartbeat went stale."""
    stale = status == "running" and is_stale(heartbeat_at, settings, now or datetime.now(UTC))
    return "crashed" if stale else status


def job_status(row: _JobRow) -> str:
    """``status_of`` a row selected with ``CrawlJob.status`` and ``COLUMNS``."""
    return status_of(row.status, row.heartbeat_at, row.settings)
