"""Login areas and paywalls: URLs, responses and pages the crawler must not collect.

Japan's copyright guidance (Agency for Cultural Affairs, 2024) treats ID/password
authentication as a technical measure that takes content out of free data analysis; the EU
GPAI code of practice asks crawlers not to circumvent paywalls. So the crawler never requests a
login URL, and never stores a page that answers with an authentication challenge, is a login
form, or carries paywall markup. Every finding is a DENY for all purposes (``wall_evidence``).

Pure: strings, a parsed page (``parsel.Selector``, the one Scrapy caches as
``response.selector``) and the raw body in, frozen findings out; no I/O, never raises on page
content. Checks of a page:

* ``login_form``: a ``<form>`` with a password input that is not page chrome (nav, header,
  footer, aside: a site-wide login box), on a page with little other text, or inside
  ``<main>``/``<article>``/``[role=main]`` of a page that is not a long read.
* ``paywall``: schema.org ``isAccessibleForFree`` false (JSON-LD or microdata, read with
  extruct), ``<meta property="article:content_tier" content="locked|metered">``, or an element
  whose class or id has ``paywall`` as a word part. Each check runs only when its marker word
  occurs in the body, so a page without one costs a lower-casing and three substring searches.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from . import structured
from .model import Effect, Evidence, reason
from .text import clip, header_strings

__all__ = [
    "AUTH_FORBIDDEN",
    "AUTH_REQUIRED",
    "AUTH_URL",
    "CONTENT_PAGE_WORDS",
    "DEFAULT_AUTH_PATTERNS",
    "LOGIN_FORM",
    "PAYWALL",
    "SHORT_PAGE_WORDS",
    "SIGNAL",
    "AuthPatterns",
    "WallFinding",
    "auth_response",
    "login_form",
    "paywall",
    "wall_evidence",
]

SIGNAL: Final = "wall"
# Finding kinds; each is also the reason code of its evidence.
LOGIN_FORM: Final = "login-form"
PAYWALL: Final = "paywall"
AUTH_REQUIRED: Final = "auth-required"
AUTH_FORBIDDEN: Final = "auth-forbidden"
AUTH_URL: Final = "auth-url"

# Auth words count only as a whole path segment (optionally with an extension or a query after
# it), so article slugs that contain them ("/how-to-login-safely") do not match. Wikipedia and
# other MediaWiki sites have articles named "Login", "Checkout", "Register": not under /wiki/.
_END: Final = r"(?=[/.;?]|$)"
_NOT_WIKI: Final = r"(?<!/wiki)"
# Locale prefix of top-level sections: "/account", "/en/account", "/en-us/account".
_LOCALE: Final = r"^(?:/[a-z]{2}(?:[-_][a-z]{2,4})?)?"

#: Regexes (case-insensitive, ``re.search``) over a URL's path and query.
DEFAULT_AUTH_PATTERNS: Final[tuple[str, ...]] = (
    # /login, /log-in, /signin, /sign_in (GitLab), /logon, Login.aspx, /ap/signin (Amazon)
    _NOT_WIKI + r"/(?:log|sign)[-_]?(?:in|on)" + _END,
    # Logout links end a session we do not have; never worth a request.
    _NOT_WIKI + r"/(?:log|sign)[-_]?out" + _END,
    _NOT_WIKI + r"/sign[-_]?up" + _END,
    _NOT_WIKI + r"/register" + _END,
    r"/wp-login\.php",
    r"/wp-admin(?:/|$|\?)",
    # Joomla /administrator, Django and shop back offices /admin
    _NOT_WIKI + r"/admin(?:istrator)?" + _END,
    # WooCommerce /my-account/; "/my-accountant" is a slug
    r"/my[-_]?accounts?" + _END,
    # A top-level account section (also under a locale) and Magento's /customer/account/.
    # Not "/bank-account" or "/blog/account": deeper "account" segments are usually articles.
    _LOCALE + r"/accounts?" + _END,
    r"/customer/account" + _END,
    # "/my/" alone is a locale (Malaysia: apple.com/my/), so only its account sub-areas.
    r"/my/(?:account|profile|orders?|settings|dashboard|subscriptions?|wish-?list)" + _END,
    # Drupal
    r"/user/(?:login|register|password)" + _END,
    r"/auth(?:/|$|\?)",
    r"/oauth2?(?:/|$|\?)",
    r"/sessions?/new" + _END,
    r"/(?:forgot|reset|lost|change)[-_]?password" + _END,
    # GitHub /password_reset, Devise /users/password/new
    r"/password[-_/]?(?:reset|forgot|new)" + _END,
    _NOT_WIKI + r"/checkouts?" + _END,
    _NOT_WIKI + r"/cart" + _END,
    # phpBB user control panel
    r"/ucp\.php",
    # MediaWiki: /wiki/Special:UserLogin, index.php?title=Special:CreateAccount
    r"[/=]Special:(?:UserLogin|UserLogout|CreateAccount)",
    # phpBB ?mode=login, vBulletin ?do=login, WordPress ?action=register
    (
        r"[?&](?:mode|action|do)="
        r"(?:log[-_]?in\d?|log[-_]?out|register|sign[-_]?up|lostpassword)(?:&|$)"
    ),
    # A login redirect carries a path or URL to come back to ("?next=/settings"); "?next=2"
    # (a page cursor) and MediaWiki's API "continue=-||" do not.
    (
        r"[?&](?:redirect_to|redirect_uri|next|return_?to|return_?url|continue)="
        r"(?:/|%2F|https?(?::|%3A))"
    ),
)

#: A page with fewer words of content than this around a password form is a login page.
SHORT_PAGE_WORDS: Final = 120
#: A password form inside main/article is a login wall unless the page is this long a read (an
#: article with a login-to-comment box in it).
CONTENT_PAGE_WORDS: Final = 500

_MAX_VALUE: Final = 200  # evidence text is stored per URL: keep it short
_MAX_ATTR: Final = 100
_MAX_DEPTH: Final = 8  # of JSON-LD/microdata nesting followed (@graph, hasPart, mainEntity)

_UPPER: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER: Final = "abcdefghijklmnopqrstuvwxyz"

# lxml XPath, compiled once; run on Selector.root so no per-node Selector objects are made.
_PASSWORD_INPUTS: Final = etree.XPath(
    "//input[translate(normalize-space(@type), 'PASWORD', 'pasword') = 'password']"
)
_CHROME_TAGS: Final = frozenset({"nav", "header", "footer", "aside"})
_CHROME_ROLES: Final = frozenset({"navigation", "banner", "contentinfo", "complementary"})
_CONTENT_TAGS: Final = frozenset({"main", "article"})
# Text in these is not the page's content: forms, chrome, code.
_NOT_CONTENT: Final = frozenset(
    {"form", "nav", "header", "footer", "aside", "script", "style", "noscript", "template"}
)
# Chinese and Japanese are written without spaces; about two characters make a word.
_CJK: Final = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_CONTENT_TIER: Final = etree.XPath(
    f"//meta[translate(normalize-space(@property), '{_UPPER}', '{_LOWER}')"
    " = 'article:content_tier'"
    f" or translate(normalize-space(@name), '{_UPPER}', '{_LOWER}') = 'article:content_tier']"
)
_LOCKED_TIERS: Final = frozenset({"locked", "metered"})
# Candidates only; the word-part test is in Python. Not scripts, styles or templates (a script
# named paywall.js loads on free pages too), not inside an <svg> (icon sprites) and not inside
# a link (a premium badge on a teaser describes the linked article, not this page).
_PAYWALL_CANDIDATES: Final = etree.XPath(
    f"//*[(contains(translate(@class, '{_UPPER}', '{_LOWER}'), 'paywall')"
    f" or contains(translate(@id, '{_UPPER}', '{_LOWER}'), 'paywall'))"
    " and not(self::script or self::style or self::link or self::meta)"
    " and not(ancestor-or-self::template or ancestor-or-self::svg or ancestor-or-self::a)]"
)
_WORD_PARTS: Final = re.compile(r"[-_:.]+|(?<=[a-z0-9])(?=[A-Z])")
_PAYWALL_PART: Final = re.compile(r"paywall(?:ed|s)?\d*")
# "no-paywall", "paywall-free", "paywall--hidden": the page says it is not walled. Icons and
# badges mark other articles in lists.
_NOT_A_WALL: Final = frozenset(
    {
        "no",
        "non",
        "not",
        "without",
        "free",
        "off",
        "none",
        "disabled",
        "hidden",
        "inactive",
        "exempt",
        "removed",
        "icon",
        "ico",
        "badge",
        "logo",
    }
)

# Read only in a JSON-LD block no parser could read: the publisher's intent is still plain.
_FALSE_IN_TEXT: Final = re.compile(
    r"""["']?isAccessibleForFree["']?\s*:\s*["']?(?:https?://schema\.org/)?false\b""",
    re.IGNORECASE,
)
_FALSE_VALUES: Final = frozenset(
    {"false", "schema:false", "http://schema.org/false", "https://schema.org/false"}
)
_FREE: Final = "isaccessibleforfree"
_MARK_SCHEMA: Final = (_FREE, _FREE.encode())
_MARK_TIER: Final = ("content_tier", b"content_tier")
_MARK_PAYWALL: Final = ("paywall", b"paywall")
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True, slots=True)
class WallFinding:
    """What marks a URL, response or page as behind a wall."""

    kind: str
    """LOGIN_FORM, PAYWALL, AUTH_REQUIRED, AUTH_FORBIDDEN or AUTH_URL."""
    value: str
    """What was seen, short, for the evidence row."""


