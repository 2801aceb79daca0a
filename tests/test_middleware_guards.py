"""The request guards: credentials, credential headers, crawl limits, private addresses."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import MagicMock

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from crawler import meta
from crawler.consent.model import Reason
from crawler.exceptions import (
    CredentialsRefused,
    LimitExceeded,
    PrivateAddressDenied,
)
from crawler.middlewares.address import PrivateAddressMiddleware
from crawler.middlewares.credentials import CredentialsMiddleware
from crawler.middlewares.headers import CredentialHeadersMiddleware
from crawler.middlewares.limits import CrawlLimitsMiddleware

from .sites import ADDON


def crawler(**settings: Any) -> Any:
    return get_crawler(
        settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings}
    )


@pytest.mark.parametrize(
    ("request_", "reason"),
    [
        (Request("http://user:pw@site.test/"), Reason.URL_CREDENTIALS),
        (Request("http://user@site.test/"), Reason.URL_CREDENTIALS),
        (Request("http://site.test/form", method="POST", body=b"a=b"), Reason.METHOD_NOT_ALLOWED),
        (Request("http://site.test/x", method="PUT"), Reason.METHOD_NOT_ALLOWED),
        (Request("http://site.test/"), None),
        (Request("http://site.test/", method="HEAD"), None),
    ],
)
def test_credentials(request_: Request, reason: Reason | None) -> None:
    mw = CredentialsMiddleware(crawler())
    if reason is None:
        mw.process_request(request_)
        return
    with pytest.raises(CredentialsRefused) as caught:
        mw.process_request(request_)
    assert [e.reason for e in caught.value.evidence] == [reason]


def test_credential_headers_removed_and_recorded() -> None:
    c = crawler()
    request = Request("http://site.test/", headers={
        "Authorization": "Basic eA==", "Proxy-Authorization": "Basic eQ==", "Cookie": "a=b",
        "Accept": "text/html",
    })
    CredentialHeadersMiddleware(c).process_request(request)
    assert list(request.headers) == [b"Accept"]
    assert len(meta.evidence_of(request)) == 3
    assert c.stats.get_value("consent/credentials/stripped") == 3


def test_site_page_cap_and_path_depth() -> None:
    mw = CrawlLimitsMiddleware(crawler(CONSENT_SITE_MAX_PAGES=3, CONSENT_MAX_PATH_SEGMENTS=4))
    for path in ("/a", "/b", "/c"):
        mw.process_request(Request(f"http://www.example.com{path}"))
    retry = Request("http://www.example.com/a", meta={"retry_times": 1})
    mw.process_request(retry)  # a retry is not a new page
    with pytest.raises(LimitExceeded) as caught:
        mw.process_request(Request("http://blog.example.com/d"))  # same site, another host
    assert caught.value.evidence[0].reason == Reason.SITE_PAGE_CAP
    mw.process_request(Request("http://other.test/1/2/3/4"))
    with pytest.raises(LimitExceeded) as caught:
        mw.process_request(Request("http://other.test/1/2/3/4/5"))
    assert caught.value.evidence[0].reason == Reason.PATH_TOO_DEEP
    mw.process_request(Request("http://www.example.com/robots.txt", meta={meta.PROBE: True}))


@pytest.mark.parametrize(
    ("url", "resolved", "allowed_networks", "refused"),
    [
        ("http://127.0.0.1/", None, [], True),  # an IP literal needs no lookup
        ("http://[::1]:8080/", None, [], True),
        ("http://site.test/", "127.0.0.1", [], True),
        ("http://site.test/", "127.0.0.1", ["127.0.0.0/8"], False),
        ("http://meta.test/", "169.254.169.254", ["169.254.0.0/16"], True),
        ("http://public.test/", "93.184.216.34", [], False),
    ],
)
def test_private_addresses(
    url: str, resolved: str | None, allowed_networks: list[str], refused: bool
) -> None:
    mw = PrivateAddressMiddleware(crawler(CONSENT_ALLOW_PRIVATE_NETWORKS=allowed_networks))
    mw.reactor = MagicMock()
    mw.reactor.resolve = MagicMock(return_value=defer.succeed(resolved))

    async def run() -> None:
        pending = mw.process_request(Request(url))  # none when answered from the cache
        if pending is not None:
            await pending

    if refused:
        with pytest.raises(PrivateAddressDenied) as caught:
            asyncio.run(run())
        assert caught.value.evidence[0].reason == Reason.PRIVATE_ADDRESS
    else:
        asyncio.run(run())
    assert mw.reactor.resolve.called == (resolved is not None)


@pytest.mark.parametrize("answered_at_once", [True, False])
@pytest.mark.parametrize(
    ("answer", "refused"),
    [("10.0.0.7", True), ("93.184.216.34", False), (DNSLookupError("no such name"), False)],
)
def test_private_addresses_from_cache_or_lookup(
    answered_at_once: bool, answer: str | Exception, refused: bool
) -> None:
    # The same verdict whether the resolver answers from its cache (no coroutine) or later.
    mw = PrivateAddressMiddleware(crawler())
    mw.reactor = MagicMock()

    async def run() -> None:
        resolving: defer.Deferred[str] = defer.Deferred()
        mw.reactor.resolve = MagicMock(return_value=resolving)

        def answer_it() -> None:
            if isinstance(answer, Exception):
                resolving.errback(answer)
            else:
                resolving.callback(answer)

        if answered_at_once:
            answer_it()
        else:
            asyncio.get_running_loop().call_soon(answer_it)
        pending = mw.process_request(Request("http://inside.test/"))
        assert (pending is None) == answered_at_once
        if pending is not None:
            await pending

    if refused:
        with pytest.raises(PrivateAddressDenied):
            asyncio.run(run())
    else:
        asyncio.run(run())
