"""Images crawled for real (--images): each image an item of its own, decided per purpose by
every gate, its page's noimageai and its own embedded metadata; read back from the catalog and
the WARC files."""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from warcio.archiveiterator import ArchiveIterator

from crawler.demo.server import Page, SiteServer, serve
from storage.audit.export import export_rows
from storage.catalog import Catalog

from .sites import CONTACT, crawl, run_cli

DOMAIN = "img.test"
DATA = Path(__file__).parent / "data" / "images"
OPEN = Page("User-agent: *\nAllow: /\n", content_type="text/plain")


def jpeg(data_mining: str | None = None, size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    xmp = None
    if data_mining is not None:
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
            '22-rdf-syntax-ns#"><rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">'
            f"<plus:DataMining>http://ns.useplus.org/ldf/vocab/{data_mining}</plus:DataMining>"
            "</rdf:Description></rdf:RDF></x:xmpmeta>"
        ).encode()
    Image.new("RGB", size, (90, 90, 90)).save(out, "JPEG", **({"xmp": xmp} if xmp else {}))
    return out.getvalue()


def png_bomb() -> bytes:
    """A PNG whose header declares 30000x30000 pixels (never decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) \
        + chunk(b"IEND", b"")


def page(*images: str, head: str = "") -> Page:
    tags = "".join(f'<img src="{src}">' for src in images)
    return Page(f"<!doctype html><html><head>{head}</head><body><main>{tags}</main></body></html>")


IMAGES = {
    "/img/allowed.jpg": jpeg("DMI-ALLOWED"),
    "/img/no-genai.jpg": jpeg("DMI-PROHIBITED-GENAIMLTRAINING"),
    "/img/no-ai.jpg": jpeg("DMI-PROHIBITED-AIMLTRAINING"),
    "/img/search-only.jpg": jpeg("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"),
    "/img/plain.jpg": jpeg(),
    "/img/reserved-by-page.jpg": jpeg(),
    "/img/pixel.jpg": jpeg(size=(1, 1)),
    "/img/bomb.png": png_bomb(),
    "/img/truncated.jpg": jpeg("DMI-PROHIBITED")[:200],
    "/img/cawg.jpg": (DATA / "c2pa-cawg-training-mining-notallowed.jpg").read_bytes(),
    "/img/huge.jpg": jpeg(size=(2000, 1500)) + b"\0" * 300_000,
}


def sites(port: int) -> dict[str, dict[str, Page]]:
    cdn = f"http://cdn.{DOMAIN}:{port}"
    return {
        f"www.{DOMAIN}": {
            "/robots.txt": OPEN,
            "/": Page('<a href="/stock">stock</a> <a href="/portfolio">p</a> <a href="/bad">b</a>'
                      ' <a href="/noai">n</a>'),
            "/stock": page(*(p for p in IMAGES if p != "/img/reserved-by-page.jpg"),
                           f"{cdn}/photo.jpg", f"{cdn}/closed/photo.jpg"),
            "/portfolio": page("/img/reserved-by-page.jpg",
                               head='<meta name="robots" content="noimageai">'),
            # the page's text is skipped (noai), its images are still considered
            "/noai": Page(page("/img/plain-on-noai.jpg").body, headers={"X-Robots-Tag": "noai"}),
            "/img/plain-on-noai.jpg": Page(jpeg(), content_type="image/jpeg"),
            "/bad": page("/img/lies.jpg", "/img/missing.jpg"),
            # figures whose captions license their photos (the page itself declares nothing)
            "/figures": Page(
                "<!doctype html><html><body><main>"
                '<figure><img src="/img/fig-by.jpg"><figcaption><a rel="license" '
                'href="https://creativecommons.org/licenses/by/4.0/">CC BY</a></figcaption>'
                '</figure><figure><img src="/img/fig-nc.jpg"><figcaption><a rel="license" '
                'href="https://creativecommons.org/licenses/by-nc/4.0/">CC BY-NC</a>'
                "</figcaption></figure><img src=\"/img/fig-none.jpg\"></main></body></html>"
            ),
            **{f"/img/fig-{k}.jpg": Page(jpeg(), content_type="image/jpeg")
               for k in ("by", "nc", "none")},
            "/img/lies.jpg": Page("<html>not an image</html>", content_type="image/jpeg"),
            **{path: Page(body, content_type="image/png" if path.endswith(".png") else "image/jpeg")
               for path, body in IMAGES.items()},
        },
        f"cdn.{DOMAIN}": {
            "/robots.txt": Page("User-agent: *\nDisallow: /closed/\n", content_type="text/plain"),
            "/photo.jpg": Page(jpeg(), content_type="image/jpeg"),
            "/closed/photo.jpg": Page(jpeg(), content_type="image/jpeg"),
        },
    }


G_ONLY, AI = ("train-genai",), ("train-genai", "train-ai", "ai-input")
# image path -> (purposes it is skipped for, reason)
EXPECTED: dict[str, tuple[tuple[str, ...], str]] = {
    "/img/allowed.jpg": ((), ""),
    "/img/plain.jpg": ((), ""),
    "/img/no-genai.jpg": (G_ONLY, "iptc-data-mining:DMI-PROHIBITED-GENAIMLTRAINING"),
    "/img/no-ai.jpg": (("train-genai", "train-ai"), "iptc-data-mining:DMI-PROHIBITED-AIMLTRAINING"),
    "/img/search-only.jpg": (AI, "iptc-data-mining:DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"),
    "/img/reserved-by-page.jpg": (AI, "meta-robots:noimageai"),
    "/img/plain-on-noai.jpg": (AI, "x-robots-tag:noai"),
    "/img/cawg.jpg": (("train-genai", "ai-input"), "c2pa-training-mining:"),
    "/img/pixel.jpg": (("train-genai", "train-ai", "ai-input", "search"), "image-too-small"),
    "/img/bomb.png": (("train-genai", "train-ai", "ai-input", "search"), "image-too-large"),
    "/img/huge.jpg": (("train-genai", "train-ai", "ai-input", "search"), "too-large"),
    "/img/lies.jpg": (("train-genai", "train-ai", "ai-input", "search"), "not-an-image"),
    "/img/truncated.jpg": (("train-genai", "train-ai", "ai-input", "search"), "not-an-image"),
    "/img/missing.jpg": (("train-genai", "train-ai", "ai-input", "search"), "http-error"),
    "/closed/photo.jpg": (("train-genai", "train-ai", "ai-input", "search"), "robots-disallow"),
    "/photo.jpg": ((), ""),
}
LIMITS = ("--set", "CONSENT_IMAGE_MIN_PIXELS=4", "--set", "CONSENT_IMAGE_MAX_SIZE=200000",
          "--set", "CONSENT_IMAGE_MAX_PIXELS=20000000")


@pytest.fixture(scope="module")
def web() -> Iterator[SiteServer]:
    with serve(sites) as server:
        yield server


@pytest.fixture(scope="module", params=["train-genai", "train-ai", "ai-input", "search"])
def crawled(request: pytest.FixtureRequest, web: SiteServer,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp(request.param)
    catalog_url = f"sqlite:///{root / 'c.sqlite'}"
    result = crawl([web.url(f"www.{DOMAIN}")], catalog_url=catalog_url, warc_dir=root / "w",
                   domain=DOMAIN, purpose=request.param, extra=("--images", *LIMITS))
    assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        rows = {r["url"].split(str(web.port), 1)[1]: r for r in export_rows(catalog)
                if r["kind"] == "image"}
    return {"purpose": request.param, "rows": rows, "warc": root / "w",
            "catalog_url": catalog_url}


@pytest.mark.parametrize("path", list(EXPECTED))
def test_image_decided_per_purpose(crawled: dict[str, Any], path: str) -> None:
    purposes, reason = EXPECTED[path]
    row = crawled["rows"][path]
    skipped = crawled["purpose"] in purposes
    assert row["outcome"] == ("skipped" if skipped else "collected")
    if skipped:
        assert any(r.startswith(reason) for r in row["reasons"]), row["reasons"]
        assert row["warc_file"] is None
    assert row["source_url"] is not None and row["source_url"].endswith(
        ("/stock", "/portfolio", "/noai", "/bad"))


def test_collected_images_are_in_warc(crawled: dict[str, Any], web: SiteServer) -> None:
    served = sites(web.port)
    collected = [r for r in crawled["rows"].values() if r["outcome"] == "collected"]
    assert collected
    for row in collected:
        with (crawled["warc"] / row["warc_file"]).open("rb") as stream:
            stream.seek(row["warc_offset"])
            record = next(iter(ArchiveIterator(stream)))
            body = record.content_stream().read()
        host, path = row["url"][len("http://"):].split(f":{web.port}")
        assert body == served[host][path].payload()
        assert hashlib.sha256(body).hexdigest() == row["sha256"]


@pytest.mark.parametrize("crawled", ["train-ai"], indirect=True)
def test_metadata_evidence_names_property_and_assertion(crawled: dict[str, Any]) -> None:
    result = run_cli("audit", "show", crawled["rows"]["/img/cawg.jpg"]["url"], "--catalog",
                     crawled["catalog_url"], "--json")
    assert result.returncode == 0, result.stderr
    [record] = json.loads(result.stdout)
    signals = {(e["signal"], e["effect"]) for e in record["evidence"]}
    assert ("c2pa", "deny") in signals
    assert any("cawg.ai_generative_training" in e["source"] + e["value"]
               for e in record["evidence"])
    result = run_cli("audit", "show", crawled["rows"]["/img/no-ai.jpg"]["url"], "--catalog",
                     crawled["catalog_url"], "--json")
    [record] = json.loads(result.stdout)
    assert any("plus:DataMining" in e["source"] + e["value"] for e in record["evidence"])


def test_without_images_flag_no_image_is_requested(web: SiteServer, tmp_path: Path) -> None:
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = crawl([web.url(f"www.{DOMAIN}", "/portfolio")], catalog_url=catalog_url,
                   warc_dir=tmp_path / "w", domain=DOMAIN)
    assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        assert {r["kind"] for r in export_rows(catalog)} == {"page"}


def test_check_explains_an_image(web: SiteServer) -> None:
    result = run_cli("check", web.url(f"www.{DOMAIN}", "/img/no-genai.jpg"), "--purpose", "all",
                     "--json", "--resolve", f"www.{DOMAIN}:127.0.0.1", "--allow-private-addresses",
                     "--contact", CONTACT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    allowed = {p: d["allowed"] for p, d in answer["purposes"].items()}
    assert allowed == {"train-genai": False, "train-ai": True, "ai-input": True, "search": True}
    assert answer["purposes"]["train-genai"]["reasons"] == [
        "iptc-data-mining:DMI-PROHIBITED-GENAIMLTRAINING"]


def test_page_licence_of_an_image_is_its_own(web: SiteServer, tmp_path: Path) -> None:
    # An opt-in job: the photo its figure licenses CC BY is collected as open; the CC BY-NC
    # one (a commercial job) and the one with no licence have no permission.
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    result = crawl([web.url(f"www.{DOMAIN}", "/figures")], catalog_url=catalog_url,
                   warc_dir=tmp_path / "w", domain=DOMAIN, purpose="train-ai",
                   extra=("--images", "--require-permission"))
    assert result.returncode == 0, result.stderr
    with Catalog(catalog_url, mode="read") as catalog:
        rows = {r["url"].rsplit("/", 1)[1]: r for r in export_rows(catalog)}
    assert (rows["fig-by.jpg"]["outcome"], rows["fig-by.jpg"]["license_status"],
            rows["fig-by.jpg"]["license"]) == ("collected", "open", "CC-BY-4.0")
    assert (rows["fig-nc.jpg"]["reasons"], rows["fig-nc.jpg"]["license_status"],
            rows["fig-nc.jpg"]["license"]) == (["no-permission"], "restricted", "CC-BY-NC-4.0")
    assert rows["fig-none.jpg"]["reasons"] == ["no-permission"]
    assert rows["figures"]["reasons"] == ["no-permission"]  # the page has no licence itself
