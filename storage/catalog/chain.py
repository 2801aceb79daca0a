"""Hash chains over the catalog's append-only rows (tamper evidence).

Each record is chained on its writer stream (the job id: one writer process writes one
job's records in order), and so is each policy document (a stream of the same name in its own
table), each takedown on the stream "takedowns", each reinstatement on "reinstatements", each ledger event (storage.catalog.ledger) on
the one stream "ledger":

    chain_hash = sha256(prev_hash + canonical JSON of the row's content)

where prev_hash is the chain_hash of the stream's previous row (by id), or the stream's
genesis value, sha256("consentcrawl-chain:" + stream), for its first row. The canonical JSON
has sorted keys, no spaces, UTF-8; datetimes are ISO 8601 UTC with microseconds
(``storage.times``).
`storage.audit.verify` recomputes the chains.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from storage.times import utc_text

__all__ = [
    "DOCUMENT_FIELDS",
    "EVIDENCE_FIELDS",
    "LEDGER_STREAM",
    "OPTIONAL_EVIDENCE_FIELDS",
    "RECORD_FIELDS",
    "REINSTATEMENT_FIELDS",
    "REINSTATEMENT_STREAM",
    "TAKEDOWN_FIELDS",
    "TAKEDOWN_STREAM",
    "canonical",
    "chain_hash",
    "document_content",
    "document_content_of",
    "genesis",
    "plain",
    "record_content",
    "record_content_of",
    "reinstatement_content",
    "reinstatement_content_of",
    "takedown_content",
    "takedown_content_of",
]

TAKEDOWN_STREAM: Final = "takedowns"
REINSTATEMENT_STREAM: Final = "reinstatements"
LEDGER_STREAM: Final = "ledger"

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
OPTIONAL_EVIDENCE_FIELDS: Final = ("license", "strength", "purposes")
#: A policy document's hashed fields; its body is covered through sha256 (verify checks it).
DOCUMENT_FIELDS: Final = (
    "job_id",
    "kind",
    "url",
    "http_status",
    "fetched_at",
    "sha256",
    "error",
)
TAKEDOWN_FIELDS: Final = (
    "record_id",
    "source",
    "version",
    "entry",
    "kind",
    "reason",
    "taken_down_at",
)
REINSTATEMENT_FIELDS: Final = (
    "takedown_id",
    "record_id",
    "withdrawal_id",
    "reason",
    "reinstated_at",
)


def genesis(stream: str) -> str:
    """The prev_hash of a stream's first row."""
    return hashlib.sha256(f"consentcrawl-chain:{stream}".encode()).hexdigest()


_PASS_THROUGH: Final = frozenset({str, int, float, bool, type(None)})
_ALL_EVIDENCE_FIELDS: Final = (*EVIDENCE_FIELDS, *OPTIONAL_EVIDENCE_FIELDS)
_REQUIRED: Final = len(EVIDENCE_FIELDS)


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _PASS_THROUGH:  # most values: checked first, verify runs this millions of times
        return value
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # UUID


def plain(value: Any) -> Any:
    """A value as the chains hash it: datetimes in ISO 8601 UTC with microseconds, UUIDs as
    text, lists and tuples as lists."""
    return _plain(value)


def record_content(row: Mapping[str, Any], evidence: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A record's hashed content: its fields and its evidence rows in order."""
    return record_content_of(
        [row[name] for name in RECORD_FIELDS],
        [[e.get(name) for name in _ALL_EVIDENCE_FIELDS] for e in evidence],
    )


def record_content_of(values: Sequence[Any], evidence: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """``record_content`` from values in RECORD_FIELDS order and evidence rows in
    (EVIDENCE_FIELDS, OPTIONAL_EVIDENCE_FIELDS) order: what ``verify`` reads, without a
    mapping per row."""
    # The type test inline, not in _plain: most values pass as they are, and a call per value
    # is most of verify's time on a large catalog.
    content = {
        name: value if type(value) in _PASS_THROUGH else _plain(value)
        for name, value in zip(RECORD_FIELDS, values, strict=True)
    }
    content["reasons"] = list(content["reasons"] or [])
    content["evidence"] = [_evidence_content(e) for e in evidence]
    return content


def _evidence_content(values: Sequence[Any]) -> dict[str, Any]:
    content = {
        name: value if type(value) in _PASS_THROUGH else _plain(value)
        for name, value in zip(EVIDENCE_FIELDS, values)
    }
    for name, value in zip(OPTIONAL_EVIDENCE_FIELDS, values[_REQUIRED:]):
        if value is not None:
            content[name] = _plain(value)
    return content


def takedown_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return takedown_content_of([row[name] for name in TAKEDOWN_FIELDS])


def takedown_content_of(values: Sequence[Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in zip(TAKEDOWN_FIELDS, values, strict=True)}


def reinstatement_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return reinstatement_content_of([row[name] for name in REINSTATEMENT_FIELDS])


def reinstatement_content_of(values: Sequence[Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in zip(REINSTATEMENT_FIELDS, values, strict=True)}


def document_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return document_content_of([row[name] for name in DOCUMENT_FIELDS])


def document_content_of(values: Sequence[Any]) -> dict[str, Any]:
    return {name: _plain(value) for name, value in zip(DOCUMENT_FIELDS, values, strict=True)}


def canonical(content: Mapping[str, Any]) -> str:
    """The text that is hashed: sorted keys, no spaces, UTF-8 as is."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, content: Mapping[str, Any] | str) -> str:
    """The hash of a row after ``prev_hash``: of its content, or of its canonical text."""
    text = content if isinstance(content, str) else canonical(content)
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()
