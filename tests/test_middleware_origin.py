"""OriginPolicyMiddleware: fail-closed robots.txt per origin (RFC 9309 section 2.3.1) and the
origin's other policy documents."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler

from crawler import meta, signals
from crawler.consent.model import Effect, Purpose, Reason
from crawler.exceptions import ConfigError, OptOutDenied, RobotsDenied, RobotsUnreachable
from crawler.middlewares.origin import OriginPolicyMiddleware
from crawler.services import origins as origin_module

from .sites import ADDON

Answer = Response | BaseException


def make(
    answers: dict[str, Answer] | Callable[[Request], Answer], **settings: Any
) -> tuple[OriginPolicyMiddleware, AsyncMock, list[Any]]:
    crawler = get_crawler(
        settings_dict={**ADDON, "CONSENT_PURPOSE": "search", **settings}
    )
    documents: list[Any] = []
    crawler.signals.connect(
        lambda document: documents.append(document),
        signal=signals.policy_document_fetched,
        weak=False,
    )

    async def download(request: Request) -> Response:
        if callable(answers):
            answer = answers(request)
        else:  # documents a test does not name are absent
            answer = answers.get(request.url, text(request.url, "", status=404))
        if isinstance(answer, BaseException):
            raise answer
        return answer

    crawler.engine = MagicMock()
    crawler.engine.download_async = AsyncMock(side_effect=download)
    return OriginPolicyMiddleware(crawler), crawler.engine.download_async, documents


def text(url: str, body: str, status: int = 200) -> TextResponse:
    return TextResponse(url, status=status, body=body.encode(), encoding="utf-8")


ROBOTS = "http://site.test/robots.txt"


async def ask(mw: OriginPolicyMiddleware, request: Request) -> None:
    # A coroutine while the origin's documents load, nothing once they are cached.
    pending = mw.process_request(request)
    if pending is not None:
        await pending


def check(mw: OriginPolicyMiddleware, url: str) -> Request:
    request = Request(url)
    asyncio.run(ask(mw, request))
    return request


TDMREP = "http://site.test/.well-known/tdmrep.json"
AITXT = "http://site.test/ai.txt"


def fetched_kinds(download: AsyncMock) -> list[str]:
    return [call.args[0].url for call in download.call_args_list]


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
def test_robots_status_table(answer: Answer, allowed: bool, reason: Reason | None) -> None:
    mw, download, documents = make({ROBOTS: answer})
    if allowed:
        request = check(mw, "http://site.test/page")
        [evidence] = meta.evidence_of(request)
        assert evidence.effect is Effect.INFO and evidence.signal == "robots.txt"
        assert fetched_kinds(download) == [ROBOTS, TDMREP, AITXT]
    else:
        with pytest.raises(RobotsUnreachable) as caught:
            check(mw, "http://site.test/page")
        [evidence] = caught.value.evidence
        assert evidence.reason == reason and evidence.effect is Effect.DENY
        assert fetched_kinds(download) == [ROBOTS]  # a closed origin: nothing more is asked
    robots = documents[0]
    assert robots.url == ROBOTS and robots.kind == "robots.txt"
    if isinstance(answer, Response):
        assert robots.http_status == answer.status and robots.body == answer.body
    else:
        assert robots.http_status is None and robots.body is None
        assert type(answer).__name__ in (robots.error or "")


def test_disallow_names_line_and_document() -> None:
    body = "# comment\nUser-agent: *\nAllow: /x/open\nDisallow: /x\n"
    mw, _, documents = make({ROBOTS: text(ROBOTS, body)})
    with pytest.raises(RobotsDenied) as caught:
        check(mw, "http://site.test/x/closed")
    [evidence] = caught.value.evidence
    assert (evidence.reason, evidence.line) == (Reason.ROBOTS_DISALLOW, 4)
    assert evidence.document_sha256 == documents[0].sha256
    assert "Disallow: /x" in evidence.value
    [allowed] = meta.evidence_of(check(mw, "http://site.test/x/open/page"))
    assert allowed.line == 3 and allowed.effect is Effect.INFO


@pytest.mark.parametrize(
    ("body", "url", "value"),
    [
        (
            "User-agent: *\nDissallow: /x\n",
            "http://site.test/x/1",
            "Dissallow: /x (read as Disallow) (group *) for consentcrawl",
        ),
        (
            "User-agent: *\nDisallow: /~joe/\n",
            "http://site.test/%7Ejoe/x",
            "Disallow: /~joe/ (group *) for consentcrawl",
        ),
        (
            "User-agent: *\nDisallow: /file-%2A.html\n",
            "http://site.test/file-*.html",
            "Disallow: /file-%2A.html (group *) for consentcrawl",
        ),
    ],
    ids=["misspelt", "unreserved-escape", "literal-star"],
)
def test_disallow_evidence_keeps_the_line_as_written(body: str, url: str, value: str) -> None:
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)})
    with pytest.raises(RobotsDenied) as caught:
        check(mw, url)
    [evidence] = caught.value.evidence
    assert (evidence.reason, evidence.line, evidence.value) == (Reason.ROBOTS_DISALLOW, 2, value)


def test_own_token_and_agent_setting() -> None:
    body = "User-agent: *\nDisallow: /\n\nUser-agent: mybot\nAllow: /\n"
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_AGENT="MyBot")
    check(mw, "http://site.test/a")  # the mybot group, matched case-insensitively
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_AGENT="mybot-extended")
    with pytest.raises(RobotsDenied):  # not a prefix match: the * group applies
        check(mw, "http://site.test/a")
    with pytest.raises(ConfigError):
        make({}, CONSENT_AGENT="my bot/1.0")


def test_one_fetch_per_origin_and_document_even_when_concurrent() -> None:
    mw, download, _ = make(
        lambda r: text(r.url, "User-agent: *\nDisallow: /no\n" if r.url.endswith("robots.txt") else "", 404)
    )

    async def many() -> None:
        await asyncio.gather(*(ask(mw, Request(f"http://site.test/{i}")) for i in range(20)))
        await ask(mw, Request("http://site.test:8080/"))  # another port, another origin
        await ask(mw, Request("https://site.test/"))  # another scheme, another origin

    asyncio.run(many())
    fetched = fetched_kinds(download)
    assert len(fetched) == len(set(fetched)) == 9
    assert {url.rsplit("/", 1)[0] for url in fetched if url.endswith("robots.txt")} == {
        "http://site.test", "http://site.test:8080", "https://site.test"
    }
    probe = download.call_args_list[0].args[0]
    assert meta.is_probe(probe) and probe.meta["dont_retry"] and probe.dont_filter


def test_cache_expires_within_24_hours_and_errors_sooner(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(origin_module.time, "monotonic", lambda: clock[0])
    answers: list[Answer] = [text(ROBOTS, "", 503), text(ROBOTS, "User-agent: *\nAllow: /\n")]

    def answer(request: Request) -> Answer:
        return answers.pop(0) if request.url == ROBOTS else text(request.url, "", 404)

    mw, download, _ = make(answer, CONSENT_ROBOTS_CACHE_TTL=10 * 86400)
    robots_fetches = lambda: fetched_kinds(download).count(ROBOTS)
    assert mw.origins.fetcher.ttl == 86400  # never longer than RFC 9309 allows
    with pytest.raises(RobotsUnreachable):
        check(mw, "http://site.test/a")
    clock[0] += mw.origins.fetcher.error_ttl - 1
    with pytest.raises(RobotsUnreachable):  # still cached
        check(mw, "http://site.test/a")
    clock[0] += 2
    check(mw, "http://site.test/a")  # asked again, and now it answers
    assert robots_fetches() == 2
    answers.append(text(ROBOTS, "User-agent: *\nDisallow: /\n"))
    clock[0] += 86400 + 1
    with pytest.raises(RobotsDenied):
        check(mw, "http://site.test/a")
    assert robots_fetches() == 3


def test_parse_limit_and_probe_bypass() -> None:
    filler = "# " + "x" * 200 + "\n"
    body = "User-agent: *\n" + filler * 2600 + "Disallow: /late\n"  # past 512,000 bytes
    mw, download, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_ROBOTS_PARSE_LIMIT=512_000)
    check(mw, "http://site.test/late")  # the rule lies past the parse limit
    probe = Request(ROBOTS, meta={meta.PROBE: True})
    assert mw.process_request(probe) is None
    assert meta.evidence_of(probe) == ()
    assert fetched_kinds(download).count(ROBOTS) == 1


# -- the AI signals of the origin ---------------------------------------------------------------

AI_ROBOTS = (
    "User-agent: GPTBot\nDisallow: /\n\n"
    "User-agent: PerplexityBot\nDisallow: /news/\n\n"
    "User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"
)


@pytest.mark.parametrize(
    ("purpose", "path", "reasons"),
    [
        ("train-genai", "/a", {"robots-ai-optout:GPTBot", "content-signal:ai-train=no"}),
        ("train-ai", "/a", {"robots-ai-optout:GPTBot", "content-signal:ai-train=no"}),
        ("ai-input", "/news/x", {"robots-ai-optout:PerplexityBot"}),
        ("ai-input", "/a", set()),
        ("search", "/news/x", set()),
    ],
)
def test_ai_optouts_deny_the_purposes_they_cover(purpose: str, path: str, reasons: set[str]) -> None:
    mw, _, _ = make({ROBOTS: text(ROBOTS, AI_ROBOTS)}, CONSENT_PURPOSE=purpose)
    if not reasons:
        check(mw, "http://site.test" + path)
        return
    with pytest.raises(OptOutDenied) as caught:
        check(mw, "http://site.test" + path)
    denials = [e for e in caught.value.evidence if e.effect is Effect.DENY]
    assert {e.reason for e in denials if e.applies_to(Purpose(purpose))} == reasons


def test_agent_table_settings() -> None:
    body = "User-agent: ExampleAI\nDisallow: /\n\nUser-agent: GPTBot\nDisallow: /\n"
    mw, _, _ = make(
        {ROBOTS: text(ROBOTS, body)},
        CONSENT_PURPOSE="train-genai",
        CONSENT_AI_AGENTS_ADD={"ExampleAI": ["training"]},
        CONSENT_AI_AGENTS_DROP=["GPTBot"],
    )
    with pytest.raises(OptOutDenied) as caught:
        check(mw, "http://site.test/a")
    assert {e.reason for e in caught.value.evidence if e.reason} == {"robots-ai-optout:ExampleAI"}
    # Ignoring every AI agent's group is refused for the purposes they speak for …
    with pytest.raises(ConfigError, match="CONSENT_AI_AGENTS_OWN_ONLY"):
        make({ROBOTS: text(ROBOTS, body)}, CONSENT_PURPOSE="train-genai",
             CONSENT_AI_AGENTS_OWN_ONLY=True)
    # … and changes nothing for search, which reads no AI agent's group.
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_PURPOSE="search",
                    CONSENT_AI_AGENTS_OWN_ONLY=True)
    check(mw, "http://site.test/a")
    with pytest.raises(ConfigError, match="bad token"):
        make({}, CONSENT_AI_AGENTS_ADD={"bad token": ["training"]})


@pytest.mark.parametrize(
    ("answers", "purpose", "reason"),
    [
        ({TDMREP: text(TDMREP, "", 503)}, "train-genai", "tdmrep-unreachable"),
        ({TDMREP: TimeoutError("slow")}, "ai-input", "tdmrep-unreachable"),
        ({TDMREP: text(TDMREP, "", 503)}, "search", None),  # TDM does not speak for search
        ({AITXT: text(AITXT, "", 500)}, "train-ai", "ai-txt-unreachable"),
        ({AITXT: text(AITXT, "", 500)}, "ai-input", None),
        ({AITXT: text(AITXT, "User-Agent: *\nDisallow: /\n")}, "train-genai", "ai-txt-disallow"),
        ({AITXT: text(AITXT, "User-Agent: *\nDisallow: /\n")}, "search", None),
        ({AITXT: HtmlResponse(AITXT, body=b"<html>not found</html>")}, "train-genai", None),
    ],
)
def test_tdmrep_and_ai_txt(answers: dict[str, Answer], purpose: str, reason: str | None) -> None:
    mw, _, documents = make({ROBOTS: text(ROBOTS, "User-agent: *\nAllow: /\n"), **answers},
                            CONSENT_PURPOSE=purpose)
    if reason is None:
        check(mw, "http://site.test/a")
    else:
        with pytest.raises(OptOutDenied) as caught:
            check(mw, "http://site.test/a")
        assert reason in {e.reason for e in caught.value.evidence}
    assert [d.kind for d in documents] == ["robots.txt", "tdmrep.json", "ai.txt"]


def test_tdm_file_rule_travels_with_the_request() -> None:
    rules = b'[{"location": "/reserved/", "tdm-reservation": 1, "tdm-policy": "https://p.test/"}]'
    mw, _, _ = make({ROBOTS: text(ROBOTS, ""), TDMREP: Response(TDMREP, body=rules)},
                    CONSENT_PURPOSE="train-genai")
    request = check(mw, "http://site.test/reserved/page")  # the page may still say otherwise
    found = meta.tdm_file_of(request)
    assert found is not None and found.rule is not None
    assert (found.rule.reservation, found.rule.policy, found.url, found.errors) == (
        1, "https://p.test/", TDMREP, ())
    assert found.sha256 == hashlib.sha256(rules).hexdigest()
    other = meta.tdm_file_of(check(mw, "http://site.test/other"))
    assert other is not None and other.rule is None


def test_documents_robots_disallows_are_not_fetched() -> None:
    body = "User-agent: *\nDisallow: /ai.txt\nDisallow: /.well-known/\n"
    mw, download, _ = make({ROBOTS: text(ROBOTS, body)})
    check(mw, "http://site.test/a")
    assert fetched_kinds(download) == [ROBOTS]


def test_crawl_delay_slows_the_slot() -> None:
    body = "User-agent: *\nCrawl-delay: 7\n\nUser-agent: consentcrawl\nCrawl-delay: 90\n"
    mw, _, _ = make({ROBOTS: text(ROBOTS, body)}, CONSENT_MAX_CRAWL_DELAY=20)
    downloader = mw.crawler.engine.downloader
    downloader.per_slot_settings = {}
    downloader.slots = {"site.test": MagicMock(delay=0.5)}
    downloader.get_slot_key = lambda request: "site.test"
    check(mw, "http://site.test/a")
    assert downloader.per_slot_settings["site.test"]["delay"] == 20  # capped
    assert downloader.slots["site.test"].delay == 20