@dataclass(frozen=True, slots=True)
class AuthPatterns:
    """Compiled URL patterns of login, account, admin and checkout areas."""

    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def compile(cls, patterns: Iterable[str]) -> AuthPatterns:
        """Compile case-insensitively; a bad or empty pattern is a ValueError naming it."""
        compiled: list[re.Pattern[str]] = []
        for text in patterns:
            if not isinstance(text, str) or not text.strip():
                # An empty pattern would match every URL and stop the whole crawl.
                raise ValueError(f"invalid auth URL pattern {text!r}: empty or not a string")
            try:
                compiled.append(re.compile(text, re.IGNORECASE))
            except re.error as exc:
                raise ValueError(f"invalid auth URL pattern {text!r}: {exc}") from None
        return cls(tuple(compiled))

    @classmethod
    def default(cls) -> AuthPatterns:
        return cls.compile(DEFAULT_AUTH_PATTERNS)

    def match(self, url: str) -> str | None:
        """The text of the first pattern matching the URL's path and query, or None."""
        try:
            parts = urlsplit(url)
        except (ValueError, TypeError, AttributeError):
            return None  # not a URL we could request either
        target = parts.path + ("?" + parts.query if parts.query else "")
        for pattern in self.patterns:
            if pattern.search(target):
                return pattern.pattern
        return None

    def finding(self, url: str) -> WallFinding | None:
        """``match`` as a finding (kind AUTH_URL), for evidence on a URL never requested."""
        matched = self.match(url)
        if matched is None:
            return None
        return WallFinding(AUTH_URL, clip(f"URL path matches {matched}", _MAX_VALUE))


