"""A per-key cache of awaited loads with expiry, where concurrent askers share one load.

Policy documents are fetched once per origin (or per URL, for RSL licences) however many
requests wait for them at the same moment; a load that is cancelled leaves nothing behind, so
the next asker tries again instead of waiting forever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["AsyncCache"]

_T = TypeVar("_T")


class AsyncCache(Generic[_T]):
    def __init__(self, expires: Callable[[_T], float]) -> None:
        self._expires = expires  # monotonic time until which a loaded value may be used
        self._entries: dict[str, tuple[float, _T] | asyncio.Future[_T]] = {}

    def fresh(self, key: str) -> _T | None:
        """The value, when loaded and not expired: no coroutine for the common case."""
        cached = self._entries.get(key)
        if isinstance(cached, tuple) and cached[0] > time.monotonic():
            return cached[1]
        return None

    async def get(self, key: str, load: Callable[[], Awaitable[_T]]) -> _T:
        cached = self._entries.get(key)
        if isinstance(cached, asyncio.Future):
            return await asyncio.shield(cached)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._entries[key] = future
        try:
            value = await load()
        except BaseException as exc:
            del self._entries[key]
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        self._entries[key] = (self._expires(value), value)
        future.set_result(value)
        return value
