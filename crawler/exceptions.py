"""Typed denials: each is an IgnoreRequest that carries the evidence behind it.

Scrapy counts IgnoreRequest subclasses per class in ``downloader/exception_type_count/…``, so
every denial kind gets its own stat for free.
"""

from __future__ import annotations

from scrapy.exceptions import IgnoreRequest

from .consent.model import Evidence, Reason

__all__ = [
    "ConfigError",
    "ConsentDenied",
    "OffsiteFiltered",
    "RobotsDenied",
    "RobotsUnreachable",
    "TooManyRedirects",
]


class ConfigError(ValueError):
    """A CONSENT_* setting or CLI option with a value we cannot run with."""


class ConsentDenied(IgnoreRequest):
    """A gate refused the request before download."""

    reason: Reason = Reason.FILTERED

    def __init__(self, url: str, evidence: Evidence) -> None:
        super().__init__(f"{self.reason}: {url} ({evidence.value})")
        self.url = url
        self.evidence = evidence


class RobotsDenied(ConsentDenied):
    reason = Reason.ROBOTS_DISALLOW


class RobotsUnreachable(ConsentDenied):
    reason = Reason.ROBOTS_UNREACHABLE


class TooManyRedirects(ConsentDenied):
    reason = Reason.TOO_MANY_REDIRECTS


class OffsiteFiltered(ConsentDenied):
    reason = Reason.OFFSITE
