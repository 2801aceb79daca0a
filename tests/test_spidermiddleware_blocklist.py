"""BlocklistSpiderMiddleware: links into listed sites are recorded and never yielded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import signals, stats
from crawler.consent.model import Effect, LicenseStatus, Purpose
from crawler.services import services_of
from crawler.spidermiddlewares.blocklist import BlocklistSpiderMiddleware

from .sites import ADDON

LIST = "piracy.test\nhost: files.mirror.test\n"
PAGE = HtmlResponse("http://www.ok.test/", body=b"<p>links</p>")

Decided = list[tuple[Request, Any, Any]]


def make(tmp_path: Path, purpose: str = "train-genai") -> tuple[BlocklistSpiderMiddleware, Decided]:
    listed = tmp_path / "publisher.txt"
    listed.write_text(LIST)
    crawler = get_crawler(
        settings_dict={
            **ADDON,
            "CONSENT_PURPOSE": purpose,
            "CONSENT_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.sqlite'}",
            "CONSENT_BLOCKLIST_FILES": [str(listed)],
        }
    )
    mw = build_from_crawler(BlocklistSpiderMiddleware, crawler)
    services_of(crawler).open()  # what ServicesExtension does when the spider opens
    decided: Decided = []
    crawler.signals.connect(
        lambda request, response, decision: decided.append((request, response, decision)),
        signal=signals.consent_decided,
        weak=False,
    )
    return mw, decided


def sync_output(mw: BlocklistSpiderMiddleware, result: list[Any]) -> list[Any]:
    return list(mw.process_spider_output(PAGE, result))


def async_output(mw: BlocklistSpiderMiddleware, result: list[Any]) -> list[Any]:
    async def produce() -> AsyncIterator[Any]:
        for item in result:
            yield item

    async def consume() -> list[Any]:
        return [item async for item in mw.process_spider_output_async(PAGE, produce())]

    return asyncio.run(consume())


OUTPUTS = pytest.mark.parametrize("output", [sync_output, async_output], ids=["sync", "async"])


@OUTPUTS
def test_listed_links_are_recorded_and_never_yielded(tmp_path: Path, output: Any) -> None:
    mw, decided = make(tmp_path)
    kept = Request("http://www.ok.test/next")
    listed = Request("http://www.piracy.test/book")
    mirror = Request("http://files.mirror.test/book.epub")
    item = {"url": "http://piracy.test/", "note": "an item is not a link"}
    lookalike = Request("http://mirror.test/")  # a host entry lists that host only
    assert output(mw, [kept, listed, item, mirror, lookalike]) == [kept, item, lookalike]

    assert [(request, response) for request, response, _ in decided] == [
        (listed, None),
        (mirror, None),
    ]
    for request, _, decision in decided:
        assert not decision.allowed and decision.reasons == ("blocklist:publisher",)
        assert decision.purpose is Purpose.TRAIN_GENAI
        assert decision.license_status is LicenseStatus.UNKNOWN
        [evidence] = decision.evidence
        assert (evidence.signal, evidence.source, evidence.effect) == (
            "blocklist",
            "publisher v1",
            Effect.DENY,
        )
    assert [d.evidence[0].value for _, _, d in decided] == [
        "domain piracy.test (line 1)",
        "host files.mirror.test (line 2)",
    ]
    # Counted here, since no downloader middleware ever sees these requests.
    assert mw.crawler.stats.get_value(stats.BLOCKLIST_HITS) == 2


@OUTPUTS
def test_nothing_listed_passes_unchanged(tmp_path: Path, output: Any) -> None:
    mw, decided = make(tmp_path)
    result = [Request(f"http://www.ok.test/{i}") for i in range(3)] + [{"a": 1}]
    assert output(mw, result) == result
    assert decided == [] and mw.crawler.stats.get_value(stats.BLOCKLIST_HITS) is None


@pytest.mark.parametrize("purpose", ["search", "ai-input"])
def test_denied_for_every_purpose(tmp_path: Path, purpose: str) -> None:
    mw, decided = make(tmp_path, purpose)
    assert sync_output(mw, [Request("http://piracy.test/")]) == []
    [(_, _, decision)] = decided
    assert decision.purpose == Purpose(purpose) and not decision.allowed


def test_output_is_filtered_lazily(tmp_path: Path) -> None:
    # A callback's links are judged as they come, not gathered first.
    mw, decided = make(tmp_path)

    def links() -> Iterable[Request]:
        yield Request("http://piracy.test/1")
        yield Request("http://www.ok.test/2")
        raise AssertionError("asked for more than the spider needed")

    output = iter(mw.process_spider_output(PAGE, links()))
    assert next(output).url == "http://www.ok.test/2"
    assert len(decided) == 1
