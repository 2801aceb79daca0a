"""The demo web: six named sites under ``demo.test``, each showing one behaviour of the spine.

| site | what it shows |
|---|---|
| open.demo.test | open pages, one under CC BY 4.0 (rel=license) and one without licence markup |
| partial.demo.test | robots.txt disallows /private/ for every crawler: those URLs are skipped |
| outage.demo.test | robots.txt answers 503: nothing at all is fetched from the origin |
| norobots.demo.test | robots.txt answers 404: no rules, everything may be fetched |
| agents.demo.test | a group for our own token overrides the `*` group that disallows everything |
| moved.demo.test | a redirect, a broken link and a redirect loop |
| aibots.demo.test | robots.txt groups for GPTBot (training) and PerplexityBot (AI input) |
| signals.demo.test | Content-Signal `search=yes, ai-train=no`, with `/open/` granting ai-train |
| aipref.demo.test | AIPREF Content-Usage lines (the spec's example) and a Content-Usage header |
| tdmrep.demo.test | /.well-known/tdmrep.json (the spec's example), a header and a meta override |
| noai.demo.test | X-Robots-Tag `noai`, robots meta `noai`, a tag scoped to another bot |
| aitxt.demo.test | /ai.txt disallowing /gallery/ for training |
| walls.demo.test | a login wall, a 401 area, a paywalled article, a redirect to a metadata address |
| piracy.demo.test | a site on the demo's piracy list, with subdomains; moved.demo.test redirects into it |
| blog.demo.test | a CC BY 4.0 blog (rel=license in the head, a badge in the footer), one post CC BY-SA |
| gallery.demo.test | a CC BY-NC 4.0 gallery (HTTP `Link` header); one photo in a figure is CC BY |
| reserved.demo.test | all rights reserved: its licence link names its own terms page |
| news.demo.test | RSL 1.0 via robots.txt `License:`: search free, AI uses only after paying per crawl |
| stock.demo.test | a stock-photo site: images with IPTC `plus:DataMining` values, a C2PA image with a CAWG training-mining assertion, and a page with `noimageai` |

Later gates add their sites here, so the demo keeps showing every behaviour in one run.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.resources import files

from PIL import Image

from .server import Page, Sites

DOMAIN = "demo.test"
HOSTS = (
    "open", "partial", "outage", "norobots", "agents", "moved",
    "aibots", "signals", "aipref", "tdmrep", "noai", "aitxt", "walls",
    "piracy", "dl.piracy", "mirror.cdn.piracy",
    "blog", "gallery", "reserved", "news", "stock",
)

#: The demo's operator contact, sent in its User-Agent (.test is reserved: it reaches no one).
CONTACT = f"mailto:operator@{DOMAIN}"

#: The rights holder's list the demo submits before crawling (CSV, as rights holders send).
PIRACY_LIST = """entry,kind,reason,evidence_url,added
piracy.demo.test,domain,distributes copies of the demo publisher's books,https://rights.example/cases/1,2026-11-01
"""


def host(name: str) -> str:
    return f"{name}.{DOMAIN}"


def _html(
    title: str,
    text: str,
    links: Sequence[tuple[str, str]] = (),
    head: str = "",
    *,
    body: str = "",
    headers: Mapping[str, str] | None = None,
) -> Page:
    anchors = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return Page(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>{head}"
        f"</head><body><main><h1>{title}</h1><p>{text}</p><ul>{anchors}</ul>{body}</main>"
        "</body></html>",
        headers=headers or {},
    )


def _robots(text: str) -> Page:
    return Page(text, content_type="text/plain; charset=utf-8")


def seeds(port: int) -> list[str]:
    return [f"http://{host(name)}:{port}/" for name in HOSTS]


def demo_web(port: int) -> Sites:
    def other(name: str) -> tuple[str, str]:
        return (f"http://{host(name)}:{port}/", f"{name} site")

    cc_by = '<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
    return {
        host("open"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/": _html(
                "Open site",
                "Articles anyone may use.",
                [("/articles/cc-by", "A CC BY article"), ("/articles/plain", "An article"),
                 ("/directory", "A directory of the demo web"), other("partial"), other("agents")],
            ),
            # Pages of the other sites are linked from here too, so that a site whose home page
            # is reserved (and so never fetched) still shows its other pages.
            "/directory": _html(
                "Directory",
                "Every page of the signal sites.",
                [
                    (f"http://{name}:{port}{path}", f"{name}{path}")
                    for name, pages in signal_sites().items()
                    for path in pages
                    if path not in ("/", "/robots.txt", "/ai.txt", "/.well-known/tdmrep.json")
                ],
            ),
            "/articles/cc-by": _html(
                "Field notes", "Published under CC BY 4.0.", [("/", "home")], head=cc_by
            ),
            "/articles/plain": _html("Plain article", "No licence markup here.", [("/", "home")]),
        },
        host("partial"): {
            "/robots.txt": _robots("User-agent: *\nDisallow: /private/\n"),
            "/": _html(
                "Partly closed site",
                "Some paths are closed to crawlers.",
                [("/public", "public page"), ("/private/report", "private report"),
                 ("/private/drafts", "drafts")],
            ),
            "/public": _html("Public page", "Open to crawlers.", [("/", "home")]),
            "/private/report": _html("Report", "Must never be fetched."),
            "/private/drafts": _html("Drafts", "Must never be fetched."),
        },
        host("outage"): {
            "/robots.txt": Page("Service unavailable", status=503, content_type="text/plain"),
            "/": _html("Outage site", "Never fetched: its robots.txt is unreachable.",
                       [("/page", "page")]),
            "/page": _html("Page", "Never fetched."),
        },
        host("norobots"): {
            "/robots.txt": Page("no such file", status=404, content_type="text/plain"),
            "/": _html("No robots.txt", "A 404 robots.txt means no rules.",
                       [("/page", "a page"), other("moved")]),
            "/page": _html("Page", "Collected: no rules apply."),
        },
        host("agents"): {
            "/robots.txt": _robots(
                "User-agent: *\nDisallow: /\n\nUser-agent: consentcrawl\nAllow: /\n"
                "Disallow: /drafts/\n"
            ),
            "/": _html(
                "Agent-specific rules",
                "Our own group applies, not the * group.",
                [("/essay", "an essay"), ("/drafts/next", "a draft")],
            ),
            "/essay": _html("Essay", "Allowed for consentcrawl only."),
            "/drafts/next": _html("Draft", "Disallowed for consentcrawl."),
        },
        host("moved"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/": Page(status=301, headers={"Location": "/home"}),
            "/home": _html(
                "Moved site",
                "Reached through a redirect.",
                [("/gone", "a broken link"), ("/loop/0", "a redirect loop"),
                 ("/to-piracy", "a redirect into a listed site")],
            ),
            "/to-piracy": Page(
                status=302, headers={"Location": f"http://dl.{host('piracy')}:{port}/free-books"}
            ),
            **{
                f"/loop/{i}": Page(status=302, headers={"Location": f"/loop/{i + 1}"})
                for i in range(10)
            },
        },
        **signal_sites(),
        **licence_sites(port),
        host("stock"): stock_site(),
        host("walls"): wall_site(),
        # Listed: nothing here is ever fetched, robots.txt included.
        **{
            f"{sub}{host('piracy')}": {"/": _html("Free books", "Pirated copies.")}
            for sub in ("", "dl.", "mirror.cdn.")
        },
    }


def wall_site() -> dict[str, Page]:
    """Places a crawler must not enter: each is recorded as skipped, none is stored."""
    paywalled = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle", "headline": "Premium", "isAccessibleForFree": false}</script>'
    )
    return {
        "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
        "/": _index("Walls", "/members", "/staff-area", "/premium", "/metadata", "/news"),
        "/members": Page(status=302, headers={"Location": "/login?next=/members"}),
        "/login": _html("Sign in", "A login form would be here."),
        "/staff-area": Page("Authorization required", status=401,
                            headers={"WWW-Authenticate": 'Basic realm="staff"'}),
        "/premium": _html("Premium", "Subscribers only.", head=paywalled),
        # A page that sends the crawler to a cloud metadata endpoint: never followed.
        "/metadata": Page(status=302,
                          headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/news": _html("News", "Free to read."),
    }


def _index(title: str, *paths: str) -> Page:
    return _html(title, "Pages of this site.", [(path, path) for path in paths])


def signal_sites() -> Sites:
    """One site per signal family of SIGNALS.md sections 1-6."""
    tdm_file = (
        '[{"location": "/directory-a/", "tdm-reservation": 1},'
        ' {"location": "/directory-b/html/", "tdm-reservation": 1,'
        ' "tdm-policy": "https://tdmrep.demo.test/policies/policy.json"},'
        ' {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0}]'
    )
    return {
        host("aibots"): {
            "/robots.txt": _robots(
                "User-agent: GPTBot\nDisallow: /\n\nUser-agent: PerplexityBot\nDisallow: /\n\n"
                "User-agent: *\nAllow: /\n"
            ),
            "/": _index("AI bots kept out", "/article"),
            "/article": _html("Article", "Not for GPTBot, nor for PerplexityBot."),
        },
        host("signals"): {
            "/robots.txt": _robots(
                "User-agent: *\nContent-Signal: search=yes, ai-train=no\n"
                "Content-Signal: /open/ ai-train=yes\nAllow: /\n"
            ),
            "/": _index("Content Signals", "/post", "/open/post"),
            "/post": _html("Post", "Search yes, AI training no."),
            "/open/post": _html("Open post", "AI training explicitly allowed here."),
        },
        host("aipref"): {
            "/robots.txt": _robots(
                "User-Agent: *\nAllow: /\nDisallow: /never/\nContent-Usage: train-ai=n\n"
                "Content-Usage: /ai-ok/ train-ai=y\n"
            ),
            "/": _index("AIPREF", "/test", "/never/test", "/ai-ok/test", "/headed"),
            "/test": _html("Test", "train-ai=n by robots.txt."),
            "/never/test": _html("Never", "Disallowed: never fetched."),
            "/ai-ok/test": _html("AI ok", "train-ai=y for this path."),
            "/headed": Page(
                _html("Header", "Content-Usage: search=n in the header.").body,
                headers={"Content-Usage": "search=n"},
            ),
        },
        host("tdmrep"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/.well-known/tdmrep.json": Page(tdm_file, content_type="application/json"),
            "/": _index(
                "TDMRep", "/directory-a/report", "/directory-a/released",
                "/directory-b/html/page.html", "/other", "/meta-reserved",
            ),
            "/directory-a/report": _html("Report", "Reserved by tdmrep.json."),
            "/directory-a/released": Page(
                _html("Released", "The header supersedes the file.").body,
                headers={"tdm-reservation": "0"},
            ),
            "/directory-b/html/page.html": _html("Licensed", "Reserved, with a policy to license."),
            "/other": _html("Other", "No TDMRep rule applies."),
            "/meta-reserved": _html(
                "Meta", "Reserved by the page's meta tag.",
                head='<meta name="tdm-reservation" content="1">',
            ),
        },
        host("noai"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/": _index("noai", "/header", "/meta", "/other-bot"),
            "/header": Page(
                _html("Header", "X-Robots-Tag: noai").body, headers={"X-Robots-Tag": "noai"}
            ),
            "/meta": _html("Meta", "robots meta noai", head='<meta name="robots" content="noai">'),
            "/other-bot": Page(
                _html("Other bot", "A noai for another crawler only.").body,
                headers={"X-Robots-Tag": "otherbot: noai"},
            ),
        },
        host("aitxt"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/ai.txt": _robots("User-Agent: *\nDisallow: /gallery/\n"),
            "/": _index("ai.txt", "/gallery/painting", "/essay"),
            "/gallery/painting": _html("Painting", "Not for AI training (ai.txt)."),
            "/essay": _html("Essay", "ai.txt allows it."),
        },
    }


def licence_sites(port: int) -> Sites:
    """Pages that declare their licence (SIGNALS.md section 10) and a site licensed by RSL (7)."""
    cc_by = "https://creativecommons.org/licenses/by/4.0/"
    footer = (
        f'<footer><a rel="license" href="{cc_by}"><img alt="CC BY 4.0" '
        'src="/badge.jpg"></a> Text under CC BY 4.0.</footer>'
    )
    sa_post = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"BlogPosting", "headline": "Remix", '
        '"license": "https://creativecommons.org/licenses/by-sa/4.0/"}</script>'
    )
    figure = (
        '<figure><img src="/photos/heron.jpg" alt="A heron"><figcaption>Photo: '
        '<a rel="license" href="https://creativecommons.org/licenses/by/2.0/">CC BY 2.0</a>'
        "</figcaption></figure>"
    )
    nc = {"Link": '<https://creativecommons.org/licenses/by-nc/4.0/>; rel="license"'}
    rsl = f"http://{host('news')}:{port}/license.xml"

    return {
        host("blog"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/badge.jpg": Page(_jpeg(None), content_type="image/jpeg"),
            "/": _index("Open blog", "/posts/field-notes", "/posts/remix"),
            "/posts/field-notes": _html(
                "Field notes", "A post under CC BY 4.0.",
                head=f'<link rel="license" href="{cc_by}">', body=footer,
            ),
            "/posts/remix": _html("Remix", "A post under CC BY-SA 4.0 (JSON-LD).", head=sa_post),
        },
        host("gallery"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/photos/heron.jpg": Page(_jpeg(None), content_type="image/jpeg"),
            "/": _index("Gallery", "/works/dunes", "/works/heron"),
            "/works/dunes": _html("Dunes", "Non-commercial use only.", headers=nc),
            "/works/heron": _html("Heron", "The page is CC BY-NC; the photo is CC BY.",
                                 body=figure, headers=nc),
        },
        host("reserved"): {
            "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
            "/": _index("All rights reserved", "/story"),
            "/story": _html(
                "Story", "© 2026 Demo Press. All rights reserved.",
                head='<link rel="license" href="/terms"><meta name="dc.rights" '
                'content="All rights reserved">',
            ),
            "/terms": _html("Terms", "No reuse without written permission."),
        },
        host("news"): {
            "/robots.txt": _robots(f"License: {rsl}\nUser-agent: *\nAllow: /\n"),
            "/license.xml": Page(
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                '<rsl xmlns="https://rslstandard.org/rsl">\n'
                '  <content url="/">\n'
                '    <license>\n'
                '      <permits type="usage">search</permits>\n'
                "    </license>\n"
                "    <license>\n"
                '      <permits type="usage">ai-all</permits>\n'
                '      <payment type="crawl"><amount currency="USD">0.015</amount></payment>\n'
                "    </license>\n"
                "  </content>\n"
                "</rsl>\n",
                content_type="application/rsl+xml",
            ),
            "/": _index("Demo News", "/2026/11/election", "/2026/11/weather"),
            "/2026/11/election": _html("Election", "Licensed news: AI uses pay per crawl."),
            "/2026/11/weather": _html("Weather", "Licensed news: AI uses pay per crawl."),
        },
    }


#: IPTC Photo Metadata ``plus:DataMining`` values of the stock photos (SIGNALS.md section 8).
STOCK_PHOTOS = {
    "harbour": "DMI-ALLOWED",
    "lighthouse": "DMI-PROHIBITED-GENAIMLTRAINING",  # train-ai may, train-genai may not
    "dunes": "DMI-PROHIBITED-AIMLTRAINING",
    "market": "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "street": None,  # no XMP at all
}


def stock_site() -> dict[str, Page]:
    """Images that carry their own consent, and a page that reserves its images."""
    pages: dict[str, Page] = {
        "/robots.txt": _robots("User-agent: *\nAllow: /\n"),
        "/": _index("Stock photos", *(f"/photos/{n}" for n in STOCK_PHOTOS), "/photos/signed",
                    "/portfolio"),
        "/photos/signed": _html("Signed", "A photo with a C2PA manifest.",
                                body='<img src="/img/signed.jpg" alt="signed">'),
        "/img/signed.jpg": Page(
            files(__package__).joinpath("images/cawg-training-mining.jpg").read_bytes(),
            content_type="image/jpeg",
        ),
        # The page reserves its images for AI (noimageai), not its text.
        "/portfolio": _html("Portfolio", "Images reserved by the page.",
                            head='<meta name="robots" content="noimageai">',
                            body='<img src="/img/portfolio.jpg" alt="portfolio">'),
        "/img/portfolio.jpg": Page(_jpeg(None), content_type="image/jpeg"),
    }
    for name, value in STOCK_PHOTOS.items():
        pages[f"/photos/{name}"] = _html(
            name.title(), f"plus:DataMining: {value or 'none'}",
            body=f'<picture><source srcset="/img/{name}.jpg 1x"><img src="/img/{name}.jpg" '
            f'alt="{name}"></picture>',
        )
        pages[f"/img/{name}.jpg"] = Page(_jpeg(value), content_type="image/jpeg")
    return pages


@cache
def _jpeg(data_mining: str | None) -> bytes:
    xmp = None
    if data_mining is not None:
        xmp = (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
            'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" plus:DataMining='
            f'"http://ns.useplus.org/ldf/vocab/{data_mining}"/></rdf:RDF></x:xmpmeta>'
        ).encode()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 110, 160)).save(out, "JPEG", **({"xmp": xmp} if xmp else {}))
    return out.getvalue()
