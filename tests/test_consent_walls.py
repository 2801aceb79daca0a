"""Tests of crawler.consent.walls (login areas, auth responses, login forms, paywalls).

1. URL patterns: tables of real-looking login/account/checkout URLs and of ordinary URLs that
   contain the same words.
2. auth_response: status and WWW-Authenticate table.
3. login_form: login pages, account pages, articles with a login box in their chrome.
4. paywall: schema.org isAccessibleForFree (JSON-LD, microdata), article:content_tier, class
   and id markers, malformed markup, and an ordinary page that never reaches extruct.
5. wall_evidence through the policy.
"""

from __future__ import annotations

import json
from pathlib import Path

import extruct
import pytest
from parsel import Selector

from crawler.consent import walls
from crawler.consent.model import Effect, Purpose
from crawler.consent.policy import decide
from crawler.consent.walls import (
    AUTH_FORBIDDEN,
    AUTH_REQUIRED,
    AUTH_URL,
    DEFAULT_AUTH_PATTERNS,
    LOGIN_FORM,
    PAYWALL,
    AuthPatterns,
    WallFinding,
    auth_response,
    login_form,
    paywall,
    wall_evidence,
)

DATA = Path(__file__).parent / "data" / "walls"
PATTERNS = AuthPatterns.compile(DEFAULT_AUTH_PATTERNS)


# --- 1. URL patterns -----------------------------------------------------------------------

AUTH_URLS = [
    "https://example.wordpress.com/wp-login.php",
    "https://blog.example.org/wp-login.php?redirect_to=https%3A%2F%2Fblog.example.org%2F&reauth=1",
    "https://blog.example.org/wp-login.php?action=lostpassword",
    "https://blog.example.org/wp-admin/",
    "https://blog.example.org/wp-admin/post-new.php",
    "https://blog.example.org/wp-admin",
    "https://shop.example/my-account/",
    "https://shop.example/my-account/orders/",
    "https://shop.example/my-account/edit-address/billing/",
    "https://medium.com/m/signin?operation=login&redirect=https%3A%2F%2Fmedium.com%2F",
    "https://github.com/login?return_to=%2Fsettings%2Fprofile",
    "https://github.com/login/oauth/authorize?client_id=abc123",
    "https://github.com/sessions/new",
    "https://myaccount.nytimes.com/auth/login?response_type=cookie&client_id=vi",
    "https://profile.theguardian.com/signin?returnUrl=https%3A%2F%2Fwww.theguardian.com%2Fuk",
    "https://www.amazon.com/ap/signin?openid.pape.max_auth_age=0&openid.mode=checkid_setup",
    "https://www.amazon.com/gp/cart/view.html?ref_=nav_cart",
    "https://shop.example/cart",
    "https://shop.example/cart?variant=123",
    "https://shop.example/checkout/",
    "https://shop.myshopify.com/checkouts/cn/Z2NwLXVzLWVhc3Qx",
    "https://shop.myshopify.com/58234/checkouts/abc123?step=contact_information",
    "https://signin.ebay.com/signin/?ru=https%3A%2F%2Fwww.ebay.com%2F",
    "https://accounts.google.com/ServiceLogin?continue=https%3A%2F%2Fmail.google.com%2Fmail%2F",
    "https://accounts.google.com/v3/signin/identifier?continue=https://www.youtube.com/",
    "https://gitlab.com/users/sign_in",
    "https://gitlab.com/users/sign_up",
    "https://www.example.com/user/login?destination=/node/42",
    "https://www.example.com/user/register",
    "https://www.example.com/user/password",
    "https://intranet.example.com/Account/Login?ReturnUrl=%2Fadmin",
    "https://intranet.example.com/Login.aspx",
    "https://store.example/customer/account/login/referer/aHR0cHM6Ly9zdG9yZQ,,/",
    "https://store.example/customer/account/create/",
    "https://store.example/customer/account/",
    "https://forum.example/ucp.php?mode=login&redirect=index.php",
    "https://forum.example/login.php?do=login",
    "https://forum.example/member.php?action=register",
    "https://forum.example/index.php?action=login2",
    "https://forum.example/index.php?action=login",
    "https://www.example.com/oauth/authorize?client_id=x&response_type=code",
    "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x",
    "https://en.wikipedia.org/w/index.php?title=Special:UserLogin&returnto=Main+Page",
    "https://en.wikipedia.org/wiki/Special:CreateAccount",
    "https://x.com/i/flow/login",
    "https://www.linkedin.com/uas/login?session_redirect=%2Ffeed%2F",
    "https://www.reddit.com/login/",
    "https://www.example.com/signup",
    "https://www.example.com/sign-up/?plan=pro",
    "https://www.example.com/register/",
    "https://www.example.com/logout",
    "https://www.example.com/forgot-password",
    "https://www.example.com/password/reset",
    "https://www.example.com/administrator/index.php",
    "https://www.example.com/admin/",
    "https://www.example.com/account",
    "https://www.example.com/en-us/account/orders",
    "https://www.example.com/accounts/profile/",
    "https://www.example.com/my/orders",
    "https://app.example.com/auth?next=%2Fdashboard",
    "https://app.example.com/settings?next=/billing",
    "https://www.example.com/login;jsessionid=0A1B2C3D",
    "/login",
]

