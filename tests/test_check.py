"""``consentcrawl check``: the real CLI, in a subprocess, against local named sites.

Each check is one crawl of one URL (a reactor per process), so each runs as
``python -m crawler check …`` with TMPDIR pointed at a test folder that must be empty afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.consent.model import LicenseStatus, Purpose
from crawler.demo.server import Page, SiteServer, serve

from .sites import CONTACT, ROOT, run_cli

DOMAIN = "check.test"
RESOLVE = f"*.{DOMAIN}:127.0.0.1"
POLICY = "https://rights.example/tdm-policy.json"

TOP_KEYS = {
    "url", "final_url", "redirects", "http_status", "agent", "purposes", "evidence", "documents"
}
PURPOSE_KEYS = {"allowed", "reasons", "license_status", "license"}
EVIDENCE_KEYS = {
    "signal", "source", "value", "effect", "reason", "line", "document_sha256", "purposes",
    "license", "strength",
}
DOCUMENT_KEYS = {"kind", "url", "status", "error", "sha256"}
PURPOSES = [p.value for p in Purpose]


def html(body: str = "<p>text</p>", **headers: str) -> Page:
    return Page(f"<!doctype html><title>t</title><body>{body}</body>", headers=headers)


def text(body: str) -> Page:
    return Page(body, content_type="text/plain")


SITES: dict[str, dict[str, Page]] = {
    f"ai.{DOMAIN}": {  # an AI agent's group and a Content-Signal under *
        "/robots.txt": text(
            "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nContent-Signal: ai-train=no\n"
            "Allow: /\n"
        ),
        "/": html('<a href="/other">other</a>'),
        "/other": html(),
    },
    f"noai.{DOMAIN}": {  # the page itself says noai
        "/robots.txt": text("User-agent: *\nAllow: /\n"),
        "/page": html(**{"X-Robots-Tag": "noai"}),
    },
    f"tdm.{DOMAIN}": {  # TDMRep reservation with a policy: licensable
        "/.well-known/tdmrep.json": Page(
            json.dumps([{"location": "/*", "tdm-reservation": 1, "tdm-policy": POLICY}]),
            content_type="application/json",
        ),
        "/doc": html(),
    },
    f"closed.{DOMAIN}": {  # robots.txt disallows our token: nothing else is fetched
        "/robots.txt": text("User-agent: consentcrawl\nDisallow: /\n"),
        "/secret": html(),
    },
    f"ours.{DOMAIN}": {  # a group for our token only
        "/robots.txt": text("User-agent: consentcrawl\nDisallow: /\n"),
        "/page": html(),
    },
    f"moved.{DOMAIN}": {  # a redirect chain of two hops
        "/start": Page(status=301, headers={"Location": "/middle"}),
        "/middle": Page(status=302, headers={"Location": "/end"}),
        "/end": html(),
    },
    f"grant.{DOMAIN}": {  # an explicit grant for search only
        "/robots.txt": text("User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n"),
        "/": html(),
    },
}


@pytest.fixture(scope="module")
def web() -> Iterator[SiteServer]:
    with serve(SITES) as server:
        yield server


def run_check(
    tmp: Path, *args: str, env: dict[str, str] | None = None, contact: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``consentcrawl check`` with TMPDIR in ``tmp`` and check nothing is left there."""
    tmpdir = tmp / "tmpdir"
    tmpdir.mkdir(parents=True)
    own = ["--contact", CONTACT] if contact else []
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "check", *args, "--allow-private-addresses", *own],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if k != "CONSENT_CONTACT_URL"},
            "TMPDIR": str(tmpdir), "COLUMNS": "200", **(env or {}),
        },
    )
    assert list(tmpdir.iterdir()) == [], "check left files in TMPDIR"
    return result


