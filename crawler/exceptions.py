"""Typed denials: each is an IgnoreRequest that carries the evidence behind it.

Scrapy counts IgnoreRequest subclasses per class in ``downloader/exception_type_count/…``, so
every denial kind gets its own stat for free.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from .consent.model import Evidence, Reason

__all__ = [
    "AuthAreaSkipped",
    "BlocklistDenied",
    "ConfigError",
    "ConsentDenied",
    "CredentialsRefused",
    "LimitExceeded",
    "OffsiteFiltered",
    "OptOutDenied",
    "PrivateAddressDenied",
    "RobotsDenied",
    "RobotsUnreachable",
    "TooManyRedirects",
]


class ConfigError(ValueError):
    """A CONSENT_* setting or CLI option with a value we cannot run with."""


class ConsentDenied(IgnoreRequest):
    """A gate refused the request before download; ``evidence`` says why (every piece of it)."""

    reason: Reason = Reason.FILTERED

    def __init__(self, url: str, *evidence: Evidence) -> None:
        reasons = ", ".join(dict.fromkeys(str(e.reason) for e in evidence if e.reason)) or self.reason
        super().__init__(f"{reasons}: {url}")
        self.url = url
        self.evidence = evidence


class OptOutDenied(ConsentDenied):
    """A machine-readable AI signal of the origin (robots.txt AI groups, Content-Signal,
    Content-Usage, ai.txt, TDMRep) reserves the job's purpose."""


class RobotsDenied(ConsentDenied):
    reason = Reason.ROBOTS_DISALLOW


class RobotsUnreachable(ConsentDenied):
    reason = Reason.ROBOTS_UNREACHABLE


class TooManyRedirects(ConsentDenied):
    reason = Reason.TOO_MANY_REDIRECTS


class OffsiteFiltered(ConsentDenied):
    reason = Reason.OFFSITE


class CredentialsRefused(ConsentDenied):
    """User-info in the URL, or a method other than GET/HEAD (a form submission)."""

    reason = Reason.URL_CREDENTIALS


class PrivateAddressDenied(ConsentDenied):
    reason = Reason.PRIVATE_ADDRESS


class AuthAreaSkipped(ConsentDenied):
    """A login or account URL, or an origin that answers login walls for most pages."""

    reason = Reason.AUTH_URL


class BlocklistDenied(ConsentDenied):
    """A rights holder's list names the site as distributing pirated copies."""


class LimitExceeded(ConsentDenied):
    """A per-site bound against endless URL spaces (page cap, path depth)."""

    reason = Reason.SITE_PAGE_CAP
