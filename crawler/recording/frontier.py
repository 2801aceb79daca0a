"""The frontier log of a job: every URL its crawl asked for, one JSON line each, append-only.

Scrapy's JOBDIR keeps its queue only on a clean close, so after a kill -9 it has nothing; this
log has every line written straight to the OS (one ``os.write`` per line, no user-space buffer),
so a killed crawl leaves all it asked for but the line being written. Lines:

- ``{"url", "depth", "kind", "referer"}`` for a request, with ``page_tags`` and ``licences`` when
  an image request carries its page's robots tags and the licences the page declared for it
  (``crawler.meta.PageTags``, ``image_licence_of``), so a resumed image still honours them;
- ``{"links_done": url}`` once the spider has asked for every link of that page.

``read_log`` reads it back; a torn last line (the crash came mid-write) is left out, any other
bad line is a FrontierError naming the file and line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from .. import meta
from ..consent.licenses import LicenseEvidence, Scope, Strength
from ..consent.robots_tags import RobotsTag
from ..meta import Kind, PageTags

if TYPE_CHECKING:
    from scrapy import Request, Spider

__all__ = [
    "FILE_NAME",
    "Asked",
    "FrontierError",
    "FrontierLog",
    "LogContents",
    "log_asked",
    "log_path",
    "read_log",
]

FILE_NAME: Final = "frontier.jsonl"
_KINDS: Final = frozenset(Kind)


class FrontierError(Exception):
    """A frontier log that cannot be read."""


def log_path(warc_dir: str | Path, job_id: str) -> Path:
    """Where a job keeps its frontier log: its work folder under the WARC folder."""
    return Path(warc_dir) / "jobs" / job_id / FILE_NAME


@dataclass(frozen=True, slots=True)
class Asked:
    """One request the crawl asked for."""

    url: str
    depth: int = 0
    kind: Kind = Kind.PAGE
    referer: str | None = None
    page_tags: PageTags | None = None
    licences: tuple[LicenseEvidence, ...] | None = None


@dataclass(slots=True)
class LogContents:
    asked: dict[str, Asked] = field(default_factory=dict)  # the first line of each URL, in order
    links_done: set[str] = field(default_factory=set)


class FrontierLog:
    """Appends to a frontier log, creating it and its folder."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def asked(self, item: Asked) -> None:
        self._write(_encode(item))

    def links_done(self, url: str) -> None:
        self._write({"links_done": url})

    def _write(self, line: dict[str, Any]) -> None:
        if self._fd is None:
            return
        data = (json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        os.write(self._fd, data)  # one write of a whole line: appended at once

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def read_log(path: Path, into: LogContents | None = None) -> LogContents:
    """The log's contents (added to ``into``: one LogContents can gather several logs)."""
    contents = into if into is not None else LogContents()
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        raise FrontierError(f"{path}: {exc.strerror or exc}") from None
    # After the last newline: nothing, or a line the crash cut short (left out).
    lines = text.split("\n")[:-1]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
            if "links_done" in parsed:
                contents.links_done.add(str(parsed["links_done"]))
                continue
            item = _decode(parsed)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise FrontierError(f"{path}, line {number}: not a frontier line ({exc})") from None
        contents.asked.setdefault(item.url, item)
    return contents


def _encode(item: Asked) -> dict[str, Any]:
    line: dict[str, Any] = {
        "url": item.url, "depth": item.depth, "kind": item.kind, "referer": item.referer
    }
    if item.page_tags is not None:
        tags = item.page_tags
        line["page_tags"] = [tags.url, list(_tags(tags.header)), list(_tags(tags.meta))]
    if item.licences is not None:
        line["licences"] = [_licence(piece) for piece in item.licences]
    return line


def _tags(tags: Iterable[RobotsTag]) -> Iterator[list[str | None]]:
    for tag in tags:
        yield [tag.scope, tag.directive, tag.value]


def _licence(piece: LicenseEvidence) -> dict[str, Any]:
    return {
        "source": piece.source,
        "value": piece.value,
        "spdx": piece.spdx,
        "strength": piece.strength.value,
        "scope": piece.scope.value,
        "url": piece.url,
        "names": piece.names,
        "images": list(piece.images),
    }


def _decode(line: dict[str, Any]) -> Asked:
    url, depth, kind = line["url"], line["depth"], line["kind"]
    if not isinstance(url, str) or not isinstance(depth, int) or kind not in _KINDS:
        raise ValueError("url, depth or kind of the wrong type")
    page_tags: PageTags | None = None
    if line.get("page_tags") is not None:
        page, header, metas = line["page_tags"]
        page_tags = PageTags(str(page), _robots_tags(header), _robots_tags(metas))
    licences = None
    if line.get("licences") is not None:
        licences = tuple(
            LicenseEvidence(
                source=d["source"],
                value=d["value"],
                spdx=d["spdx"],
                strength=Strength(d["strength"]),
                scope=Scope(d["scope"]),
                url=d["url"],
                names=d["names"],
                images=tuple(d["images"]),
            )
            for d in line["licences"]
        )
    referer = line.get("referer")
    return Asked(
        url, depth, Kind(kind), referer if isinstance(referer, str) else None, page_tags, licences
    )


def _robots_tags(items: Iterable[list[str | None]]) -> tuple[RobotsTag, ...]:
    tags = []
    for scope, directive, value in items:
        if not isinstance(directive, str):
            raise TypeError("a robots tag without a directive")
        tags.append(RobotsTag(scope, directive, value))
    return tuple(tags)


def log_asked(spider: Spider | None, request: Request) -> None:
    """Write a request to the spider's frontier log, if it keeps one (the seed spider logs what
    it asks; the outcome middleware logs the targets of redirects)."""
    frontier = getattr(spider, "frontier", None)
    if not isinstance(frontier, FrontierLog):
        return
    frontier.asked(
        Asked(
            url=request.url,
            depth=int(request.meta.get("depth", 0)),
            kind=meta.kind_of(request),
            referer=meta.referer_of(request),
            page_tags=meta.page_tags_of(request),
            licences=meta.image_licence_of(request),
        )
    )
