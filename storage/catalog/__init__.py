"""The SQL catalog: which URLs a crawl collected or skipped, and the evidence why."""

from __future__ import annotations

from storage.catalog.catalog import Catalog
from storage.catalog.records import DocumentIn, EvidenceIn, JobSpec, RecordIn

__all__ = ["Catalog", "DocumentIn", "EvidenceIn", "JobSpec", "RecordIn"]
