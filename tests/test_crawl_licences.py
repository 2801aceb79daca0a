"""Licences in real crawls of local named sites: SPDX id, status and evidence in the catalog.

Pages declare their licence in every way the detector reads; a site licenses itself with RSL
1.0 through robots.txt, another through a page's Link header and inline; some RSL files are
hostile or unreachable. The same web is crawled opt-out, opt-in, with NC accepted for a
non-commercial job, and holding a paid licence.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog
from storage.catalog.db import make_engine
from storage.catalog.models import Evidence, PolicyDocument, UrlRecord

from .sites import crawl, run_cli

DOMAIN = "lic.test"
CC = "https://creativecommons.org"
RSL_NS = "https://rslstandard.org/rsl"
OPEN = "User-agent: *\nAllow: /\n"


def html(title: str, head: str = "", body: str = "", **kwargs: Any) -> Page:
    return Page(
        f"<!doctype html><html><head><title>{title}</title>{head}</head>"
        f"<body><main><h1>{title}</h1>{body}</main></body></html>",
        **kwargs,
    )


def index(*paths: str) -> Page:
    return html("index", body="".join(f'<a href="{p}">{p}</a> ' for p in paths))


def rsl(*contents: str) -> str:
    return f'<rsl xmlns="{RSL_NS}">{"".join(contents)}</rsl>'


def content(url: str, licence: str, server: str = "") -> str:
    attrs = f' server="{server}"' if server else ""
    return f'<content url="{url}"{attrs}><license>{licence}</license></content>'


PERMITS_SEARCH = '<permits type="usage">search</permits>'
PERMITS_AI = '<permits type="usage">ai-all search</permits>'
PAID = PERMITS_AI + '<payment type="crawl"><amount currency="USD">0.015</amount></payment>'
PROHIBITS_TRAIN = '<prohibits type="usage">ai-train</prohibits>'
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE rsl [<!ENTITY a "aaaaaaaaaa">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    f'<rsl xmlns="{RSL_NS}"><content url="/"><license><permits type="usage">&c;</permits>'
    "</license></content></rsl>"
)


def sites(port: int) -> dict[str, dict[str, Page]]:
    def url(host: str, path: str) -> str:
        return f"http://{host}.{DOMAIN}:{port}{path}"

    return {
        f"blog.{DOMAIN}": {
            "/robots.txt": Page(OPEN, content_type="text/plain"),
            "/": index("/by", "/nc", "/nd", "/none", "/badge", "/figure", "/terms-licence"),
            "/by": html("by", head=f'<link rel="license" href="{CC}/licenses/by/4.0/">'),
            "/nc": html("nc", headers={"Link": f'<{CC}/licenses/by-nc/4.0/>; rel="license"'}),
            "/nd": html("nd", head='<script type="application/ld+json">{"@type": "Article", '
                        f'"license": "{CC}/licenses/by-nd/4.0/"}}</script>'),
            "/none": html("none"),
            "/badge": html("badge", body=f'<a href="{CC}/licenses/by/4.0/">CC BY</a>'),
            "/figure": html("figure", body=f'<figure><img src="/a.jpg"><figcaption><a rel='
                            f'"license" href="{CC}/licenses/by/4.0/">CC BY</a></figcaption>'
                            "</figure>"),
            "/terms-licence": html("terms", head='<link rel="license" href="/terms">'),
        },
        f"rsl.{DOMAIN}": {
            "/robots.txt": Page(f"License: {url('rsl', '/license.xml')}\n{OPEN}",
                                content_type="text/plain"),
            "/license.xml": Page(
                rsl(content("/", PERMITS_SEARCH), content("/free/", PERMITS_AI),
                    content("/paid/", PAID)),
                content_type="application/rsl+xml",
            ),
            "/": index("/a", "/free/a", "/free/b", "/paid/a"),
            "/a": html("a"), "/free/a": html("free a"), "/free/b": html("free b"),
            "/paid/a": html("paid a"),
        },
        f"linked.{DOMAIN}": {
            "/robots.txt": Page(OPEN, content_type="text/plain"),
            "/": index("/page", "/inline"),
            "/page": html("page", headers={
                "Link": f'<{url("linked", "/rsl.xml")}>; rel="license"; type="application/rsl+xml"'
            }),
            "/rsl.xml": Page(rsl(content("/", PROHIBITS_TRAIN)), content_type="application/xml"),
            "/inline": html("inline", head='<script type="application/rsl+xml">'
                            f'{rsl(content("/", PROHIBITS_TRAIN))}</script>'),
        },
        f"bomb.{DOMAIN}": {
            "/robots.txt": Page(f"License: {url('bomb', '/license.xml')}\n{OPEN}",
                                content_type="text/plain"),
            "/license.xml": Page(BOMB, content_type="application/rsl+xml"),
            "/": html("bomb home"),
        },
        f"down.{DOMAIN}": {
            "/robots.txt": Page(f"License: {url('down', '/license.xml')}\n{OPEN}",
                                content_type="text/plain"),
            "/license.xml": Page("oops", status=500),
            "/": html("down home"),
        },
        f"many.{DOMAIN}": {  # more licence documents than are read: none is trusted
            "/robots.txt": Page(
                "".join(f"License: {url('many', f'/l{n}.xml')}\n" for n in range(11)) + OPEN,
                content_type="text/plain",
            ),
            **{f"/l{n}.xml": Page(rsl(content("/", PERMITS_AI)),
                                  content_type="application/rsl+xml") for n in range(11)},
            "/": html("many home"),
        },
        f"unread.{DOMAIN}": {
            "/robots.txt": Page(OPEN, content_type="text/plain"),
            # an inline licence too big to read: the page is not collected for any purpose
            "/": html("unread", head='<script type="application/rsl+xml">'
                      f'{rsl(content("/", PERMITS_AI))}{" " * (600 * 1024)}</script>'),
        },
        f"huge.{DOMAIN}": {
            "/robots.txt": Page(f"License: {url('huge', '/license.xml')}\n{OPEN}",
                                content_type="text/plain"),
            "/license.xml": Page(rsl(content("/", PERMITS_AI)) + " " * (2 << 20),
                                 content_type="application/rsl+xml"),
            "/": html("huge home"),
        },
    }


HOSTS = ("blog", "rsl", "linked", "bomb", "down", "huge", "many", "unread")
# rsl.lic.test's home is refused before download (its licence permits only search), so its
# pages are seeds rather than links.
SEEDS = {"rsl": ("/", "/a", "/free/a", "/paid/a")}
# (host, path) -> outcome reasons, licence status, licence, for each crawl below
DEFAULT: dict[tuple[str, str], tuple[list[str], str, str | None]] = {
    ("blog", "/by"): ([], "open", "CC-BY-4.0"),
    ("blog", "/nc"): ([], "restricted", "CC-BY-NC-4.0"),  # commercial job: NC not accepted
    ("blog", "/nd"): ([], "restricted", "CC-BY-ND-4.0"),  # ND not in the default set
    ("blog", "/none"): ([], "unknown", None),
    ("blog", "/badge"): ([], "unknown", None),  # a weak hint never decides
    ("blog", "/figure"): ([], "unknown", None),  # the image's licence, not the page's
    ("blog", "/terms-licence"): ([], "restricted", None),  # a licence of unknown terms
    ("rsl", "/"): (["rsl-not-permitted"], "reserved", None),  # only search is permitted
    ("rsl", "/a"): (["rsl-not-permitted"], "reserved", None),
    ("rsl", "/free/a"): ([], "unknown", None),
    ("rsl", "/paid/a"): (["rsl-payment:crawl"], "licensable", None),
    ("linked", "/page"): (["rsl-prohibited:ai-train"], "reserved", None),
    ("linked", "/inline"): (["rsl-prohibited:ai-train"], "reserved", None),
    ("bomb", "/"): (["rsl-invalid"], "reserved", None),
    ("down", "/"): (["rsl-unreachable"], "reserved", None),
    ("huge", "/"): (["rsl-invalid"], "reserved", None),
    ("many", "/"): (["rsl-invalid"], "reserved", None),
    ("unread", "/"): (["rsl-invalid"], "reserved", None),
}
OPT_IN_COLLECTED = {("blog", "/by"), ("rsl", "/free/a")}


@pytest.fixture(scope="module")
def web() -> Iterator[SiteServer]:
    with serve(sites) as server:
        yield server


def run(web: SiteServer, root: Path, *extra: str, seeds: tuple[str, ...] = HOSTS) -> dict[str, Any]:
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    urls = [web.url(f"{h}.{DOMAIN}", p) for h in seeds for p in SEEDS.get(h, ("/",))]
    result = crawl(urls, catalog_url=catalog_url,
                   warc_dir=root / "w", domain=DOMAIN, extra=extra)
    assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        rows = {}
        for row in export_rows(catalog):
            host, _, path = row["url"][len("http://"):].partition("/")
            rows[(host.split(".")[0], "/" + path)] = row
    return {"rows": rows, "catalog_url": catalog_url, "stdout": result.stdout}


@pytest.fixture(scope="module")
def default(web: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run(web, tmp_path_factory.mktemp("default"))


@pytest.mark.parametrize("key", list(DEFAULT), ids=[f"{h}{p}" for h, p in DEFAULT])
def test_default_job(default: dict[str, Any], key: tuple[str, str]) -> None:
    reasons, status, licence = DEFAULT[key]
    row = default["rows"][key]
    assert (row["reasons"], row["license_status"], row["license"]) == (reasons, status, licence)
    assert row["outcome"] == ("skipped" if reasons else "collected")
    assert (row["warc_file"] is None) == bool(reasons)


def test_licence_evidence_rows(default: dict[str, Any]) -> None:
    engine = make_engine(default["catalog_url"])
    with Session(engine) as session:
        def evidence(key: tuple[str, str]) -> list[Evidence]:
            url = default["rows"][key]["url"]
            record = session.scalars(select(UrlRecord).where(UrlRecord.url == url)).one()
            return list(session.scalars(
                select(Evidence).where(Evidence.record_id == record.id, Evidence.signal.in_(
                    ("license", "rsl")))))

        by = evidence(("blog", "/by"))
        badge = evidence(("blog", "/badge"))
        paid = evidence(("rsl", "/paid/a"))
        bomb = evidence(("bomb", "/"))
    engine.dispose()
    assert [(e.source, e.value, e.effect, e.license, e.strength) for e in by] == [
        ("link[rel=license] (head)", f"{CC}/licenses/by/4.0/", "allow", "CC-BY-4.0", "strong")]
    assert [(e.source, e.effect, e.reason, e.license, e.strength) for e in badge] == [
        ("a[href] (main)", "info", None, "CC-BY-4.0", "weak")]
    [offer] = [e for e in paid if e.effect == "deny"]
    assert offer.reason == "rsl-payment:crawl" and offer.document_sha256 is not None
    assert offer.source.startswith(f"http://rsl.{DOMAIN}:") and "#content" in offer.source
    [invalid] = bomb
    assert invalid.reason == "rsl-invalid" and "invalid RSL document" in invalid.value


def test_rsl_documents_stored_verbatim_and_fetched_once(
    default: dict[str, Any], web: SiteServer
) -> None:
    engine = make_engine(default["catalog_url"])
    with Session(engine) as session:
        documents = list(session.scalars(select(PolicyDocument).where(PolicyDocument.kind == "rsl")))
    engine.dispose()
    by_host = {d.url.split("//")[1].split(".")[0]: d for d in documents if "#" not in d.url}
    served = sites(web.port)
    for host in ("rsl", "linked", "bomb"):
        document = by_host[host]
        body = served[f"{host}.{DOMAIN}"][document.url.split(str(web.port))[1]].payload()
        assert document.body == body and document.sha256 == hashlib.sha256(body).hexdigest()
    assert by_host["down"].http_status == 500 and by_host["down"].body == b"oops"
    assert by_host["huge"].body is None  # over CONSENT_RSL_MAX_SIZE: not read, not kept
    assert any(d.url.endswith("/inline#rsl-inline-1") for d in documents)
    # every page of rsl.lic.test asks one document: one request
    assert web.hits_for(f"rsl.{DOMAIN}").count("/license.xml") == 1
    assert web.hits_for(f"linked.{DOMAIN}").count("/rsl.xml") == 1


def test_rsl_robots_licence_is_found_before_access(default: dict[str, Any], web: SiteServer) -> None:
    # Pages that robots.txt's licence does not cover for the purpose are never requested.
    hits = web.hits_for(f"rsl.{DOMAIN}")
    assert "/paid/a" not in hits and "/a" not in hits and "/free/a" in hits
    hits = web.hits_for(f"bomb.{DOMAIN}")
    assert "/license.xml" in hits and "/" not in hits


def test_export_carries_licence(default: dict[str, Any]) -> None:
    result = run_cli("audit", "export", "--catalog", default["catalog_url"], "--format", "jsonl")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    licences = {(r["license"], r["license_status"]) for r in rows}
    assert {("CC-BY-4.0", "open"), ("CC-BY-NC-4.0", "restricted"), (None, "licensable")} <= licences


@pytest.mark.parametrize(
    ("extra", "collected"),
    [
        (("--require-permission",), OPT_IN_COLLECTED),
        (("--require-permission", "--non-commercial", "--accept-license", "CC-BY-NC-*",
          "--accept-license", "CC-BY-*"), OPT_IN_COLLECTED | {("blog", "/nc")}),
        (("--require-permission", "--accept-license", "CC-BY-ND-4.0"),
         {("blog", "/nd"), ("rsl", "/free/a")}),
    ],
    ids=["opt-in", "non-commercial-nc", "nd-accepted"],
)
def test_opt_in_collects_only_permitted(
    web: SiteServer, tmp_path: Path, extra: tuple[str, ...], collected: set[tuple[str, str]]
) -> None:
    rows = run(web, tmp_path, *extra, seeds=("blog", "rsl"))["rows"]
    pages = {k: r for k, r in rows.items() if k[1] not in ("/", "/terms")}
    assert {k for k, r in pages.items() if r["outcome"] == "collected"} == collected
    for key, row in pages.items():
        if key not in collected and key[0] == "blog":
            assert row["reasons"] == ["no-permission"]


def test_held_licence_unlocks_paid_content(web: SiteServer, tmp_path: Path) -> None:
    held = web.url(f"rsl.{DOMAIN}", "/license.xml")
    rows = run(web, tmp_path, "--license-held", held, seeds=("rsl",))["rows"]
    assert rows[("rsl", "/paid/a")]["outcome"] == "collected"
    assert rows[("rsl", "/a")]["reasons"] == ["rsl-not-permitted"]


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--accept-license", "CC-BY-5.0"), "--accept-license"),
        (("--accept-license", "CC-*-*"), "--accept-license"),
        (("--license-held", "ftp://x.test/l.xml"), "--license-held"),
        (("--geo", "Europe"), "--geo"),
    ],
)
def test_bad_licence_options_are_usage_errors(tmp_path: Path, option: tuple[str, str],
                                              message: str) -> None:
    result = crawl(["http://blog.lic.test/"], catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                   warc_dir=tmp_path / "w", domain=DOMAIN, extra=option)
    assert result.returncode == 2 and message in result.stderr
    assert not (tmp_path / "c.sqlite").exists() and not (tmp_path / "w").exists()
