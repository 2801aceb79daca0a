"""ConsentAddon: one entry in ``ADDONS`` installs every consentcrawl component.

The components are forced in (a project cannot switch a gate off through DOWNLOADER_MIDDLEWARES),
Scrapy's fail-open robots middleware and silent offsite filter are replaced, and the redirect
limit is set one above CONSENT_MAX_REDIRECTS so that ours, which records, always fires first.
CONSENT_* defaults are set at "default" priority, so any project or command-line value wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import __version__
from .defaults import CONSENT_DEFAULTS

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Above every user priority: these settings keep the gates sound.
FORCED = 100

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.outcome.ConsentOutcomeMiddleware": 10,
    "crawler.middlewares.scope.SiteScopeMiddleware": 50,
    "crawler.middlewares.origin.OriginPolicyMiddleware": 100,
    "crawler.middlewares.response.ResponseSignalsMiddleware": 110,
}
REPLACED = (
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
)
EXTENSIONS = {"crawler.recorder.CatalogRecorder": 0}


class ConsentAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in CONSENT_DEFAULTS.items():
            settings.set(name, value, priority="default")
        agent = settings.get("CONSENT_AGENT")
        contact = settings.get("CONSENT_CONTACT_URL")
        settings.set("USER_AGENT", f"{agent}/{__version__} (+{contact})", priority="addon")

        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares.update(dict.fromkeys(REPLACED))
        middlewares.update(DOWNLOADER_MIDDLEWARES)
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=FORCED)
        extensions = settings.getdict("EXTENSIONS")
        extensions.update(EXTENSIONS)
        settings.set("EXTENSIONS", extensions, priority=FORCED)

        settings.set("ROBOTSTXT_OBEY", True, priority=FORCED)
        settings.set(
            "REDIRECT_MAX_TIMES", settings.getint("CONSENT_MAX_REDIRECTS") + 1, priority=FORCED
        )
