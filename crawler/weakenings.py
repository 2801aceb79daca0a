"""Settings that narrow a gate: refused for the job's purpose, or recorded as a weakening.

A crawl's record must not claim more than the crawl did. A setting that makes a gate let through
what it would otherwise have kept out is therefore either refused (a ConfigError before anything
is fetched) or kept with the job as a ``Weakening``, which ``audit job``, ``audit report`` and
``audit summary --eu`` name; the summary never calls a protocol "respected" that a weakening of
a job in scope narrowed. The table (also in the README):

| setting | when | rule |
|---|---|---|
| CONSENT_AI_AGENTS_OWN_ONLY | an evaluated purpose has AI agents in the table | refused |
| CONSENT_AI_AGENTS_DROP | a dropped token speaks for an evaluated purpose | recorded |
| CONSENT_AI_AGENTS_FILE | the file's table lacks a token, or a purpose of one, of the packaged table for an evaluated purpose | recorded |
| CONSENT_AGENT | the token of an AI agent of the table or of a search engine | refused |
| CONSENT_ROBOTS_PARSE_LIMIT | below 500 KiB (RFC 9309 section 2.5) | refused |
| CONSENT_MAX_CRAWL_DELAY | below its default | recorded |
| CONSENT_ALLOW_PRIVATE_NETWORKS | any network | recorded |
| CONSENT_RESOLVE | any entry | recorded |
| CONSENT_AUTH_URL_PATTERNS | a default pattern left out | recorded |
| CONSENT_SITE_MAX_PAGES, CONSENT_MAX_PATH_SEGMENTS | above the default | recorded |
| CONSENT_LICENSES_HELD | any licence | recorded |
| DOWNLOADER_MIDDLEWARES, SPIDER_MIDDLEWARES, EXTENSIONS, ITEM_PIPELINES, DOWNLOAD_HANDLERS | a component that is neither Scrapy's nor consentcrawl's | recorded |

Adding agents (CONSENT_AI_AGENTS_ADD) only widens what is honoured; back-off thresholds
(CONSENT_AUTH_WALL_*), caps of the job's own (CONSENT_MAX_PAGES, depth) and politeness settings
are recorded with the configuration but narrow no gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from storage.catalog.models import PROTOCOL_IDS

from .consent.agents import AgentTable
from .consent.model import Purpose
from .consent.walls import DEFAULT_AUTH_PATTERNS
from .defaults import CONSENT_DEFAULTS

if TYPE_CHECKING:
    from .config import ConsentConfig

__all__ = ["NARROWED", "SEARCH_ENGINE_TOKENS", "Weakening", "assess"]

#: What a weakening can narrow: the protocol and measure ids of the EU summary, which names them.
NARROWED: Final = PROTOCOL_IDS

#: Product tokens of search engines' crawlers: a job that called itself one of these would
#: read that crawler's robots.txt group (often the most permissive) as its own.
SEARCH_ENGINE_TOKENS: Final = frozenset(
    {"googlebot", "bingbot", "applebot", "duckduckbot", "yandex", "yandexbot", "baiduspider",
     "slurp", "msnbot", "google-extended", "seznambot", "naver", "yeti", "sogou"}
)

#: RFC 9309 section 2.5: crawlers must parse at least the first 500 kibibytes.
MIN_ROBOTS_PARSE_LIMIT: Final = 500 * 1024


@dataclass(frozen=True, slots=True)
class Weakening:
    setting: str
    value: Any  # JSON-ready
    narrows: tuple[str, ...]  # ids of NARROWED
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"setting": self.setting, "value": self.value, "narrows": list(self.narrows),
                "why": self.why}


def assess(config: ConsentConfig) -> tuple[list[str], tuple[Weakening, ...]]:
    """(refusals, weakenings) of a configuration: each refusal is a one-line error message."""
    refused: list[str] = []
    found: list[Weakening] = []
    _agents(config, refused, found)
    _robots(config, refused, found)
    _access(config, found)
    _scope(config, found)
    if config["CONSENT_LICENSES_HELD"]:
        found.append(Weakening(
            "CONSENT_LICENSES_HELD", list(config["CONSENT_LICENSES_HELD"]), ("rsl",),
            "licensable content is collected on the operator's word that these licences are held",
        ))
    for setting, entries in config.components.items():
        found.append(Weakening(
            setting, dict(entries), NARROWED,
            "components that are neither Scrapy's nor consentcrawl's can change what the gates "
            "see and do",
        ))
    return refused, tuple(found)


def _agents(config: ConsentConfig, refused: list[str], found: list[Weakening]) -> None:
    default = AgentTable.default()
    base = config.agents_base  # the packaged table, or CONSENT_AI_AGENTS_FILE's
    token = config.agent.lower()
    if token in default.tokens or token in base.tokens or token in SEARCH_ENGINE_TOKENS:
        refused.append(
            f"setting CONSENT_AGENT={config.agent!r}: the token of another crawler (its "
            "robots.txt group would be read as ours); choose a token of your own"
        )
    by_purpose = _lost(default, base, config.evaluate)
    if by_purpose:
        found.append(Weakening(
            "CONSENT_AI_AGENTS_FILE", {"file": base.file, "lost": by_purpose}, ("robots",),
            "the table file leaves out AI agents of the packaged table (or purposes of them): "
            "their robots.txt groups are not honoured for these purposes",
        ))
    lost = {name: None for names in _lost(base, config.agents, config.evaluate).values()
            for name in names}
    if not lost:
        return
    if config["CONSENT_AI_AGENTS_OWN_ONLY"]:
        purposes = ", ".join(sorted(p.value for p in config.evaluate if base.for_purpose(p)))
        refused.append(
            "setting CONSENT_AI_AGENTS_OWN_ONLY=True: the robots.txt groups of every AI agent "
            f"would be ignored for {purposes}; refused (CONSENT_AI_AGENTS_DROP drops single "
            "tokens, and is recorded)"
        )
        return
    found.append(Weakening(
        "CONSENT_AI_AGENTS_DROP", sorted(lost), ("robots",),
        "the robots.txt groups of these AI agents are not honoured",
    ))


def _lost(
    wider: AgentTable, narrower: AgentTable, purposes: frozenset[Purpose]
) -> dict[str, list[str]]:
    """Purpose -> the tokens (as ``wider`` spells them) whose opt-out ``wider`` honours for it
    and ``narrower`` does not; only purposes with such tokens."""
    lost: dict[str, list[str]] = {}
    for purpose in sorted(purposes):
        kept = set(narrower.for_purpose(purpose))
        names = [wider.names[t] for t in wider.for_purpose(purpose) if t not in kept]
        if names:
            lost[purpose.value] = names
    return lost


def _robots(config: ConsentConfig, refused: list[str], found: list[Weakening]) -> None:
    limit = config["CONSENT_ROBOTS_PARSE_LIMIT"]
    if limit < MIN_ROBOTS_PARSE_LIMIT:
        refused.append(
            f"setting CONSENT_ROBOTS_PARSE_LIMIT={limit}: below the {MIN_ROBOTS_PARSE_LIMIT} "
            "bytes RFC 9309 requires a crawler to parse"
        )
    delay = config["CONSENT_MAX_CRAWL_DELAY"]
    if delay < CONSENT_DEFAULTS["CONSENT_MAX_CRAWL_DELAY"]:
        found.append(Weakening(
            "CONSENT_MAX_CRAWL_DELAY", delay, ("robots",),
            f"a robots.txt Crawl-delay above {delay:g} s is not honoured in full",
        ))


def _access(config: ConsentConfig, found: list[Weakening]) -> None:
    networks = config["CONSENT_ALLOW_PRIVATE_NETWORKS"]
    if networks:
        found.append(Weakening(
            "CONSENT_ALLOW_PRIVATE_NETWORKS", list(networks), ("addresses",),
            "addresses in these networks are fetched from (loopback, intranets)",
        ))
    resolve = config["CONSENT_RESOLVE"]
    if resolve:
        value = dict(resolve) if isinstance(resolve, dict) else list(resolve)
        found.append(Weakening(
            "CONSENT_RESOLVE", value, ("dns",),
            "these host names are answered with the given addresses instead of DNS",
        ))
    patterns = config["CONSENT_AUTH_URL_PATTERNS"]
    if patterns is not None:
        dropped = [p for p in DEFAULT_AUTH_PATTERNS if p not in patterns]
        if dropped:
            found.append(Weakening(
                "CONSENT_AUTH_URL_PATTERNS", {"patterns": list(patterns), "left_out": dropped},
                ("login-walls",),
                "URLs of login and account areas that the default patterns keep out are fetched",
            ))


def _scope(config: ConsentConfig, found: list[Weakening]) -> None:
    for setting, why in (
        ("CONSENT_SITE_MAX_PAGES", "more pages of one site than the default cap are fetched"),
        ("CONSENT_MAX_PATH_SEGMENTS", "deeper paths than the default bound are fetched"),
    ):
        value = config[setting]
        if value > CONSENT_DEFAULTS[setting]:
            found.append(Weakening(setting, value, ("scope",), why))
