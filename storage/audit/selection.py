"""Which records an audit view covers: the jobs asked for and a time window on recorded_at.

The EU summary and the HTML report select the same way: ``since`` inclusive, ``until``
exclusive, both timezone-aware; a job id that is not in the catalog is an error naming it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.engine import Connection

from storage.catalog.access import url_of
from storage.catalog.models import CrawlJob, UrlRecord
from storage.errors import CatalogError
from storage.times import require_aware

__all__ = ["Selection"]


@dataclass(frozen=True, slots=True)
class Selection:
    jobs: tuple[uuid.UUID, ...] | None
    since: datetime | None
    until: datetime | None

    @classmethod
    def of(
        cls,
        jobs: Sequence[uuid.UUID] | None,
        since: datetime | None,
        until: datetime | None,
    ) -> Selection:
        """ValueError for a naive datetime; jobs named twice count once."""
        require_aware("since", since)
        require_aware("until", until)
        return cls(None if jobs is None else tuple(dict.fromkeys(jobs)), since, until)

    @property
    def window(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if self.since is not None:
            conditions.append(UrlRecord.recorded_at >= self.since)
        if self.until is not None:
            conditions.append(UrlRecord.recorded_at < self.until)
        return conditions

    @property
    def records(self) -> list[ColumnElement[bool]]:
        """The conditions on catalog_record: the window, and the jobs when asked for."""
        if self.jobs is None:
            return self.window
        return [UrlRecord.job_id.in_(self.jobs), *self.window]

    def job_rows(
        self, connection: Connection, *columns: Any, every_job_without_window: bool
    ) -> list[Any]:
        """The jobs asked for (CatalogError naming one the catalog lacks); else those with a
        record in the window — or, with ``every_job_without_window`` and no window, all."""
        query = select(*columns).order_by(CrawlJob.started_at, CrawlJob.id)
        if self.jobs is not None:
            found = list(connection.execute(query.where(CrawlJob.id.in_(self.jobs))))
            missing = set(self.jobs) - {row.id for row in found}
            if missing:
                raise CatalogError(
                    f"no crawl job {min(map(str, missing))} in catalog {url_of(connection)}"
                )
            return found
        window = self.window
        if not window and every_job_without_window:
            return list(connection.execute(query))
        has_records = exists().where(UrlRecord.job_id == CrawlJob.id, *window)
        return list(connection.execute(query.where(has_records)))

    def describe(self) -> str:
        parts = ["every job" if self.jobs is None else "job(s) " + ", ".join(map(str, self.jobs))]
        if self.since is not None:
            parts.append(f"recorded from {self.since.isoformat()}")
        if self.until is not None:
            parts.append(f"recorded before {self.until.isoformat()}")
        return ", ".join(parts)
