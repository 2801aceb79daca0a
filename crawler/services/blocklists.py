"""The piracy-site lists in force for one crawl, shared by the gates that apply them.

Loaded once per crawler from the catalog (every list's current version, withdrawn entries left
out) when the spider opens, after the files named in CONSENT_BLOCKLIST_FILES were validated and
stored as versions (``intake``, an explicit step of opening, never a side effect of asking); the
versions in force are recorded with the job. Both the downloader gate (seeds, requests, redirect
hops) and the spider gate (links, before they are queued) ask it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from blocklists.intake import InForce, in_force, submit
from storage.catalog.catalog import Catalog

from ..consent.model import Effect, Evidence, reason

if TYPE_CHECKING:
    from ..config import ConsentConfig

logger = logging.getLogger(__name__)

SIGNAL = "blocklist"


class BlocklistGate:
    def __init__(self, lists: InForce) -> None:
        self.lists = lists

    @property
    def versions(self) -> tuple[tuple[str, int, str], ...]:
        return self.lists.versions

    def evidence(self, url: str) -> Evidence | None:
        match = self.lists.matcher.match(url)
        if match is None:
            return None
        entry = match.entry
        because = f": {entry.reason}" if entry.reason else ""
        return Evidence(
            signal=SIGNAL,
            source=f"{match.source} v{match.version}",
            value=f"{entry.kind.value} {entry.value} (line {entry.line}){because}",
            effect=Effect.DENY,
            reason=reason(SIGNAL, match.source),
        )

    def review(self, seeds: Iterable[str], share: float) -> dict[str, float]:
        """Lists that block more than ``share`` of the seeds: applied, but flagged for review."""
        urls = list(seeds)
        blocked: Counter[str] = Counter()
        for url in urls:
            match = self.lists.matcher.match(url)
            if match is not None:
                blocked[match.source] += 1
        return {s: n / len(urls) for s, n in blocked.items() if urls and n / len(urls) > share}


def open_blocklists(config: ConsentConfig) -> BlocklistGate:
    """Store the job's CONSENT_BLOCKLIST_FILES as list versions, then load every list in force."""
    with Catalog(config["CONSENT_CATALOG_URL"], mode="write") as catalog:
        for path in config["CONSENT_BLOCKLIST_FILES"]:
            info = submit(catalog, path, submitter=config["CONSENT_BLOCKLIST_SUBMITTER"])
            logger.info(
                "Blocklist %s version %s (%d entries)", info.source, info.version, info.entry_count
            )
        return BlocklistGate(in_force(catalog))