ORDINARY_URLS = [
    "https://example.com/blog/how-to-login-safely",
    "https://example.com/accountability/",
    "https://example.com/my-story",
    "https://example.com/authors/jane",
    "https://example.com/nextjs-tips",
    "https://example.com/archive?page=next",
    "https://medium.com/@jane/signing-in-with-passkeys-7b1c3d9e0f",
    "https://medium.com/towards-data-science/login-flows-for-ml-apps-1a2b3c",
    "https://www.nytimes.com/2024/05/01/technology/password-login-security.html",
    "https://www.theguardian.com/money/2024/jan/01/bank-account-fraud",
    "https://www.theguardian.com/lifeandstyle/my-account-of-the-flood",
    "https://www.bbc.com/news/technology-12345678",
    "https://en.wikipedia.org/wiki/Login",
    "https://en.wikipedia.org/wiki/Shopping_cart",
    "https://en.wikipedia.org/wiki/Checkout",
    "https://en.wikipedia.org/wiki/Authentication",
    "https://en.wikipedia.org/wiki/Account_(bookkeeping)",
    "https://en.wikipedia.org/w/api.php?action=query&list=allpages&continue=-||",
    "https://www.apple.com/my/iphone/",
    "https://www.ikea.com/my/en/",
    "https://example.com/cartoons/",
    "https://example.com/cartography/maps",
    "https://example.com/registered-nurses/",
    "https://www.gov.uk/register-to-vote",
    "https://example.com/blog/sign-up-bonuses-explained",
    "https://example.com/authorization-letter-template",
    "https://www.wired.com/story/oauth-explained/",
    "https://example.com/news/accounting-standards",
    "https://example.com/blog/account",
    "https://example.org/forum/topic/123?next=2",
    "https://example.com/continue-reading/",
    "https://example.com/search?q=login",
    "https://shop.example/products/admin-desk-chair",
    "https://example.com/my-accountant-story",
    "https://example.com/checkout-the-new-features",
    "https://example.com/the-cart-before-the-horse",
    "https://conference.example/session/new-frontiers-in-ai",
    "https://conference.example/sessions-2024/new-speakers",
    "https://example.com/user/jane",
    "https://docs.example.com/authentication/oauth-apps",
    "https://example.com/blog/login-page-design-patterns",
    "https://example.com/logistics/",
    "https://example.com/myths/",
    "https://example.com/registry/packages",
    "https://example.com/administration-of-justice",
    "https://example.com/",
    "",
]


@pytest.mark.parametrize("url", AUTH_URLS)
def test_auth_url_matches(url: str) -> None:
    assert PATTERNS.match(url) is not None, url


@pytest.mark.parametrize("url", ORDINARY_URLS)
def test_ordinary_url_does_not_match(url: str) -> None:
    assert PATTERNS.match(url) is None, (url, PATTERNS.match(url))


def test_tables_are_large_enough() -> None:
    assert len(AUTH_URLS) >= 25 and len(ORDINARY_URLS) >= 25


def test_every_default_pattern_is_exercised() -> None:
    used = {PATTERNS.match(url) for url in AUTH_URLS}
    assert used == set(DEFAULT_AUTH_PATTERNS)


def test_match_returns_the_pattern_text_and_ignores_case_and_host() -> None:
    patterns = AuthPatterns.compile([r"/members(/|$)", r"/login"])
    assert patterns.match("https://EXAMPLE.com/Members/") == r"/members(/|$)"
    assert patterns.match("https://login.example.com/") is None  # the host is not matched
    assert patterns.match("https://example.com/a#/login") is None  # nor the fragment
    assert patterns.match("https://example.com/a?b=/login") == r"/login"  # the query is


