"""Signed checkpoints: the catalog's chains anchored outside the database.

A hash chain shows an edit only to someone who did not recompute it: whoever can write the
database can rewrite a record and every hash after it. A checkpoint names, for every stream
(each job's records and documents, the takedowns, the ledger), its row count, its last row and
that row's hash, and is signed with the operator's Ed25519 key (``cryptography``). Published
(a file, the job's WARC, the catalog's ledger), it lets anyone holding the public key find any
rewrite, truncation or deletion of what it covered, even a fully recomputed chain: the row the
checkpoint names must still be there, still be the count-th of its stream, and still end in
the hash that was signed.

File format (JSON)::

    {"checkpoint": {"format": "consentcrawl-checkpoint/1", "catalog": "<catalog id>",
                    "created_at": "…Z", "streams": [{"table", "stream", "count", "last_id",
                    "head"}, …]},
     "signature": "<base64 Ed25519 signature of the checkpoint's canonical JSON>",
     "public_key": "ed25519:<base64 raw public key>"}
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy.engine import Connection

from storage.catalog import chain, ledger
from storage.catalog.models import LedgerEntry, PolicyDocument, Reinstatement, Takedown, UrlRecord
from storage.errors import CatalogError

__all__ = [
    "CHECKPOINT_PROBLEMS",
    "FORMAT",
    "Checkpoint",
    "CheckpointProblem",
    "KeyError_",
    "check",
    "heads",
    "init_key",
    "load_private_key",
    "load_public_key",
    "public_key_text",
    "read",
    "sign",
    "write",
]

FORMAT: Final = "consentcrawl-checkpoint/1"
#: Where `keys init` writes the signing key, and where `audit checkpoint` looks for it.
DEFAULT_KEY: Final = Path("~/.config/consentcrawl/signing-key.pem")
#: Problem kinds of a checkpoint check ("truncated" and "rewritten" are the ledger's too).
CHECKPOINT_PROBLEMS: Final = ("bad-signature", "other-catalog")
_KEY_PREFIX: Final = "ed25519:"
_TABLES: Final = (UrlRecord, PolicyDocument, Takedown, Reinstatement, LedgerEntry)


class KeyError_(ValueError):
    """A key file or key text that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    body: Mapping[str, Any]
    signature: str
    public_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "checkpoint": dict(self.body),
            "signature": self.signature,
            "public_key": self.public_key,
        }

    @classmethod
    def from_json(cls, data: Any, where: str) -> Checkpoint:
        try:
            body = data["checkpoint"]
            if body["format"] != FORMAT or not isinstance(body["streams"], list):
                raise ValueError
            return cls(body, str(data["signature"]), str(data["public_key"]))
        except (KeyError, TypeError, ValueError):
            raise CatalogError(f"{where}: not a consentcrawl checkpoint ({FORMAT})") from None

    @property
    def summary(self) -> str:
        rows = sum(int(s["count"]) for s in self.body["streams"])
        return (
            f"checkpoint of {self.body['created_at']}: {len(self.body['streams'])} streams, "
            f"{rows} rows"
        )


