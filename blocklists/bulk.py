"""Making a million small objects at once without the cyclic garbage collector re-walking them.

Entries and matches hold no reference cycles, but the collector tracks each of them, and while
a list loads it runs again every few thousand allocations over what is there so far: a fifth of
the load time and half the matcher's build time at a million entries. It is paused meanwhile,
and resumed after if it was running.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["collector_paused"]


@contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
