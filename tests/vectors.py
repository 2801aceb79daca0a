"""SIGNALS.md's G/N/S/R test-vector letters, computed from evidence through the real policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.policy import decide

G, N, S, R = Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT
GNSR = (G, N, S, R)
DATA = Path(__file__).parent / "data"
MANIFEST: dict[str, Any] = json.loads((DATA / "realweb_manifest.json").read_text("utf-8"))


def letters(evidence: tuple[Evidence, ...]) -> str:
    """G/N/S/R outcome letters: N denied, Y allowed by an explicit grant, ? nothing applies."""
    out = []
    for purpose in GNSR:
        decision = decide(purpose, evidence)
        opt_in = decide(purpose, evidence, require_permission=True)
        deciding = [e for e in evidence if e.applies_to(purpose) and e.effect is not Effect.INFO]
        if not decision.allowed:
            out.append("N")
        elif deciding:
            assert all(e.effect is Effect.ALLOW for e in deciding)
            assert opt_in.allowed
            out.append("Y")
        else:
            assert not opt_in.allowed
            out.append("?")
    return "".join(out)


def read_headers_file(text: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Cloudflare Pages ``_headers``: a path pattern, then indented "Name: value" lines."""
    blocks: list[tuple[str, list[tuple[str, str]]]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[0].isspace():
            blocks.append((stripped, []))
        elif blocks:
            name, _, value = stripped.partition(":")
            blocks[-1][1].append((name.strip().lower(), value.strip()))
    return blocks
