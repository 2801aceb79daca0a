"""The origin service: each origin's policy documents, fetched before its first page, and what
they say per URL.

Per origin (scheme, host, port), once per cache period (at most 24 h), it fetches:

- ``/robots.txt`` (RFC 9309, failing closed; Scrapy's RobotsTxtMiddleware, which the origin gate
  replaces, treats a download error or a 5xx page as "allow all"):
  2xx → the rules apply (the first CONSENT_ROBOTS_PARSE_LIMIT bytes; RFC 9309 asks for at least
  500 KiB); 4xx except 429 → no rules; 5xx, 429, network errors, no answer within
  CONSENT_ROBOTS_TIMEOUT, more redirects than CONSENT_MAX_REDIRECTS or a file over
  CONSENT_ROBOTS_MAX_SIZE → nothing is fetched from the origin (RFC 9309 lets a crawler treat
  over five redirects as "unavailable"; we fail closed);
- then, if robots.txt lets our token fetch them, ``/.well-known/tdmrep.json`` (TDMRep) and
  ``/ai.txt`` (Spawning). A missing or malformed file is "unset"; one that cannot be read
  (5xx, timeout) reserves the purposes it speaks for, since their specs are silent on errors;
- the RSL licences that robots.txt ``License:`` lines name for our token (the licence service),
  so that a licence is found before the content it covers is accessed.

Every document is handed to the catalog verbatim by the fetcher. ``OriginPolicy.evidence_for``
gives the evidence these documents hold for one URL: our token's rules, AI agents' groups,
Content-Signal and Content-Usage lines, ai.txt, RSL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from .. import stats
from ..consent.agents import AgentTable
from ..consent.aitxt import ai_txt_evidence, parse_ai_txt
from ..consent.content_signal import ContentSignals
from ..consent.content_usage import ContentUsageRules
from ..consent.license_policy import LicenseTerms
from ..consent.model import Effect, Evidence, Purpose, Reason
from ..consent.patterns import Rule
from ..consent.robots import RobotsTxt, Verdict, decode_robots
from ..consent.robots_ai import AiGroups
from ..consent.tdmrep import TdmRepFile
from .async_cache import AsyncCache
from .fetch import Fetched, PolicyFetcher
from .licences import MAX_DOCUMENTS, RslFound, RslLicences, rsl_unreadable

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from ..config import ConsentConfig

__all__ = ["AITXT", "PATHS", "ROBOTS", "TDMREP", "OriginPolicies", "OriginPolicy"]

logger = logging.getLogger(__name__)

ROBOTS = "robots.txt"
TDMREP = "tdmrep.json"
AITXT = "ai.txt"
PATHS = {ROBOTS: "/robots.txt", TDMREP: "/.well-known/tdmrep.json", AITXT: "/ai.txt"}
TRAINING = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI})
TDM = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT})

_Parsed = TypeVar("_Parsed")


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """What an origin's policy documents say, ready to be asked per URL."""

    robots: Fetched
    expires: float
    agent: str = ""
    rules: RobotsTxt | None = None
    # Compiled once per origin from ``rules``: every URL of the origin asks them.
    ai_groups: AiGroups | None = None
    signals: ContentSignals | None = None
    usage: ContentUsageRules | None = None
    tdmrep: Fetched | None = None
    tdm_file: TdmRepFile | None = None
    aitxt: Fetched | None = None
    aitxt_rules: RobotsTxt | None = None
    notes: tuple[Evidence, ...] = ()  # per-origin facts (errors, ignored files)
    # RSL licences named by robots.txt ``License:`` lines for our token, with their line numbers.
    licences: tuple[tuple[RslFound, int], ...] = ()
    terms: LicenseTerms | None = None
    # Our token's evidence per deciding rule: every URL a rule decides gets the same piece.
    _by_rule: dict[Rule | None, Evidence] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @classmethod
    def build(
        cls,
        robots: Fetched,
        expires: float,
        *,
        agent: str,
        table: AgentTable,
        rules: RobotsTxt | None = None,
        tdmrep: Fetched | None = None,
        tdm_file: TdmRepFile | None = None,
        aitxt: Fetched | None = None,
        aitxt_rules: RobotsTxt | None = None,
        notes: tuple[Evidence, ...] = (),
        licences: tuple[tuple[RslFound, int], ...] = (),
        terms: LicenseTerms | None = None,
    ) -> OriginPolicy:
        return cls(
            robots,
            expires,
            agent,
            rules,
            None if rules is None else AiGroups.of(rules, table),
            None if rules is None else ContentSignals.of(rules, agent),
            None if rules is None else ContentUsageRules.of(rules, agent),
            tdmrep,
            tdm_file,
            aitxt,
            aitxt_rules,
            notes,
            licences,
            terms,
        )

    def robots_evidence(self, url: str) -> Evidence:
        robots = self.robots
        failure = robots.failure
        if failure is not None:
            return Evidence(
                signal=ROBOTS,
                source=robots.url,
                value=f"robots.txt unreachable ({failure}): origin closed",
                effect=Effect.DENY,
                reason=Reason.ROBOTS_UNREACHABLE,
                document_sha256=robots.sha256,
            )
        if self.rules is None:
            return Evidence(
                signal=ROBOTS,
                source=robots.url,
                value=f"robots.txt answered HTTP {robots.status}: no rules",
                document_sha256=robots.sha256,
            )
        verdict = self.rules.allowed(url, self.agent)
        found = self._by_rule.get(verdict.rule)
        if found is None:
            found = self._by_rule[verdict.rule] = self._rule_evidence(verdict)
        return found

    def _rule_evidence(self, verdict: Verdict) -> Evidence:
        agent, robots = self.agent, self.robots
        group = verdict.matched_token or "no group"
        if verdict.rule is None:
            text = f"allowed for {agent}: no matching rule ({group})"
        else:
            text = f"{verdict.rule.text} (group {group}) for {agent}"
        return Evidence(
            signal=ROBOTS,
            source=robots.url,
            value=text,
            effect=Effect.INFO if verdict.allowed else Effect.DENY,
            reason=None if verdict.allowed else Reason.ROBOTS_DISALLOW,
            document_sha256=robots.sha256,
            line=verdict.rule.line if verdict.rule else None,
        )

    def evidence_for(self, url: str, purposes: frozenset[Purpose]) -> list[Evidence]:
        """Everything the origin's documents say about ``url`` for these purposes."""
        own = self.robots_evidence(url)
        evidence = [own, *self.notes]
        if own.reason is not None:  # closed origin or a disallow: nothing else matters
            return evidence
        source, sha = self.robots.url, self.robots.sha256
        if self.ai_groups is not None:
            evidence += self.ai_groups.optouts(url, purposes, source=source, document_sha256=sha)
        if self.signals is not None:
            evidence += self.signals.evidence(url, source=source, document_sha256=sha)
        if self.usage is not None:
            evidence += self.usage.evidence(url, source=source, document_sha256=sha)
        if self.aitxt_rules is not None and self.aitxt is not None:
            evidence += ai_txt_evidence(
                self.aitxt_rules,
                url,
                self.agent,
                source=self.aitxt.url,
                document_sha256=self.aitxt.sha256,
            )
        if self.terms is not None:
            for found, line in self.licences:
                evidence += found.evidence(url, self.terms, via=f"robots.txt line {line}")
        return evidence

    def crawl_delay(self) -> float | None:
        """The Crawl-delay of our group, if it gives one."""
        return None if self.rules is None else self.rules.crawl_delay(self.agent)