@pytest.mark.parametrize("bad", ["/(login", "[a-", "*login", "", "   "])
def test_invalid_pattern_is_value_error_naming_it(bad: str) -> None:
    with pytest.raises(ValueError) as raised:
        AuthPatterns.compile(["/ok", bad])
    assert repr(bad) in str(raised.value)


def test_unparsable_url_is_no_match() -> None:
    assert PATTERNS.match("http://[::1/login") is None


def test_finding_for_an_auth_url() -> None:
    found = PATTERNS.finding("https://example.com/wp-login.php")
    assert found == WallFinding(AUTH_URL, r"URL path matches /wp-login\.php")
    assert PATTERNS.finding("https://example.com/") is None
    assert AuthPatterns.default() == PATTERNS


# --- 2. auth_response --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (200, [], None),
        (404, [], None),
        (500, [], None),
        (401, [], WallFinding(AUTH_REQUIRED, "HTTP 401 Unauthorized")),
        (
            401,
            [b'Basic realm="staff"'],
            WallFinding(AUTH_REQUIRED, 'WWW-Authenticate: Basic realm="staff"'),
        ),
        (407, [], WallFinding(AUTH_REQUIRED, "HTTP 407 Proxy Authentication Required")),
        (403, [], WallFinding(AUTH_FORBIDDEN, "HTTP 403 Forbidden")),
        (
            403,
            ["Bearer"],
            WallFinding(AUTH_REQUIRED, "WWW-Authenticate: Bearer"),
        ),
        (
            200,
            ['Basic realm="x"'],
            WallFinding(AUTH_REQUIRED, 'WWW-Authenticate: Basic realm="x"'),
        ),
        (
            401,
            ["Negotiate", 'Basic realm="intranet"'],
            WallFinding(AUTH_REQUIRED, 'WWW-Authenticate: Negotiate, Basic realm="intranet"'),
        ),
        (200, ["", "  "], None),  # an empty header is no challenge
    ],
)
def test_auth_response(status: int, headers: list[str | bytes], expected: WallFinding) -> None:
    assert auth_response(status, headers) == expected


def test_auth_response_clips_a_long_challenge() -> None:
    found = auth_response(200, ['Digest realm="' + "x" * 500 + '"'])
    assert found is not None and found.kind == AUTH_REQUIRED
    assert len(found.value) == 200 and found.value.startswith("WWW-Authenticate: Digest")


def test_auth_response_takes_one_value_on_its_own() -> None:
    found = auth_response(200, "Basic")
    assert found == WallFinding(AUTH_REQUIRED, "WWW-Authenticate: Basic")


# --- 3. login_form -----------------------------------------------------------------------

LOREM = (
    "The council voted on Tuesday to extend the harbour path, after a year of consultation in "
    "which residents, fishermen and the sailing club argued over where the new walkway should "
    "run and who would pay for its upkeep. "
)


def words(n: int) -> str:
    """About ``n`` words of article prose."""
    base = LOREM.split()
    return " ".join(base[i % len(base)] for i in range(n))


def page(html: str) -> Selector:
    return Selector(text=html)


SITE_HEADER = """
<header class="site-header">
  <a href="/" class="logo">The Harbour Gazette</a>
  <nav><a href="/news/">News</a> <a href="/sport/">Sport</a> <a href="/opinion/">Opinion</a>
       <a href="/culture/">Culture</a> <a href="/about/">About us</a></nav>
  <form class="login-box" action="/session" method="post">
    <label>Email <input type="email" name="email"></label>
    <label>Password <input type="password" name="password"></label>
    <button>Log in</button>
  </form>
</header>"""
SITE_FOOTER = """
<footer><p>© 2025 The Harbour Gazette. All rights reserved. Registered in England and Wales.
Privacy policy, cookie policy, terms of use, contact us, advertise with us, careers.</p></footer>"""

