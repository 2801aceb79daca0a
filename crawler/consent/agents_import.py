"""ai.robots.txt's ``robots.json`` read into an agent table file (``consentcrawl agents import``).

Pure: the bytes of a robots.json in, the table file's data and a summary out; the CLI reads
and writes the files. The packaged ``agents.json`` is this module's output for the robots.json
named in its ``source`` (a test regenerates it from the copy in tests/data), so the rules below,
not hand edits, decide the table:

1. Token: the one a robots.txt parser reads from the name (``robots.product_token``), so
   "Kangaroo Bot" is ``Kangaroo`` and "MistralAI-User/1.0" is ``MistralAI-User``. Names with
   one token share it; the token covers the union of their purposes.
2. Excluded, with the reason: a name whose token is a generic word that would bind unrelated
   bots (:data:`GENERIC_TOKENS`: "AI2Bot" reads as ``ai``), and the names of :data:`EXCLUDED`
   (tools anyone runs, a link-preview fetcher).
3. A name of :data:`CURATED` is classified by the words quoted there, which must appear in its
   function or description (or the operator's documentation named as the source): training
   words give ``training``, answer/agent words ``ai-input``, both or "use undocumented" words
   ``all-ai``. Every free-text function of the packaged robots.json has an entry.
4. Otherwise the function, when it is a category of :data:`FUNCTION_CATEGORIES`, decides.
5. Otherwise the name is new to us: the conservative reading (every AI purpose), reported.

Against the table the import starts from (the packaged one), a name it knows keeps its
decision: when rule 4 now gives another category the name gets both (the union), and when its
function became free text (rule 5) the known decision stays; both are reported as changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from .agents import (
    CATEGORIES,
    FORMAT,
    AgentName,
    AgentTable,
    Exclusion,
    TableSource,
    category_of,
    purpose_names,
)
from .robots import product_token

__all__ = [
    "CURATED",
    "EXCLUDED",
    "FUNCTION_CATEGORIES",
    "GENERIC_TOKENS",
    "NOTES",
    "Imported",
    "Listed",
    "RobotsJsonError",
    "Summary",
    "Words",
    "import_agents",
    "parse_robots_json",
    "render",
]

REPOSITORY: Final = "ai-robots-txt/ai.robots.txt"
LICENSE: Final = "MIT"
GENERATOR: Final = "consentcrawl agents import (crawler/consent/agents_import.py)"

#: What each category stands for, in words (the table file's ``rule``).
RULES: Final[Mapping[str, str]] = {
    "training": "training crawlers and data scrapers",
    "ai-input": "AI assistants, AI search crawlers, agents and user-triggered fetchers",
    "all-ai": (
        "data providers and undocumented AI agents, and names whose description says they train "
        "and answer: every AI purpose"
    ),
}

#: robots.json ``function`` values that name a category (Known Agents' categories), as spelt
#: there; compared case-insensitively, a final full stop ignored.
FUNCTION_CATEGORIES: Final[Mapping[str, str]] = {
    "AI Data Scrapers": "training",
    "AI Assistants": "ai-input",
    "AI Search Crawlers": "ai-input",
    "AI Agents": "ai-input",
    "AI Coding Agents": "ai-input",
    "AI Data Providers": "all-ai",
    "Undocumented AI Agents": "all-ai",
}
_BY_FUNCTION: Final = {k.lower(): v for k, v in FUNCTION_CATEGORIES.items()}

#: Tokens that are generic words: a group for one would bind unrelated bots, so a name a parser
#: reads as one of them ("AI2Bot" -> ai, "img2dataset" -> img, "Channel3Bot" -> channel) or
#: that is one ("Spider", "Code") is excluded.
GENERIC_TOKENS: Final = frozenset(
    {
        "agent",
        "ai",
        "bot",
        "browser",
        "channel",
        "code",
        "crawl",
        "crawler",
        "data",
        "fetcher",
        "http",
        "image",
        "img",
        "scraper",
        "search",
        "spider",
        "user",
        "web",
    }
)

_PARSER: Final = "crawler.consent.robots.product_token"
_GENERIC: Final = "'{token}', a generic word: a group for it would bind unrelated bots"

#: Names left out whatever their token, with the reason and its source.
EXCLUDED: Final[Mapping[str, tuple[str, str]]] = {
    "Scrapy": (
        (
            "a crawler framework anyone runs (consentcrawl is built on it): a group for it speaks "
            "to every Scrapy-based crawler, not to one AI agent"
        ),
        "robots.json operator and description",
    ),
    "Lightpanda": (
        (
            "an open-source headless browser anyone runs (robots.json: 'Anyone who downloads the "
            "Lightpanda client')"
        ),
        "robots.json operator",
    ),
    "Crawl4AI": (
        (
            "an open-source crawler library anyone runs; a parser reads the name as 'crawl', a "
            "generic word"
        ),
        _PARSER,
    ),
    "img2dataset": (
        "a dataset download tool anyone runs; a parser reads the name as 'img', a generic word",
        _PARSER,
    ),
    "facebookexternalhit": (
        (
            "Meta's link-preview fetcher ('to crawl the content of an app or website that was "
            "shared'): a group for it stops link previews and says nothing about AI; robots.json's "
            "AI use is a suspicion ('likely'), not documented"
        ),
        "https://developers.facebook.com/docs/sharing/webmasters/web-crawlers/",
    ),
}


@dataclass(frozen=True, slots=True)
class Words:
    """The words of a name's function or description that decide its category.

    ``training``: it trains or scrapes data sets; ``ai_input``: it answers, assists, acts or
    retrieves for AI products; ``unclear``: its use is undocumented or open (data sold, "other
    uses"), which is every AI purpose. ``doc`` names the operator's documentation when words of
    it (``doc_training``, ``doc_ai_input``) decide too.
    """

    training: tuple[str, ...] = ()
    ai_input: tuple[str, ...] = ()
    unclear: tuple[str, ...] = ()
    doc: str | None = None
    doc_training: tuple[str, ...] = ()
    doc_ai_input: tuple[str, ...] = ()

    @property
    def category(self) -> str:
        trains = bool(self.training or self.doc_training)
        answers = bool(self.ai_input or self.doc_ai_input)
        if self.unclear or (trains and answers):
            return "all-ai"
        return "training" if trains else "ai-input"


_GOOGLE_COMMON: Final = (
    "https://developers.google.com/crawling/docs/crawlers-fetchers/google-common-crawlers"
    "#google-extended"
)

#: Names classified by their words (every free-text function of the packaged robots.json, and
#: category names whose description says more than the category).
CURATED: Final[Mapping[str, Words]] = {
    "AgentTimes": Words(("Data Scraper",), ("AI news aggregation and republishing",)),
    "aiHitBot": Words(training=("Scrapes data for AI systems",)),
    "amazon-kendra": Words(ai_input=("AI natural language search", "returns specific answers")),
    "Amazonbot": Words(
        ai_input=("enabling answers for Alexa users",),
        unclear=("does not clearly outline other uses",),
    ),
    "Andibot": Words(ai_input=("AI Search Assistant", "provides AI summary")),
    "Anomura": Words(ai_input=("Collects data for AI search",)),
    "anthropic-ai": Words(training=("Scrapes data to train",)),
    "Applebot-Extended": Words(training=("used to train Apple's foundation models",)),
    "atlassian-bot": Words(ai_input=("AI search, assistants and agents",)),
    "bedrockbot": Words(("Data scraping",), ("selected for use in a user's AWS bedrock",)),
    "Brightbot 1.0": Words(training=("LLM/AI training",)),
    "BuddyBot": Words(ai_input=("AI learning companion",)),
    "Bytespider": Words(training=("LLM training", "train LLMS")),
    "CCBot": Words(training=("open crawl dataset", "Machine Learning/AI")),
    "Claude-SearchBot": Words(ai_input=("accuracy of search responses",)),
    "ClaudeBot": Words(training=("Scrapes data to train",)),
    "Cloudflare-AutoRAG": Words(ai_input=("AI search",)),
    "cohere-ai": Words(ai_input=("responses to user-initiated prompts",)),
    "Cotoyogi": Words(training=("AI training",)),
    "DeepSeekBot": Words(training=("train its language models",)),
    "EchoboxBot": Words(("Data collection",), ("AI-powered social and email management",)),
    "FacebookBot": Words(training=("Training language models",)),
    "Factset_spyderbot": Words(training=("AI model training",)),
    "FriendlyCrawler": Words(training=("build datasets for machine learning",)),
    "Google-CloudVertexBot": Words(("Build and manage AI models",), ("Vertex AI Agents",)),
    "Google-Extended": Words(
        training=("Used to train Gemini",),
        doc=_GOOGLE_COMMON,
        doc_ai_input=(
            (
                "for grounding (providing content from the Google Search index to the "
                "model at prompt time"
            ),
        ),
    ),
    "Google-Firebase": Words(ai_input=("AI apps developed by users",)),
    "GoogleOther": Words(("Scrapes data",), unclear=("Used by various product teams",)),
    "GoogleOther-Image": Words(("Scrapes data",), unclear=("Used by various product teams",)),
    "GoogleOther-Video": Words(("Scrapes data",), unclear=("Used by various product teams",)),
    "GPTBot": Words(training=("Scrapes data to train", "train current and future models")),
    "iaskspider/2.0": Words(ai_input=("provide answers to user queries",)),
    "ICC-Crawler": Words(("Scrapes data to train",), unclear=("provide data to third parties",)),
    # An index for "search and retrieval of similar images", not said to train: not training.
    "ImagesiftBot": Words(ai_input=("analyzes this data", "retrieval of similar images")),
    "ISSCyberRiskCrawler": Words(training=("train machine learning models",)),
    "LAIONDownloader": Words(training=("provides datasets, tools and models",)),
    "Linguee Bot": Words(training=("gather training data",)),
    "meta-externalagent": Words(training=("Used to train models", "training AI models")),
    "MistralAI-User/1.0": Words(ai_input=("based on user prompts", "help answer")),
    "MyCentralAIScraperBot": Words(("AI data scraper",), unclear=("data use is unclear",)),
    "NagetBot": Words(training=("AI data scraper",)),
    "newsai": Words(training=("AI data scraper",)),
    "OAI-SearchBot": Words(ai_input=("Search result generation", "results in SearchGPT")),
    "omgili": Words(("LLM training",), unclear=("Data is sold",)),
    "omgilibot": Words(unclear=("Data is sold",)),
    "OpenAI": Words(unclear=("purpose of this bot is unclear",)),
    "Panscient": Words(("Data collection",), ("structured using AI",)),
    "panscient.com": Words(("Data collection",), ("structured using AI",)),
    "PerplexityBot": Words(ai_input=("Search result generation", "results in Perplexity")),
    "PetalBot": Words(ai_input=("assistant and AI search services",)),
    "Poseidon Research Crawler": Words(unclear=("AI research crawler",)),
    "QuillBot": Words(unclear=("and other services", "suite of AI product offerings")),
    "quillbot.com": Words(unclear=("and other services", "suite of AI product offerings")),
    "SBIntuitionsBot": Words(training=("AI development",)),
    "SemrushBot-OCOB": Words(ai_input=("ContentShake AI tool",)),
    "SemrushBot-SWA": Words(ai_input=("SEO Writing Assistant",)),
    "Sidetrade indexer bot": Words(training=("including training AI", "AI product training")),
    "Thinkbot": Words(unclear=("Collects data for analysis",)),
    "TikTokSpider": Words(training=("LLM training", "train LLMS")),
    "Timpibot": Words(training=("training LLMs", "training AI models")),
    "VelenPublicWebCrawler": Words(training=("business data sets and machine learning models",)),
    "Webzio-Extended": Words(("train AI models",), unclear=("sells to other companies",)),
    "wpbot": Words(("data collection",), ("AI Chatbot",)),
    "YaK": Words(ai_input=("AI enabled consumer intelligence suite",)),
    "YandexAdditional": Words(("data for the YandexGPT LLM",), ("YandexGPT quick answers",)),
    "YandexAdditionalBot": Words(("data for the YandexGPT LLM",), ("YandexGPT quick answers",)),
    "YouBot": Words(("Scrapes data for search engine and LLMs",), ("web search engine and LLMs",)),
}

NOTES: Final = (
    (
        "A site's robots.txt group naming one of these tokens and disallowing a URL is read as that "
        "site's opt-out of the token's purposes (inference, SIGNALS.md section 1 vectors 6 and 7); "
        "the * group never counts."
    ),
    (
        "Every name of robots.json is an agent (name -> token -> purposes, with what decided and "
        "its source) or excluded with its reason. Generated by `consentcrawl agents import`; do not "
        "edit by hand."
    ),
    (
        "Token: the one a robots.txt parser reads from the name (crawler.consent.robots."
        "product_token: the leading [A-Za-z_-] run, compared lower-cased): 'Kangaroo Bot' is "
        "Kangaroo, 'MistralAI-User/1.0' is MistralAI-User. Names with one token share it; it covers "
        "the union of their purposes."
    ),
    (
        "Excluded: a name whose token is a generic word that would bind unrelated bots (AI2Bot -> "
        "ai, img2dataset -> img, Channel3Bot -> channel, Crawl4AI -> crawl, Spider, Code), a tool "
        "anyone runs (Scrapy, Lightpanda), a link-preview fetcher (facebookexternalhit)."
    ),
    f"training (train-genai, train-ai): {RULES['training']} (function 'AI Data Scrapers').",
    (
        f"ai-input: {RULES['ai-input']} (functions 'AI Assistants', 'AI Search Crawlers', "
        "'AI Agents', 'AI Coding Agents')."
    ),
    (
        "all-ai (train-genai, train-ai, ai-input): data providers and undocumented AI agents "
        "(functions 'AI Data Providers', 'Undocumented AI Agents'), the conservative reading; "
        "also a name whose description says it trains and answers."
    ),
    (
        "A free-text function is classified by its words: decided_by quotes them, and they appear "
        "in robots.json's function or description (or the operator's documentation named as "
        "source). A search-only crawler is never mapped to training."
    ),
    (
        "A newer robots.json: the curated decisions (exclusions, words) apply by name first, then "
        "the function category; a name the packaged table knows keeps its decision (joined with a "
        "new category, kept when its function became free text); a new name with a free-text "
        "function gets every AI purpose and is reported for review."
    ),
)


class RobotsJsonError(ValueError):
    """A robots.json that cannot be read; the message names the name and field at fault."""


@dataclass(frozen=True, slots=True)
class Listed:
    """One name of robots.json, with the fields the table uses."""

    name: str
    operator: str
    function: str
    description: str


_REQUIRED: Final = ("operator", "function", "description")


def parse_robots_json(raw: bytes) -> tuple[Listed, ...]:
    """The names of a robots.json, in file order; RobotsJsonError says what is wrong."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RobotsJsonError(f"not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise RobotsJsonError(f"line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except _Duplicate as exc:
        raise RobotsJsonError(f"name {exc.args[0]!r} is listed twice") from None
    if not isinstance(data, dict) or not data:
        raise RobotsJsonError("expected an object of agent names")
    listed = []
    for name, entry in data.items():
        if not name.strip():
            raise RobotsJsonError("an empty name")
        if not isinstance(entry, dict):
            raise RobotsJsonError(f"name {name!r}: expected an object of fields")
        for key in _REQUIRED:
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                raise RobotsJsonError(f"name {name!r}: field {key!r} must be a non-empty text")
        listed.append(
            Listed(
                name,
                entry["operator"].strip(),
                entry["function"].strip(),
                entry["description"].strip(),
            )
        )
    return tuple(listed)


class _Duplicate(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Python keeps the last of two equal keys silently; a list that names an agent twice is
    # ambiguous, so it is refused.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Duplicate(key)
        result[key] = value
    return result


@dataclass(frozen=True, slots=True)
class Summary:
    """What an import found, against the table it started from."""

    names: int
    tokens: int
    by_category: Mapping[str, int]  # tokens per category
    excluded: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[dict[str, Any], ...]  # {"name", "changes": {field: [was, now]}, "why"}
    unclassified: tuple[str, ...]  # new names given every AI purpose: review them
    review: tuple[str, ...]  # curated names whose quoted words robots.json no longer has

    def to_json(self) -> dict[str, Any]:
        return {
            "names": self.names,
            "tokens": self.tokens,
            "by_category": dict(self.by_category),
            "excluded": self.excluded,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
            "unclassified": list(self.unclassified),
            "review": list(self.review),
        }


@dataclass(frozen=True, slots=True)
class Imported:
    data: dict[str, Any]  # the table file, as JSON data (``render`` writes it)
    table: AgentTable
    summary: Summary


@dataclass(slots=True)
class _Run:
    base: Mapping[str, AgentName | Exclusion]
    unclassified: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    why: dict[str, str] = field(default_factory=dict)  # name -> why a known decision changed


def import_agents(
    listed: tuple[Listed, ...],
    *,
    sha256: str,
    commit: str | None = None,
    date: str | None = None,
    base: AgentTable | None = None,
    keep: bool = True,
) -> Imported:
    """The table file for these names (see the module docstring for the rules), and what
    changed against ``base`` (the packaged table, usually). With ``keep`` the names ``base``
    knows keep its decisions; without, the rules alone decide (how the packaged file is made)."""
    known: dict[str, AgentName | Exclusion] = {}
    if base is not None:
        known.update((e.name, e) for e in base.excluded)
        known.update((a.name, a) for agents in base.entries.values() for a in agents)
    run = _Run(known if keep else {})
    decided = [_decide(item, run) for item in listed]
    source = TableSource(REPOSITORY, "robots.json", commit, date, sha256, LICENSE, len(listed))
    data: dict[str, Any] = {
        "format": FORMAT,
        "source": source.to_json(),
        "generator": GENERATOR,
        "notes": list(NOTES),
        "categories": {
            name: {
                "purposes": purpose_names(purposes),
                "rule": RULES[name],
                "functions": [f for f, c in FUNCTION_CATEGORIES.items() if c == name],
            }
            for name, purposes in CATEGORIES.items()
        },
        "agents": [d.to_json() for d in decided if isinstance(d, AgentName)],
        "excluded": [d.to_json() for d in decided if isinstance(d, Exclusion)],
    }
    table = AgentTable.from_json(data)
    by_category = dict.fromkeys(CATEGORIES, 0)
    for purposes in table.tokens.values():
        by_category[category_of(purposes)] += 1
    names = {item.name for item in listed}
    changed = [
        {
            "name": d.name,
            "changes": changes,
            "why": run.why.get(d.name, "robots.json or the import rules changed"),
        }
        for d in decided
        if d.name in known and (changes := _changes(known[d.name], d))
    ]
    summary = Summary(
        names=len(listed),
        tokens=len(table.tokens),
        by_category=by_category,
        excluded=len(data["excluded"]),
        added=tuple(item.name for item in listed if base is not None and item.name not in known),
        removed=tuple(name for name in known if name not in names),
        changed=tuple(changed),
        unclassified=tuple(run.unclassified),
        review=tuple(run.review),
    )
    return Imported(data, table, summary)


def render(data: Mapping[str, Any]) -> str:
    """The text of a table file (what ``--out`` writes and the packaged file holds)."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


_MARKDOWN_LINK: Final = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_BARE_URL: Final = re.compile(r"https?://\S+")


def _operator(text: str) -> tuple[str, str | None]:
    """robots.json's operator ("[Anthropic](https://www.anthropic.com)") as (name, URL)."""
    link = _MARKDOWN_LINK.fullmatch(text)
    if link:
        return link.group(1), link.group(2)
    bare = _BARE_URL.fullmatch(text)
    return text, bare.group(0) if bare else None


def _decide(item: Listed, run: _Run) -> AgentName | Exclusion:
    token = product_token(item.name)
    if item.name in EXCLUDED:
        reason, source = EXCLUDED[item.name]
        return Exclusion(item.name, token, reason, source)
    if token in ("", "*"):
        return Exclusion(
            item.name, token, "no robots.txt product token can be read from the name", _PARSER
        )
    if token in GENERIC_TOKENS:
        if token == item.name.lower():
            return Exclusion(item.name, token, _GENERIC.format(token=token), "robots.json name")
        return Exclusion(
            item.name, token, "a parser reads the name as " + _GENERIC.format(token=token), _PARSER
        )
    spelt = item.name[: len(token)]  # the token as the name spells it
    operator, url = _operator(item.operator)

    def agent(category: str, decided_by: str, source: str) -> AgentName:
        return AgentName(
            item.name,
            spelt,
            operator,
            url,
            item.function,
            category,
            CATEGORIES[category],
            decided_by,
            source,
        )

    words = CURATED.get(item.name)
    if words is not None:
        decided_by, source = _quoted(item, words, run)
        return agent(words.category, decided_by, source)
    category = _BY_FUNCTION.get(item.function.rstrip(".").strip().lower())
    old = run.base.get(item.name)
    if category is not None:
        decided_by = f"function {item.function!r}: {RULES[category]}"
        if isinstance(old, AgentName) and old.category != category:
            joined = category_of(old.purposes | CATEGORIES[category])
            run.why[item.name] = (
                f"function now {item.function!r} ({category}); the known decision "
                f"({old.category}) is kept beside it: {joined}"
            )
            return agent(
                joined,
                f"{decided_by}; joined with the known decision: {old.decided_by}",
                f"robots.json function; {old.source}",
            )
        return agent(category, decided_by, "robots.json function")
    if isinstance(old, AgentName):
        run.why[item.name] = "function now free text: the known decision is kept"
        return agent(old.category, f"kept from the known table: {old.decided_by}", old.source)
    run.unclassified.append(item.name)
    return agent(
        "all-ai",
        "free-text function with no words on record: every AI purpose "
        "(the conservative reading) until reviewed",
        "robots.json function",
    )


_KINDS: Final = (
    ("training", "training"),
    ("ai_input", "ai-input"),
    ("unclear", "use not documented: every AI purpose"),
)


def _quoted(item: Listed, words: Words, run: _Run) -> tuple[str, str]:
    """decided_by (the words, each with what it stands for) and source of a curated name."""
    function, description = item.function.lower(), item.description.lower()
    parts: list[str] = []
    fields: set[str] = set()
    for attribute, meaning in _KINDS:
        for word in getattr(words, attribute):
            needle = word.lower()
            where = [
                n
                for n, text in (("function", function), ("description", description))
                if needle in text
            ]
            if not where and item.name not in run.review:
                run.review.append(item.name)
            fields.update(where)
            parts.append(f"{word!r} ({meaning})")
    for attribute, meaning in (("doc_training", "training"), ("doc_ai_input", "ai-input")):
        for word in getattr(words, attribute):
            parts.append(f"documentation: {word!r} ({meaning})")
    cited = " and ".join(f for f in ("function", "description") if f in fields)
    source = f"robots.json {cited}" if cited else "robots.json"
    if words.doc:
        source = f"{source}; {words.doc}"
    return "words " + ", ".join(parts), source


def _changes(old: AgentName | Exclusion, new: AgentName | Exclusion) -> dict[str, list[str]]:
    """Field -> [was, now] for what differs between two decisions on one name."""

    def view(decision: AgentName | Exclusion) -> dict[str, str]:
        if isinstance(decision, Exclusion):
            return {"token": decision.token, "category": "excluded"}
        return {
            "token": decision.token,
            "category": decision.category,
            "function": decision.function,
        }

    was, now = view(old), view(new)
    return {
        k: [was.get(k, ""), now.get(k, "")]
        for k in sorted(set(was) | set(now))
        if was.get(k) != now.get(k)
    }
