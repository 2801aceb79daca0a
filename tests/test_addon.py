"""ConsentAddon: one ADDONS entry installs every component, and a project cannot remove a gate."""

from __future__ import annotations

from typing import Any

from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from crawler import __version__
from crawler.defaults import CONSENT_DEFAULTS

from .sites import ADDON

ROBOTS = "crawler.middlewares.origin.OriginPolicyMiddleware"
RESPONSE = "crawler.middlewares.response.ResponseSignalsMiddleware"
OUTCOME = "crawler.middlewares.outcome.ConsentOutcomeMiddleware"
SCOPE = "crawler.middlewares.scope.SiteScopeMiddleware"
RECORDER = "crawler.recording.recorder.CatalogRecorder"
CONFIG = "crawler.config.ConfigExtension"


def settings_with(**extra: Any) -> Any:
    crawler = get_crawler(settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **extra})
    return crawler.settings


def test_components_installed_in_order_and_scrapy_gates_replaced() -> None:
    settings = settings_with()
    chain = build_component_list(settings.getwithbase("DOWNLOADER_MIDDLEWARES"))
    names = [c if isinstance(c, str) else f"{c.__module__}.{c.__qualname__}" for c in chain]
    assert names.index(OUTCOME) < names.index(SCOPE) < names.index(ROBOTS) < names.index(RESPONSE)
    # the response gate reads a page's signals before the outcome middleware decides, and after
    # Scrapy has decompressed the body (HttpCompressionMiddleware, 590)
    assert names.index(RESPONSE) < names.index(
        "crawler.middlewares.compression.BoundedHttpCompressionMiddleware"
    )
    # the login-redirect check sees a 3xx before RedirectMiddleware (600) follows it, and the
    # credential headers go after every component that could add one
    assert names.index("scrapy.downloadermiddlewares.redirect.RedirectMiddleware") < names.index(
        "crawler.middlewares.login_redirect.LoginRedirectMiddleware"
    )
    assert names[-1] == "crawler.middlewares.headers.CredentialHeadersMiddleware"
    assert names[0] == OUTCOME  # outermost: it sees every final response and failure
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" not in names
    for replaced in ("offsite.OffsiteMiddleware", "httpcompression.HttpCompressionMiddleware",
                     "httpauth.HttpAuthMiddleware", "cookies.CookiesMiddleware"):
        assert f"scrapy.downloadermiddlewares.{replaced}" not in names
    extensions = build_component_list(settings.getwithbase("EXTENSIONS"))
    assert RECORDER in [e if isinstance(e, str) else f"{e.__module__}.{e.__qualname__}" for e in extensions]


def test_a_project_cannot_switch_a_gate_off() -> None:
    settings = settings_with(
        DOWNLOADER_MIDDLEWARES={ROBOTS: None, OUTCOME: None},
        EXTENSIONS={RECORDER: None, CONFIG: None},
        ROBOTSTXT_OBEY=False,
        COOKIES_ENABLED=True,
        DOWNLOAD_MAXSIZE=0,
        REDIRECT_MAX_TIMES=50,
    )
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[ROBOTS] == 100
    assert settings.getdict("DOWNLOADER_MIDDLEWARES")[OUTCOME] == 10
    assert settings.getdict("EXTENSIONS")[RECORDER] == 10
    assert settings.getdict("EXTENSIONS")[CONFIG] == 0  # built before every other component
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getbool("COOKIES_ENABLED") is False
    assert settings.getint("REDIRECT_MAX_TIMES") == CONSENT_DEFAULTS["CONSENT_MAX_REDIRECTS"] + 1
    assert settings.getint("DOWNLOAD_MAXSIZE") == CONSENT_DEFAULTS["CONSENT_MAX_RESPONSE_SIZE"]


def test_defaults_yield_to_project_values() -> None:
    settings = settings_with(CONSENT_AGENT="examplebot", CONSENT_MAX_REDIRECTS=3)
    assert settings.get("CONSENT_AGENT") == "examplebot"
    assert settings.getint("REDIRECT_MAX_TIMES") == 4
    assert settings.get("USER_AGENT").startswith(f"examplebot/{__version__} (+")
    for name, value in CONSENT_DEFAULTS.items():
        if name not in (
            "CONSENT_AGENT", "CONSENT_MAX_REDIRECTS", "CONSENT_CONTACT_URL", "CONSENT_PURPOSE"
        ):
            assert settings.get(name) == value, name
