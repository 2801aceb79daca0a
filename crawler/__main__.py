"""``python -m crawler`` runs the consentcrawl CLI."""

from __future__ import annotations

from .cli import main

main()
