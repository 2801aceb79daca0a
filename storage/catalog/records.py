"""Plain input values the crawler builds; the catalog turns them into rows.

They carry no SQLAlchemy state, so the crawler can create them on any thread and hand
them over in batches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["DocumentIn", "EvidenceIn", "JobSpec", "RecordIn"]


def _require_aware(name: str, value: datetime | None) -> None:
    # Refuse naive datetimes here, where the caller's bug is, not at the next flush.
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True, slots=True)
class JobSpec:
    purpose: str
    agent: str  # robots.txt product token
    user_agent: str
    seeds: tuple[str, ...]
    settings: Mapping[str, Any]  # JSON-serialisable
    software_version: str


@dataclass(frozen=True, slots=True)
class DocumentIn:
    kind: str  # e.g. "robots.txt"
    url: str
    http_status: int | None  # None when the fetch failed below HTTP
    fetched_at: datetime
    body: bytes | None  # verbatim, as served
    error: str | None = None

    def __post_init__(self) -> None:
        _require_aware("fetched_at", self.fetched_at)

    @property
    def sha256(self) -> str | None:
        return None if self.body is None else hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True, slots=True)
class EvidenceIn:
    signal: str  # e.g. "robots.txt"
    source: str  # document URL or e.g. "header:X-Robots-Tag"
    value: str
    effect: str  # "deny" | "allow" | "info"
    reason: str | None = None  # reason code
    document_sha256: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RecordIn:
    url: str
    outcome: str  # "collected" | "skipped" (enforced by the database)
    reasons: tuple[str, ...]
    license_status: str
    recorded_at: datetime
    kind: str = "page"
    source_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    size: int | None = None
    sha256: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None
    license: str | None = None  # SPDX identifier
    fetched_at: datetime | None = None
    evidence: tuple[EvidenceIn, ...] = ()

    def __post_init__(self) -> None:
        _require_aware("recorded_at", self.recorded_at)
        _require_aware("fetched_at", self.fetched_at)
