"""Subscriptions: a rights holder publishes a list at a URL; each fetch that changed is a version.

The fetch is conditional (If-None-Match / If-Modified-Since from the last version fetched from
that URL), so an unchanged list costs a 304 and makes no version. It goes through ``Guard``
(``fetch.py``): only to addresses the crawler would connect to, every redirect hop checked.
``refresh`` fetches every subscription again, each (list, URL) whose versions came from a URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from storage.catalog.catalog import Catalog
from storage.catalog.results import BlocklistVersionInfo
from storage.errors import CatalogError

from .fetch import FetchError, Guard
from .intake import submit
from .model import BlocklistFormatError

__all__ = ["Refreshed", "SubscriptionResult", "refresh", "subscribe", "subscriptions"]

TIMEOUT = 30.0
MAX_BYTES = 256 * 1024 * 1024  # a list of millions of entries fits; anything more is refused

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
    guard: Guard | None = None,
) -> SubscriptionResult:
    """Fetch the list at ``url`` (refused unless ``guard`` allows every address on the way:
    ``FetchError``) and store it as a version of ``source`` when it changed."""
    name = PurePosixPath(urlsplit(url).path).name or "blocklist.txt"
    source = source or PurePosixPath(name).stem
    headers = _conditional_headers(catalog, source, url, submitter)
    fetched = (guard or Guard()).get(url, headers, timeout=TIMEOUT, max_bytes=MAX_BYTES)
    if fetched.status == 304:
        return SubscriptionResult(url, 304, None)
    version = submit(
        catalog,
        name,
        submitter=submitter,
        data=fetched.body,
        source=source,
        url=url,
        etag=fetched.headers.get("ETag"),
        last_modified=fetched.headers.get("Last-Modified"),
    )
    return SubscriptionResult(url, fetched.status, version)


def _conditional_headers(catalog: Catalog, source: str, url: str, submitter: str) -> dict[str, str]:
    try:
        history = catalog.blocklist_history(source)
    except CatalogError:
        return {}  # a new source: fetch unconditionally
    # Someone else's list: no 304 that would pass for a subscription; the catalog refuses it.
    fetched = [v for v in history if v.url == url] if history[0].submitter == submitter else []
    if not fetched:
        return {}
    last = fetched[-1]
    headers = {}
    if last.etag:
        headers["If-None-Match"] = last.etag
    if last.last_modified:
        headers["If-Modified-Since"] = last.last_modified
    return headers


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What fetching one subscription again did: ``version`` when one was stored, else
    ``error`` when it failed, else the list was not modified."""

    source: str
    url: str
    version: BlocklistVersionInfo | None = None
    error: str | None = None

    @property
    def result(self) -> str:
        if self.error is not None:
            return f"failed: {self.error}"
        if self.version is None:
            return "not modified"
        return f"version {self.version.version} stored ({self.version.entry_count} entries)"


def subscriptions(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(list, URL, owner) of every distinct URL a list's versions were fetched from."""
    found: list[tuple[str, str, str]] = []
    for current in catalog.blocklists():
        history = catalog.blocklist_history(current.source)
        urls = dict.fromkeys(v.url for v in history if v.url)
        found.extend((current.source, url, history[0].submitter) for url in urls)
    return found


def refresh(catalog: Catalog, *, guard: Guard | None = None) -> list[Refreshed]:
    """Fetch every subscription again, for its owner; one failure does not stop the others."""
    results = []
    for source, url, owner in subscriptions(catalog):
        try:
            done = subscribe(catalog, url, submitter=owner, source=source, guard=guard)
        except BlocklistFormatError as exc:
            first = str(exc).partition("\n")[0]
            results.append(Refreshed(source, url, error=f"{len(exc.problems)} problem(s): {first}"))
        except (FetchError, CatalogError) as exc:
            results.append(Refreshed(source, url, error=str(exc)))
        else:
            stored = done.version if done.changed else None
            results.append(Refreshed(source, url, version=stored))
    return results