BARE_LOGIN = """<!doctype html>
<html><head><title>Sign in · Example</title></head>
<body>
  <div class="auth-card">
    <h1>Sign in to Example</h1>
    <form action="/session" accept-charset="UTF-8" method="post">
      <input type="hidden" name="authenticity_token" value="abc">
      <label for="login_field">Username or email address</label>
      <input type="text" name="login" id="login_field" autocomplete="username">
      <label for="password">Password</label>
      <input type="password" name="password" id="password">
      <a href="/password_reset">Forgot password?</a>
      <input type="submit" value="Sign in">
    </form>
    <p>New to Example? <a href="/signup">Create an account</a>.</p>
  </div>
  <footer><a href="/terms">Terms</a> <a href="/privacy">Privacy</a></footer>
</body></html>"""

LOGIN_IN_MAIN = f"""<!doctype html>
<html><head><title>Log in | Harbour Gazette</title></head>
<body>
  {SITE_HEADER.replace('type="password"', 'type="text"')}
  <main id="content">
    <h1>Log in to your subscription</h1>
    <p>{words(300)}</p>
    <form id="loginform" action="https://gazette.example/wp-login.php" method="post">
      <p><label>Username <input type="text" name="log"></label></p>
      <p><label>Password <input type="PassWord" name="pwd"></label></p>
      <p><input type="submit" value="Log In"></p>
    </form>
  </main>
  {SITE_FOOTER}
</body></html>"""

ARTICLE_WITH_HEADER_LOGIN = f"""<!doctype html>
<html><head><title>Harbour path extended | Harbour Gazette</title></head>
<body>
  {SITE_HEADER}
  <main>
    <article>
      <header><h1>Harbour path to be extended</h1><p class="byline">By Jane Doe</p></header>
      <p>{words(700)}</p>
      <footer>Published 3 June 2025</footer>
    </article>
  </main>
  {SITE_FOOTER}
</body></html>"""

SHORT_ARTICLE_WITH_HEADER_LOGIN = f"""<html><body>
  {SITE_HEADER}
  <main><article><h1>Road closed</h1><p>{words(40)}</p></article></main>
  {SITE_FOOTER}
</body></html>"""

ACCOUNT_CHANGE_PASSWORD = """<!doctype html>
<html><head><title>Change password – My account</title></head>
<body>
  <header><a href="/">Shop</a><nav><a href="/my-account/">Dashboard</a></nav></header>
  <div class="woocommerce">
    <nav class="woocommerce-MyAccount-navigation"><ul>
      <li><a href="/my-account/orders/">Orders</a></li>
      <li><a href="/my-account/edit-address/">Addresses</a></li>
      <li><a href="/my-account/edit-account/">Account details</a></li>
      <li><a href="/my-account/customer-logout/">Log out</a></li></ul></nav>
    <div class="woocommerce-MyAccount-content" role="main">
      <form class="woocommerce-EditAccountForm edit-account" action="" method="post">
        <fieldset><legend>Password change</legend>
          <label>Current password <input type="password" name="password_current"></label>
          <label>New password <input type="password" name="password_1"></label>
          <label>Confirm new password <input type="password" name="password_2"></label>
        </fieldset>
        <button type="submit" name="save_account_details">Save changes</button>
      </form>
    </div>
  </div>
</body></html>"""

SEARCH_PAGE = """<html><body>
  <main><h1>Search</h1>
    <form action="/search" role="search"><input type="search" name="q"><button>Go</button></form>
    <p>No results yet.</p></main>
</body></html>"""

ARTICLE_WITH_COMMENT_LOGIN = f"""<html><body>
  <main><article>
    <h1>Harbour path to be extended</h1>
    <p>{words(900)}</p>
    <section id="comments"><h2>Comments</h2>
      <form action="/comments/login" method="post">
        <input name="user"> <input type="password" name="pass"> <button>Log in to comment</button>
      </form>
    </section>
  </article></main>
</body></html>"""

SIDEBAR_LOGIN_ARTICLE = f"""<html><body>
  <div id="content"><h1>Harbour path to be extended</h1><p>{words(400)}</p></div>
  <div class="sidebar"><div class="moduletable">
    <form id="login-form" action="/index.php" method="post">
      <input name="username"> <input type="password" name="password"> <button>Log in</button>
    </form></div></div>
</body></html>"""

JAPANESE_ARTICLE_WITH_SIDEBAR_LOGIN = (
    "<html><body><div id='content'><h1>港の遊歩道を延長へ</h1><p>"
    + "市議会は火曜日、一年にわたる住民との協議を経て、港の遊歩道を延長することを決めた。" * 12
    + "</p></div><div class='side'><form action='/login'><input name='id'>"
    "<input type='password' name='pw'></form></div></body></html>"
)

