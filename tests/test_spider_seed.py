"""SeedSpider: depth and page budget, staying on the seeds' sites (registrable domain)."""

from __future__ import annotations

from pathlib import Path

from crawler.demo.server import Page, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog

from .sites import crawl


def html(*links: str) -> Page:
    return Page("<!doctype html><body>" + "".join(f'<a href="{h}">x</a>' for h in links))


ROBOTS = Page("User-agent: *\nAllow: /\n", content_type="text/plain")


def web(port: int) -> dict[str, dict[str, Page]]:
    return {
        "www.example.com": {
            "/robots.txt": ROBOTS,
            "/": html("/d1", f"http://blog.example.com:{port}/", f"http://other.org:{port}/",
                      "mailto:someone@example.com"),
            "/d1": html("/d2"),
            "/d2": html("/d3"),
            "/d3": html(),
        },
        "blog.example.com": {"/robots.txt": ROBOTS, "/": html("/post"), "/post": html()},
        "other.org": {"/robots.txt": ROBOTS, "/": html()},
    }


# Every host is mapped to 127.0.0.1, so no real DNS is ever asked.
HOSTS = ["--resolve", "*.example.com:127.0.0.1", "--resolve", "other.org:127.0.0.1"]


def records(catalog_url: str) -> list[str]:
    with Catalog(catalog_url, mode="read") as catalog:
        return sorted(row["url"] for row in export_rows(catalog))


def test_depth_and_site_scope(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        seed = server.url("www.example.com")
        result = crawl([seed], catalog_url=catalog_url, warc_dir=tmp_path / "w",
                       domain="example.com", extra=[*HOSTS, "--depth", "2"])
        assert result.returncode == 0, result.stderr
        assert server.hits_for("other.org") == []
    assert records(catalog_url) == sorted(
        [
            server.url("www.example.com", "/"),
            server.url("www.example.com", "/d1"),
            server.url("www.example.com", "/d2"),  # depth 2; /d3 is depth 3
            server.url("blog.example.com", "/"),  # a subdomain of the seed's site
            server.url("blog.example.com", "/post"),
        ]
    )


def test_depth_zero_means_the_seeds_only(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        seed = server.url("www.example.com")
        result = crawl([seed], catalog_url=catalog_url, warc_dir=tmp_path / "w",
                       domain="example.com", extra=[*HOSTS, "--depth", "0"])
        assert result.returncode == 0, result.stderr
    assert records(catalog_url) == [seed]


def test_page_budget(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        result = crawl([server.url("www.example.com")], catalog_url=catalog_url,
                       warc_dir=tmp_path / "w", domain="example.com",
                       extra=[*HOSTS, "--max-pages", "2"])
        assert result.returncode == 0, result.stderr
    assert len(records(catalog_url)) == 2


def test_allow_offsite(tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        result = crawl([server.url("www.example.com")], catalog_url=catalog_url,
                       warc_dir=tmp_path / "w", domain="example.com",
                       extra=[*HOSTS, "--depth", "1", "--allow-offsite"])
        assert result.returncode == 0, result.stderr
        assert sorted(server.hits_for("other.org")) == [
            "/", "/.well-known/tdmrep.json", "/ai.txt", "/robots.txt"
        ]


def test_a_link_seen_too_deep_is_still_taken_from_a_shorter_path(tmp_path: Path) -> None:
    """/b answers slowly, so /target is first found at depth 3 (through /long2, past the limit)
    and only then at depth 2 (through /b): it must still be crawled."""

    def chain(port: int) -> dict[str, dict[str, Page]]:
        return {
            "www.example.com": {
                "/robots.txt": ROBOTS,
                "/": html("/b", "/long1"),
                "/long1": html("/long2"),
                "/long2": html("/target"),
                "/b": Page(html("/target").body, delay=1.0),
                "/target": html(),
            }
        }

    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(chain) as server:
        result = crawl([server.url("www.example.com")], catalog_url=catalog_url,
                       warc_dir=tmp_path / "w", domain="example.com",
                       extra=[*HOSTS, "--depth", "2", "--concurrency", "2"])
        assert result.returncode == 0, result.stderr
    assert server.url("www.example.com", "/target") in records(catalog_url)
