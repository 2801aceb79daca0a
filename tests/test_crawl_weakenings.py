"""The record does not lie: a crawl whose settings narrowed a gate says so wherever an auditor
reads about it, and the settings that would silently switch a protocol off are refused."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.demo.server import Page, serve

from .sites import crawl, run_cli

ROBOTS = "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
WEB = {"www.ai.test": {"/robots.txt": Page(ROBOTS), "/": Page("<p>reserved for GPTBot</p>")}}


def test_a_dropped_agent_is_recorded_and_named_by_every_report(tmp_path: Path) -> None:
    catalog = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(WEB) as server:
        done = crawl([server.url("www.ai.test")], catalog_url=catalog, warc_dir=tmp_path / "w",
                     domain="ai.test", extra=("--set", "CONSENT_AI_AGENTS_DROP=GPTBot",
                                              "--depth", "0", "--json"))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["collected"] == 1  # what the operator asked for: GPTBot's group ignored
    [job] = json.loads(run_cli("audit", "jobs", "--catalog", catalog, "--json").stdout)
    assert "CONSENT_AI_AGENTS_DROP" in json.dumps(job["weakenings"])
    detail = run_cli("audit", "job", job["id"], "--catalog", catalog, "--csv").stdout
    assert "weakening,CONSENT_AI_AGENTS_DROP" in detail
    settings = json.loads(run_cli("audit", "job", job["id"], "--catalog", catalog,
                                  "--json").stdout)["settings"]
    assert settings["CONSENT_AI_AGENTS_DROP"] == ["GPTBot"]  # the whole configuration is kept
    eu = json.loads(run_cli("audit", "summary", "--eu", "--catalog", catalog,
                            "--format", "json").stdout)
    robots = [row for row in eu["protocols"] if row["id"] == "robots"]
    assert robots and robots[0]["status"] == "narrowed", eu["protocols"]
    report = tmp_path / "r.html"
    assert run_cli("audit", "report", "--out", str(report), "--catalog", catalog).returncode == 0
    assert "CONSENT_AI_AGENTS_DROP" in report.read_text(encoding="utf-8")
    assert run_cli("audit", "verify", "--catalog", catalog).returncode == 0


def test_ignoring_every_ai_agent_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    done = crawl(["http://www.ai.test/"], catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                 warc_dir=tmp_path / "w", domain="ai.test",
                 extra=("--set", "CONSENT_AI_AGENTS_OWN_ONLY=true"))
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "CONSENT_AI_AGENTS_OWN_ONLY" in line and "refused" in line
    assert list(tmp_path.iterdir()) == []