JAPANESE_LOGIN = (
    "<html><body><h1>ログイン</h1><form action='/login'><label>会員ID<input name='id'></label>"
    "<label>パスワード<input type='password' name='pw'></label><button>ログイン</button>"
    "</form><p>パスワードをお忘れの方はこちら</p></body></html>"
)

PASSWORD_WITHOUT_FORM = """<html><body><div id="app"><h2>Welcome back</h2>
  <input type="email" placeholder="Email"><input type="password" placeholder="Password">
  <button>Continue</button></div></body></html>"""

INPUT_WITH_FORM_ATTRIBUTE = f"""<html><body>
  <main><form id="signin" action="/account/signin"></form>
  <h1>Members</h1><p>{words(200)}</p>
  <input type="password" name="pw" form="signin"></main></body></html>"""


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            BARE_LOGIN,
            'form action="/session" with a password input (',
        ),
        (
            LOGIN_IN_MAIN,
            (
                'form action="https://gazette.example/wp-login.php" with a password input '
                "(in <main>/<article>, "
            ),
        ),
        (ACCOUNT_CHANGE_PASSWORD, "form with a password input (in <main>/<article>, "),
        (JAPANESE_LOGIN, 'form action="/login" with a password input ('),
        (PASSWORD_WITHOUT_FORM, "a password input outside any form ("),
        (INPUT_WITH_FORM_ATTRIBUTE, 'form action="/account/signin" with a password input ('),
    ],
    ids=["bare", "in-main", "change-password", "japanese", "no-form", "form-attribute"],
)
def test_login_page(html: str, expected: str) -> None:
    found = login_form(page(html))
    assert found is not None
    assert found.kind == LOGIN_FORM
    assert found.value.startswith(expected), found.value
    assert found.value.endswith(" words of text)")


@pytest.mark.parametrize(
    "html",
    [
        ARTICLE_WITH_HEADER_LOGIN,
        SHORT_ARTICLE_WITH_HEADER_LOGIN,
        SEARCH_PAGE,
        ARTICLE_WITH_COMMENT_LOGIN,
        SIDEBAR_LOGIN_ARTICLE,
        JAPANESE_ARTICLE_WITH_SIDEBAR_LOGIN,
        "<html><body><p>Hello</p></body></html>",
        "",
    ],
    ids=[
        "article-header-login",
        "short-article-header-login",
        "search-form",
        "article-comment-login",
        "sidebar-login",
        "japanese-sidebar-login",
        "tiny",
        "empty",
    ],
)
def test_not_a_login_page(html: str) -> None:
    assert login_form(page(html)) is None


def test_bare_login_page_counts_its_words() -> None:
    found = login_form(page(BARE_LOGIN))
    assert found is not None
    # "Sign in to Example", "New to Example?", "Create an account", "." (a text node of its
    # own); the form and the footer do not count.
    assert found.value.endswith("(11 words of text)")


def test_login_form_from_fixture_files() -> None:
    found = login_form(Selector(text=(DATA / "login.html").read_text()))
    assert found is not None and found.kind == LOGIN_FORM
    assert login_form(Selector(text=(DATA / "article.html").read_text())) is None


def test_non_html_selectors_are_no_finding() -> None:
    as_json = Selector(text='{"password": "x", "isAccessibleForFree": false}')
    assert as_json.type == "json"
    assert login_form(as_json) is None
    assert paywall(as_json, '{"isAccessibleForFree": false}') is None


# --- 4. paywall ---------------------------------------------------------------------------


def jsonld(data: object, *, raw: str | None = None) -> str:
    text = raw if raw is not None else json.dumps(data)
    return f"""<!doctype html><html><head><title>Story</title>
<script type="application/ld+json">{text}</script></head>
<body><article><h1>Story</h1><p>{words(80)}</p>
<div class="article-body">{words(60)}</div></article></body></html>"""


def check_paywall(html: str) -> WallFinding | None:
    """paywall() on bytes and on str alike."""
    found = paywall(page(html), html.encode())
    assert paywall(page(html), html) == found
    return found


