"""One set of services per crawler, shared by the gates: the policy-document fetcher, the origin
policies (robots.txt, tdmrep.json, ai.txt and the RSL licences robots.txt names), the licence
service (RSL documents, the job's licence terms) and the piracy-site lists in force.

ServicesExtension builds them once, after the configuration and before any middleware, and keeps
them on the crawler (``services_of``); the lists are opened when the spider opens, before the
recorder starts the job that records their versions. Gates hold no per-crawler state of their
own elsewhere and never import each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from scrapy import signals as scrapy_signals

from .. import stats
from ..config import config_of
from ..exceptions import ConfigError
from .blocklists import BlocklistGate, open_blocklists
from .fetch import PolicyFetcher
from .licences import RslLicences
from .origins import OriginPolicies

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Spider
    from scrapy.crawler import Crawler

__all__ = ["Services", "ServicesExtension", "services_of"]


class Services:
    def __init__(self, crawler: Crawler) -> None:
        self.config = config = config_of(crawler)
        self.fetcher = PolicyFetcher(crawler, config)
        self.licences = RslLicences(config, self.fetcher)
        self.origins = OriginPolicies(crawler, config, self.fetcher, self.licences)
        self._blocklists: BlocklistGate | None = None

    @property
    def blocklists(self) -> BlocklistGate:
        """The lists in force (opened with the spider)."""
        if self._blocklists is None:
            raise ConfigError("the blocklists are opened when the spider opens, not before")
        return self._blocklists

    def open(self) -> None:
        if self._blocklists is None:
            self._blocklists = open_blocklists(self.config)


class ServicesExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.services = Services(crawler)
        # Kept on the crawler, as the configuration is: the recorder, built with the extensions,
        # asks for it before Scrapy's get_extension() exists.
        setattr(crawler, _ATTRIBUTE, self.services)
        crawler.signals.connect(self.spider_opened, signal=scrapy_signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        self.services.open()
        for source, version, _ in self.services.blocklists.versions:
            self.crawler.stats.set_value(stats.blocklist_version(source), version)


_ATTRIBUTE: Final = "_consent_services"


def services_of(crawler: Crawler) -> Services:
    """The crawler's services (built once, by the ServicesExtension)."""
    services = getattr(crawler, _ATTRIBUTE, None)
    if not isinstance(services, Services):
        raise ConfigError("consentcrawl's ServicesExtension is not installed: add ConsentAddon")
    return services