def check_json(tmp: Path, url: str, *args: str, purpose: str = "all") -> dict[str, Any]:
    result = run_check(tmp, url, "--purpose", purpose, "--resolve", RESOLVE, "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    validate(data)
    return data


def validate(data: dict[str, Any]) -> None:
    """The documented schema (README "Checking one URL"), key for key and type for type."""
    assert set(data) == TOP_KEYS
    assert isinstance(data["url"], str) and isinstance(data["final_url"], str)
    assert isinstance(data["agent"], str)
    assert data["http_status"] is None or isinstance(data["http_status"], int)
    for hop in data["redirects"]:
        assert set(hop) == {"url", "status"}
        assert isinstance(hop["url"], str) and isinstance(hop["status"], int)
    assert data["purposes"] and set(data["purposes"]) <= set(PURPOSES)
    for verdict in data["purposes"].values():
        assert set(verdict) == PURPOSE_KEYS
        assert isinstance(verdict["allowed"], bool)
        assert all(isinstance(code, str) for code in verdict["reasons"])
        assert verdict["allowed"] == (not verdict["reasons"])
        assert verdict["license_status"] in {s.value for s in LicenseStatus}
    for item in data["evidence"]:
        assert set(item) == EVIDENCE_KEYS
        assert item["effect"] in {"deny", "allow", "info"}
        assert item["line"] is None or isinstance(item["line"], int)
        assert set(item["purposes"]) <= set(PURPOSES)
    for document in data["documents"]:
        assert set(document) == DOCUMENT_KEYS
        assert document["kind"] in {"robots.txt", "tdmrep.json", "ai.txt"}


def reasons(data: dict[str, Any], purpose: str) -> list[str]:
    return list(data["purposes"][purpose]["reasons"])


def allowed(data: dict[str, Any], purpose: str) -> bool:
    return bool(data["purposes"][purpose]["allowed"])


def test_ai_agent_group_and_content_signal(web: SiteServer, tmp_path: Path) -> None:
    url = web.url(f"ai.{DOMAIN}")
    data = check_json(tmp_path, url)
    assert list(data["purposes"]) == PURPOSES
    assert data["url"] == data["final_url"] == url
    assert data["http_status"] == 200 and data["redirects"] == []
    assert data["agent"] == "consentcrawl"
    for purpose in ("train-genai", "train-ai"):
        assert not allowed(data, purpose)
        assert reasons(data, purpose) == ["robots-ai-optout:GPTBot", "content-signal:ai-train=no"]
        assert data["purposes"][purpose]["license_status"] == "reserved"
    assert allowed(data, "search") and allowed(data, "ai-input")
    optout = next(e for e in data["evidence"] if e["reason"] == "robots-ai-optout:GPTBot")
    assert optout["line"] == 2 and optout["effect"] == "deny"
    assert optout["source"] == web.url(f"ai.{DOMAIN}", "/robots.txt")
    assert optout["purposes"] == ["train-genai", "train-ai"]
    assert optout["document_sha256"]
    assert {d["kind"]: d["status"] for d in data["documents"]} == {
        "robots.txt": 200, "tdmrep.json": 404, "ai.txt": 404
    }
    # Exactly what the crawler fetches: the policy documents and the page, no link followed.
    assert "/other" not in web.hits_for(f"ai.{DOMAIN}")


def test_human_output_names_reasons(web: SiteServer, tmp_path: Path) -> None:
    result = run_check(
        tmp_path, web.url(f"ai.{DOMAIN}"), "--purpose", "all", "--resolve", RESOLVE
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    for needle in (
        "Decision per purpose",
        "robots-ai-optout:GPTBot",
        "content-signal:ai-train=no",
        "Disallow: / (group GPTBot)",
        "Policy documents fetched",
        "tdmrep.json",
        "HTTP 200",
    ):
        assert needle in out, needle
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert "denied" in rows["train-genai"] and "allowed" in rows["search"]


def test_x_robots_tag_noai(web: SiteServer, tmp_path: Path) -> None:
    data = check_json(tmp_path, web.url(f"noai.{DOMAIN}", "/page"))
    assert not allowed(data, "ai-input")
    assert reasons(data, "ai-input") == ["x-robots-tag:noai"]
    assert allowed(data, "search")
    assert not allowed(data, "train-genai") and not allowed(data, "train-ai")
    tag = next(e for e in data["evidence"] if e["reason"] == "x-robots-tag:noai")
    assert tag["source"] == "header:X-Robots-Tag"


def test_tdmrep_reservation_with_policy_is_licensable(web: SiteServer, tmp_path: Path) -> None:
    data = check_json(tmp_path, web.url(f"tdm.{DOMAIN}", "/doc"))
    for purpose in ("train-genai", "train-ai", "ai-input"):
        assert reasons(data, purpose) == ["tdmrep-reserved"]
        assert data["purposes"][purpose]["license_status"] == "licensable"
    assert allowed(data, "search")
    assert data["purposes"]["search"]["license_status"] == "unknown"
    reserved = next(e for e in data["evidence"] if e["reason"] == "tdmrep-reserved")
    assert POLICY in reserved["value"]


def test_robots_disallow_never_fetches_the_page(web: SiteServer, tmp_path: Path) -> None:
    data = check_json(tmp_path, web.url(f"closed.{DOMAIN}", "/secret"))
    for purpose in PURPOSES:
        assert reasons(data, purpose) == ["robots-disallow"]
        assert data["purposes"][purpose]["license_status"] == "reserved"
    assert data["http_status"] is None
    rule = data["evidence"][0]
    assert rule["reason"] == "robots-disallow" and rule["line"] == 2
    # robots.txt disallows tdmrep.json and ai.txt too: only robots.txt was asked for.
    assert web.hits_for(f"closed.{DOMAIN}") == ["/robots.txt"]
    assert [d["kind"] for d in data["documents"]] == ["robots.txt"]

    human = run_check(
        tmp_path / "again", web.url(f"closed.{DOMAIN}", "/secret"),
        "--purpose", "search", "--resolve", RESOLVE,
    )
    assert human.returncode == 0, human.stderr
    assert "refused before download" in human.stdout and "robots-disallow" in human.stdout
    assert "/secret" not in web.hits_for(f"closed.{DOMAIN}")


def test_redirect_chain(web: SiteServer, tmp_path: Path) -> None:
    data = check_json(tmp_path, web.url(f"moved.{DOMAIN}", "/start"), purpose="search")
    assert data["redirects"] == [
        {"url": web.url(f"moved.{DOMAIN}", "/start"), "status": 301},
        {"url": web.url(f"moved.{DOMAIN}", "/middle"), "status": 302},
    ]
    assert data["final_url"] == web.url(f"moved.{DOMAIN}", "/end")
    assert data["http_status"] == 200
    assert data["purposes"] == {
        "search": {"allowed": True, "reasons": [], "license_status": "unknown", "license": None}
    }


def test_require_permission(web: SiteServer, tmp_path: Path) -> None:
    data = check_json(tmp_path, web.url(f"grant.{DOMAIN}"), "--require-permission")
    assert allowed(data, "search")  # Content-Signal search=yes is an explicit grant
    assert reasons(data, "ai-input") == ["no-permission"]
    assert reasons(data, "train-genai") == ["content-signal:ai-train=no"]


def test_agent_option(web: SiteServer, tmp_path: Path) -> None:
    # Under another token the consentcrawl group does not apply: the page is fetched.
    data = check_json(tmp_path, web.url(f"ours.{DOMAIN}", "/page"), "--agent", "otherbot")
    assert data["agent"] == "otherbot"
    assert data["http_status"] == 200
    assert all(allowed(data, p) for p in PURPOSES)


def run_tracked(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run ``check`` recording the temporary folders it creates (and the exit code)."""
    script = (
        "import sys, tempfile\n"
        "made = []\n"
        "class Tracked(tempfile.TemporaryDirectory):\n"
        "    def __init__(self, *a, **k):\n"
        "        super().__init__(*a, **k)\n"
        "        made.append(self.name)\n"
        "tempfile.TemporaryDirectory = Tracked\n"
        "from crawler.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    print('EXIT', exc.code, file=sys.stderr)\n"
        "print('MADE', *made, file=sys.stderr)\n"
    )
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", script, "check", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
        env={
            **{k: v for k, v in os.environ.items() if k != "CONSENT_CONTACT_URL"},
            "TMPDIR": str(tmpdir),
        },
    )
    return result, result.stderr.split("MADE", 1)[1].split()


def test_temporary_folder_is_used_and_removed(web: SiteServer, tmp_path: Path) -> None:
    # Record the folders the check creates, to show they were under TMPDIR and are gone.
    tmpdir = tmp_path / "tmpdir"
    result, made = run_tracked(tmp_path, web.url(f"ai.{DOMAIN}"), "--purpose", "search",
                               "--resolve", RESOLVE, "--json", "--allow-private-addresses",
                               "--contact", CONTACT)
    assert "EXIT 0" in result.stderr, result.stderr
    assert len(made) == 1 and Path(made[0]).parent == tmpdir
    assert not Path(made[0]).exists()
    assert list(tmpdir.iterdir()) == []
    assert json.loads(result.stdout)["purposes"]["search"]["allowed"] is True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://x.test/", "--purpose", "all"], "is not an http(s) URL"),
        (["not a url", "--purpose", "search"], "is not an http(s) URL"),
        (["http://x.test/", "--purpose", "everything"], "unknown purpose 'everything'"),
        (["http://x.test/"], "--purpose is required"),
        (["http://x.test/", "--purpose", "all", "--agent", "bad token"], "product token"),
        (["http://x.test/", "--purpose", "all", "--resolve", "nocolon"], "expected HOST:ADDRESS"),
        (["http://x.test/", "--purpose", "all", "--set", "CONSENT_CATALOG_URL=sqlite://"],
         "check sets it itself"),
        (["http://x.test/", "--purpose", "all", "--set", "novalue"], "expected NAME=VALUE"),
    ],
)
def test_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_check(tmp_path, *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("consentcrawl: error: ")
    assert message in lines[0]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "--contact is required"),
        (["--contact", "ftp://ops.example/"], {}, "--contact 'ftp://ops.example/' is not an http(s)"),
        ([], {"CONSENT_CONTACT_URL": "ops.example"}, "--contact 'ops.example' is not an http(s)"),
        (["--set", "CONSENT_CONTACT_URL=x"], {}, "CONSENT_CONTACT_URL 'x' is not an http(s)"),
    ],
    ids=["missing", "ftp", "envvar", "set"],
)
def test_a_check_without_a_usable_contact_is_a_usage_error(
    tmp_path: Path, web: SiteServer, args: list[str], env: dict[str, str], message: str
) -> None:
    result = run_check(tmp_path, web.url(f"grant.{DOMAIN}"), "--purpose", "all", "--resolve",
                       RESOLVE, *args, env=env, contact=False)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"consentcrawl: error: {message}")


def test_the_contact_is_checked_before_anything_is_made_or_fetched(
    web: SiteServer, tmp_path: Path
) -> None:
    host = f"noai.{DOMAIN}"
    before = len(web.hits_for(host))
    result, made = run_tracked(tmp_path, web.url(host, "/page"), "--purpose", "search",
                               "--resolve", RESOLVE, "--allow-private-addresses")
    assert "EXIT 2" in result.stderr and "--contact is required" in result.stderr
    assert made == [] and len(web.hits_for(host)) == before


def test_all_is_only_for_check() -> None:
    result = run_cli("crawl", "http://x.test/", "--purpose", "all")
    assert result.returncode == 2
    assert "unknown purpose 'all'" in result.stderr
