"""LoginRedirectMiddleware: a redirect into a login page is marked and not followed."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import meta
from crawler.consent.model import Reason
from crawler.consent.walls import DEFAULT_AUTH_PATTERNS
from crawler.middlewares.auth import AuthAreaMiddleware
from crawler.middlewares.login_redirect import LoginRedirectMiddleware

from .sites import ADDON

PAGE = "http://site.test/members/area"


def crawler(**settings: Any) -> Any:
    return get_crawler(settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings})


def answer(request: Request, status: int, location: str | None) -> Response:
    headers = {"Location": location} if location is not None else None
    return Response(request.url, status=status, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "location", "target"),
    [
        (302, "/login?next=/members/area", "http://site.test/login?next=/members/area"),
        (301, "/signin", "http://site.test/signin"),
        (303, "../account/", "http://site.test/account/"),  # relative to the page
        (307, "/wp-login.php?redirect_to=x", "http://site.test/wp-login.php?redirect_to=x"),
        (308, "/user/login", "http://site.test/user/login"),
        # Another host is still a login page.
        (
            302,
            "https://accounts.example.test/ServiceLogin?continue=https://site.test/",
            "https://accounts.example.test/ServiceLogin?continue=https://site.test/",
        ),
        (302, "//sso.test/log-in", "http://sso.test/log-in"),  # scheme-relative
        (302, "/articles/how-to-login-safely", None),  # a slug, not a login page
        (302, "/members/area/", None),
        (302, None, None),  # nothing to follow
        (300, "/login", None),  # not a redirect Scrapy follows
        (304, "/login", None),
        (200, "/login", None),
    ],
)
def test_redirects_into_login_pages_are_marked(
    status: int, location: str | None, target: str | None
) -> None:
    mw = build_from_crawler(LoginRedirectMiddleware, crawler())
    request = Request(PAGE)
    response = answer(request, status, location)
    assert mw.process_response(request, response) is response
    stopped = meta.login_redirect_of(request)
    if target is None:
        assert stopped is None and "dont_redirect" not in request.meta
        return
    assert stopped is not None and stopped.target == target
    assert stopped.pattern in DEFAULT_AUTH_PATTERNS
    assert request.meta["dont_redirect"] is True


def test_patterns_setting() -> None:
    mw = build_from_crawler(LoginRedirectMiddleware, crawler(CONSENT_AUTH_URL_PATTERNS=["^/gate/"]))
    request = Request(PAGE)
    mw.process_response(request, answer(request, 302, "/login"))
    assert meta.login_redirect_of(request) is None
    mw.process_response(request, answer(request, 302, "/gate/in"))
    assert meta.login_redirect_of(request) == meta.LoginRedirect(
        "http://site.test/gate/in", "^/gate/"
    )


def test_probe_redirects_are_left_to_the_fetcher() -> None:
    mw = build_from_crawler(LoginRedirectMiddleware, crawler())
    probe = Request("http://site.test/robots.txt", meta={meta.PROBE: True})
    mw.process_response(probe, answer(probe, 302, "/login"))
    assert meta.login_redirect_of(probe) is None and "dont_redirect" not in probe.meta


@pytest.mark.parametrize(
    ("location", "followed"), [("/login?next=/members/area", False), ("/elsewhere", True)]
)
def test_with_scrapys_redirect_and_the_auth_gate(location: str, followed: bool) -> None:
    # process_response runs inside out: ours (650), Scrapy's redirect (600), the auth gate (70).
    c = crawler()
    ours = build_from_crawler(LoginRedirectMiddleware, c)
    redirect = build_from_crawler(RedirectMiddleware, c)
    auth = build_from_crawler(AuthAreaMiddleware, c)
    request = Request(PAGE)
    response = answer(request, 302, location)
    result = redirect.process_response(request, ours.process_response(request, response))
    if followed:
        assert isinstance(result, Request) and result.url == "http://site.test/elsewhere"
        return
    assert result is response  # not followed: the 302 itself is the final answer
    auth.process_response(request, response)
    [evidence] = meta.evidence_of(request)
    assert evidence.reason == Reason.LOGIN_REDIRECT
    assert evidence.value.startswith("redirect to http://site.test/login?next=/members/area (")
