"""Subscriptions: a rights holder publishes a list at a URL; each fetch that changed is a version.

The fetch is conditional (If-None-Match / If-Modified-Since from the last version fetched from
that URL), so an unchanged list costs a 304 and makes no version. It uses ``requests``: this is
an administrative download run by a person, not part of a crawl.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import requests

from storage.catalog.catalog import BlocklistVersionInfo, Catalog
from storage.errors import CatalogError

from .intake import submit

__all__ = ["SubscriptionError", "SubscriptionResult", "subscribe"]

TIMEOUT = 30.0
MAX_BYTES = 256 * 1024 * 1024  # a list of millions of entries fits; anything more is refused


class SubscriptionError(RuntimeError):
    """The list could not be fetched (network error, HTTP error, too large)."""


@dataclass(frozen=True, slots=True)
class SubscriptionResult:
    url: str
    status: int
    version: BlocklistVersionInfo | None  # None: not modified (304)

    @property
    def changed(self) -> bool:
        return self.version is not None and not self.version.unchanged


def subscribe(
    catalog: Catalog,
    url: str,
    *,
    submitter: str,
    source: str | None = None,
    session: requests.Session | None = None,
) -> SubscriptionResult:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SubscriptionError(f"{url!r} is not an http(s) URL")
    name = PurePosixPath(parts.path).name or "blocklist.txt"
    source = source or PurePosixPath(name).stem
    headers = _conditional_headers(catalog, source, url)
    http = session or requests.Session()
    try:
        response = http.get(url, headers=headers, timeout=TIMEOUT, stream=True)
        if response.status_code == 304:
            return SubscriptionResult(url, 304, None)
        response.raise_for_status()
        data = _read(response)
    except requests.RequestException as exc:
        raise SubscriptionError(f"fetching {url}: {exc}") from None
    version = submit(
        catalog,
        name,
        submitter=submitter,
        data=data,
        source=source,
        url=url,
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )
    return SubscriptionResult(url, response.status_code, version)


def _conditional_headers(catalog: Catalog, source: str, url: str) -> dict[str, str]:
    try:
        history = catalog.blocklist_history(source)
    except CatalogError:
        return {}  # a new source: fetch unconditionally
    fetched = [v for v in history if v.url == url]
    if not fetched:
        return {}
    last = fetched[-1]
    headers = {}
    if last.etag:
        headers["If-None-Match"] = last.etag
    if last.last_modified:
        headers["If-Modified-Since"] = last.last_modified
    return headers


def _read(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=1 << 16):
        size += len(chunk)
        if size > MAX_BYTES:
            raise SubscriptionError(f"{response.url}: more than {MAX_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