def auth_response(status: int, www_authenticate: Iterable[str | bytes]) -> WallFinding | None:
    """A response that asks for credentials (AUTH_REQUIRED) or refuses them (AUTH_FORBIDDEN).

    ``www_authenticate`` are the WWW-Authenticate header values (Scrapy's ``getlist`` bytes
    are read as Latin-1). A challenge means credentials are wanted whatever the status.
    """
    challenges = [v for v in (s.strip() for s in header_strings(www_authenticate)) if v]
    if challenges:
        return WallFinding(
            AUTH_REQUIRED, clip("WWW-Authenticate: " + ", ".join(challenges), _MAX_VALUE)
        )
    if status == 401:
        return WallFinding(AUTH_REQUIRED, "HTTP 401 Unauthorized")
    if status == 407:
        return WallFinding(AUTH_REQUIRED, "HTTP 407 Proxy Authentication Required")
    if status == 403:
        return WallFinding(AUTH_FORBIDDEN, "HTTP 403 Forbidden")
    return None


def login_form(page: Selector) -> WallFinding | None:
    """A page whose main content is a login form (kind LOGIN_FORM), else None.

    A password form counts unless it sits in page chrome (nav, header, footer, aside, or their
    ARIA roles), when the page has fewer than SHORT_PAGE_WORDS words outside forms and chrome,
    or when it is inside main/article/[role=main] and the page has fewer than
    CONTENT_PAGE_WORDS. Sign-up and change-password forms count too: both mark an account area.
    """
    root = _root(page)
    if root is None:
        return None
    words: int | None = None  # counted once, and only when a form outside the chrome is seen
    for container in _password_containers(root):
        ancestors = list(container.iterancestors())
        if any(_is_chrome(a) for a in ancestors):
            continue  # a site-wide login box on an ordinary page
        in_content = any(_is_content(a) for a in ancestors)
        if words is None:
            words = _content_words(root, CONTENT_PAGE_WORDS)
        if words < SHORT_PAGE_WORDS or (in_content and words < CONTENT_PAGE_WORDS):
            where = "in <main>/<article>, " if in_content else ""
            return WallFinding(
                LOGIN_FORM,
                clip(f"{_describe_form(container)} ({where}{words} words of text)", _MAX_VALUE),
            )
    return None


