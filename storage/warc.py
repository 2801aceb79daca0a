"""Gzipped WARC 1.1 files holding every fetched exchange, for audit and replay."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from storage.closing import Closing
from storage.errors import WarcStoreError

__all__ = ["WarcLocation", "WarcStore"]

# The body is handed over already decoded, so these would no longer describe it.
_DROPPED_HEADERS = frozenset({"transfer-encoding", "content-length"})
_RENAMED_HEADERS = {"content-encoding": "X-Crawler-Content-Encoding"}


@dataclass(frozen=True, slots=True)
class WarcLocation:
    """Where a response record lies: its gzip member in `file` (a name inside the folder)."""

    file: str
    offset: int
    length: int


def _software() -> str:
    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "unknown"

    return f"consentcrawl/{installed('consentcrawl')} warcio/{installed('warcio')}"


def _warc_date(moment: datetime) -> str:
    if moment.utcoffset() is None:
        raise ValueError(f"fetched_at must be timezone-aware, got {moment!r}")
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def _response_headers(headers: Sequence[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        lower = name.lower()
        if lower in _DROPPED_HEADERS:
            continue
        kept.append((_RENAMED_HEADERS.get(lower, name), value))
    kept.append(("Content-Length", str(len(body))))
    return kept


def _request_target(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


class WarcStore(Closing):
    """Appends request/response/metadata triples to rotating .warc.gz files in one folder.

    Thread-safe; files are opened lazily and flushed after every exchange, so a returned
    WarcLocation is readable at once.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        max_size: int = 1_000_000_000,
        prefix: str = "consentcrawl",
        info: Mapping[str, str] | None = None,
    ) -> None:
        self._directory = Path(directory)
        self._max_size = max_size
        self._prefix = prefix
        self._info = {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **(info or {}),
        }
        self._lock = threading.Lock()
        self._files: list[Path] = []
        self._handle: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self._serial = 0
        self._bytes_written = 0
        self._closed = False
        self._check_writable()

    def _check_writable(self) -> None:
        # mkdir succeeding says nothing about permissions, so really create a file.
        probe = self._directory / f".probe-{os.getpid()}-{uuid.uuid4().hex}"
        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            with probe.open("xb") as handle:
                handle.write(b"probe")
            probe.unlink()
        except OSError as exc:
            raise WarcStoreError(
                f"WARC folder {self._directory} is not writable: {exc.strerror or exc}"
            ) from exc

    @property
    def directory(self) -> Path:
        return self._directory

    @property
    def files(self) -> list[Path]:
        """Files written so far, oldest first, including the one still open."""
        with self._lock:
            return list(self._files)

    @property
    def bytes_written(self) -> int:
        """Compressed bytes across all files, warcinfo records included."""
        with self._lock:
            return self._bytes_written

    def _open_next(self) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        while True:
            name = f"{self._prefix}-{stamp}-{self._serial:05d}.warc.gz"
            self._serial += 1
            path = self._directory / name
            try:
                handle = path.open("xb")
            except FileExistsError:
                continue  # another store with this prefix in the same second
            except OSError as exc:
                raise WarcStoreError(f"cannot create WARC file {path}: {exc.strerror}") from exc
            break
        writer = WARCWriter(handle, gzip=True, warc_version="1.1")
        self._handle, self._writer = handle, writer
        self._files.append(path)
        try:
            writer.write_record(writer.create_warcinfo_record(name, self._info))
            handle.flush()
        except OSError as exc:
            raise WarcStoreError(f"cannot write WARC file {path}: {exc.strerror}") from exc
        self._bytes_written += handle.tell()

    def _close_current(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self._handle = self._writer = None

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Sequence[tuple[str, str]],
        status: int,
        reason: str,
        response_headers: Sequence[tuple[str, str]],
        body: bytes,
        fetched_at: datetime,
        metadata: Mapping[str, Any],
    ) -> WarcLocation:
        """Append response, request and metadata records; returns where the response is."""
        date = _warc_date(fetched_at)
        meta = json.dumps(
            dict(metadata), ensure_ascii=False, sort_keys=True, default=_json_default
        ).encode("utf-8")
        with self._lock:
            if self._closed:
                raise ValueError("write to a closed WarcStore")
            if self._handle is not None and self._handle.tell() >= self._max_size:
                self._close_current()
            if self._handle is None:
                self._open_next()
            assert self._handle is not None and self._writer is not None
            handle, writer, path = self._handle, self._writer, self._files[-1]

            response = writer.create_warc_record(
                url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=StatusAndHeaders(
                    f"{status} {reason}".rstrip(),
                    _response_headers(response_headers, body),
                    protocol="HTTP/1.1",
                ),
                warc_headers_dict={"WARC-Date": date},
            )
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request = writer.create_warc_record(
                url,
                "request",
                http_headers=StatusAndHeaders(
                    f"{method.upper()} {_request_target(url)} HTTP/1.1",
                    list(request_headers),
                    is_http_request=True,
                ),
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
            )
            record_meta = writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(meta),
                length=len(meta),
                warc_content_type="application/json",
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id},
            )

            offset = handle.tell()
            try:
                writer.write_record(response)
                length = handle.tell() - offset
                writer.write_record(request)
                writer.write_record(record_meta)
                handle.flush()
            except OSError as exc:
                # Cut off the partial exchange so the file stays readable.
                try:
                    handle.seek(offset)
                    handle.truncate()
                except OSError:
                    pass
                raise WarcStoreError(f"cannot write WARC file {path}: {exc.strerror}") from exc
            self._bytes_written += handle.tell() - offset
            return WarcLocation(file=path.name, offset=offset, length=length)

    def write_metadata(self, uri: str, metadata: Mapping[str, Any], moment: datetime) -> None:
        """Append a metadata record of its own (a signed checkpoint of the catalog)."""
        body = json.dumps(
            dict(metadata), ensure_ascii=False, sort_keys=True, default=_json_default
        ).encode("utf-8")
        with self._lock:
            if self._closed:
                raise ValueError("write to a closed WarcStore")
            if self._handle is None:
                self._open_next()
            assert self._handle is not None and self._writer is not None
            record = self._writer.create_warc_record(
                uri, "metadata", payload=BytesIO(body), length=len(body),
                warc_content_type="application/json",
                warc_headers_dict={"WARC-Date": _warc_date(moment)},
            )
            offset = self._handle.tell()
            try:
                self._writer.write_record(record)
                self._handle.flush()
            except OSError as exc:
                raise WarcStoreError(
                    f"cannot write WARC file {self._files[-1]}: {exc.strerror}"
                ) from exc
            self._bytes_written += self._handle.tell() - offset

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._close_current()
