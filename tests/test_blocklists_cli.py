"""``consentcrawl blocklist …`` as rights holders and auditors use it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["blocklist", *args])
    return result.exit_code, result.output


def test_rights_holder_flow(tmp_path: Path) -> None:
    catalog = ["--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    good = tmp_path / "publisher.csv"
    good.write_text("entry,kind,reason,evidence_url,added\n"
                    "piracy.example,domain,copies,https://rights.example/1,2026-11-01\n"
                    "https://cdn.example/stolen/,url-prefix,,,\n")
    code, output = invoke("validate", str(good))
    assert code == 0 and "2 valid entries" in output
    code, output = invoke("add", str(good), "--submitter", "Publisher Association", *catalog)
    assert code == 0 and "publisher: version 1 stored, 2 entries" in output
    code, output = invoke("add", str(good), "--submitter", "Publisher Association", *catalog)
    assert code == 0 and "unchanged" in output
    code, output = invoke("list", *catalog, "--json")
    [listed] = json.loads(output)
    assert (listed["source"], listed["version"], listed["submitter"]) == (
        "publisher", 1, "Publisher Association")
    code, output = invoke("check", "https://a.b.piracy.example/book", *catalog, "--json")
    assert json.loads(output)["match"]["entry"] == "piracy.example"
    code, output = invoke("check", "https://cdn.example/stolen/x.epub", *catalog)
    assert "blocked by publisher v1: url-prefix https://cdn.example/stolen/" in output
    code, output = invoke("withdraw", "publisher", "piracy.example", "--reason", "appeal granted",
                          "--by", "legal", *catalog)
    assert code == 0
    code, output = invoke("check", "https://piracy.example/", *catalog)
    assert "not listed" in output
    code, output = invoke("show", "publisher", *catalog, "--json")
    shown = json.loads(output)
    assert shown["withdrawals"][0]["reason"] == "appeal granted"
    assert [e["withdrawn"] is not None for e in shown["entries"]] == [True, False]
    code, output = invoke("apply", *catalog, "--json")
    assert code == 0 and json.loads(output) == []


def test_invalid_lists_name_every_problem_and_store_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("piracy.example\ncom\n*.wild.example\npiracy.example\n")
    code, output = invoke("validate", str(bad))
    assert code == 2
    for line in (2, 3, 4):
        assert f"bad.txt:{line}:" in output
    catalog = tmp_path / "c.sqlite"
    code, output = invoke("add", str(bad), "--submitter", "x", "--catalog", f"sqlite:///{catalog}")
    assert code == 2 and "nothing stored" in output
    code, output = invoke("list", "--catalog", f"sqlite:///{catalog}", "--json")
    assert json.loads(output) == []
    code, output = invoke("validate", str(tmp_path / "missing.txt"))
    assert code == 2 and "missing.txt" in output


def test_runtime_errors_exit_1(tmp_path: Path) -> None:
    catalog = ["--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    code, output = invoke("show", "nope", *catalog)
    assert code == 1 and "nope" in output
    code, output = invoke("withdraw", "nope", "x.example", "--reason", "r", *catalog)
    assert code == 1
    code, output = invoke("list", "--catalog", "postgresql://x@127.0.0.1:1/none")
    assert code == 1 and "consentcrawl: error:" in output


def test_a_file_from_another_submitter_is_not_a_version_of_someone_elses_list(
    tmp_path: Path,
) -> None:
    catalog = ["--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    (tmp_path / "other").mkdir()
    acme = tmp_path / "acme.txt"
    acme.write_text("piracy.example\n")
    other = tmp_path / "other" / "acme.txt"
    other.write_text("innocent.example\n")
    assert invoke("add", str(acme), "--submitter", "Acme", *catalog)[0] == 0
    code, output = invoke("add", str(other), "--submitter", "Someone Else", *catalog)
    assert code == 1
    [message] = [line for line in output.splitlines() if line]
    assert "'acme'" in message and "'Acme'" in message and "'Someone Else'" in message
    assert "--source" in message
    code, output = invoke("check", "https://piracy.example/", *catalog)
    assert "blocked by acme v1" in output  # Acme's entries still in force
    code, output = invoke("add", str(other), "--submitter", "Someone Else", "--source",
                          "else-acme", *catalog)
    assert code == 0 and "else-acme: version 1 stored, 1 entries" in output
    code, output = invoke("list", *catalog, "--json")
    assert [(v["source"], v["version"], v["submitter"]) for v in json.loads(output)] == [
        ("acme", 1, "Acme"), ("else-acme", 1, "Someone Else")]
