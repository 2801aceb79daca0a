"""The table of AI agent product tokens whose robots.txt groups we read as opt-outs.

A site that writes ``User-agent: GPTBot`` / ``Disallow: /`` tells OpenAI's training crawler to
stay out. RFC 9309 says nothing to other crawlers, but the site has said what it thinks of AI
training, so a crawl for that purpose honours it (SIGNALS.md section 1, vectors 6 and 7). This
module only says which tokens speak for which purposes; ``robots_ai`` reads the groups.

The packaged ``agents.json`` is generated from ai.robots.txt's ``robots.json`` by
``agents_import`` (``consentcrawl agents import``), never edited by hand: a test checks that it
is exactly what the importer makes of the copy in tests/data. A table file has this shape::

    {
      "format": "consentcrawl-agent-table/2",
      "source": {"repository": "ai-robots-txt/ai.robots.txt", "file": "robots.json",
                 "commit": "738c…", "date": "2026-08-22", "sha256": "b8dd…", "license": "MIT",
                 "names": 166},
      "notes": ["the rules, in words", ...],
      "categories": {"training": {"purposes": ["train-genai", "train-ai"], "rule": "…"}, ...},
      "agents": [{"name": "GPTBot", "token": "GPTBot", "operator": "OpenAI",
                  "operator_url": "https://openai.com", "function": "…",
                  "category": "training", "purposes": ["train-genai", "train-ai"],
                  "decided_by": "words …", "source": "robots.json function and description"},
                 ...],
      "excluded": [{"name": "AI2Bot", "token": "ai", "reason": "…", "source": "…"}, ...]
    }

Each name maps to the token a robots.txt parser reads from it (``robots.product_token``);
several names may map to one token, which then covers the union of their purposes. Jobs adjust
the table with :meth:`AgentTable.configured` (add, drop, or keep only our own token).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from .model import Purpose
from .robots import is_valid_token, product_token

__all__ = [
    "CATEGORIES",
    "FORMAT",
    "AgentName",
    "AgentTable",
    "AgentTableError",
    "Exclusion",
    "TableSource",
    "category_of",
    "purpose_names",
]

#: Category names accepted wherever a purpose name is, with the purposes they stand for. Every
#: name of a table file carries one; ``add={"FooBot": ["training"]}`` reads like the JSON.
CATEGORIES: Final[Mapping[str, frozenset[Purpose]]] = MappingProxyType(
    {
        "training": frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI}),
        "ai-input": frozenset({Purpose.AI_INPUT}),
        "all-ai": frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT}),
    }
)

#: The ``format`` of a table file this version reads and writes.
FORMAT: Final = "consentcrawl-agent-table/2"

_DATA_FILE: Final = "agents.json"


class AgentTableError(ValueError):
    """A token, purpose or table file that cannot be used; the message names it."""


def category_of(purposes: frozenset[Purpose]) -> str:
    """The category whose purposes these are (AgentTableError when none is)."""
    for name, covered in CATEGORIES.items():
        if covered == purposes:
            return name
    raise AgentTableError(f"agent table: no category covers {sorted(p.value for p in purposes)}")


@dataclass(frozen=True, slots=True)
class TableSource:
    """The robots.json a table was generated from."""

    repository: str
    file: str
    commit: str | None  # None: the importer was not told
    date: str | None
    sha256: str
    license: str | None
    names: int

    def to_json(self) -> dict[str, Any]:
        return {
            "repository": self.repository,
            "file": self.file,
            "commit": self.commit,
            "date": self.date,
            "sha256": self.sha256,
            "license": self.license,
            "names": self.names,
        }


@dataclass(frozen=True, slots=True)
class AgentName:
    """One name of robots.json that the table maps to a token."""

    name: str  # as robots.json spells it ("Kangaroo Bot")
    token: str  # the product token a parser reads from it, as spelt there ("Kangaroo")
    operator: str
    operator_url: str | None
    function: str
    category: str  # a key of CATEGORIES
    purposes: frozenset[Purpose]
    decided_by: str  # which rule or words decided the category
    source: str  # robots.json's fields, or the operator's documentation URL

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "token": self.token,
            "operator": self.operator,
            "operator_url": self.operator_url,
            "function": self.function,
            "category": self.category,
            "purposes": purpose_names(self.purposes),
            "decided_by": self.decided_by,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Exclusion:
    """One name of robots.json that the table leaves out, and why."""

    name: str
    token: str  # what a parser reads from it ("" when nothing)
    reason: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "token": self.token,
            "reason": self.reason,
            "source": self.source,
        }


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AgentTable:
    """Lower-cased product token -> the purposes a site's opt-out for that token covers.

    ``names`` keeps each token as written in the table ("GPTBot"), for reason codes and reports;
    ``entries`` the robots.json names behind each token, with their operator, function and the
    source of the mapping; ``excluded`` the names left out. ``source``, ``file`` and ``sha256``
    say which table file this is (``file`` None: the packaged one). Build it with
    :meth:`default`, :meth:`from_file` or :meth:`configured`, not by hand.
    """

    tokens: Mapping[str, frozenset[Purpose]] = field(default_factory=_empty)
    names: Mapping[str, str] = field(default_factory=_empty)
    entries: Mapping[str, tuple[AgentName, ...]] = field(default_factory=_empty)
    excluded: tuple[Exclusion, ...] = ()
    source: TableSource | None = None
    file: str | None = None
    sha256: str | None = None

    def __hash__(self) -> int:  # the mappings are read-only views, so the table is a value
        return hash(frozenset(self.tokens.items()))

    @classmethod
    def default(cls) -> AgentTable:
        """The table of the packaged ``agents.json`` (read and checked once per process)."""
        return _default()

    @classmethod
    def from_file(cls, path: Path) -> AgentTable:
        """The table of a file ``consentcrawl agents import`` wrote; AgentTableError names the
        file and what is wrong with it."""
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise AgentTableError(f"cannot read {path}: {exc.strerror or exc}") from None
        return replace(_parse(raw, str(path)), file=str(path))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgentTable:
        """A table from data of the table file shape; AgentTableError names what is wrong."""
        if not isinstance(data, Mapping):
            raise AgentTableError("agent table: expected a JSON object")
        if data.get("format") != FORMAT:
            raise AgentTableError(
                f"agent table: 'format' is {data.get('format')!r}, expected {FORMAT!r} "
                "(write table files with `consentcrawl agents import`)"
            )
        categories = _categories(data.get("categories"))
        agents = data.get("agents")
        if not isinstance(agents, list):
            raise AgentTableError("agent table: 'agents' must be a list")
        entries: dict[str, tuple[str, set[Purpose]]] = {}
        by_token: dict[str, list[AgentName]] = {}
        seen: set[str] = set()
        for index, item in enumerate(agents):
            agent = _agent(item, f"agents[{index}]", categories)
            if agent.name in seen:
                raise AgentTableError(f"agent table: agents[{index}]: name {agent.name!r} twice")
            seen.add(agent.name)
            _merge(entries, agent.token, set(agent.purposes))
            by_token.setdefault(agent.token.lower(), []).append(agent)
        excluded = data.get("excluded", [])
        if not isinstance(excluded, list):
            raise AgentTableError("agent table: 'excluded' must be a list")
        exclusions = tuple(_exclusion(item, f"excluded[{i}]") for i, item in enumerate(excluded))
        for exclusion in exclusions:
            if exclusion.name in seen:
                raise AgentTableError(
                    f"agent table: {exclusion.name!r} is both an agent and excluded"
                )
        table = _freeze(entries)
        return replace(
            table,
            entries=MappingProxyType({k: tuple(by_token[k]) for k in table.tokens}),
            excluded=exclusions,
            source=_source(data.get("source")),
        )

    def configured(
        self,
        *,
        add: Mapping[str, Iterable[str]] | None = None,
        drop: Iterable[str] = (),
        own_only: bool = False,
    ) -> AgentTable:
        """A copy adjusted for one job.

        ``own_only`` starts from an empty table (only our own token's group counts); ``drop``
        removes tokens (case-insensitive; unknown ones are ignored); ``add`` then maps tokens to
        purpose or category names, merging with what a token already covers. An invalid token or
        purpose raises AgentTableError (a ValueError) naming it; nothing is changed in ``self``.
        The copy keeps the identity (``source``, ``file``, ``sha256``) of the table it came from.
        """
        entries: dict[str, tuple[str, set[Purpose]]] = (
            {} if own_only else {k: (self.names[k], set(v)) for k, v in self.tokens.items()}
        )
        for token in _strings(drop, "drop"):
            _check_token(token)
            entries.pop(token.lower(), None)
        for token, names in (add or {}).items():
            _merge(entries, token, _purposes(names, f"token {token!r}"))
        table = _freeze(entries)
        return replace(
            table,
            entries=MappingProxyType(
                {k: self.entries[k] for k in table.tokens if k in self.entries}
            ),
            excluded=self.excluded,
            source=self.source,
            file=self.file,
            sha256=self.sha256,
        )

    def for_purpose(self, purpose: Purpose) -> tuple[str, ...]:
        """Sorted (lower-cased) tokens whose opt-out covers ``purpose``."""
        return tuple(sorted(t for t, purposes in self.tokens.items() if purpose in purposes))

    def identity(self) -> dict[str, Any]:
        """What a job records of the table it used (JSON-ready)."""
        source = self.source
        return {
            "file": self.file or "packaged",
            "sha256": self.sha256,
            "tokens": len(self.tokens),
            "source_commit": source.commit if source else None,
            "source_date": source.date if source else None,
            "source_sha256": source.sha256 if source else None,
        }


@functools.cache
def _default() -> AgentTable:
    raw = resources.files(__package__).joinpath(_DATA_FILE).read_bytes()
    return _parse(raw, _DATA_FILE)


def _parse(raw: bytes, name: str) -> AgentTable:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgentTableError(f"{name}: not a JSON table file ({exc})") from None
    try:
        table = AgentTable.from_json(data)
    except AgentTableError as exc:
        raise AgentTableError(f"{name}: {exc}") from None
    return replace(table, sha256=hashlib.sha256(raw).hexdigest())


def _text(item: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise AgentTableError(f"agent table: {where}: {key!r} must be a non-empty text")
    return value


def _categories(value: object) -> Mapping[str, frozenset[Purpose]]:
    if not isinstance(value, Mapping):
        raise AgentTableError("agent table: 'categories' must be an object")
    found: dict[str, frozenset[Purpose]] = {}
    for name, category in value.items():
        if not isinstance(category, Mapping):
            raise AgentTableError(f"agent table: category {name!r} must be an object")
        purposes = frozenset(_purposes(category.get("purposes"), f"category {name!r}"))
        if CATEGORIES.get(name) != purposes:
            raise AgentTableError(
                f"agent table: category {name!r} must be one of {', '.join(CATEGORIES)} with "
                "its purposes"
            )
        found[name] = purposes
    return found


def _agent(item: object, where: str, categories: Mapping[str, frozenset[Purpose]]) -> AgentName:
    if not isinstance(item, Mapping):
        raise AgentTableError(f"agent table: {where} must be an object")
    name = _text(item, "name", where)
    where = f"{where} ({name!r})"
    token = _check_token(item.get("token"))
    if token.lower() != product_token(name):
        raise AgentTableError(
            f"agent table: {where}: token {token!r} is not what a parser reads from the name "
            f"({product_token(name)!r})"
        )
    category = item.get("category")
    if not isinstance(category, str) or category not in categories:
        raise AgentTableError(f"agent table: {where}: unknown category {category!r}")
    purposes = frozenset(_purposes(item.get("purposes"), where))
    if purposes != categories[category]:
        raise AgentTableError(f"agent table: {where}: purposes differ from category {category!r}")
    return AgentName(
        name=name,
        token=token,
        operator=_text(item, "operator", where),
        operator_url=_text(item, "operator_url", where, optional=True),
        function=_text(item, "function", where),
        category=category,
        purposes=purposes,
        decided_by=_text(item, "decided_by", where),
        source=_text(item, "source", where),
    )


def _exclusion(item: object, where: str) -> Exclusion:
    if not isinstance(item, Mapping):
        raise AgentTableError(f"agent table: {where} must be an object")
    name = _text(item, "name", where)
    token = item.get("token")
    if not isinstance(token, str):
        raise AgentTableError(f"agent table: {where} ({name!r}): 'token' must be a text")
    return Exclusion(
        name=name,
        token=token,
        reason=_text(item, "reason", f"{where} ({name!r})"),
        source=_text(item, "source", f"{where} ({name!r})"),
    )


def _source(value: object) -> TableSource | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise AgentTableError("agent table: 'source' must be an object")
    names = value.get("names")
    if not isinstance(names, int) or isinstance(names, bool) or names < 0:
        raise AgentTableError("agent table: source 'names' must be a count")
    return TableSource(
        repository=_text(value, "repository", "source"),
        file=_text(value, "file", "source"),
        commit=_text(value, "commit", "source", optional=True),
        date=_text(value, "date", "source", optional=True),
        sha256=_text(value, "sha256", "source"),
        license=_text(value, "license", "source", optional=True),
        names=names,
    )


def purpose_names(purposes: frozenset[Purpose]) -> list[str]:
    """The purposes' names in contract order (train-genai, train-ai, ai-input, search)."""
    return [p.value for p in Purpose if p in purposes]


def _check_token(token: object) -> str:
    if not isinstance(token, str) or not is_valid_token(token):
        raise AgentTableError(
            f"agent token {token!r} is not a robots.txt product token ([A-Za-z_-]+)"
        )
    return token


def _strings(values: object, what: str) -> list[str]:
    # A bare string is one name, not an iterable of one-letter names.
    if isinstance(values, str):
        return [values]
    if not isinstance(values, Iterable):
        raise AgentTableError(f"agent table: {what} must be a list of names, not {values!r}")
    return list(values)


def _purposes(names: object, owner: str) -> set[Purpose]:
    result: set[Purpose] = set()
    for name in _strings(names, f"purposes of {owner}"):
        key = name.strip().lower() if isinstance(name, str) else name
        if isinstance(key, str) and key in CATEGORIES:
            result |= CATEGORIES[key]
            continue
        try:
            result.add(Purpose(key))
        except ValueError:
            choices = ", ".join([*(p.value for p in Purpose), *CATEGORIES])
            raise AgentTableError(
                f"agent table: unknown purpose {name!r} for {owner} (choose from {choices})"
            ) from None
    if not result:
        # An empty set would mean "all purposes" on Evidence: refuse rather than guess.
        raise AgentTableError(f"agent table: {owner} names no purpose")
    return result


def _merge(
    entries: dict[str, tuple[str, set[Purpose]]], token: object, purposes: set[Purpose]
) -> None:
    name = _check_token(token)
    key = name.lower()
    if key in entries:
        entries[key][1].update(purposes)  # the first spelling stays the display name
    else:
        entries[key] = (name, set(purposes))


def _freeze(entries: Mapping[str, tuple[str, set[Purpose]]]) -> AgentTable:
    ordered = sorted(entries)
    return AgentTable(
        tokens=MappingProxyType({k: frozenset(entries[k][1]) for k in ordered}),
        names=MappingProxyType({k: entries[k][0] for k in ordered}),
    )
