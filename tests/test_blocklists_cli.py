"""``consentcrawl blocklist …`` as rights holders and auditors use it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from crawler.cli import app
from crawler.demo.server import Page, serve

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
    # JSON times in the one UTC form of every command (storage.times)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", listed["submitted_at"])
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
    assert shown["withdrawals"][0]["withdrawn_at"].endswith("Z")
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
    code, output = invoke("withdraw", "nope", "x.example", "--reason", "r", *catalog)
    assert code == 1  # after creating the catalog: withdrawing writes
    code, output = invoke("show", "nope", *catalog)
    assert code == 1 and "nope" in output
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


def test_subscribe_refuses_loopback_unless_allowed_and_connects_to_the_checked_address(
    tmp_path: Path,
) -> None:
    catalog = ["--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    sites = {"127.0.0.1": {"/list.txt": Page("piracy.example\n", content_type="text/plain")},
             "lists.test": {"/list.txt": Page("other.example\n", content_type="text/plain")}}
    with serve(sites) as web:
        url = web.url("127.0.0.1", "/list.txt")
        code, output = invoke("subscribe", url, "--submitter", "Rights Org", *catalog)
        assert code == 1 and "127.0.0.1 is not a public address" in output
        assert "--allow-private-addresses" in output
        assert web.hits == []  # refused before any connection
        code, output = invoke("subscribe", url, "--submitter", "Rights Org",
                              "--allow-private-addresses", *catalog)
        assert code == 0 and "list: version 1 stored, 1 entries" in output
        # lists.test exists in no DNS: only the --resolve address, checked, is connected to,
        # with the URL's host name in the Host header.
        named = web.url("lists.test", "/list.txt")
        resolve = ["--resolve", "lists.test:127.0.0.1"]
        code, output = invoke("subscribe", named, "--submitter", "Rights Org", "--source", "named",
                              *resolve, *catalog)
        assert code == 1 and "lists.test resolves to 127.0.0.1 is not a public address" in output
        code, output = invoke("subscribe", named, "--submitter", "Rights Org", "--source", "named",
                              *resolve, "--allow-private-addresses", *catalog)
        assert code == 0 and "named: version 1 stored, 1 entries" in output
    assert [host for host, _ in web.hits] == ["127.0.0.1", "lists.test"]
    code, output = invoke("subscribe", named, "--submitter", "R", "--resolve", "lists.test", *catalog)
    assert code == 2 and "--resolve 'lists.test': expected HOST:ADDRESS" in output


def test_refresh_goes_on_after_a_failure_and_stores_only_changes(tmp_path: Path) -> None:
    catalog = ["--catalog", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    local = ["--allow-private-addresses", *catalog]
    pages = {"/a.txt": Page("a.example\n", headers={"ETag": '"a1"'}, content_type="text/plain"),
             "/b.txt": Page("b.example\n", content_type="text/plain"),
             "/c.txt": Page("c.example\n", content_type="text/plain")}
    with serve({"127.0.0.1": pages}) as web:
        for name in ("a", "b", "c"):
            code, _ = invoke("subscribe", web.url("127.0.0.1", f"/{name}.txt"), "--submitter", "Org",
                             *local)
            assert code == 0
        # A file version of a list is no subscription; a's ETag makes its fetch conditional.
        (tmp_path / "d.txt").write_text("d.example\n")
        assert invoke("add", str(tmp_path / "d.txt"), "--submitter", "Org", *catalog)[0] == 0
        pages["/a.txt"] = Page(status=304)
        pages["/b.txt"] = Page("b.example\nmore-b.example\n", content_type="text/plain")
        pages["/c.txt"] = Page(status=500)
        code, output = invoke("refresh", *local, "--json")
        assert code == 1
        failing = web.url("127.0.0.1", "/c.txt")
        assert [(r["list"], r["result"]) for r in json.loads(output)] == [
            ("a", "not modified"),
            ("b", "version 2 stored (2 entries)"),
            ("c", f"failed: fetching {failing}: 500 Server Error: Internal Server Error for url: "
                  + failing),
        ]
        assert web.headers[-3]["if-none-match"] == '"a1"'
        pages["/c.txt"] = Page("c.example\n", content_type="text/plain")
        code, output = invoke("refresh", *local)
        assert code == 0
        for row in ("│ a    │", "│ b    │", "│ c    │"):
            assert row in output
        assert output.count("not modified") == 3
        code, output = invoke("refresh", *catalog, "--json")  # without the flag: all refused
        assert code == 1
        assert all("127.0.0.1 is not a public address" in r["error"] for r in json.loads(output))
        assert len(web.hits) == 9  # three subscriptions, two refreshes, nothing refused fetched
    assert [v["version"] for v in json.loads(invoke("list", *catalog, "--json")[1])] == [1, 2, 1, 1]
