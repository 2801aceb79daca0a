"""The table of AI agent product tokens whose robots.txt groups we read as opt-outs.

A site that writes ``User-agent: GPTBot`` / ``Disallow: /`` tells OpenAI's training crawler to
stay out. RFC 9309 says nothing to other crawlers, but the site has said what it thinks of AI
training, so a crawl for that purpose honours it (SIGNALS.md section 1, vectors 6 and 7). This
module only says which tokens speak for which purposes; ``robots_ai`` reads the groups.

The packaged ``agents.json`` has this shape::

    {
      "source": "where the names come from",
      "updated": "2026-11-29",
      "notes": ["what was left out and why", ...],
      "categories": {
        "training": {"purposes": ["train-genai", "train-ai"], "tokens": ["GPTBot", ...]},
        "ai-input": {"purposes": ["ai-input"], "tokens": ["OAI-SearchBot", ...]}
      }
    }

Every token is an RFC 9309 product token (``[A-Za-z_-]+``); a token listed in several
categories covers the union of their purposes. Jobs adjust the table with
:meth:`AgentTable.configured` (add, drop, or keep only our own token).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from .model import Purpose
from .robots import is_valid_token

__all__ = ["CATEGORIES", "AgentTable", "AgentTableError"]

#: Category names accepted wherever a purpose name is, with the purposes they stand for. They
#: mirror the packaged file so that ``add={"FooBot": ["training"]}`` reads like the JSON.
CATEGORIES: Final[Mapping[str, frozenset[Purpose]]] = MappingProxyType(
    {
        "training": frozenset({Purpose.TRAIN_GENAI, Purpose.TRAIN_AI}),
        "ai-input": frozenset({Purpose.AI_INPUT}),
    }
)

_DATA_FILE: Final = "agents.json"


class AgentTableError(ValueError):
    """A token, purpose or table shape that cannot be used; the message names it."""


@dataclass(frozen=True, slots=True)
class AgentTable:
    """Lower-cased product token -> the purposes a site's opt-out for that token covers.

    ``names`` keeps each token as written in the table ("GPTBot"), for reason codes and reports.
    Build it with :meth:`default` or :meth:`configured`, not by hand.
    """

    tokens: Mapping[str, frozenset[Purpose]] = field(default_factory=lambda: MappingProxyType({}))
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __hash__(self) -> int:  # the mappings are read-only views, so the table is a value
        return hash(frozenset(self.tokens.items()))

    @classmethod
    def default(cls) -> AgentTable:
        """The table of the packaged ``agents.json`` (read and checked once per process)."""
        return _default()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AgentTable:
        """A table from data of the ``agents.json`` shape; AgentTableError names what is wrong."""
        categories = data.get("categories")
        if not isinstance(categories, Mapping):
            raise AgentTableError("agent table: 'categories' must be an object")
        entries: dict[str, tuple[str, set[Purpose]]] = {}
        for name, category in categories.items():
            if not isinstance(category, Mapping):
                raise AgentTableError(f"agent table: category {name!r} must be an object")
            purposes = _purposes(category.get("purposes"), f"category {name!r}")
            tokens = category.get("tokens")
            if not isinstance(tokens, list):
                raise AgentTableError(f"agent table: category {name!r} needs a 'tokens' list")
            for token in tokens:
                _merge(entries, token, purposes)
        return _freeze(entries)

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
        """
        entries: dict[str, tuple[str, set[Purpose]]] = (
            {} if own_only else {k: (self.names[k], set(v)) for k, v in self.tokens.items()}
        )
        for token in _strings(drop, "drop"):
            _check_token(token)
            entries.pop(token.lower(), None)
        for token, names in (add or {}).items():
            _merge(entries, token, _purposes(names, f"token {token!r}"))
        return _freeze(entries)

    def for_purpose(self, purpose: Purpose) -> tuple[str, ...]:
        """Sorted (lower-cased) tokens whose opt-out covers ``purpose``."""
        return tuple(sorted(t for t, purposes in self.tokens.items() if purpose in purposes))


@functools.cache
def _default() -> AgentTable:
    text = resources.files(__package__).joinpath(_DATA_FILE).read_text("utf-8")
    return AgentTable.from_json(json.loads(text))


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