def paywall(page: Selector, body: bytes | str) -> WallFinding | None:
    """Paywall markup on the page (kind PAYWALL), else None.

    ``body`` is the response body the page was parsed from; it is only searched for the marker
    words, so a page without them is never walked. Order: schema.org isAccessibleForFree (the
    markup Google asks paywalled sites to use), article:content_tier, class/id markers.
    """
    root = _root(page)
    if root is None:
        return None
    text = _lowered(body)
    if _has(text, _MARK_SCHEMA):
        found = _schema_paywall(root)
        if found is not None:
            return found
    if _has(text, _MARK_TIER):
        for meta in _CONTENT_TIER(root):
            tier = (meta.get("content") or "").strip().lower()
            if tier in _LOCKED_TIERS:
                return WallFinding(PAYWALL, f"meta article:content_tier={tier}")
    if _has(text, _MARK_PAYWALL):
        for element in _PAYWALL_CANDIDATES(root):
            for attr in ("class", "id"):
                value = element.get(attr) or ""
                if any(_is_paywall_token(token) for token in value.split()):
                    return WallFinding(PAYWALL, f'element {attr}="{clip(value, _MAX_ATTR)}"')
    return None


def wall_evidence(finding: WallFinding, *, source: str) -> Evidence:
    """A DENY for every purpose, reason code = the finding's kind."""
    return Evidence(
        signal=SIGNAL,
        source=source,
        value=finding.value,
        effect=Effect.DENY,
        reason=reason(finding.kind),
    )


# --- helpers -----------------------------------------------------------------------------


def _root(page: Selector) -> Any:
    """The lxml tree of an HTML or XML selector; None for JSON or text selectors."""
    if getattr(page, "type", None) not in ("html", "xml"):
        return None
    root = page.root
    return root if isinstance(root, etree._Element) else None


def _password_containers(root: Any) -> list[Any]:
    """The forms holding a password input (the input itself when it has no form), in order."""
    containers: dict[Any, None] = {}
    for field in _PASSWORD_INPUTS(root):
        form = next(field.iterancestors("form"), None)
        owner = field.get("form")
        if form is None and owner:
            # <input form="id">: the HTML parser does not associate it for us.
            form = next(iter(root.xpath("//form[@id=$id]", id=owner.strip())), None)
        containers[field if form is None else form] = None
    return list(containers)


def _is_chrome(element: Any) -> bool:
    if element.tag in _CHROME_TAGS:
        return True
    return (element.get("role") or "").strip().lower() in _CHROME_ROLES


def _is_content(element: Any) -> bool:
    return element.tag in _CONTENT_TAGS or (element.get("role") or "").strip().lower() == "main"


def _content_words(root: Any, limit: int) -> int:
    """Words of text outside forms, chrome and code, counted up to ``limit``.

    A walk in Python that skips whole subtrees and stops at ``limit``: an article gets there
    after a few paragraphs, where an XPath over every text node costs a millisecond.
    """
    body = next(root.iter("body"), root)
    words = 0
    stack = [body]
    while stack and words < limit:
        element = stack.pop()
        if element is not body and element.tail:
            words += _words(element.tail)  # the tail is outside the element
        tag = element.tag
        if not isinstance(tag, str) or tag in _NOT_CONTENT or _is_chrome(element):
            continue  # comments and processing instructions have a tag that is no string
        if element.text:
            words += _words(element.text)
        stack.extend(element)
    return min(words, limit)


