"""ConsentRobotsMiddleware: fail-closed robots.txt per origin (RFC 9309 section 2.3.1)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import meta, signals
from crawler.addon import ConsentAddon
from crawler.consent.model import Effect, Reason
from crawler.exceptions import ConfigError, RobotsDenied, RobotsUnreachable
from crawler.middlewares import robots as robots_module
from crawler.middlewares.robots import ConsentRobotsMiddleware

Answer = Response | BaseException


def make(
    answers: dict[str, Answer] | Callable[[Request], Answer], **settings: Any
) -> tuple[ConsentRobotsMiddleware, AsyncMock, list[Any]]:
    crawler = get_crawler(
        settings_dict={"ADDONS": {ConsentAddon: 0}, "CONSENT_PURPOSE": "search", **settings}
    )
    documents: list[Any] = []
    crawler.signals.connect(
        lambda document: documents.append(document),
        signal=signals.policy_document_fetched,
        weak=False,
    )

    async def download(request: Request) -> Response:
        answer = answers(request) if callable(answers) else answers[request.url]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    crawler.engine = MagicMock()
    crawler.engine.download_async = AsyncMock(side_effect=download)
    return ConsentRobotsMiddleware(crawler), crawler.engine.download_async, documents


def text(url: str, body: str, status: int = 200) -> TextResponse:
    return TextResponse(url, status=status, body=body.encode(), encoding="utf-8")


ROBOTS = "http://site.test/robots.txt"


def check(mw: ConsentRobotsMiddleware, url: str) -> Request:
    request = Request(url)
    asyncio.run(mw.process_request(request))
    return request


@pytest.mark.parametrize(
    ("answer", "allowed", "reason"),
    [
        (text(ROBOTS, "User-agent: *\nDisallow: /x\n"), True, None),
        (text(ROBOTS, "", status=404), True, None),
        (text(ROBOTS, "User-agent: *\nDisallow: /\n", status=403), True, None),
        (text(ROBOTS, "User-agent: *\nDisallow: /\n", status=401), True, None),
        (text(ROBOTS, "", status=410), True, None),
        (text(ROBOTS, "User-agent: *\nAllow: /\n", status=500), False, Reason.ROBOTS_UNREACHABLE),
        (text(ROBOTS, "", status=503), False, Reason.ROBOTS_UNREACHABLE),
        (text(ROBOTS, "", status=429), False, Reason.ROBOTS_UNREACHABLE),
        (text(ROBOTS, "", status=302), False, Reason.ROBOTS_UNREACHABLE),
        (TimeoutError("took too long"), False, Reason.ROBOTS_UNREACHABLE),
        (ConnectionRefusedError("refused"), False, Reason.ROBOTS_UNREACHABLE),
        (IgnoreRequest("max redirections reached"), False, Reason.ROBOTS_UNREACHABLE),
    ],
    ids=["200", "404", "403", "401", "410", "500", "503", "429", "final-3xx", "timeout",
         "refused", "redirects"],
)
def test_status_table(answer: Answer, allowed: bool, reason: Reason | None) -> None:
    mw, _, documents = make({ROBOTS: answer})
    if allowed:
        request = check(mw, "http://site.test/page")
        [evidence] = meta.evidence_of(request)
        assert evidence.effect is Effect.INFO and evidence.signal == "robots.txt"
    else:
        with pytest.raises(RobotsUnreachable) as caught:
            check(mw, "http://site.test/page")
        assert caught.value.evidence.reason is reason
        assert caught.value.evidence.effect is Effect.DENY
    [document] = documents
    assert document.url == ROBOTS and document.kind == "robots.txt"
    if isinstance(answer, Response):
        assert document.http_status == answer.status and document.body == answer.body
    else:
        assert document.http_status is None and document.body is None
        assert type(answer).__name__ in (document.error or "")


def test_disallow_names_line_and_document() -> None:
    body = "# comment\nUser-agent: *\nAllow: /x/open\nDisallow: /x\n"
    mw, _, documents = make({ROBOTS: text(ROBOTS, body)})
    with pytest.raises(RobotsDenied) as caught:
        check(mw, "http://site.test/x/closed")
    evidence = caught.value.evidence
    assert (evidence.reason, evidence.line) == (Reason.ROBOTS_DISALLOW, 4)
    assert evidence.document_sha256 == documents[0].sha256
    assert "Disallow: /x" in evidence.value
    [allowed] = meta.evidence_of(check(mw, "http://site.test/x/open/page"))
    assert allowed.line == 3 and allowed.effect is Effect.INFO


def test_own_token_and_agent_setting() -> None:
    body = "User-agent: *\nDisallow: /\n\nUser-agent: mybot\nAllow: /\n"
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_AGENT="MyBot")
    check(mw, "http://site.test/a")  # the mybot group, matched case-insensitively
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_AGENT="mybot-extended")
    with pytest.raises(RobotsDenied):  # not a prefix match: the * group applies
        check(mw, "http://site.test/a")
    with pytest.raises(ConfigError):
        make({}, CONSENT_AGENT="my bot/1.0")


def test_one_fetch_per_origin_even_when_concurrent() -> None:
    mw, download, _ = make(lambda r: text(r.url, "User-agent: *\nDisallow: /no\n"))

    async def many() -> None:
        await asyncio.gather(*(mw.process_request(Request(f"http://site.test/{i}")) for i in range(20)))
        await mw.process_request(Request("http://site.test:8080/"))  # another port, another origin
        await mw.process_request(Request("https://site.test/"))  # another scheme, another origin

    asyncio.run(many())
    fetched = [call.args[0].url for call in download.call_args_list]
    assert sorted(fetched) == sorted(
        [ROBOTS, "http://site.test:8080/robots.txt", "https://site.test/robots.txt"]
    )
    probe = download.call_args_list[0].args[0]
    assert meta.is_probe(probe) and probe.meta["dont_retry"] and probe.dont_filter


def test_cache_expires_within_24_hours_and_errors_sooner(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(robots_module.time, "monotonic", lambda: clock[0])
    answers: list[Answer] = [text(ROBOTS, "", 503), text(ROBOTS, "User-agent: *\nAllow: /\n")]
    mw, download, _ = make(lambda r: answers.pop(0), CONSENT_ROBOTS_CACHE_TTL=10 * 86400)
    assert mw.cache_ttl == 86400  # never longer than RFC 9309 allows
    with pytest.raises(RobotsUnreachable):
        check(mw, "http://site.test/a")
    clock[0] += mw.error_ttl - 1
    with pytest.raises(RobotsUnreachable):  # still cached
        check(mw, "http://site.test/a")
    clock[0] += 2
    check(mw, "http://site.test/a")  # asked again, and now it answers
    assert download.await_count == 2
    answers.append(text(ROBOTS, "User-agent: *\nDisallow: /\n"))
    clock[0] += 86400 + 1
    with pytest.raises(RobotsDenied):
        check(mw, "http://site.test/a")
    assert download.await_count == 3


def test_parse_limit_and_probe_bypass() -> None:
    filler = "# " + "x" * 200 + "\n"
    body = "User-agent: *\n" + filler * 10 + "Disallow: /late\n"
    mw, download, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_ROBOTS_PARSE_LIMIT=1000)
    check(mw, "http://site.test/late")  # the rule lies past the parse limit
    probe = Request(ROBOTS, meta={meta.PROBE: True})
    asyncio.run(mw.process_request(probe))
    assert meta.evidence_of(probe) == ()
    assert download.await_count == 1