NEWS_ARTICLE = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Harbour path to be extended",
    "datePublished": "2025-06-03T08:00:00+01:00",
    "author": {"@type": "Person", "name": "Jane Doe"},
    "isPartOf": {
        "@type": ["CreativeWork", "Product"],
        "name": "The Harbour Gazette",
        "productID": "gazette.example:basic",
    },
}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {**NEWS_ARTICLE, "isAccessibleForFree": False},
            "JSON-LD isAccessibleForFree: false (NewsArticle)",
        ),
        (
            {**NEWS_ARTICLE, "isAccessibleForFree": "False"},
            "JSON-LD isAccessibleForFree: false (NewsArticle)",
        ),
        (
            {**NEWS_ARTICLE, "isAccessibleForFree": "false"},
            "JSON-LD isAccessibleForFree: false (NewsArticle)",
        ),
        (
            {**NEWS_ARTICLE, "isAccessibleForFree": "https://schema.org/False"},
            "JSON-LD isAccessibleForFree: false (NewsArticle)",
        ),
        (
            [{"@type": "BreadcrumbList"}, {**NEWS_ARTICLE, "isAccessibleForFree": False}],
            "JSON-LD isAccessibleForFree: false (NewsArticle)",
        ),
        (
            {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Gazette"},
                    {"@type": ["Article", "NewsArticle"], "isAccessibleForFree": "False"},
                ],
            },
            "JSON-LD isAccessibleForFree: false (Article, NewsArticle)",
        ),
        (
            {
                **NEWS_ARTICLE,
                "hasPart": {
                    "@type": "WebPageElement",
                    "isAccessibleForFree": "False",
                    "cssSelector": ".paywall",
                },
            },
            'JSON-LD hasPart isAccessibleForFree: false (WebPageElement, cssSelector ".paywall")',
        ),
        (
            {
                **NEWS_ARTICLE,
                "isAccessibleForFree": True,
                "hasPart": [
                    {"@type": "WebPageElement", "isAccessibleForFree": True, "cssSelector": ".a"},
                    {"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".b"},
                ],
            },
            'JSON-LD hasPart isAccessibleForFree: false (WebPageElement, cssSelector ".b")',
        ),
        (
            {
                "@type": "WebPage",
                "mainEntity": {"@type": "Article", "isAccessibleForFree": {"@value": False}},
            },
            "JSON-LD isAccessibleForFree: false (Article)",
        ),
        (
            {"@context": {"schema": "https://schema.org/"}, "schema:isAccessibleForFree": "false"},
            "JSON-LD isAccessibleForFree: false (untyped)",
        ),
    ],
    ids=[
        "bool",
        "string-False",
        "string-false",
        "schema-url",
        "list",
        "graph",
        "hasPart",
        "hasPart-list",
        "mainEntity",
        "prefixed-key",
    ],
)
def test_jsonld_paywall(data: object, expected: str) -> None:
    assert check_paywall(jsonld(data)) == WallFinding(PAYWALL, expected)


@pytest.mark.parametrize(
    "data",
    [
        {**NEWS_ARTICLE, "isAccessibleForFree": True},
        {**NEWS_ARTICLE, "isAccessibleForFree": "True"},
        {**NEWS_ARTICLE, "isAccessibleForFree": "yes"},
        # A free article in a paid periodical, paid articles listed on a free page.
        {**NEWS_ARTICLE, "isPartOf": {"@type": "Periodical", "isAccessibleForFree": False}},
        {
            "@type": "ItemList",
            "itemListElement": [{"@type": "NewsArticle", "isAccessibleForFree": False}],
        },
        # The marker word only in prose.
        {**NEWS_ARTICLE, "description": "What isAccessibleForFree means for publishers"},
    ],
    ids=["true", "string-True", "yes", "isPartOf", "itemList", "word-in-prose"],
)
def test_jsonld_free(data: object) -> None:
    assert check_paywall(jsonld(data)) is None


MALFORMED = '{"@type": "NewsArticle", "headline": "Story", "isAccessibleForFree": false,,, }}'


def test_malformed_jsonld_saying_not_free_is_a_paywall() -> None:
    found = check_paywall(jsonld(None, raw=MALFORMED))
    assert found == WallFinding(
        PAYWALL, "JSON-LD isAccessibleForFree: false (in a malformed JSON-LD block)"
    )


def test_malformed_jsonld_otherwise_is_no_finding() -> None:
    raw = '{"@type": "NewsArticle", "isAccessibleForFree": true, [[['
    assert check_paywall(jsonld(None, raw=raw)) is None
    assert check_paywall(jsonld(None, raw="{{{{ isAccessibleForFree")) is None


