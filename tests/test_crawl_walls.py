"""Login walls, paywalls, credentials and private addresses, crawled for real on local servers."""

from __future__ import annotations

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
from storage.catalog.models import Evidence, UrlRecord

from .sites import CONTACT, run_cli

DOMAIN = "walls.test"
ARTICLE = "<p>" + "An ordinary article with plenty of words. " * 40 + "</p>"
PAYWALLED = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "Premium", "isAccessibleForFree": false}</script>'
)
LOGIN_PAGE = (
    '<main><h1>Sign in</h1><form action="/session" method="post"><input name="user">'
    '<input type="password" name="pw"><button>Sign in</button></form></main>'
)


def html(body: str, head: str = "", **kwargs: Any) -> Page:
    return Page(f"<!doctype html><html><head>{head}</head><body>{body}</body></html>", **kwargs)


def sites(port: int) -> dict[str, dict[str, Page]]:
    links = ["/members", "/login", "/private", "/staff", "/premium", "/portal", "/article",
             "/internal"]
    return {
        f"www.{DOMAIN}": {
            "/robots.txt": Page("", status=404),
            "/": html("".join(f'<a href="{u}">{u}</a> ' for u in links),
                      headers={"Set-Cookie": "session=abc123; Path=/"}),
            "/members": Page(status=302, headers={"Location": "/login?next=/members"}),
            "/login": html(LOGIN_PAGE),
            "/private": Page("no", status=401, headers={"WWW-Authenticate": 'Basic realm="staff"'}),
            "/staff": Page("forbidden", status=403),
            "/premium": html(ARTICLE, head=PAYWALLED),
            "/portal": html(LOGIN_PAGE),
            "/article": html(ARTICLE),
            "/internal": Page(status=302, headers={"Location": f"http://metadata.{DOMAIN}/latest"}),
            "/x": html(ARTICLE),
        },
        f"metadata.{DOMAIN}": {"/latest": html("instance secrets")},
        f"walled.{DOMAIN}": {
            "/robots.txt": Page("", status=404),
            "/": html("".join(f'<a href="/p{i}">p{i}</a> ' for i in range(12))),
            **{f"/p{i}": Page("no", status=401, headers={"WWW-Authenticate": "Bearer"})
               for i in range(12)},
        },
    }


RESOLVE = [
    "--resolve", f"www.{DOMAIN}:127.0.0.1", "--resolve", f"walled.{DOMAIN}:127.0.0.1",
    # an internal name: a redirect there must never be followed
    "--resolve", f"metadata.{DOMAIN}:169.254.169.254",
]


def crawl(web: SiteServer, catalog_url: str, warc: Path, *extra: str) -> Any:
    seeds = [web.url(f"www.{DOMAIN}"), web.url(f"walled.{DOMAIN}"),
             web.url(f"www.{DOMAIN}", "/x").replace("http://", "http://user:secret@")]
    return run_cli(
        "crawl", *seeds, "--purpose", "train-genai", "--catalog", catalog_url, "--warc-dir",
        str(warc), "--delay", "0", "--concurrency", "1", "--contact", CONTACT, *RESOLVE, *extra,
        "--set", "CONSENT_AUTH_WALL_MIN_PAGES=10",
        "--set", 'DEFAULT_REQUEST_HEADERS={"Authorization": "Basic c2VjcmV0", "Cookie": "a=b"}',
    )


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("walls")
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    with serve(sites) as web:
        result = crawl(web, catalog_url, root / "w", "--allow-private-addresses")
        assert result.returncode == 0, result.stderr
        with Catalog(catalog_url, mode="read") as catalog:
            rows = {r["url"]: r for r in export_rows(catalog)}
        yield {"web": web, "rows": rows, "catalog_url": catalog_url, "result": result}


def reasons(crawled: dict[str, Any], path: str, host: str = "www") -> list[str]:
    row = crawled["rows"][crawled["web"].url(f"{host}.{DOMAIN}", path)]
    assert row["outcome"] == ("collected" if not row["reasons"] else "skipped")
    return list(row["reasons"])


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", []),
        ("/article", []),
        ("/members", ["login-redirect"]),  # the redirect into /login is not followed
        ("/login", ["auth-url"]),  # never requested: the URL leads into a login
        ("/private", ["auth-required"]),
        ("/staff", ["auth-forbidden"]),
        ("/premium", ["paywall"]),
        ("/portal", ["login-form"]),
        ("/internal", ["redirect"]),  # the hop; its target is refused below
    ],
)
def test_wall_reasons(crawled: dict[str, Any], path: str, expected: list[str]) -> None:
    assert reasons(crawled, path) == expected


def test_walls_are_reserved_and_never_stored(crawled: dict[str, Any]) -> None:
    for path in ("/members", "/private", "/premium", "/portal"):
        row = crawled["rows"][crawled["web"].url(f"www.{DOMAIN}", path)]
        assert row["license_status"] == "reserved" and row["warc_file"] is None


def test_login_urls_and_internal_addresses_are_never_requested(crawled: dict[str, Any]) -> None:
    web: SiteServer = crawled["web"]
    assert "/login" not in web.hits_for(f"www.{DOMAIN}")
    assert not any(p.startswith("/login") for p in web.hits_for(f"www.{DOMAIN}"))
    assert web.hits_for(f"metadata.{DOMAIN}") == []
    [target] = [u for u in crawled["rows"] if f"metadata.{DOMAIN}" in u]
    assert crawled["rows"][target]["reasons"] == ["private-address"]


def test_no_request_carried_credentials(crawled: dict[str, Any]) -> None:
    web: SiteServer = crawled["web"]
    assert len(web.headers) > 10
    for headers in web.headers:
        assert not {"cookie", "authorization", "proxy-authorization"} & set(headers)
    [seed] = [u for u in crawled["rows"] if "user:secret@" in u]
    assert crawled["rows"][seed]["reasons"] == ["url-credentials"]
    assert "/x" not in web.hits_for(f"www.{DOMAIN}")


def test_walled_origin_is_flagged_and_left_alone(crawled: dict[str, Any]) -> None:
    web: SiteServer = crawled["web"]
    walled = [r for u, r in crawled["rows"].items() if f"walled.{DOMAIN}" in u and "/p" in u]
    assert len(walled) == 12
    backed_off = [r for r in walled if r["reasons"] == ["auth-walled-origin"]]
    assert backed_off  # the crawler stopped asking once most pages were walls
    assert len([p for p in web.hits_for(f"walled.{DOMAIN}") if p.startswith("/p")]) < 12
    engine = make_engine(crawled["catalog_url"])
    with Session(engine) as session:
        record = session.scalars(select(UrlRecord).where(UrlRecord.url == backed_off[0]["url"])).one()
        [evidence] = session.scalars(select(Evidence).where(Evidence.record_id == record.id)).all()
    engine.dispose()
    assert evidence.reason == "auth-walled-origin"
    summary = crawled["result"].stdout
    assert "auth-walled-origin" in summary


def test_private_addresses_refused_by_default(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(sites) as web:
        result = crawl(web, catalog_url, tmp_path / "w")  # no --allow-private-addresses
        assert result.returncode == 0, result.stderr
        assert web.hits == []  # not even robots.txt: 127.0.0.1 is never connected to
    with Catalog(catalog_url, mode="read") as catalog:
        rows = list(export_rows(catalog))
    assert {tuple(r["reasons"]) for r in rows} <= {("private-address",), ("url-credentials",)}
    assert json.dumps(rows)
