"""BlocklistMiddleware: no request to a listed site, seeds, hops and probes alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler import meta, signals, stats
from crawler.consent.model import Effect
from crawler.exceptions import BlocklistDenied, ConfigError
from crawler.middlewares.blocklist import BlocklistMiddleware
from crawler.middlewares.outcome import ConsentOutcomeMiddleware
from crawler.services import ServicesExtension, services_of

from .sites import ADDON

PUBLISHER = (
    "entry,kind,reason,evidence_url,added\n"
    "piracy.test,domain,copies of our catalogue,https://rights.example/case/7,2026-11-01\n"
    "files.mirror.test,host,,,\n"
)
STUDIO = "# studio.txt\nhttps://cdn.test/stolen/\n"


def crawler(tmp_path: Path, *lists: Path, **settings: Any) -> Any:
    return get_crawler(
        settings_dict={
            **ADDON,
            "CONSENT_PURPOSE": "search",
            "CONSENT_CATALOG_URL": f"sqlite:///{tmp_path / 'catalog.sqlite'}",
            "CONSENT_BLOCKLIST_FILES": [str(p) for p in lists],
            **settings,
        }
    )


def written(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def opened(tmp_path: Path, *lists: Path) -> BlocklistMiddleware:
    c = crawler(tmp_path, *lists)
    mw = build_from_crawler(BlocklistMiddleware, c)
    services_of(c).open()  # what ServicesExtension does when the spider opens
    return mw


@pytest.fixture
def mw(tmp_path: Path) -> BlocklistMiddleware:
    return opened(
        tmp_path,
        written(tmp_path, "publisher.csv", PUBLISHER),
        written(tmp_path, "studio.txt", STUDIO),
    )


@pytest.mark.parametrize(
    ("url", "source", "value"),
    [
        (
            "http://piracy.test/",
            "publisher v1",
            "domain piracy.test (line 2): copies of our catalogue",
        ),
        (
            "https://deep.cdn.PIRACY.test:8443/book?id=1",  # every subdomain, any port
            "publisher v1",
            "domain piracy.test (line 2): copies of our catalogue",
        ),
        ("http://files.mirror.test/a", "publisher v1", "host files.mirror.test (line 3)"),
        ("http://mirror.test/", None, None),  # a host entry lists that host only
        ("http://www.files.mirror.test/", None, None),
        ("http://notpiracy.test/", None, None),
        ("http://piracy.test.example/", None, None),
        (
            "https://cdn.test/stolen/a.epub",
            "studio v1",
            "url-prefix https://cdn.test/stolen/ (line 2)",
        ),
        (
            "http://cdn.test/stolen/a.epub",
            "studio v1",
            "url-prefix https://cdn.test/stolen/ (line 2)",
        ),
        ("https://cdn.test/stolenx", None, None),
        ("https://cdn.test/free/a.epub", None, None),
    ],
)
def test_listed_urls_are_refused_with_the_entry_as_evidence(
    mw: BlocklistMiddleware, url: str, source: str | None, value: str | None
) -> None:
    request = Request(url)
    if source is None:
        assert mw.process_request(request) is None
        return
    with pytest.raises(BlocklistDenied) as caught:
        mw.process_request(request)
    [evidence] = caught.value.evidence
    name = source.split()[0]
    assert (evidence.signal, evidence.source, evidence.value, evidence.effect, evidence.reason) == (
        "blocklist",
        source,
        value,
        Effect.DENY,
        f"blocklist:{name}",
    )
    assert str(caught.value) == f"blocklist:{name}: {request.url}"


def test_probes_and_hops_are_refused_too(mw: BlocklistMiddleware) -> None:
    probe = Request("http://piracy.test/robots.txt", meta={meta.PROBE: True})
    with pytest.raises(BlocklistDenied):
        mw.process_request(probe)
    hop = Request("http://files.mirror.test/", meta={"redirect_urls": ["http://www.ok.test/go"]})
    with pytest.raises(BlocklistDenied):
        mw.process_request(hop)


def test_recorded_and_counted_once_by_the_outcome_middleware(tmp_path: Path) -> None:
    c = crawler(tmp_path, written(tmp_path, "publisher.csv", PUBLISHER))
    mw = build_from_crawler(BlocklistMiddleware, c)
    outcome = build_from_crawler(ConsentOutcomeMiddleware, c)
    services_of(c).open()
    decided: list[Any] = []
    c.signals.connect(
        lambda request, response, decision: decided.append(decision),
        signal=signals.consent_decided,
        weak=False,
    )
    request = Request("http://piracy.test/")
    outcome.process_request(request)
    with pytest.raises(BlocklistDenied) as caught:
        mw.process_request(request)
    assert c.stats.get_value(stats.BLOCKLIST_HITS) is None and decided == []  # not the gate
    assert caught.value.stat == stats.BLOCKLIST_HITS
    outcome.process_exception(request, caught.value)
    assert c.stats.get_value(stats.BLOCKLIST_HITS) == 1
    [decision] = decided
    assert not decision.allowed and decision.reasons == ("blocklist:publisher",)


def test_the_lists_open_with_the_spider(tmp_path: Path) -> None:
    c = crawler(tmp_path, written(tmp_path, "publisher.csv", PUBLISHER))
    mw = build_from_crawler(BlocklistMiddleware, c)
    with pytest.raises(ConfigError, match="opened when the spider opens"):
        mw.process_request(Request("http://ok.test/"))
    c.get_extension(ServicesExtension).spider_opened(Spider("seed"))
    with pytest.raises(BlocklistDenied):
        mw.process_request(Request("http://piracy.test/"))
    assert c.stats.get_value(stats.blocklist_version("publisher")) == 1


def test_the_current_version_of_every_stored_list_applies(tmp_path: Path) -> None:
    listed = written(tmp_path, "publisher.csv", PUBLISHER)
    opened(tmp_path, listed)  # an earlier job stored version 1
    listed.write_text("entry,kind\nnewpiracy.test,domain\n")
    opened(tmp_path, listed)  # and another version 2
    mw = opened(tmp_path)  # this job names no file: the catalog's lists still apply
    assert mw.process_request(Request("http://piracy.test/")) is None  # gone in version 2
    with pytest.raises(BlocklistDenied) as caught:
        mw.process_request(Request("http://newpiracy.test/"))
    assert caught.value.evidence[0].source == "publisher v2"


def test_no_lists_refuse_nothing(tmp_path: Path) -> None:
    mw = opened(tmp_path)
    assert mw.process_request(Request("http://piracy.test/")) is None
