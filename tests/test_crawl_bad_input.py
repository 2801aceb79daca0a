"""Hostile and broken policy documents: none crashes a crawl, each is recorded with what was
wrong, and each is decided by its spec's error rule (or most restrictively where it is silent)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import Evidence, PolicyDocument, UrlRecord

from .sites import crawl

DOMAIN = "bad.test"
PAGE = Page("<!doctype html><title>p</title><p>page</p>")
BIG_PADDING = ("# " + "x" * 1022 + "\n") * 600  # 600 KiB of comments: past the parse limit


def robots(body: bytes | str, **kwargs: Any) -> Page:
    return Page(body, content_type=kwargs.pop("content_type", "text/plain"), **kwargs)


def site(robots_page: Page, **extra: Page) -> dict[str, Page]:
    return {"/robots.txt": robots_page, "/": PAGE, "/private/x": PAGE, **extra}


def sites(port: int) -> dict[str, dict[str, Page]]:
    loop = {
        f"/robots.txt{'' if i == 0 else f'?{i}'}": Page(
            status=302, headers={"Location": f"/robots.txt?{i + 1}"}
        )
        for i in range(10)
    }
    return {
        f"binary.{DOMAIN}": site(robots(bytes(range(256)) * 40, content_type="application/octet-stream")),
        f"bom.{DOMAIN}": site(robots(b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /private/\r\n")),
        f"cr.{DOMAIN}": site(robots(b"User-agent: *\rDisallow: /private/\r")),
        f"latin1.{DOMAIN}": site(robots(b"User-agent: *\nDisallow: /private/\nDisallow: /caf\xe9\n")),
        f"html.{DOMAIN}": site(robots("<html><body>Not a robots.txt</body></html>",
                                      content_type="text/html")),
        f"huge.{DOMAIN}": site(
            robots("User-agent: *\nDisallow: /private/\n" + BIG_PADDING * 17 + "Disallow: /\n")
        ),
        f"loop.{DOMAIN}": {**{k: v for k, v in site(PAGE).items() if k != "/robots.txt"}, **loop},
        f"tdmjunk.{DOMAIN}": site(robots("User-agent: *\nAllow: /\n"),
                                  **{"/.well-known/tdmrep.json": Page("{not json", content_type="application/json")}),
        f"tdmobject.{DOMAIN}": site(robots(""), **{"/.well-known/tdmrep.json": Page(
            '{"location": "/", "tdm-reservation": 1}', content_type="application/json")}),
        f"tdmtypes.{DOMAIN}": site(robots(""), **{"/.well-known/tdmrep.json": Page(
            '[{"location": 5, "tdm-reservation": "1"}, {"location": "/private/", "tdm-reservation": 1}]',
            content_type="application/json")}),
        f"tdmhuge.{DOMAIN}": site(robots(""), **{"/.well-known/tdmrep.json": Page(
            "[" + ",".join(['{"location": "/x", "tdm-reservation": 0}'] * 1_200_000) + "]",
            content_type="application/json")}),
        f"headers.{DOMAIN}": site(robots(""), **{"/": Page(
            PAGE.body, headers={"Content-Usage": "Train-AI=n, search=", "tdm-reservation": "yes",
                                "X-Robots-Tag": "unavailable_after: 25 Jun 2010 15:00:00 PST, , :"})}),
    }


HOSTS = ("binary", "bom", "cr", "latin1", "html", "huge", "loop", "tdmjunk", "tdmobject",
         "tdmtypes", "tdmhuge", "headers")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("bad")
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    with serve(sites) as web:
        seeds = [web.url(f"{h}.{DOMAIN}") for h in HOSTS]
        seeds += [web.url(f"{h}.{DOMAIN}", "/private/x") for h in HOSTS]
        result = crawl(seeds, catalog_url=catalog_url, warc_dir=root / "w", domain=DOMAIN,
                       purpose="train-genai", extra=["--depth", "0"])
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        with Catalog(catalog_url, mode="read") as catalog:
            rows = {r["url"]: r for r in export_rows(catalog)}
        yield {"web": web, "rows": rows, "catalog_url": catalog_url}


def outcome(crawled: dict[str, Any], host: str, path: str = "/") -> tuple[str, list[str]]:
    row = crawled["rows"][crawled["web"].url(f"{host}.{DOMAIN}", path)]
    return row["outcome"], row["reasons"]


@pytest.mark.parametrize(
    ("host", "home", "private"),
    [
        ("binary", "collected", "collected"),  # no readable rules: nothing disallowed
        ("bom", "collected", "skipped"),  # BOM and CRLF: the rules still apply
        ("cr", "collected", "skipped"),  # bare CR line ends
        ("latin1", "collected", "skipped"),  # invalid UTF-8 is replaced, the rest still reads
        ("html", "collected", "collected"),  # an HTML page has no rules (RFC 9309 2.2.1)
        ("huge", "collected", "skipped"),  # 10 MB: the first 500 KiB apply, "Disallow: /" does not
        ("loop", "skipped", "skipped"),  # robots.txt redirect loop: unreachable, origin closed
        ("tdmjunk", "collected", "collected"),  # not JSON: TDM rights unset
        ("tdmobject", "collected", "collected"),  # an object, not an array: unset
        ("tdmtypes", "collected", "skipped"),  # the bad entry is skipped, the good one applies
        ("tdmhuge", "collected", "collected"),  # over CONSENT_TDMREP_MAX_SIZE: unset
        ("headers", "collected", "collected"),  # malformed headers: unset
    ],
)
def test_decisions(crawled: dict[str, Any], host: str, home: str, private: str) -> None:
    assert outcome(crawled, host)[0] == home
    assert outcome(crawled, host, "/private/x")[0] == private


def test_reasons(crawled: dict[str, Any]) -> None:
    assert outcome(crawled, "loop") == ("skipped", ["robots-unreachable"])
    assert outcome(crawled, "huge", "/private/x") == ("skipped", ["robots-disallow"])
    assert outcome(crawled, "tdmtypes", "/private/x") == ("skipped", ["tdmrep-reserved"])


def test_what_was_wrong_is_recorded(crawled: dict[str, Any]) -> None:
    web = crawled["web"]
    engine = make_engine(crawled["catalog_url"])
    with Session(engine) as session:
        documents = {d.url: d for d in session.scalars(select(PolicyDocument))}

        def info(host: str) -> list[str]:
            record = session.scalars(
                select(UrlRecord).where(UrlRecord.url == web.url(f"{host}.{DOMAIN}"))
            ).one()
            rows = session.scalars(select(Evidence).where(Evidence.record_id == record.id))
            return [e.value for e in rows if e.effect == "info"]

        notes = {host: " | ".join(info(host)) for host in ("tdmjunk", "tdmobject", "tdmhuge", "headers")}
    engine.dispose()
    huge = documents[web.url(f"huge.{DOMAIN}", "/robots.txt")]
    assert huge.http_status == 200 and huge.body is not None and len(huge.body) > 10_000_000
    loop = documents[web.url(f"loop.{DOMAIN}", "/robots.txt")]
    assert loop.error is not None and "redirect" in loop.error.lower()
    binary = documents[web.url(f"binary.{DOMAIN}", "/robots.txt")]
    assert binary.body == bytes(range(256)) * 40  # stored verbatim, whatever it is
    assert "JSON" in notes["tdmjunk"] or "json" in notes["tdmjunk"]
    assert "array" in notes["tdmobject"]
    assert "over" in notes["tdmhuge"]
    assert "Content-Usage" in notes["headers"] and "tdm-reservation" in notes["headers"]
    assert json.dumps(notes)  # plain text, fit for an auditor
