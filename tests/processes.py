"""The processes a crawl leaves behind, read from /proc (Linux)."""

from __future__ import annotations

import time
from pathlib import Path


def _parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone while we looked
            continue
        # "pid (comm) state ppid …": comm may hold spaces and parentheses
        parents[int(stat.parent.name)] = int(text.rpartition(")")[2].split()[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Every process under `pid`: children, theirs, and so on."""
    parents = _parents()
    found: set[int] = set()
    new = {pid}
    while new:
        new = {child for child, parent in parents.items() if parent in new} - found
        found |= new
    return found


def alive(pid: int) -> bool:
    """Running (a zombie has ended: it only waits for its parent to read its exit code)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def left_after(pids: set[int], timeout: float = 15) -> set[int]:
    """Those of `pids` still alive after waiting up to `timeout` seconds for all to end."""
    deadline = time.monotonic() + timeout
    while (running := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running
