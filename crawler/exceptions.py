"""Typed denials: each is an IgnoreRequest that carries the evidence behind it.

Scrapy counts IgnoreRequest subclasses per class in ``downloader/exception_type_count/…``, so
every denial kind gets its own stat for free. A kind with a ``consent/…`` stat of its own names it
in ``stat``; the outcome middleware counts every denial it sees, and the spider gate the links it
refuses, through ``count``, so each is counted once and the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from scrapy.exceptions import IgnoreRequest

from . import stats
from .consent.model import Evidence, Reason

if TYPE_CHECKING:
    from scrapy.statscollectors import StatsCollector

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
    stat: ClassVar[str | None] = None

    def __init__(self, url: str, *evidence: Evidence) -> None:
        reasons = ", ".join(dict.fromkeys(str(e.reason) for e in evidence if e.reason)) or self.reason
        super().__init__(f"{reasons}: {url}")
        self.url = url
        self.evidence = evidence

    def count(self, collector: StatsCollector | None) -> None:
        if self.stat is not None and collector is not None:
            collector.inc_value(self.stat)


class OptOutDenied(ConsentDenied):
    """A machine-readable AI signal of the origin (robots.txt AI groups, Content-Signal,
    Content-Usage, ai.txt, TDMRep) reserves the job's purpose."""

    stat = stats.OPTOUT_DENIED


class RobotsDenied(ConsentDenied):
    reason = Reason.ROBOTS_DISALLOW
    stat = stats.ROBOTS_FORBIDDEN


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
    stat = stats.PRIVATE_ADDRESS


class AuthAreaSkipped(ConsentDenied):
    """A login or account URL, or an origin that answers login walls for most pages."""

    reason = Reason.AUTH_URL


class BlocklistDenied(ConsentDenied):
    """A rights holder's list names the site as distributing pirated copies."""

    stat = stats.BLOCKLIST_HITS


class LimitExceeded(ConsentDenied):
    """A per-site bound against endless URL spaces (page cap, path depth)."""

    reason = Reason.SITE_PAGE_CAP
