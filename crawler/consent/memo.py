"""EvidenceMemo: the evidence of an outcome, built once and reused for every URL that has it.

A crawl asks the same few questions of an origin's documents for thousands of URLs, and the
answers repeat (the same rule, the same matching lines). Keyed by what decided, not by URL.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from .model import Evidence

__all__ = ["EvidenceMemo"]


class EvidenceMemo:
    __slots__ = ("_items", "_size")

    def __init__(self, size: int = 1024) -> None:
        self._items: dict[Hashable, tuple[Evidence, ...]] = {}
        self._size = size

    def get(self, key: Hashable, build: Callable[[], tuple[Evidence, ...]]) -> tuple[Evidence, ...]:
        found = self._items.get(key)
        if found is None:
            if len(self._items) >= self._size:
                self._items.clear()  # outcomes repeat a lot; a rare reset is cheaper than LRU
            found = self._items[key] = build()
        return found
