"""OriginPolicyMiddleware: the policy documents of each origin, fetched before its first page.

Per origin (scheme, host, port), once per cache period (at most 24 h), it fetches:

- ``/robots.txt`` (RFC 9309, failing closed; Scrapy's RobotsTxtMiddleware, which it replaces,
  treats a download error or a 5xx page as "allow all"):
  2xx → the rules apply (the first CONSENT_ROBOTS_PARSE_LIMIT bytes; RFC 9309 asks for at least
  500 KiB); 4xx except 429 → no rules; 5xx, 429, network errors, no answer within
  CONSENT_ROBOTS_TIMEOUT, more redirects than CONSENT_MAX_REDIRECTS or a file over
  CONSENT_ROBOTS_MAX_SIZE → nothing is fetched from the origin (RFC 9309 lets a crawler treat
  over five redirects as "unavailable"; we fail closed);
- then, if robots.txt lets our token fetch them, ``/.well-known/tdmrep.json`` (TDMRep) and
  ``/ai.txt`` (Spawning). A missing or malformed file is "unset"; one that cannot be read
  (5xx, timeout) reserves the purposes it speaks for, since their specs are silent on errors;
- the RSL licences that robots.txt ``License:`` lines name for our token (crawler.license_gate),
  so that a licence is found before the content it covers is accessed.

Every document is handed to the catalog verbatim (``policy_document_fetched``). For each request
the middleware adds the evidence these documents give (our token's rules, AI agents' groups,
Content-Signal and Content-Usage lines, ai.txt, RSL) and refuses the request when that evidence
already denies the job's purpose. A TDMRep file rule only travels on with the request: a
``tdm-reservation`` header or meta tag of the page itself may override it after download.
Crawl-delay of our group slows the origin's download slot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from scrapy.utils.httpobj import urlparse_cached

from .. import meta, stats
from ..async_cache import AsyncCache
from ..config import config_of
from ..consent.agents import AgentTable
from ..consent.aitxt import ai_txt_evidence, parse_ai_txt
from ..consent.content_signal import ContentSignals
from ..consent.content_usage import ContentUsageRules
from ..consent.license_policy import LicenseTerms
from ..consent.model import Effect, Evidence, Purpose, Reason
from ..consent.patterns import Rule
from ..consent.policy import decide
from ..consent.robots import RobotsTxt, Verdict, decode_robots
from ..consent.robots_ai import AiGroups
from ..consent.tdmrep import TdmRepFile
from ..exceptions import (
    ConsentDenied,
    OptOutDenied,
    RobotsDenied,
    RobotsUnreachable,
)
from ..license_gate import MAX_DOCUMENTS, RslFound, licences_for, rsl_unreadable
from ..policy_fetch import Fetched

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any, Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

ROBOTS = "robots.txt"
TDMREP = "tdmrep.json"
AITXT = "ai.txt"
PATHS = {ROBOTS: "/robots.txt", TDMREP: "/.well-known/tdmrep.json", AITXT: "/ai.txt"}
TRAINING = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI})
TDM = frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT})


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
    notes: tuple[Evidence, ...] = field(default_factory=tuple)  # per-origin facts (errors, ignored files)
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
        agent = self.agent
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
        verdict = self.rules.allowed(url, agent)
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
                self.aitxt_rules, url, self.agent, source=self.aitxt.url,
                document_sha256=self.aitxt.sha256,
            )
        if self.terms is not None:
            for found, line in self.licences:
                evidence += found.evidence(url, self.terms, via=f"robots.txt line {line}")
        return evidence


class OriginPolicyMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        config = config_of(crawler)
        self.crawler = crawler
        self.agent = config.agent
        self.purpose = config.purpose
        self.purposes = config.evaluate
        self.table = config.agents
        self.parse_limit: int = config["CONSENT_ROBOTS_PARSE_LIMIT"]
        self.max_size: int = config["CONSENT_ROBOTS_MAX_SIZE"]
        self.tdmrep_max_size: int = config["CONSENT_TDMREP_MAX_SIZE"]
        self.max_crawl_delay: float = config["CONSENT_MAX_CRAWL_DELAY"]
        self.licences = licences_for(crawler)
        self.fetcher = self.licences.fetcher  # one fetcher, one timeout and cache period
        self._origins: AsyncCache[OriginPolicy] = AsyncCache(lambda policy: policy.expires)
        self._delayed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> Coroutine[Any, Any, None] | None:
        if meta.is_probe(request):
            return None
        parsed = urlparse_cached(request)
        origin = f"{parsed.scheme}://{parsed.netloc}"
        policy = self._origins.fresh(origin)
        if policy is None:  # first request of the origin, or its cache ran out: fetch first
            return self._process_loading(request, origin)
        self._apply(request, policy)  # the common case: no coroutine
        return None

    async def _process_loading(self, request: Request, origin: str) -> None:
        self._apply(request, await self.policy_for(origin))

    def _apply(self, request: Request, policy: OriginPolicy) -> None:
        evidence = policy.evidence_for(request.url, self.purposes)
        if policy.tdm_file is not None and policy.tdmrep is not None:
            file = policy.tdm_file
            match = meta.TdmFileMatch(
                file.match(request.url), policy.tdmrep.url, policy.tdmrep.sha256, file.errors
            )
            meta.set_tdm_file(request, match)
        if not any(decide(p, evidence).allowed for p in self.purposes):
            raise self._denial(request.url, evidence)
        self._apply_crawl_delay(request, policy)
        meta.add_evidence(request, *evidence)

    def _denial(self, url: str, evidence: list[Evidence]) -> ConsentDenied:
        own = evidence[0]
        if own.reason == Reason.ROBOTS_UNREACHABLE:
            return RobotsUnreachable(url, *evidence)
        if own.reason == Reason.ROBOTS_DISALLOW:
            logger.debug("Forbidden by robots.txt: %(url)s", {"url": url})
            self.crawler.stats.inc_value(stats.ROBOTS_FORBIDDEN)
            return RobotsDenied(url, *evidence)
        self.crawler.stats.inc_value(stats.OPTOUT_DENIED)
        return OptOutDenied(url, *evidence)

    def _apply_crawl_delay(self, request: Request, policy: OriginPolicy) -> None:
        if policy.rules is None or self.crawler.engine is None:
            return
        delay = policy.rules.crawl_delay(self.agent)
        if delay is None:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if key in self._delayed:
            return
        self._delayed.add(key)
        delay = min(delay, self.max_crawl_delay)
        slot_settings = downloader.per_slot_settings.setdefault(key, {})
        slot_settings["delay"] = max(float(slot_settings.get("delay", 0.0)), delay)
        if key in downloader.slots:
            downloader.slots[key].delay = max(downloader.slots[key].delay, delay)
        self.crawler.stats.set_value(stats.crawl_delay(key), delay)

    async def policy_for(self, origin: str) -> OriginPolicy:
        return await self._origins.get(origin, lambda: self._load(origin))

    async def _load(self, origin: str) -> OriginPolicy:
        robots = await self._fetch(origin, ROBOTS, self.max_size)
        now = time.monotonic()
        if robots.failure is not None:
            self.crawler.stats.inc_value(stats.ROBOTS_UNREACHABLE)
            logger.info("robots.txt unreachable, origin closed: %s (%s)", robots.url, robots.failure)
            return OriginPolicy(robots, now + self.fetcher.error_ttl, self.agent)
        rules = None
        if robots.ok and robots.body is not None:
            rules = RobotsTxt.parse(decode_robots(robots.body), max_bytes=self.parse_limit)
        wanted = [
            kind for kind in (TDMREP, AITXT)
            if rules is None or rules.allowed(PATHS[kind], self.agent).allowed
        ]
        fetched = dict(
            zip(
                wanted,
                await asyncio.gather(
                    *(self._fetch(origin, kind, self._limit(kind)) for kind in wanted)
                ),
                strict=True,
            )
        )
        licence_lines = () if rules is None else rules.licenses_for(self.agent)
        notes: list[Evidence] = []
        if len(licence_lines) > MAX_DOCUMENTS:  # never read part of what a site declares
            skipped = [f"line {line}: {url}" for url, line in licence_lines[MAX_DOCUMENTS:]]
            notes.append(
                rsl_unreadable(robots.url, [f"over {MAX_DOCUMENTS} License lines", *skipped[:3]])
            )
            licence_lines = licence_lines[:MAX_DOCUMENTS]
        licences = tuple(
            zip(
                await asyncio.gather(*(self.licences.document(u) for u, _ in licence_lines)),
                (line for _, line in licence_lines),
                strict=True,
            )
        )
        tdmrep, tdm_file = fetched.get(TDMREP), None
        if tdmrep is not None:
            tdm_file = self._tdm_file(tdmrep, notes)
        aitxt, aitxt_rules = fetched.get(AITXT), None
        if aitxt is not None:
            aitxt_rules = self._aitxt_rules(aitxt, notes)
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

    def _limit(self, kind: str) -> int:
        return self.tdmrep_max_size if kind == TDMREP else self.max_size

    def _tdm_file(self, fetched: Fetched, notes: list[Evidence]) -> TdmRepFile | None:
        if fetched.too_large:  # a protocol error, so TDM rights stay unset
            notes.append(_ignored(fetched, f"over {self.tdmrep_max_size} bytes"))
            return None
        if fetched.failure is not None:
            notes.append(
                fetched.unreadable(
                    Reason.TDMREP_UNREACHABLE, f"{TDMREP} unreachable ({fetched.failure})",
                    purposes=TDM,
                )
            )
            return None
        if not fetched.ok or fetched.body is None:
            return None  # absent: TDM rights unset
        return TdmRepFile.parse(fetched.body, max_bytes=self.tdmrep_max_size)

    def _aitxt_rules(self, fetched: Fetched, notes: list[Evidence]) -> RobotsTxt | None:
        if fetched.too_large:
            notes.append(_ignored(fetched, f"over {self.max_size} bytes"))
            return None
        if fetched.failure is not None:
            notes.append(
                fetched.unreadable(
                    Reason.AITXT_UNREACHABLE, f"{AITXT} unreachable ({fetched.failure})",
                    purposes=TRAINING,
                )
            )
            return None
        if not fetched.ok or fetched.body is None:
            return None
        rules, ignored = parse_ai_txt(fetched.body, fetched.content_type)
        if ignored is not None:
            notes.append(_ignored(fetched, ignored))
        return rules

    async def _fetch(self, origin: str, kind: str, max_size: int) -> Fetched:
        return await self.fetcher.fetch(origin + PATHS[kind], kind, max_size)


def _ignored(fetched: Fetched, why: str) -> Evidence:
    return Evidence(
        fetched.kind, fetched.url, f"{fetched.kind} ignored: {why}", document_sha256=fetched.sha256
    )