def test_one_malformed_block_does_not_hide_another() -> None:
    good = json.dumps({**NEWS_ARTICLE, "isAccessibleForFree": False})
    html = (
        '<html><head><script type="application/ld+json">{"@type": "Organization",,]</script>'
        f'<script type="application/ld+json">{good}</script></head><body>x</body></html>'
    )
    found = check_paywall(html)
    assert found == WallFinding(PAYWALL, "JSON-LD isAccessibleForFree: false (NewsArticle)")


def test_deep_nesting_never_raises() -> None:
    deep = "[" * 5000 + "]" * 5000
    assert check_paywall(jsonld(None, raw=deep + ' "isAccessibleForFree"')) is None
    nested: dict[str, object] = {"@type": "Article", "isAccessibleForFree": False}
    for _ in range(50):
        nested = {"@type": "WebPage", "hasPart": nested}
    assert check_paywall(jsonld(nested)) is None  # deeper than anyone marks a paywall
    value: object = False
    for _ in range(900):
        value = {"@value": value}
    assert check_paywall(jsonld({"@type": "Article", "isAccessibleForFree": value})) is None


MICRODATA = """<html><body>
<article itemscope itemtype="https://schema.org/NewsArticle">
  <h1 itemprop="headline">Harbour path to be extended</h1>
  <meta itemprop="isAccessibleForFree" content="{free}">
  <div itemprop="articleBody"><p>{text}</p></div>
  <div itemprop="hasPart" itemscope itemtype="https://schema.org/WebPageElement">
    <meta itemprop="isAccessibleForFree" content="{part}">
    <meta itemprop="cssSelector" content=".locked">
  </div>
</article></body></html>"""


@pytest.mark.parametrize(
    ("free", "part", "expected"),
    [
        ("False", "True", "microdata isAccessibleForFree: false (NewsArticle)"),
        ("false", "True", "microdata isAccessibleForFree: false (NewsArticle)"),
        (
            "True",
            "False",
            'microdata hasPart isAccessibleForFree: false (WebPageElement, cssSelector ".locked")',
        ),
        ("True", "True", None),
    ],
)
def test_microdata(free: str, part: str, expected: str | None) -> None:
    found = check_paywall(MICRODATA.format(free=free, part=part, text=words(50)))
    assert found == (None if expected is None else WallFinding(PAYWALL, expected))


def test_microdata_link_to_schema_false() -> None:
    html = """<html><body><div itemscope itemtype="http://schema.org/Article">
      <link itemprop="isAccessibleForFree" href="http://schema.org/False">
      <span itemprop="headline">Story</span></div></body></html>"""
    found = check_paywall(html)
    assert found == WallFinding(PAYWALL, "microdata isAccessibleForFree: false (Article)")


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta property="article:content_tier" content="locked">', "locked"),
        ('<meta property="article:content_tier" content="metered">', "metered"),
        ('<meta property="Article:Content_Tier" content=" Locked ">', "locked"),
        ('<meta name="article:content_tier" content="locked">', "locked"),
        ('<meta property="article:content_tier" content="free">', None),
        ('<meta property="article:content_tier" content="">', None),
        ('<meta property="og:description" content="article:content_tier locked">', None),
    ],
)
def test_content_tier(meta: str, expected: str | None) -> None:
    html = f"<html><head>{meta}</head><body><p>{words(100)}</p></body></html>"
    found = check_paywall(html)
    if expected is None:
        assert found is None
    else:
        assert found == WallFinding(PAYWALL, f"meta article:content_tier={expected}")


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ('<div class="paywall">Subscribe to read on</div>', 'class="paywall"'),
        ('<div class="c-paywall c-paywall--dark"></div>', 'class="c-paywall c-paywall--dark"'),
        ('<section class="paywall-container">…</section>', 'class="paywall-container"'),
        ('<div id="paywall"></div>', 'id="paywall"'),
        ('<div id="leaky_paywall_message">Log in</div>', 'id="leaky_paywall_message"'),
        ('<div class="articlePaywall">x</div>', 'class="articlePaywall"'),
        ('<div class="is-paywalled">x</div>', 'class="is-paywalled"'),
        ('<div class="PAYWALL">x</div>', 'class="PAYWALL"'),
        ('<div class="paywall paywall--hidden">x</div>', 'class="paywall paywall--hidden"'),
    ],
)
def test_paywall_element(element: str, expected: str) -> None:
    html = f"<html><body><article><p>{words(60)}</p>{element}</article></body></html>"
    assert check_paywall(html) == WallFinding(PAYWALL, f"element {expected}")


