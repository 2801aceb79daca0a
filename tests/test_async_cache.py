"""AsyncCache: one load per key for concurrent askers, reuse until expiry, nothing kept on failure."""

from __future__ import annotations

import asyncio
import time

import pytest

from crawler.services.async_cache import AsyncCache


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_concurrent_askers_share_one_load() -> None:
    loads = 0

    async def load() -> str:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.01)
        return "robots"

    async def main() -> list[str]:
        cache: AsyncCache[str] = AsyncCache(lambda _: time.monotonic() + 60)
        return list(await asyncio.gather(*(cache.get("https://a.test", load) for _ in range(20))))

    assert run(main()) == ["robots"] * 20
    assert loads == 1


@pytest.mark.parametrize(("lifetime", "loads"), [(60.0, 1), (-1.0, 3)])
def test_values_are_reused_until_they_expire(lifetime: float, loads: int) -> None:
    count = 0

    async def load() -> int:
        nonlocal count
        count += 1
        return count

    async def main() -> list[int]:
        cache: AsyncCache[int] = AsyncCache(lambda _: time.monotonic() + lifetime)
        return [await cache.get("k", load) for _ in range(3)]

    values = run(main())
    assert count == loads and values == ([1, 1, 1] if loads == 1 else [1, 2, 3])


def test_a_failed_or_cancelled_load_leaves_nothing_behind() -> None:
    attempts = 0

    async def failing() -> str:
        nonlocal attempts
        attempts += 1
        raise OSError("connection reset")

    async def slow() -> str:
        await asyncio.sleep(10)
        return "never"

    async def main() -> str:
        cache: AsyncCache[str] = AsyncCache(lambda _: time.monotonic() + 60)
        for _ in range(2):  # each asker tries again: a failure is not cached
            with pytest.raises(OSError):
                await cache.get("k", failing)
        task = asyncio.ensure_future(cache.get("c", slow))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

        async def fast() -> str:
            return "loaded"

        return await cache.get("c", fast)  # the cancelled load did not leave a future behind

    assert run(main()) == "loaded"
    assert attempts == 2