class OriginPolicies:
    """Each origin's policy, loaded once per cache period however many requests wait for it."""

    def __init__(
        self,
        crawler: Crawler,
        config: ConsentConfig,
        fetcher: PolicyFetcher,
        licences: RslLicences,
    ) -> None:
        self.crawler = crawler
        self.agent = config.agent
        self.table = config.agents
        self.parse_limit: int = config["CONSENT_ROBOTS_PARSE_LIMIT"]
        self.limits = {
            ROBOTS: config["CONSENT_ROBOTS_MAX_SIZE"],
            AITXT: config["CONSENT_ROBOTS_MAX_SIZE"],
            TDMREP: config["CONSENT_TDMREP_MAX_SIZE"],
        }
        self.fetcher = fetcher
        self.licences = licences
        self._origins: AsyncCache[OriginPolicy] = AsyncCache(lambda policy: policy.expires)

    def fresh(self, origin: str) -> OriginPolicy | None:
        """The origin's policy when it is loaded and not expired (no waiting)."""
        return self._origins.fresh(origin)

    async def policy_for(self, origin: str) -> OriginPolicy:
        return await self._origins.get(origin, lambda: self._load(origin))

    async def _load(self, origin: str) -> OriginPolicy:
        robots = await self._fetch(origin, ROBOTS)
        now = time.monotonic()
        if robots.failure is not None:
            self.crawler.stats.inc_value(stats.ROBOTS_UNREACHABLE)
            logger.info(
                "robots.txt unreachable, origin closed: %s (%s)", robots.url, robots.failure
            )
            return OriginPolicy(robots, now + self.fetcher.error_ttl, self.agent)
        rules = None
        if robots.ok and robots.body is not None:
            rules = RobotsTxt.parse(decode_robots(robots.body), max_bytes=self.parse_limit)
        wanted = [
            kind
            for kind in (TDMREP, AITXT)
            if rules is None or rules.allowed(PATHS[kind], self.agent).allowed
        ]
        answers = await asyncio.gather(*(self._fetch(origin, kind) for kind in wanted))
        fetched = dict(zip(wanted, answers, strict=True))
        notes: list[Evidence] = []
        licences = await self._licences(robots, rules, notes)
        tdmrep, aitxt = fetched.get(TDMREP), fetched.get(AITXT)
        tdm_file = self._read(tdmrep, notes, Reason.TDMREP_UNREACHABLE, TDM, self._tdmrep)
        aitxt_rules = self._read(aitxt, notes, Reason.AITXT_UNREACHABLE, TRAINING, parse_ai_txt)
        failed = any(f.failure for f in fetched.values()) or any(
            found.document is None or not found.document.valid for found, _ in licences
        )
        return OriginPolicy.build(
            robots,
            now + (self.fetcher.error_ttl if failed else self.fetcher.ttl),
            agent=self.agent,
            table=self.table,
            rules=rules,
            tdmrep=tdmrep,
            tdm_file=tdm_file,
            aitxt=aitxt,
            aitxt_rules=aitxt_rules,
            notes=tuple(notes),
            licences=licences,
            terms=self.licences.terms,
        )

    async def _licences(
        self, robots: Fetched, rules: RobotsTxt | None, notes: list[Evidence]
    ) -> tuple[tuple[RslFound, int], ...]:
        """The RSL documents robots.txt ``License:`` lines name for our token."""
        lines = () if rules is None else rules.licenses_for(self.agent)
        if len(lines) > MAX_DOCUMENTS:  # never read part of what a site declares
            skipped = [f"line {line}: {url}" for url, line in lines[MAX_DOCUMENTS:]]
            notes.append(
                rsl_unreadable(robots.url, [f"over {MAX_DOCUMENTS} License lines", *skipped[:3]])
            )
            lines = lines[:MAX_DOCUMENTS]
        found = await asyncio.gather(*(self.licences.document(url) for url, _ in lines))
        return tuple(zip(found, (line for _, line in lines), strict=True))

    def _read(
        self,
        fetched: Fetched | None,
        notes: list[Evidence],
        unreachable: Reason,
        purposes: frozenset[Purpose],
        parse: Callable[[bytes, str | None], tuple[_Parsed | None, str | None]],
    ) -> _Parsed | None:
        """A tdmrep.json or ai.txt parsed (``parse`` of body and content type gives the result,
        or why the file is ignored), or None with a note saying why not: over its size limit
        or ignored (a protocol error: its rights stay unset), unreachable (the purposes it
        speaks for reserved), absent (unset)."""
        if fetched is None:
            return None
        if fetched.too_large:
            notes.append(_ignored(fetched, f"over {self.limits[fetched.kind]} bytes"))
            return None
        if fetched.failure is not None:
            text = f"{fetched.kind} unreachable ({fetched.failure})"
            notes.append(fetched.unreadable(unreachable, text, purposes=purposes))
            return None
        if not fetched.ok or fetched.body is None:
            return None
        parsed, ignored = parse(fetched.body, fetched.content_type)
        if ignored is not None:
            notes.append(_ignored(fetched, ignored))
        return parsed

    def _tdmrep(self, body: bytes, content_type: str | None) -> tuple[TdmRepFile, None]:
        return TdmRepFile.parse(body, max_bytes=self.limits[TDMREP]), None

    async def _fetch(self, origin: str, kind: str) -> Fetched:
        return await self.fetcher.fetch(origin + PATHS[kind], kind, self.limits[kind])


def _ignored(fetched: Fetched, why: str) -> Evidence:
    return Evidence(
        fetched.kind, fetched.url, f"{fetched.kind} ignored: {why}", document_sha256=fetched.sha256
    )
