"""WARC files written by WarcStore, read back with warcio."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from storage.errors import WarcStoreError
from storage.warc import WarcLocation, WarcStore

FETCHED = datetime(2026, 11, 29, 7, 0, 0, 123456, tzinfo=UTC)
BODY = "<html><body>Grüße</body></html>".encode()


def exchange(
    store: WarcStore, url: str = "https://example.org/a?b=1", body: bytes = BODY, **overrides: Any
) -> WarcLocation:
    fields: dict[str, Any] = {
        "url": url,
        "method": "GET",
        "request_headers": [("User-Agent", "consentcrawl/0.1"), ("Accept", "text/html")],
        "status": 200,
        "reason": "OK",
        "response_headers": [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"),
            ("Content-Length", "17"),
            ("X-Robots-Tag", "noarchive"),
        ],
        "body": body,
        "fetched_at": FETCHED,
        "metadata": {"outcome": "collected", "reasons": ["ok"], "at": FETCHED},
    }
    fields.update(overrides)
    return store.write_exchange(**fields)


def records(path: Path) -> Iterator[tuple[ArcWarcRecord, bytes]]:
    with path.open("rb") as handle:
        for rec in ArchiveIterator(handle, check_digests=True):
            yield rec, rec.content_stream().read()


def test_exchange_round_trip(tmp_path: Path) -> None:
    with WarcStore(tmp_path / "warc", info={"operator": "Test Lab"}) as store:
        first = exchange(store)
        second = exchange(
            store, url="https://example.org/", body=b"", status=204, reason="No Content"
        )
        files = store.files
        assert store.bytes_written == files[0].stat().st_size
    assert len(files) == 1
    path = files[0]
    assert path.name.startswith("consentcrawl-") and path.name.endswith("-00000.warc.gz")
    assert (first.file, second.file) == (path.name, path.name)

    read = list(records(path))
    assert [rec.rec_type for rec, _ in read] == [
        "warcinfo",
        "response",
        "request",
        "metadata",
        "response",
        "request",
        "metadata",
    ]
    for rec, _ in read:
        assert rec.rec_headers.protocol == "WARC/1.1"
        assert rec.digest_checker.passed is True  # block (and payload) digests verified

    info, info_body = read[0]
    assert info.rec_headers.get_header("WARC-Filename") == path.name
    fields = dict(line.split(": ", 1) for line in info_body.decode().splitlines())
    assert fields["format"] == "WARC File Format 1.1"
    assert fields["operator"] == "Test Lab"
    assert fields["software"].startswith("consentcrawl/")

    response, payload = read[1]
    assert response.rec_headers.get_header("WARC-Target-URI") == "https://example.org/a?b=1"
    assert response.rec_headers.get_header("WARC-Date") == "2026-11-29T07:00:00.123456Z"
    assert response.rec_headers.get_header("WARC-Payload-Digest", "").startswith("sha1:")
    assert payload == BODY
    http = response.http_headers
    assert http.get_statuscode() == "200"
    assert http.get_header("Content-Length") == str(len(BODY))
    assert http.get_header("Content-Encoding") is None
    assert http.get_header("X-Crawler-Content-Encoding") == "gzip"
    assert http.get_header("Transfer-Encoding") is None
    assert http.get_header("X-Robots-Tag") == "noarchive"

    request, _ = read[2]
    response_id = response.rec_headers.get_header("WARC-Record-ID")
    assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/a?b=1 HTTP/1.1"
    assert request.http_headers.get_header("User-Agent") == "consentcrawl/0.1"

    metadata, meta_body = read[3]
    assert metadata.rec_headers.get_header("WARC-Refers-To") == response_id
    assert metadata.rec_headers.get_header("Content-Type") == "application/json"
    assert json.loads(meta_body) == {
        "outcome": "collected",
        "reasons": ["ok"],
        "at": "2026-11-29T07:00:00.123456+00:00",
    }

    assert read[4][0].http_headers.get_statuscode() == "204"
    assert read[4][1] == b""


def test_offsets_point_at_the_response(tmp_path: Path) -> None:
    with WarcStore(tmp_path) as store:
        locations = [
            exchange(store, url=f"https://example.org/{i}", body=f"page {i}".encode())
            for i in range(5)
        ]
    path = tmp_path / locations[0].file
    for i, location in enumerate(locations):
        with path.open("rb") as handle:
            handle.seek(location.offset)
            rec = next(iter(ArchiveIterator(handle)))
            assert rec.rec_type == "response"
            assert rec.rec_headers.get_header("WARC-Target-URI") == f"https://example.org/{i}"
            assert rec.content_stream().read() == f"page {i}".encode()
        # offset/length delimit exactly one gzip member
        with path.open("rb") as handle:
            handle.seek(location.offset)
            member = gzip.decompress(handle.read(location.length))
        assert member.startswith(b"WARC/1.1\r\n") and member.count(b"WARC/1.1\r\n") == 1


def test_rotation(tmp_path: Path) -> None:
    with WarcStore(tmp_path, max_size=1, prefix="tiny") as store:
        locations = [exchange(store, url=f"https://example.org/{i}") for i in range(3)]
        files = store.files
        total = store.bytes_written
    assert [p.name for p in files] == [loc.file for loc in locations]
    assert [p.name[-13:] for p in files] == ["00000.warc.gz", "00001.warc.gz", "00002.warc.gz"]
    assert all(p.name.startswith("tiny-") for p in files)
    assert total == sum(p.stat().st_size for p in files)
    for path, location in zip(files, locations, strict=True):
        types = [rec.rec_type for rec, _ in records(path)]
        assert types == ["warcinfo", "response", "request", "metadata"]
        with path.open("rb") as handle:
            handle.seek(location.offset)
            assert next(iter(ArchiveIterator(handle))).rec_type == "response"


def test_files_pass_warcio_check_and_index(tmp_path: Path) -> None:
    with WarcStore(tmp_path, max_size=600) as store:
        for i in range(4):
            exchange(store, url=f"https://example.org/{i}")
        files = [str(p) for p in store.files]
    assert len(files) > 1
    check = subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", *files],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "digest fail" not in check.stdout
    index = subprocess.run(
        [
            sys.executable,
            "-m",
            "warcio.cli",
            "index",
            "-f",
            "warc-type,warc-target-uri,http:status",
            files[0],
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert index.returncode == 0, index.stderr
    lines = [json.loads(line) for line in index.stdout.splitlines()]
    assert [line["warc-type"] for line in lines] == ["warcinfo", "response", "request", "metadata"]
    assert lines[1]["http:status"] == "200"


def test_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "regular-file"
    blocker.write_text("not a folder")
    with pytest.raises(WarcStoreError, match="regular-file") as raised:
        WarcStore(blocker / "warc")
    assert isinstance(raised.value, OSError)


def test_closed_store_refuses_writes(tmp_path: Path) -> None:
    store = WarcStore(tmp_path)
    store.close()
    assert store.files == []  # nothing was written, so no file was created
    with pytest.raises(ValueError, match="closed"):
        exchange(store)


def test_naive_fetched_at_is_refused(tmp_path: Path) -> None:
    with WarcStore(tmp_path) as store, pytest.raises(ValueError, match="timezone-aware"):
        exchange(store, fetched_at=datetime(2026, 11, 29, 7, 0))
