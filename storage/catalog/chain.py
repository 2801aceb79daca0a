"""Hash chains over the catalog's append-only rows (tamper evidence).

Each record is chained on its writer stream (the job id: one writer process writes one
job's records in order), each takedown on the stream "takedowns":

    chain_hash = sha256(prev_hash + canonical JSON of the row's content)

where prev_hash is the chain_hash of the stream's previous row (by id), or the stream's
genesis value, sha256("consentcrawl-chain:" + stream), for its first row. The canonical JSON
has sorted keys, no spaces, UTF-8; datetimes are ISO 8601 UTC with microseconds.
`storage.catalog.verify` recomputes the chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

__all__ = [
    "EVIDENCE_FIELDS",
    "OPTIONAL_EVIDENCE_FIELDS",
    "RECORD_FIELDS",
    "TAKEDOWN_FIELDS",
    "TAKEDOWN_STREAM",
    "chain_hash",
    "genesis",
    "record_content",
    "takedown_content",
]

TAKEDOWN_STREAM: Final = "takedowns"

RECORD_FIELDS: Final = (
    "url",
    "kind",
    "source_url",
    "outcome",
    "reasons",
    "http_status",
    "content_type",
    "size",
    "sha256",
    "warc_file",
    "warc_offset",
    "warc_length",
    "license_status",
    "license",
    "fetched_at",
    "recorded_at",
    "job_id",
)
EVIDENCE_FIELDS: Final = (
    "signal",
    "source",
    "value",
    "effect",
    "reason",
    "document_sha256",
    "line",
)
#: Added after the first chained records: hashed only when set, so those keep their hashes.
OPTIONAL_EVIDENCE_FIELDS: Final = ("license", "strength")
TAKEDOWN_FIELDS: Final = (
    "record_id",
    "source",
    "version",
    "entry",
    "kind",
    "reason",
    "taken_down_at",
)


def genesis(stream: str) -> str:
    """The prev_hash of a stream's first row."""
    return hashlib.sha256(f"consentcrawl-chain:{stream}".encode()).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # UUID


def record_content(row: Mapping[str, Any], evidence: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A record's hashed content: its fields and its evidence rows in order."""
    content = {name: _plain(row[name]) for name in RECORD_FIELDS}
    content["reasons"] = list(content["reasons"] or [])
    content["evidence"] = [_evidence_content(e) for e in evidence]
    return content


def _evidence_content(evidence: Mapping[str, Any]) -> dict[str, Any]:
    content = {name: _plain(evidence[name]) for name in EVIDENCE_FIELDS}
    for name in OPTIONAL_EVIDENCE_FIELDS:
        if evidence.get(name) is not None:
            content[name] = _plain(evidence[name])
    return content


def takedown_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _plain(row[name]) for name in TAKEDOWN_FIELDS}


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()
