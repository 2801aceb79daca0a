"""ConsentAddon: one entry in ``ADDONS`` installs every consentcrawl component.

The components are forced in (a project cannot switch a gate off through DOWNLOADER_MIDDLEWARES),
Scrapy's fail-open robots middleware, silent offsite filter and unrecorded decompression limit
are replaced, cookies and HTTP auth are switched off, the size and time bounds come from
CONSENT_MAX_RESPONSE_SIZE and CONSENT_DOWNLOAD_TIMEOUT, and the redirect limit is set one above
CONSENT_MAX_REDIRECTS so that ours, which records, always fires first.
CONSENT_* defaults are set at "default" priority, so any project or command-line value wins.
USER_AGENT carries the operator's CONSENT_CONTACT_URL, which has no default: without one the
add-on raises ConfigError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import __version__
from .contact import contact_url
from .defaults import CONSENT_DEFAULTS

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Above every user priority: these settings keep the gates sound.
FORCED = 100

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.outcome.ConsentOutcomeMiddleware": 10,
    "crawler.middlewares.blocklist.BlocklistMiddleware": 30,
    "crawler.middlewares.credentials.CredentialsMiddleware": 40,
    "crawler.middlewares.scope.SiteScopeMiddleware": 50,
    "crawler.middlewares.address.PrivateAddressMiddleware": 45,
    "crawler.middlewares.limits.CrawlLimitsMiddleware": 65,
    "crawler.middlewares.auth.AuthAreaMiddleware": 70,
    "crawler.middlewares.origin.OriginPolicyMiddleware": 100,
    "crawler.middlewares.response.ResponseSignalsMiddleware": 110,
    "crawler.middlewares.image.ImageConsentMiddleware": 115,
    "crawler.middlewares.compression.BoundedHttpCompressionMiddleware": 590,
    "crawler.middlewares.login_redirect.LoginRedirectMiddleware": 650,
    "crawler.middlewares.headers.CredentialHeadersMiddleware": 960,
}
REPLACED = (
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware",
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware",
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware",
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
)
# Below RefererMiddleware (700) and DepthMiddleware (900): a refused link keeps its referring
# page, and links past the depth limit are not recorded as if they had been considered.
SPIDER_MIDDLEWARES = {"crawler.spidermiddlewares.blocklist.BlocklistSpiderMiddleware": 650}
# The configuration first: every other component reads it (extensions are built before the
# middlewares).
EXTENSIONS = {
    "crawler.config.ConfigExtension": 0,
    "crawler.services.ServicesExtension": 5,
    "crawler.recording.recorder.CatalogRecorder": 10,
}


class ConsentAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        for name, value in CONSENT_DEFAULTS.items():
            settings.set(name, value, priority="default")
        agent = settings.get("CONSENT_AGENT")
        contact = contact_url(settings.get("CONSENT_CONTACT_URL"))  # ConfigError without one
        settings.set("USER_AGENT", f"{agent}/{__version__} (+{contact})", priority="addon")

        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares.update(dict.fromkeys(REPLACED))
        middlewares.update(DOWNLOADER_MIDDLEWARES)
        settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority=FORCED)
        spider_middlewares = settings.getdict("SPIDER_MIDDLEWARES")
        spider_middlewares.update(SPIDER_MIDDLEWARES)
        settings.set("SPIDER_MIDDLEWARES", spider_middlewares, priority=FORCED)
        extensions = settings.getdict("EXTENSIONS")
        extensions.update(EXTENSIONS)
        settings.set("EXTENSIONS", extensions, priority=FORCED)

        settings.set("ROBOTSTXT_OBEY", True, priority=FORCED)
        settings.set("COOKIES_ENABLED", False, priority=FORCED)
        settings.set("DOWNLOAD_TIMEOUT", settings.getfloat("CONSENT_DOWNLOAD_TIMEOUT"), priority=FORCED)
        max_size = settings.getint("CONSENT_MAX_RESPONSE_SIZE")
        settings.set("DOWNLOAD_MAXSIZE", max_size, priority=FORCED)
        settings.set("DOWNLOAD_WARNSIZE", max_size // 2, priority=FORCED)
        settings.set(
            "REDIRECT_MAX_TIMES", settings.getint("CONSENT_MAX_REDIRECTS") + 1, priority=FORCED
        )
