"""AuthAreaMiddleware: login and account URLs before the fetch; auth challenges, login forms,
paywalls and stopped login redirects after it; walled origins left alone."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import meta, signals, stats
from crawler.consent.model import Effect, Evidence, Reason
from crawler.consent.walls import DEFAULT_AUTH_PATTERNS
from crawler.exceptions import AuthAreaSkipped, ConfigError
from crawler.middlewares.auth import AuthAreaMiddleware

from .sites import ADDON


def make(**settings: Any) -> AuthAreaMiddleware:
    crawler = get_crawler(settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings})
    return build_from_crawler(AuthAreaMiddleware, crawler)


def html(body: str, head: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


ARTICLE = "<p>" + "An ordinary article with plenty of words. " * 40 + "</p>"
LOGIN_PAGE = (
    '<main><h1>Sign in</h1><form action="/session" method="post"><input name="user">'
    '<input type="password" name="pw"><button>Sign in</button></form></main>'
)
LOGIN_FORM = 'form action="/session" with a password input (in <main>/<article>, 2 words of text)'
NAV_LOGIN = '<nav><form><input type="password" name="pw"></form></nav>' + ARTICLE
SCHEMA_PAYWALL = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Premium", "isAccessibleForFree": false}</script>'
)
TIER_PAYWALL = '<meta property="article:content_tier" content="locked">'


# -- before download: the URL ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://site.test/login", True),
        ("http://site.test/Log-In?x=1", True),
        ("http://site.test/en-us/account/orders", True),
        ("http://site.test/wp-login.php", True),
        ("http://site.test/user/register", True),
        ("http://site.test/index.php?title=Special:UserLogin", True),
        ("http://site.test/forum?mode=login", True),
        ("http://site.test/search?next=/settings", True),
        ("http://site.test/cart", True),
        ("http://site.test/articles/how-to-login-safely", False),  # a slug, not a segment
        ("http://site.test/wiki/Login", False),  # a MediaWiki article
        ("http://site.test/blog/bank-account", False),
        ("http://site.test/list?next=2", False),  # a page cursor
        ("http://site.test/", False),
    ],
)
def test_login_and_account_urls_are_refused(url: str, refused: bool) -> None:
    mw = make()
    request = Request(url)
    if not refused:
        assert mw.process_request(request) is None
        assert meta.evidence_of(request) == ()
        return
    with pytest.raises(AuthAreaSkipped) as caught:
        mw.process_request(request)
    [evidence] = caught.value.evidence
    assert (evidence.signal, evidence.source, evidence.effect, evidence.reason) == (
        "wall",
        request.url,
        Effect.DENY,
        Reason.AUTH_URL,
    )
    pattern = evidence.value.removeprefix("login/account URL (pattern ").removesuffix(")")
    assert pattern in DEFAULT_AUTH_PATTERNS
    assert str(caught.value) == f"auth-url: {request.url}"
    assert caught.value.stat is None  # counted by reason only (consent/denied_reason_count/…)


def test_url_patterns_setting_replaces_the_defaults() -> None:
    mw = make(CONSENT_AUTH_URL_PATTERNS=["^/members/"])
    mw.process_request(Request("http://site.test/login"))
    with pytest.raises(AuthAreaSkipped) as caught:
        mw.process_request(Request("http://site.test/MEMBERS/home"))  # case-insensitive
    assert caught.value.evidence[0].value == "login/account URL (pattern ^/members/)"
    with pytest.raises(ConfigError, match="setting CONSENT_AUTH_URL_PATTERNS"):
        make(CONSENT_AUTH_URL_PATTERNS=["(unclosed"])


# -- after download: the response --------------------------------------------------------------

Answer = Callable[[Request], Response]


def plain(status: int, *challenges: str) -> Answer:
    """A bodiless answer, with these WWW-Authenticate values."""
    headers = {"WWW-Authenticate": list(challenges)} if challenges else None
    return lambda request: Response(request.url, status=status, headers=headers, request=request)


def page(body: str, status: int = 200, cls: type[TextResponse] = HtmlResponse) -> Answer:
    return lambda request: cls(
        request.url, status=status, body=body.encode(), encoding="utf-8", request=request
    )


def visit(mw: AuthAreaMiddleware, url: str, walled: bool) -> None:
    request = Request(url)
    mw.process_request(request)
    mw.process_response(request, plain(401 if walled else 200)(request))


@pytest.mark.parametrize(
    ("answer", "walls"),
    [
        pytest.param(page(html(ARTICLE)), [], id="article"),
        pytest.param(plain(404), [], id="404"),
        pytest.param(plain(500), [], id="500"),
        pytest.param(plain(401), [(Reason.AUTH_REQUIRED, "HTTP 401 Unauthorized")], id="401"),
        pytest.param(
            plain(407), [(Reason.AUTH_REQUIRED, "HTTP 407 Proxy Authentication Required")], id="407"
        ),
        pytest.param(plain(403), [(Reason.AUTH_FORBIDDEN, "HTTP 403 Forbidden")], id="403"),
        # A challenge asks for credentials whatever the status.
        pytest.param(
            plain(200, "Bearer"),
            [(Reason.AUTH_REQUIRED, "WWW-Authenticate: Bearer")],
            id="200-challenge",
        ),
        pytest.param(
            plain(403, 'Basic realm="staff"'),
            [(Reason.AUTH_REQUIRED, 'WWW-Authenticate: Basic realm="staff"')],
            id="403-challenge",
        ),
        pytest.param(
            plain(401, 'Basic realm="a"', "Bearer"),
            [(Reason.AUTH_REQUIRED, 'WWW-Authenticate: Basic realm="a", Bearer')],
            id="two-challenges",
        ),
        pytest.param(page(html(LOGIN_PAGE)), [(Reason.LOGIN_FORM, LOGIN_FORM)], id="login-form"),
        pytest.param(page(html(NAV_LOGIN)), [], id="site-wide-login-box"),
        pytest.param(page(html(LOGIN_PAGE), status=500), [], id="error-page"),  # not read
        pytest.param(page(html(LOGIN_PAGE), cls=TextResponse), [], id="not-html"),
        pytest.param(
            page(html(ARTICLE, SCHEMA_PAYWALL)),
            [(Reason.PAYWALL, "JSON-LD isAccessibleForFree: false (NewsArticle)")],
            id="schema-paywall",
        ),
        pytest.param(
            page(html(ARTICLE, TIER_PAYWALL)),
            [(Reason.PAYWALL, "meta article:content_tier=locked")],
            id="tier-paywall",
        ),
        pytest.param(
            page(html('<div class="article paywall">' + ARTICLE + "</div>")),
            [(Reason.PAYWALL, 'element class="article paywall"')],
            id="class-paywall",
        ),
        pytest.param(
            page(html('<div class="no-paywall">' + ARTICLE + "</div>")), [], id="no-paywall"
        ),
        pytest.param(
            page(html(LOGIN_PAGE, TIER_PAYWALL)),
            [(Reason.LOGIN_FORM, LOGIN_FORM), (Reason.PAYWALL, "meta article:content_tier=locked")],
            id="form-and-paywall",
        ),
    ],
)
def test_walls_after_download(answer: Answer, walls: list[tuple[Reason, str]]) -> None:
    mw = make()
    request = Request("http://site.test/page")
    earlier = Evidence("robots.txt", "http://site.test/robots.txt", "allowed")
    meta.add_evidence(request, earlier)
    response = answer(request)
    assert mw.process_response(request, response) is response
    evidence = meta.evidence_of(request)
    assert evidence[0] == earlier  # added to, never replaced
    assert [(e.reason, e.value) for e in evidence[1:]] == walls
    assert all(
        (e.signal, e.source, e.effect) == ("wall", response.url, Effect.DENY) for e in evidence[1:]
    )
    # One wall per response, however many findings it has.
    assert mw.crawler.stats.get_value(stats.AUTH_WALLS) == (1 if walls else None)


def test_a_stopped_login_redirect_becomes_evidence() -> None:
    mw = make()
    request = Request("http://site.test/members")
    meta.set_login_redirect(
        request, meta.LoginRedirect("http://site.test/login?next=/members", "/login-pattern")
    )
    response = plain(302)(request)
    mw.process_response(request, response)
    [evidence] = meta.evidence_of(request)
    assert (evidence.reason, evidence.value, evidence.source) == (
        Reason.LOGIN_REDIRECT,
        "redirect to http://site.test/login?next=/members (/login-pattern)",
        "http://site.test/members",
    )


def test_probes_are_neither_refused_nor_judged() -> None:
    mw = make(CONSENT_AUTH_WALL_MIN_PAGES=2, CONSENT_AUTH_WALL_RATIO=1.0)
    probe = Request("http://site.test/login/robots.txt", meta={meta.PROBE: True})
    assert mw.process_request(probe) is None
    mw.process_response(probe, plain(401)(probe))
    assert meta.evidence_of(probe) == ()
    assert mw.crawler.stats.get_value(stats.AUTH_WALLS) is None
    visit(mw, "http://site.test/a", walled=True)  # the origin's first page, not its second
    assert mw.crawler.stats.get_value(stats.WALLED_ORIGINS) is None


def test_gate_sends_no_decision() -> None:
    # The outcome middleware decides and records, once; the gate only gathers evidence.
    mw = make()
    decided: list[Any] = []
    mw.crawler.signals.connect(
        lambda **kw: decided.append(kw), signal=signals.consent_decided, weak=False
    )
    request = Request("http://site.test/private")
    mw.process_response(request, plain(401)(request))
    with pytest.raises(AuthAreaSkipped):
        mw.process_request(Request("http://site.test/login"))
    assert decided == []


# -- walled origins ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "walls", "flagged_at"),
    [
        ({}, [True] * 16 + [False] * 4, 20),  # 80 % of 20: the defaults
        ({}, [True] * 15 + [False] * 5, None),
        ({}, [True] * 19, None),  # too few pages to judge
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 5}, [False] + [True] * 4, 5),
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 5}, [True] * 3 + [False] * 2, None),
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 5}, [False] * 2 + [True] * 8, 10),  # 7 of 9 < 0.8
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 1, "CONSENT_AUTH_WALL_RATIO": 1.0}, [True], 1),
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 1, "CONSENT_AUTH_WALL_RATIO": 1.0}, [False, True], None),
        # Any share flags, but an origin that answered no wall at all is not walled.
        ({"CONSENT_AUTH_WALL_MIN_PAGES": 3, "CONSENT_AUTH_WALL_RATIO": 0.0}, [False] * 5, None),
        (
            {"CONSENT_AUTH_WALL_MIN_PAGES": 3, "CONSENT_AUTH_WALL_RATIO": 0.0},
            [False] * 3 + [True],
            4,
        ),
    ],
)
def test_walled_origin_threshold(
    settings: dict[str, Any], walls: list[bool], flagged_at: int | None
) -> None:
    mw = make(**settings)
    flagged = None
    for n, walled in enumerate(walls, 1):
        visit(mw, f"http://site.test/p{n}", walled)
        if flagged is None and mw.crawler.stats.get_value(stats.WALLED_ORIGINS):
            flagged = n
    assert flagged == flagged_at


def test_a_walled_origin_is_left_alone(caplog: pytest.LogCaptureFixture) -> None:
    mw = make(CONSENT_AUTH_WALL_MIN_PAGES=4, CONSENT_AUTH_WALL_RATIO=0.75)
    with caplog.at_level(logging.WARNING, logger="crawler.middlewares.auth"):
        in_flight = [Request(f"http://site.test/p{i}") for i in range(6)]
        for request in in_flight:
            mw.process_request(request)  # all asked before the first answer
        for request in in_flight:
            mw.process_response(request, plain(403)(request))
    assert [r.getMessage() for r in caplog.records] == [
        "http://site.test answered login walls for 4 of 4 pages: not crawling it further"
    ]
    assert mw.crawler.stats.get_value(stats.WALLED_ORIGINS) == 1
    assert mw.crawler.stats.get_value(stats.walled_origin("http://site.test")) == 4
    assert mw.crawler.stats.get_value(stats.AUTH_WALLS) == 6

    request = Request("http://site.test/open/article")
    with pytest.raises(AuthAreaSkipped) as caught:
        mw.process_request(request)
    [evidence] = caught.value.evidence
    assert (evidence.signal, evidence.source, evidence.effect, evidence.reason) == (
        "wall",
        "http://site.test",
        Effect.DENY,
        Reason.AUTH_WALLED_ORIGIN,
    )
    assert evidence.value == "origin answers login walls for most pages: backing off"
    assert str(caught.value) == "auth-walled-origin: http://site.test/open/article"
    # Another scheme or port is another origin; a probe is never refused.
    mw.process_request(Request("https://site.test/open/article"))
    mw.process_request(Request("http://site.test:8080/open/article"))
    mw.process_request(Request("http://site.test/robots.txt", meta={meta.PROBE: True}))
