"""The decision model: purposes, reason codes, evidence and the Decision a policy returns.

Pure data, no Scrapy and no I/O, so the policy, the CLI and the catalog share one vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Decision",
    "Effect",
    "Evidence",
    "LicenseStatus",
    "Purpose",
    "Reason",
    "UnknownPurpose",
]


class UnknownPurpose(ValueError):
    """A purpose name that is not one of the four of the contract."""


class Purpose(StrEnum):
    """What a crawl job collects for (DESIGN.md contract)."""

    TRAIN_GENAI = "train-genai"
    TRAIN_AI = "train-ai"
    AI_INPUT = "ai-input"
    SEARCH = "search"

    @classmethod
    def parse(cls, value: str) -> Purpose:
        try:
            return cls(value.strip().lower())
        except ValueError:
            choices = ", ".join(p.value for p in cls)
            raise UnknownPurpose(f"unknown purpose {value!r}: choose one of {choices}") from None


class Reason(StrEnum):
    """Why a URL was not collected. Every code is documented in the README table."""

    ROBOTS_DISALLOW = "robots-disallow"
    ROBOTS_UNREACHABLE = "robots-unreachable"
    NO_PERMISSION = "no-permission"
    HTTP_ERROR = "http-error"
    FETCH_ERROR = "fetch-error"
    REDIRECT = "redirect"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    OFFSITE = "offsite"
    FILTERED = "filtered"

    @property
    def is_reservation(self) -> bool:
        """True when the rights holder's machine-readable signal said no (not a technical failure)."""
        return self in _RESERVATIONS


_RESERVATIONS = frozenset({Reason.ROBOTS_DISALLOW})


class Effect(StrEnum):
    """What one piece of evidence does to a decision."""

    DENY = "deny"
    ALLOW = "allow"  # an explicit grant (counts as permission in opt-in jobs)
    INFO = "info"  # recorded for the audit trail, decides nothing


class LicenseStatus(StrEnum):
    """Closed set of licence states recorded on every catalog record."""

    OPEN = "open"
    RESTRICTED = "restricted"
    LICENSABLE = "licensable"
    RESERVED = "reserved"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One observed fact behind a decision: which signal, where, what it said, what it does.

    ``purposes`` limits the evidence to the purposes it speaks for; empty means all purposes.
    """

    signal: str
    source: str
    value: str
    effect: Effect = Effect.INFO
    reason: Reason | None = None
    document_sha256: str | None = None
    line: int | None = None
    purposes: frozenset[Purpose] = frozenset()

    def applies_to(self, purpose: Purpose) -> bool:
        return not self.purposes or purpose in self.purposes


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one URL: collect or not, why, and under which licence status."""

    allowed: bool
    reasons: tuple[Reason, ...]
    license_status: LicenseStatus
    evidence: tuple[Evidence, ...]
    purpose: Purpose
