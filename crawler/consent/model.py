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
    "is_reservation",
    "reason",
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
    """Fixed reason codes. Signal families add codes with a value (``family:value``, see
    ``reason()``); every code and family is documented in the README table."""

    ROBOTS_DISALLOW = "robots-disallow"
    ROBOTS_UNREACHABLE = "robots-unreachable"
    TDMREP_UNREACHABLE = "tdmrep-unreachable"
    AITXT_UNREACHABLE = "ai-txt-unreachable"
    NO_PERMISSION = "no-permission"
    HTTP_ERROR = "http-error"
    FETCH_ERROR = "fetch-error"
    REDIRECT = "redirect"
    TOO_MANY_REDIRECTS = "too-many-redirects"
    OFFSITE = "offsite"
    FILTERED = "filtered"
    TIMEOUT = "timeout"
    TOO_LARGE = "too-large"
    DECOMPRESSION_BOMB = "decompression-bomb"
    URL_CREDENTIALS = "url-credentials"
    METHOD_NOT_ALLOWED = "method-not-allowed"
    PRIVATE_ADDRESS = "private-address"
    AUTH_URL = "auth-url"
    AUTH_REQUIRED = "auth-required"
    AUTH_FORBIDDEN = "auth-forbidden"
    LOGIN_REDIRECT = "login-redirect"
    LOGIN_FORM = "login-form"
    PAYWALL = "paywall"
    AUTH_WALLED_ORIGIN = "auth-walled-origin"
    SITE_PAGE_CAP = "site-page-cap"
    PATH_TOO_DEEP = "path-too-deep"
    IMAGE_TOO_LARGE = "image-too-large"
    IMAGE_TOO_SMALL = "image-too-small"
    NOT_AN_IMAGE = "not-an-image"
    RSL_NOT_PERMITTED = "rsl-not-permitted"
    RSL_LICENSE_SERVER = "rsl-license-server"
    RSL_REPORTING = "rsl-reporting"
    RSL_INVALID = "rsl-invalid"
    RSL_UNREACHABLE = "rsl-unreachable"


#: Families whose "no" is the rights holder's reservation, not a technical failure.
RESERVATION_FAMILIES = frozenset(
    {
        "robots-disallow",
        "robots-ai-optout",
        "content-signal",
        "content-usage",
        "tdmrep-reserved",
        "x-robots-tag",
        "meta-robots",
        "ai-txt-disallow",
        # Images: the rights holder's word embedded in the file (IPTC, C2PA/CAWG), or metadata
        # that is there but cannot be read and may hold it.
        "iptc-data-mining",
        "c2pa-training-mining",
        "image-metadata-invalid",
        # RSL: terms that exclude the use, and terms we could not read (most restrictive).
        "rsl-prohibited",
        "rsl-not-permitted",
        "rsl-invalid",
        "rsl-unreachable",
        # Access controls are technical measures that reserve the content (JP Art. 30-4 guidance,
        # EU code of practice); a bare 403 or a URL that merely looks like a login page is not.
        "auth-required",
        "login-redirect",
        "login-form",
        "paywall",
    }
)


def reason(family: str, value: str | None = None) -> str:
    """A reason code: ``family`` alone or ``family:value`` (``content-signal:ai-train=no``)."""
    return family if value is None else f"{family}:{value}"


def is_reservation(code: str) -> bool:
    return code.partition(":")[0] in RESERVATION_FAMILIES


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
    reason: str | None = None
    document_sha256: str | None = None
    line: int | None = None
    purposes: frozenset[Purpose] = frozenset()
    license_status: LicenseStatus | None = None  # what this evidence says of the licence
    license: str | None = None  # the SPDX id a licence declaration names
    strength: str | None = None  # how strongly a licence declaration binds the page (README)

    def applies_to(self, purpose: Purpose) -> bool:
        return not self.purposes or purpose in self.purposes


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one URL: collect or not, why, and under which licence status."""

    allowed: bool
    reasons: tuple[str, ...]
    license_status: LicenseStatus
    evidence: tuple[Evidence, ...]
    purpose: Purpose
    license: str | None = None  # SPDX id of the licence that decided license_status
