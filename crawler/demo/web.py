"""The demo web: six named sites under ``demo.test``, each showing one behaviour of the spine.

| site | what it shows |
|---|---|
| open.demo.test | open pages, one under CC BY 4.0 (rel=license) and one without licence markup |
| partial.demo.test | robots.txt disallows /private/ for every crawler: those URLs are skipped |
| outage.demo.test | robots.txt answers 503: nothing at all is fetched from the origin |
| norobots.demo.test | robots.txt answers 404: no rules, everything may be fetched |
| agents.demo.test | a group for our own token overrides the `*` group that disallows everything |
| moved.demo.test | a redirect, a broken link and a redirect loop |

Later gates add their sites here, so the demo keeps showing every behaviour in one run.
"""

from __future__ import annotations

from .server import Page, Sites

DOMAIN = "demo.test"
HOSTS = ("open", "partial", "outage", "norobots", "agents", "moved")


def host(name: str) -> str:
    return f"{name}.{DOMAIN}"


def _html(title: str, text: str, links: list[tuple[str, str]] = (), head: str = "") -> Page:  # type: ignore[assignment]
    anchors = "".join(f'<li><a href="{href}">{label}</a></li>' for href, label in links)
    return Page(
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title>{head}"
        f"</head><body><main><h1>{title}</h1><p>{text}</p><ul>{anchors}</ul></main></body></html>"
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
                 other("partial"), other("agents")],
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
                [("/gone", "a broken link"), ("/loop/0", "a redirect loop")],
            ),
            **{
                f"/loop/{i}": Page(status=302, headers={"Location": f"/loop/{i + 1}"})
                for i in range(10)
            },
        },
    }
