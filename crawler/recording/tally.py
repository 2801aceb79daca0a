"""What the catalog holds for one crawl job, counted after the crawl.

The crawl's summary (printed and ``--json``) is built from these counts, not from the stats
counted as decisions were made: a decision that never reached the catalog (an interruption, a
failed write) is not in the summary either. Outcomes, reasons and the job's status come from
``queries.job``; the licence, image and byte counts from one pass over the job's records.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from storage.audit.export import export_rows
from storage.audit.filters import RecordFilter
from storage.audit.queries import job
from storage.catalog.db import make_engine

__all__ = ["JobTally", "tally"]


@dataclass(slots=True)
class JobTally:
    status: str | None = None  # the job's status in the catalog; None when there is no job
    collected: int = 0
    skipped: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # of skipped records
    license_statuses: Counter[str] = field(default_factory=Counter)
    licenses: Counter[str] = field(default_factory=Counter)
    images: Counter[str] = field(default_factory=Counter)  # image records by outcome
    image_reasons: Counter[str] = field(default_factory=Counter)
    bytes_collected: int = 0


def tally(catalog_url: str, job_id: uuid.UUID) -> JobTally:
    """The counts of job ``job_id``'s records (CatalogError when they cannot be read)."""
    engine = make_engine(catalog_url)
    try:
        detail = job(engine, job_id)
        counts = JobTally(
            status=detail.status,
            collected=detail.outcomes.get("collected", 0),
            skipped=detail.outcomes.get("skipped", 0),
            reasons=Counter(detail.reasons),
        )
        for row in export_rows(engine, RecordFilter(job_id=job_id), include_withdrawn=True):
            counts.license_statuses[row["license_status"]] += 1
            if row["license"]:
                counts.licenses[row["license"]] += 1
            if row["kind"] == "image":
                counts.images[row["outcome"]] += 1
                counts.image_reasons.update(row["reasons"])
            if row["outcome"] == "collected":
                counts.bytes_collected += row["size"] or 0
        return counts
    finally:
        engine.dispose()
