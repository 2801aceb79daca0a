"""``crawl --resume JOB``: which job may be resumed, and what its continuation asks for.

A continuation is a new job that runs with the old job's recorded configuration (its
``settings`` hold ``CONSENT_RESUMES``: the old job's id), because the old job is closed and
sealed. Its frontier is every URL the frontier logs of the old job and of the jobs it continues
hold, less every URL those jobs decided (their catalog records): nothing decided is fetched
again. A page recorded as collected but without its "links done" line (the crawl ended between
its record and its links) has its links extracted again from its WARC record, and its images
asked for with what the stored page says of them (its robots tags, the licences it declares).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from scrapy import Request
from scrapy.http import Headers, HtmlResponse
from scrapy.responsetypes import responsetypes
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from storage.catalog import liveness
from storage.catalog.access import reading
from storage.catalog.catalog import Catalog
from storage.catalog.models import CrawlJob, UrlRecord

from . import meta
from .exceptions import ConfigError
from .pages.reading import read_page
from .recording.frontier import Asked, FrontierError, LogContents, log_path, read_log

__all__ = ["RESUMES", "ResumePlan", "Resumption", "plan", "resumable"]

#: The setting a continuation records the id of the job it resumes in.
RESUMES: Final = "CONSENT_RESUMES"
#: Statuses a job can be resumed from (a stale ``running`` job shows as ``crashed``).
RESUMABLE: Final = ("interrupted", "crashed")


@dataclass(frozen=True, slots=True)
class Resumption:
    """A job that may be resumed, with what its continuation runs with."""

    job_id: uuid.UUID
    purpose: str
    seeds: tuple[str, ...]
    settings: Mapping[str, Any]  # its recorded configuration
    chain: tuple[uuid.UUID, ...]  # it, then the jobs it continues


@dataclass(frozen=True, slots=True)
class ResumePlan:
    """What the continuation's spider starts from."""

    seen: frozenset[str]  # every URL asked for so far (the page budget counts them)
    pending: tuple[Asked, ...]  # asked for, never decided
    relink: tuple[HtmlResponse, ...]  # collected pages whose links were not all asked for


def resumable(catalog_url: str, job: str) -> Resumption:
    """The job `job` names, if it may be resumed; ConfigError (a usage error) if not."""
    try:
        job_id = uuid.UUID(job)
    except ValueError:
        raise ConfigError(f"--resume {job}: not a job id") from None
    columns = (CrawlJob.id, CrawlJob.status, CrawlJob.purpose, CrawlJob.seeds, *liveness.COLUMNS)
    with Catalog(catalog_url, mode="read") as catalog, reading(catalog, "reading jobs") as db:
        jobs = {row.id: row for row in db.execute(select(*columns))}
    found = jobs.get(job_id)
    if found is None:
        raise ConfigError(f"--resume {job}: no such job in the catalog")
    status = liveness.job_status(found)
    if status not in RESUMABLE:
        why = "still running" if status == "running" else status
        raise ConfigError(
            f"--resume {job}: the job is {why}; only an interrupted or crashed job resumes"
        )
    for row in jobs.values():
        if (row.settings or {}).get(RESUMES) == str(job_id):
            raise ConfigError(f"--resume {job}: already resumed by job {row.id}")
    chain = [job_id]
    while (previous := (jobs[chain[-1]].settings or {}).get(RESUMES)) is not None:
        chain.append(uuid.UUID(previous))
    settings = dict(found.settings or {})
    for link in chain:
        path = log_path(settings["CONSENT_WARC_DIR"], str(link))
        if not path.is_file():
            raise ConfigError(f"--resume {job}: job {link} has no frontier log {path}")
    return Resumption(job_id, found.purpose, tuple(found.seeds), settings, tuple(chain))


def plan(catalog_url: str, resumption: Resumption) -> ResumePlan:
    """The continuation's frontier: logged, less decided; FrontierError for an unreadable log."""
    warc_dir = Path(resumption.settings["CONSENT_WARC_DIR"])
    logged = LogContents()
    for job_id in reversed(resumption.chain):  # oldest first: the first line of a URL wins
        read_log(log_path(warc_dir, str(job_id)), logged)
    query = select(
        UrlRecord.url, UrlRecord.kind, UrlRecord.outcome, UrlRecord.warc_file, UrlRecord.warc_offset
    ).where(UrlRecord.job_id.in_(resumption.chain))
    decided: set[str] = set()
    unlinked: list[tuple[str, str, int]] = []
    with Catalog(catalog_url, mode="read") as catalog, reading(catalog, "reading records") as db:
        for url, kind, outcome, warc_file, offset in db.execute(query):
            decided.add(url)
            if kind != "page" or outcome != "collected" or url in logged.links_done:
                continue
            if warc_file is not None and offset is not None:
                unlinked.append((url, warc_file, offset))
    relink = []
    for url, warc_file, offset in unlinked:
        asked = logged.asked.get(url, Asked(url))
        page = _stored_page(warc_dir / warc_file, offset, asked)
        if page is not None:
            relink.append(page)
    pending = tuple(item for url, item in logged.asked.items() if url not in decided)
    return ResumePlan(frozenset(logged.asked), pending, tuple(relink))


def _stored_page(path: Path, offset: int, asked: Asked) -> HtmlResponse | None:
    """The page as it was collected, from its WARC response record (None: not HTML)."""
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            record = next(iter(ArchiveIterator(handle)))
            headers = Headers(record.http_headers.headers if record.http_headers else [])
            body = record.content_stream().read()
    except (OSError, StopIteration) as exc:
        why = f"no stored page of {asked.url} ({exc})"
        raise FrontierError(f"{path} at offset {offset}: {why}") from None
    kind = responsetypes.from_args(headers=headers, url=asked.url, body=body)
    if not issubclass(kind, HtmlResponse):
        return None
    request = Request(asked.url, meta={"depth": asked.depth})
    page = HtmlResponse(asked.url, status=200, headers=headers, body=body, request=request)
    reading = read_page(page)  # as the response gate read it: for the page's images
    meta.set_page_tags(request, reading.tags)
    meta.set_image_licences(request, reading.image_licences())
    return page