@dataclass(frozen=True, slots=True)
class CheckpointProblem:
    kind: str  # "bad-signature", "other-catalog", "truncated", "rewritten"
    table: str
    stream: str | None
    detail: str


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def init_key(path: Path, *, force: bool = False) -> Ed25519PublicKey:
    """Write a new private key (PEM, mode 0600, never over an existing one unless `force`)
    and its public key beside it (PATH.pub); returns the public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise KeyError_(
            f"{path}: a key exists already (a new one would orphan every "
            "checkpoint it signed; --force to replace it)"
        ) from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    os.chmod(path, 0o600)  # also when --force replaced a file with looser bits
    public = key.public_key()
    Path(f"{path}.pub").write_text(public_key_text(public) + "\n", encoding="ascii")
    return public


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise KeyError_(f"signing key {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError):
        raise KeyError_(f"signing key {path}: not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"signing key {path}: not an Ed25519 key")
    return key


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key as `keys init` prints it ("ed25519:…"), or a file holding one."""
    value = text.strip()
    if not value.startswith(_KEY_PREFIX):
        try:
            value = Path(value).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyError_(
                f"public key {text!r}: neither ed25519:… nor a readable file ({exc})"
            ) from None
    try:
        raw = base64.b64decode(value.removeprefix(_KEY_PREFIX), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise KeyError_(f"public key {text!r}: not an Ed25519 public key (ed25519:…)") from None


def _stream(model: type[Any]) -> Any:
    """The stream column of a chained table; None for the ledger, which is one stream."""
    return None if model is LedgerEntry else model.stream


def heads(connection: Connection) -> list[dict[str, Any]]:
    """Every stream's count, last id and head, by table and stream."""
    found: list[dict[str, Any]] = []
    for model in _TABLES:
        column = _stream(model)
        stream_of = sa.literal(chain.LEDGER_STREAM) if column is None else column
        query = (
            sa.select(stream_of, sa.func.count(), sa.func.max(model.id))
            .group_by(stream_of)
            .order_by(stream_of)
        )
        if column is not None:
            query = query.where(column.is_not(None))
        for stream, count, last in connection.execute(query).all():
            if not count:
                continue
            head = connection.scalar(sa.select(model.chain_hash).where(model.id == last))
            found.append(
                {
                    "table": model.__tablename__,
                    "stream": str(stream),
                    "count": int(count),
                    "last_id": int(last),
                    "head": head,
                }
            )
    return found


def _catalog_id(connection: Connection) -> str | None:
    """The catalog's id, named by the ledger's first event."""
    return connection.scalar(
        sa.select(LedgerEntry.subject)
        .where(LedgerEntry.kind == ledger.CATALOG_CREATED)
        .order_by(LedgerEntry.id)
        .limit(1)
    )


def sign(connection: Connection, key: Ed25519PrivateKey, now: datetime | None = None) -> Checkpoint:
    """Sign the catalog's heads as they are in this transaction and add the checkpoint to the
    ledger (the event after the heads it covers)."""
    catalog = _catalog_id(connection)
    moment = now or datetime.now(UTC)
    body = {
        "format": FORMAT,
        "catalog": catalog,
        "created_at": chain.plain(moment),
        "streams": heads(connection),
    }
    signature = key.sign(chain.canonical(body).encode("utf-8"))
    checkpoint = Checkpoint(
        body, base64.b64encode(signature).decode("ascii"), public_key_text(key.public_key())
    )
    ledger.append(connection, ledger.CHECKPOINT, body["created_at"], checkpoint.to_json(), moment)
    return checkpoint


_BY_NAME: Final = {model.__tablename__: model for model in _TABLES}


def check(
    connection: Connection, checkpoint: Checkpoint, public_key: Ed25519PublicKey
) -> list[CheckpointProblem]:
    """What changed since the checkpoint in what it covered (nothing when it holds)."""
    try:
        public_key.verify(
            base64.b64decode(checkpoint.signature),
            chain.canonical(checkpoint.body).encode("utf-8"),
        )
    except (InvalidSignature, ValueError):
        return [
            CheckpointProblem(
                "bad-signature",
                "checkpoint",
                None,
                "the signature does not match this public key (a forged or edited checkpoint, or "
                "another operator's key)",
            )
        ]
    problems: list[CheckpointProblem] = []
    catalog = _catalog_id(connection)
    if catalog != checkpoint.body.get("catalog"):
        problems.append(
            CheckpointProblem(
                "other-catalog",
                LedgerEntry.__tablename__,
                None,
                f"the checkpoint is of catalog {checkpoint.body.get('catalog')}, this is {catalog}",
            )
        )
    for sealed in checkpoint.body["streams"]:
        model = _BY_NAME.get(str(sealed.get("table")))
        if model is None:
            continue
        stream, last = sealed["stream"], int(sealed["last_id"])
        column = _stream(model)
        scope = sa.true() if column is None else column == stream
        head = connection.scalar(sa.select(model.chain_hash).where(scope, model.id == last))
        count = connection.scalar(sa.select(sa.func.count()).where(scope, model.id <= last))
        where = f"stream {stream} up to row {last}"
        if head is None:
            problems.append(
                CheckpointProblem(
                    "truncated",
                    model.__tablename__,
                    stream,
                    f"{where}: that row is gone (rows deleted since the checkpoint)",
                )
            )
        elif count != sealed["count"]:
            problems.append(
                CheckpointProblem(
                    "truncated" if count < sealed["count"] else "rewritten",
                    model.__tablename__,
                    stream,
                    f"{where}: {count} rows, the checkpoint signed {sealed['count']}",
                )
            )
        elif head != sealed["head"]:
            problems.append(
                CheckpointProblem(
                    "rewritten",
                    model.__tablename__,
                    stream,
                    f"{where}: ends in another hash than the checkpoint signed (rows before it "
                    "were edited and the chain recomputed)",
                )
            )
    return problems


def write(path: Path, checkpoint: Checkpoint) -> None:
    """The checkpoint as a file to publish, replaced whole (never half written)."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(checkpoint.to_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


def read(path: Path) -> Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(f"checkpoint {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return Checkpoint.from_json(data, str(path))
