"""The demo web, crawled for each purpose: every signal family decides what it speaks for.

Runs ``consentcrawl demo`` itself (the main job) and checks each URL's outcome, reasons and
licence status in the catalog, plus the evidence rows that name the deciding document and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit.export import export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import Evidence, UrlRecord

from .sites import run_cli

# (host, path): {purpose: reasons}; an empty list means collected; a missing purpose too.
GPT = "robots-ai-optout:GPTBot"
PPLX = "robots-ai-optout:PerplexityBot"
EXPECTED: dict[tuple[str, str], dict[str, list[str]]] = {
    ("aibots", "/"): {"train-genai": [GPT], "train-ai": [GPT], "ai-input": [PPLX]},
    ("aibots", "/article"): {"train-genai": [GPT], "train-ai": [GPT], "ai-input": [PPLX]},
    ("signals", "/"): {"train-genai": ["content-signal:ai-train=no"]},
    ("signals", "/post"): {"train-genai": ["content-signal:ai-train=no"]},
    ("signals", "/open/post"): {},
    ("aipref", "/"): {"train-genai": ["content-usage:train-ai=n"]},
    ("aipref", "/test"): {"train-genai": ["content-usage:train-ai=n"]},
    ("aipref", "/never/test"): {p: ["robots-disallow"] for p in ("train-genai", "search", "ai-input")},
    ("aipref", "/ai-ok/test"): {},
    ("aipref", "/headed"): {"train-genai": ["content-usage:train-ai=n"],
                            "search": ["content-usage:search=n"]},
    ("tdmrep", "/directory-a/report"): {"train-genai": ["tdmrep-reserved"],
                                        "ai-input": ["tdmrep-reserved"]},
    ("tdmrep", "/directory-a/released"): {},
    ("tdmrep", "/directory-b/html/page.html"): {"train-genai": ["tdmrep-reserved"],
                                                "ai-input": ["tdmrep-reserved"]},
    ("tdmrep", "/meta-reserved"): {"train-genai": ["tdmrep-reserved"],
                                   "ai-input": ["tdmrep-reserved"]},
    ("tdmrep", "/other"): {},
    ("noai", "/header"): {"train-genai": ["x-robots-tag:noai"], "ai-input": ["x-robots-tag:noai"]},
    ("noai", "/meta"): {"train-genai": ["meta-robots:noai"], "ai-input": ["meta-robots:noai"]},
    ("noai", "/other-bot"): {},
    ("aitxt", "/gallery/painting"): {"train-genai": ["ai-txt-disallow"]},
    ("aitxt", "/essay"): {},
    # walls close a page for every purpose
    ("walls", "/members"): {p: ["login-redirect"] for p in ("train-genai", "search", "ai-input")},
    ("walls", "/staff-area"): {p: ["auth-required"] for p in ("train-genai", "search", "ai-input")},
    ("walls", "/premium"): {p: ["paywall"] for p in ("train-genai", "search", "ai-input")},
    ("walls", "/metadata"): {p: ["redirect"] for p in ("train-genai", "search", "ai-input")},
    ("169", "/latest/meta-data/"): {
        p: ["private-address"] for p in ("train-genai", "search", "ai-input")
    },
    ("walls", "/news"): {},
    # the piracy list the demo submits first: seeds, subdomains and a redirect into it
    **{
        key: {p: ["blocklist:piracy-list"] for p in ("train-genai", "search", "ai-input")}
        for key in (("piracy", "/"), ("dl", "/"), ("mirror", "/"), ("dl", "/free-books"))
    },
    ("moved", "/to-piracy"): {p: ["redirect"] for p in ("train-genai", "search", "ai-input")},
    # RSL through robots.txt: search is free, AI uses need a paid licence
    ("news", "/"): {"train-genai": ["rsl-payment:crawl"], "ai-input": ["rsl-payment:crawl"]},
    ("blog", "/posts/field-notes"): {},
    ("gallery", "/works/dunes"): {},
    ("reserved", "/story"): {},
    # images (the demo runs with --images): embedded IPTC and C2PA/CAWG, and the page's noimageai
    ("stock", "/img/harbour.jpg"): {},
    ("stock", "/img/street.jpg"): {},
    ("stock", "/img/lighthouse.jpg"): {
        "train-genai": ["iptc-data-mining:DMI-PROHIBITED-GENAIMLTRAINING"]},
    ("stock", "/img/dunes.jpg"): {"train-genai": ["iptc-data-mining:DMI-PROHIBITED-AIMLTRAINING"]},
    ("stock", "/img/market.jpg"): {
        p: ["iptc-data-mining:DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"]
        for p in ("train-genai", "ai-input")},
    ("stock", "/img/portfolio.jpg"): {p: ["meta-robots:noimageai"] for p in ("train-genai", "ai-input")},
    ("stock", "/portfolio"): {},  # noimageai reserves the page's images, not its text
    ("stock", "/img/signed.jpg"): {
        "train-genai": ["c2pa-training-mining:cawg.ai_generative_training"],
        "ai-input": ["c2pa-training-mining:cawg.ai_inference"]},
}
PURPOSES = ("train-genai", "search", "ai-input")


@pytest.fixture(scope="module", params=PURPOSES)
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    workdir = tmp_path_factory.mktemp(f"demo-{request.param}")
    result = run_cli("demo", "--workdir", str(workdir), "--purpose", request.param)
    assert result.returncode == 0, result.stderr
    catalog_url = f"sqlite:///{workdir / 'catalog.sqlite'}"
    with Catalog(catalog_url, mode="read") as catalog:
        rows = list(export_rows(catalog))
    by_key = {}
    for row in rows:
        host_port, path = row["url"][len("http://"):].split("/", 1)
        by_key[(host_port.split(".")[0], "/" + path)] = row
    yield {"purpose": request.param, "rows": by_key, "catalog_url": catalog_url,
           "stdout": result.stdout}


@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"{h}{p}" for h, p in EXPECTED])
def test_outcome(demo: dict[str, Any], key: tuple[str, str]) -> None:
    reasons = EXPECTED[key].get(demo["purpose"], [])
    row = demo["rows"][key]
    assert row["reasons"] == reasons
    assert row["outcome"] == ("skipped" if reasons else "collected")
    offered = "rsl-payment:crawl" in reasons  # a reservation with an offer to license
    if offered or "tdmrep-reserved" in reasons and key[1].startswith("/directory-b/html/"):
        assert row["license_status"] == "licensable"
    elif reasons and reasons[0] not in ("redirect", "private-address", "blocklist:piracy-list"):
        assert row["license_status"] == "reserved"


# (host, path): (licence status, SPDX id) of pages the demo collects for every purpose
LICENCES = {
    ("blog", "/posts/field-notes"): ("open", "CC-BY-4.0"),
    ("blog", "/posts/remix"): ("open", "CC-BY-SA-4.0"),
    ("gallery", "/works/dunes"): ("restricted", "CC-BY-NC-4.0"),  # the demo job is commercial
    ("gallery", "/works/heron"): ("restricted", "CC-BY-NC-4.0"),  # the photo's CC BY is not the page's
    ("reserved", "/story"): ("restricted", None),  # its licence link names its own terms
    ("open", "/articles/plain"): ("unknown", None),
    ("gallery", "/photos/heron.jpg"): ("open", "CC-BY-2.0"),  # its figure's licence
    ("blog", "/badge.jpg"): ("unknown", None),  # the badge declares the page's licence
}


@pytest.mark.parametrize("key", list(LICENCES), ids=[f"{h}{p}" for h, p in LICENCES])
def test_licence(demo: dict[str, Any], key: tuple[str, str]) -> None:
    row = demo["rows"][key]
    assert (row["license_status"], row["license"]) == LICENCES[key]
    assert row["outcome"] == "collected"


def test_summary_shows_licence_mix(demo: dict[str, Any]) -> None:
    assert "Licence status:" in demo["stdout"] and "CC-BY-NC-4.0 2" in demo["stdout"]


def test_summary_shows_skips_per_signal(demo: dict[str, Any]) -> None:
    expected = {r for reasons in EXPECTED.values() for r in reasons.get(demo["purpose"], [])}
    for reason in expected:
        assert reason in demo["stdout"]


@pytest.mark.parametrize("demo", ["train-genai"], indirect=True)
def test_evidence_points_at_document_and_line(demo: dict[str, Any]) -> None:
    engine = make_engine(demo["catalog_url"])
    with Session(engine) as session:
        def denials(host: str, path: str) -> list[Evidence]:
            record_id = demo["rows"][(host, path)]["url"]
            record = session.scalars(select(UrlRecord).where(UrlRecord.url == record_id)).one()
            rows = session.scalars(select(Evidence).where(Evidence.record_id == record.id))
            return [e for e in rows if e.effect == "deny"]

        signal = denials("signals", "/post")
        usage = denials("aipref", "/test")
        aitxt = denials("aitxt", "/gallery/painting")
        noai = denials("noai", "/header")
    engine.dispose()
    [cs] = signal
    assert (cs.signal, cs.line, cs.source.endswith("/robots.txt")) == ("content-signal", 2, True)
    assert cs.document_sha256 is not None
    [cu] = usage
    assert (cu.signal, cu.line, cu.value) == ("content-usage", 4, "Content-Usage: train-ai=n")
    [ai] = aitxt
    assert (ai.signal, ai.line, ai.source.endswith("/ai.txt")) == ("ai.txt", 2, True)
    [tag] = noai
    assert (tag.signal, tag.source, tag.reason) == ("x-robots-tag", "header:X-Robots-Tag",
                                                    "x-robots-tag:noai")


def test_export_reasons_round_trip(demo: dict[str, Any]) -> None:
    result = run_cli("audit", "export", "--catalog", demo["catalog_url"], "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {tuple(r["reasons"]) for r in rows} >= {
        tuple(reasons) for e in EXPECTED.values() if (reasons := e.get(demo["purpose"]))
    }
