"""``consentcrawl agents`` and ``consentcrawl agents import`` as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler.cli import app
from crawler.consent.agents import AgentTable
from crawler.consent.model import Purpose

from .sites import CONTACT

ROBOTS_JSON = Path(__file__).parent / "data" / "realweb" / "agents" / "robots.json"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["agents", *args])
    return result.exit_code, result.output


def test_show_as_json() -> None:
    code, output = invoke("--json")
    assert code == 0
    shown = json.loads(output)
    table = AgentTable.default()
    assert len(shown["tokens"]) == len(table.tokens)
    assert shown["table"] == table.identity()
    assert shown["source"]["commit"] == "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"
    assert len(shown["excluded"]) == len(table.excluded)
    kangaroo = next(t for t in shown["tokens"] if t["token"] == "Kangaroo")
    assert kangaroo["purposes"] == ["train-genai", "train-ai"]
    assert [n["name"] for n in kangaroo["names"]] == ["Kangaroo Bot"]


@pytest.mark.parametrize("purpose", ["train-genai", "ai-input", "search"])
def test_purpose_filter(purpose: str) -> None:
    code, output = invoke("--purpose", purpose, "--json")
    assert code == 0
    tokens = [t["token"].lower() for t in json.loads(output)["tokens"]]
    assert tokens == list(AgentTable.default().for_purpose(Purpose(purpose)))


def test_show_as_table() -> None:
    code, output = invoke("--purpose", "ai-input")
    assert code == 0
    assert "111 of 147 tokens" in output
    assert "YandexAdditional" in output and "GPTBot" not in output.split("\n", 1)[1]
    code, output = invoke()
    assert "excluded" in output and "facebookexternalhit" in output


def test_bad_purpose_is_a_usage_error() -> None:
    code, output = invoke("--purpose", "training")
    assert code == 2
    assert output.strip().count("\n") == 0 and "--purpose" in output


def test_import_without_out_writes_nothing(tmp_path: Path) -> None:
    code, output = invoke("import", str(ROBOTS_JSON), "--json")
    assert code == 0
    report = json.loads(output)
    assert report["written"] is None
    assert (report["names"], report["tokens"], report["excluded"]) == (166, 147, 11)
    assert (report["added"], report["removed"], report["changed"]) == ([], [], [])
    assert report["commit"] is None  # not told
    code, output = invoke("import", str(ROBOTS_JSON))
    assert "0 added, 0 removed, 0 changed" in output and "not written (no --out)" in output


def test_import_writes_a_table_a_job_can_use(tmp_path: Path) -> None:
    data = json.loads(ROBOTS_JSON.read_bytes())
    del data["GPTBot"]
    data["NewAssistBot"] = {**data["Claude-User"]}
    data["NewTextBot"] = {**data["Claude-User"], "function": "Does things with text."}
    source = tmp_path / "robots.json"
    source.write_text(json.dumps(data))
    out = tmp_path / "agents.json"
    code, output = invoke(
        "import", str(source), "--out", str(out), "--commit", "ABCDEF1", "--date", "2026-12-01"
    )
    assert code == 0, output
    assert "2 added, 1 removed, 0 changed" in output
    assert "added: NewAssistBot" in output and "removed: GPTBot" in output
    assert "unclassified, given every AI purpose: NewTextBot" in output
    table = AgentTable.from_file(out)
    assert table.source is not None
    assert (table.source.commit, table.source.date) == ("abcdef1", "2026-12-01")
    assert "gptbot" not in table.tokens and "newassistbot" in table.tokens
    code, output = invoke("--file", str(out), "--json")
    assert code == 0 and json.loads(output)["table"]["file"] == str(out)


def _robots_json(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "robots.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (
            '{"A": {"operator": "x", "description": "y"}}',
            (),
            "robots.json: name 'A': field 'function' must be a non-empty text",
        ),
        ("{", (), "robots.json: line 1 column 2"),
        (None, (), "robots.json: cannot read"),
        ("{}", ("--commit", "main"), "--commit 'main'"),
        ("{}", ("--date", "22.08.2026"), "--date '22.08.2026'"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path: Path, text: str | None, args: tuple[str, ...], message: str
) -> None:
    path = tmp_path / "robots.json"
    if text is not None:
        path.write_text(text)
    out = tmp_path / "agents.json"
    code, output = invoke("import", str(path), "--out", str(out), *args)
    assert code == 2
    assert output.count("\n") == 1 and message in output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == ([path] if text is not None else [])


def test_unwritable_out_is_exit_1(tmp_path: Path) -> None:
    code, output = invoke("import", str(ROBOTS_JSON), "--out", str(tmp_path / "no" / "t.json"))
    assert code == 1 and "cannot write" in output


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{}", "'format' is None")],
)
def test_bad_table_file_is_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "t.json"
    if content is not None:
        path.write_text(content)
    code, output = invoke("--file", str(path))
    assert code == 2 and message in output and str(path) in output


def test_a_crawl_with_a_bad_table_file_stops_before_anything(tmp_path: Path) -> None:
    catalog, warc = tmp_path / "c.sqlite", tmp_path / "warc"
    result = runner.invoke(
        app,
        [
            "crawl",
            "http://a.example/",
            "--purpose",
            "train-genai",
            "--contact",
            CONTACT,
            "--catalog",
            f"sqlite:///{catalog}",
            "--warc-dir",
            str(warc),
            "--set",
            f"CONSENT_AI_AGENTS_FILE={tmp_path / 'missing.json'}",
        ],
    )
    assert result.exit_code == 2
    assert "setting CONSENT_AI_AGENTS_FILE=" in result.output and "missing.json" in result.output
    assert not catalog.exists() and not warc.exists()


def test_commands_are_documented() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    assert "| `agents [--purpose P] [--file FILE] [--json]` |" in readme
    assert "| `agents import ROBOTS_JSON [--out FILE] [--commit SHA] [--date YYYY-MM-DD]" in readme