def _words(text: str) -> int:
    count = len(text.split())
    if not text.isascii():
        count += len(_CJK.findall(text)) // 2
    return count


def _describe_form(container: Any) -> str:
    if container.tag != "form":
        return "a password input outside any form"
    action = (container.get("action") or "").strip()
    if not action:
        return "form with a password input"
    return f'form action="{clip(action, _MAX_ATTR)}" with a password input'


def _lowered(body: bytes | str) -> bytes | str:
    if isinstance(body, bytes):
        if body[:2] in _UTF16_BOMS:
            # The only common encoding where an ASCII word is not its ASCII bytes.
            return body.decode("utf-16", "replace").lower()
        return body.lower()
    return body.lower() if isinstance(body, str) else ""


def _has(text: bytes | str, marker: tuple[str, bytes]) -> bool:
    return marker[1] in text if isinstance(text, bytes) else marker[0] in text


def _is_paywall_token(token: str) -> bool:
    parts = [p.lower() for p in _WORD_PARTS.split(token) if p]
    return any(_PAYWALL_PART.fullmatch(p) for p in parts) and not any(
        p in _NOT_A_WALL for p in parts
    )


# --- schema.org isAccessibleForFree --------------------------------------------------------


def _schema_paywall(root: Any) -> WallFinding | None:
    """isAccessibleForFree false in JSON-LD or microdata (read by ``structured``, bounded).

    A JSON-LD block no parser can read still counts when its text says isAccessibleForFree
    false. Anything else unreadable is no finding.
    """
    blocks = structured.jsonld(root, containing=_FREE)
    found = _walk(list(blocks.items), "JSON-LD", microdata=False)
    if found is None and any(_FALSE_IN_TEXT.search(text) for text in blocks.unreadable):
        found = "JSON-LD isAccessibleForFree: false (in a malformed JSON-LD block)"
    if found is None:
        items, _ = structured.microdata(root)
        found = _walk(items, "microdata", microdata=True)
    return None if found is None else WallFinding(PAYWALL, clip(found, _MAX_VALUE))


def _walk(items: list[Any], syntax: str, *, microdata: bool) -> str | None:
    """First node saying it is not free: a top-level item, an @graph member, a hasPart or a
    mainEntity. Other properties (isPartOf, itemListElement) describe other works: a free
    article in a paid periodical, paid articles listed on a free page."""
    stack: list[tuple[Any, int, str]] = [(item, 0, "") for item in reversed(items)]
    while stack:
        node, depth, via = stack.pop()
        if isinstance(node, list):
            stack.extend((child, depth, via) for child in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        if microdata:
            props, kind = node.get("properties"), node.get("type")
            if not isinstance(props, dict):
                continue
        else:
            props, kind = node, node.get("@type")
        if _is_false(structured.prop(props, "isAccessibleForFree")):
            label = ", ".join(structured.type_names(kind)) or "untyped"
            selector = structured.prop(props, "cssSelector")
            if isinstance(selector, str) and selector.strip():
                label += f', cssSelector "{clip(selector.strip(), _MAX_ATTR)}"'
            return f"{syntax} {via}isAccessibleForFree: false ({label})"
        if depth >= _MAX_DEPTH:
            continue
        for name, label in (("@graph", via), ("mainEntity", via), ("hasPart", "hasPart ")):
            child = structured.prop(props, name)
            if child is not None:
                stack.append((child, depth + 1, label))
    return None


def _is_false(value: Any, *, in_list: bool = False) -> bool:
    """schema.org Boolean false: false, "False", "false", "https://schema.org/False", also as a
    JSON-LD value object or in a list (one level each: nothing deeper is a Boolean)."""
    if isinstance(value, list) and not in_list:
        return any(_is_false(v, in_list=True) for v in value)
    if isinstance(value, dict):
        value = value.get("@value", value.get("@id"))
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value.strip().lower() in _FALSE_VALUES
    return False