@pytest.mark.parametrize(
    "element",
    [
        '<div class="no-paywall">x</div>',
        '<div class="noPaywall">x</div>',
        '<div class="paywall-free">x</div>',
        '<div class="paywall--hidden">x</div>',
        '<div class="nopaywall">x</div>',  # not a word part
        '<div class="paywallet">x</div>',
        '<script src="/static/js/paywall.js"></script>',
        '<script id="paywall-config" type="application/json">{"meter": 5}</script>',
        '<link rel="stylesheet" href="/css/paywall.css" class="paywall-css">',
        '<template id="paywall-template"><div class="paywall">x</div></template>',
        '<svg><symbol id="icon-paywall" viewBox="0 0 8 8"></symbol></svg>',
        '<a href="/premium/story" class="teaser paywall">Premium story</a>',
        '<a href="/premium/story"><span class="paywall">+</span> Premium story</a>',
        '<span class="paywall-icon"></span>',
        "<p>Why we do not have a paywall</p>",
        '<div data-paywall="true">x</div>',
    ],
)
def test_not_a_paywall_element(element: str) -> None:
    html = f"<html><body><article><p>{words(60)}</p>{element}</article></body></html>"
    assert check_paywall(html) is None


def test_paywall_from_fixture_files() -> None:
    html = (DATA / "paywalled.html").read_bytes()
    found = paywall(Selector(body=html, type="html", encoding="utf-8"), html)
    assert found == WallFinding(PAYWALL, "JSON-LD isAccessibleForFree: false (NewsArticle)")
    html = (DATA / "article.html").read_bytes()
    assert paywall(Selector(body=html, type="html", encoding="utf-8"), html) is None


def test_utf16_body_is_searched_as_text() -> None:
    html = f'<html><body><div class="paywall">{words(20)}</div></body></html>'
    body = html.encode("utf-16")
    assert paywall(page(html), body) == WallFinding(PAYWALL, 'element class="paywall"')


def test_ordinary_page_never_reaches_extruct(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("extruct called on a page without markers")

    monkeypatch.setattr(extruct, "extract", fail)
    html = ordinary_article()
    assert len(html) > 50_000
    assert paywall(page(html), html.encode()) is None
    assert login_form(page(html)) is None


def test_extruct_reads_the_parsed_tree_without_changing_it() -> None:
    html = jsonld({**NEWS_ARTICLE, "isAccessibleForFree": False})
    selector = page(html)
    before = selector.get()
    assert paywall(selector, html) is not None
    assert selector.get() == before


def ordinary_article() -> str:
    """A 50+ KB news article page: chrome, prose, JSON-LD without paywall markup, scripts."""
    meta = json.dumps({**NEWS_ARTICLE, "description": words(30)})
    paragraphs = "\n".join(f"<p>{words(90)}</p>" for _ in range(90))
    links = "".join(f'<li><a href="/news/2025/story-{i}">Story {i}</a></li>' for i in range(60))
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour path to be extended | Harbour Gazette</title>
<meta property="og:type" content="article"><meta name="description" content="{words(25)}">
<script type="application/ld+json">{meta}</script>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({{"section": "news"}});</script>
<style>.article-body p {{ margin: 0 0 1em }} .site-header {{ display: flex }}</style>
</head><body class="article-page">
{SITE_HEADER.replace('type="password"', 'type="text"')}
<main><article class="article"><header><h1>Harbour path to be extended</h1></header>
<div class="article-body">{paragraphs}</div></article>
<aside class="related"><ul>{links}</ul></aside></main>
{SITE_FOOTER}
</body></html>"""


# --- 5. evidence --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [LOGIN_FORM, PAYWALL, AUTH_REQUIRED, AUTH_FORBIDDEN, AUTH_URL])
def test_wall_evidence_denies_every_purpose(kind: str) -> None:
    finding = WallFinding(kind, "seen")
    evidence = wall_evidence(finding, source="https://gazette.example/story")
    assert evidence.signal == "wall" == walls.SIGNAL
    assert evidence.effect is Effect.DENY
    assert evidence.reason == kind
    assert evidence.value == "seen"
    assert evidence.source == "https://gazette.example/story"
    assert evidence.purposes == frozenset()
    for purpose in Purpose:
        decision = decide(purpose, [evidence])
        assert not decision.allowed
        assert decision.reasons == (kind,)
