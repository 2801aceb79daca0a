"""The CLI's contract for bad input: one line naming what is wrong, exit 2 or 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawler import __version__
from crawler.cli import app

from .sites import CONTACT

runner = CliRunner()


def invoke(*args: str, env: dict[str, str | None] | None = None) -> tuple[int, str]:
    # A contact in the caller's environment must not answer for the one a test leaves out.
    result = runner.invoke(app, list(args), env={"CONSENT_CONTACT_URL": None, **(env or {})})
    return result.exit_code, result.output


def test_version_and_help() -> None:
    code, output = invoke("--version")
    assert (code, output.strip()) == (0, f"consentcrawl {__version__}")
    for command in ([], ["crawl"], ["demo"], ["audit"], ["audit", "export"]):
        code, output = invoke(*command, "--help")
        assert code == 0 and "Usage" in output, command


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, Path]:
    return {"catalog": tmp_path / "cat.sqlite", "warc": tmp_path / "warc", "root": tmp_path}


def crawl_args(
    paths: dict[str, Path], *extra: str, purpose: str = "train-genai", contact: bool = True
) -> list[str]:
    return [
        "crawl",
        *extra,
        *(["--contact", CONTACT] if contact else []),
        "--purpose",
        purpose,
        "--catalog",
        f"sqlite:///{paths['catalog']}",
        "--warc-dir",
        str(paths["warc"]),
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["http://a.example/"], 2, "unknown purpose 'train-everything'"),
        (["ftp://a.example/"], 2, "seed 'ftp://a.example/' is not an http(s) URL"),
        (["not a url"], 2, "seed 'not a url' is not an http(s) URL"),
        ([], 2, "no seed URLs given"),
        (["http://a.example/", "--agent", "bad token!"], 2, "agent 'bad token!' is not a robots.txt"),
        (["http://a.example/", "--resolve", "a.example:nowhere"], 2, "is not an IP address"),
        (["http://a.example/", "--set", "NOEQUALS"], 2, "expected NAME=VALUE"),
    ],
    ids=["purpose", "scheme", "not-url", "no-seeds", "agent", "resolve", "set"],
)
def test_usage_errors_exit_2_and_write_nothing(
    paths: dict[str, Path], args: list[str], code: int, message: str
) -> None:
    purpose = "train-everything" if "purpose" in message else "train-genai"
    exit_code, output = invoke(*crawl_args(paths, *args, purpose=purpose))
    assert exit_code == code
    assert message in output
    assert "Traceback" not in output
    assert not paths["catalog"].exists() and not paths["warc"].exists()


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ([], {}, "--contact is required: the User-Agent must carry the operator's contact"),
        (["--contact", "ftp://ops.example/"], {},
         "--contact 'ftp://ops.example/' is not an http(s) URL or a mailto: URI"),
        (["--contact", "ops@example.org"], {}, "--contact 'ops@example.org' is not"),
        ([], {"CONSENT_CONTACT_URL": "mailto:"}, "--contact 'mailto:' is not"),
        (["--set", "CONSENT_CONTACT_URL=gopher://x.example/"], {},
         "CONSENT_CONTACT_URL 'gopher://x.example/' is not"),
        (["--contact", CONTACT, "--set", "CONSENT_CONTACT_URL="], {},
         "CONSENT_CONTACT_URL is required"),
    ],
    ids=["missing", "ftp", "bare-address", "envvar", "set", "set-empty"],
)
def test_a_crawl_without_a_usable_contact_is_a_usage_error(
    paths: dict[str, Path], args: list[str], env: dict[str, str | None], message: str
) -> None:
    code, output = invoke(*crawl_args(paths, "http://a.example/", *args, contact=False), env=env)
    assert code == 2, output
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"consentcrawl: error: {message}")
    assert not paths["catalog"].exists() and not paths["warc"].exists()


@pytest.mark.parametrize(
    "contact", [CONTACT, "https://ops.example/crawler"], ids=["mailto", "https"]
)
def test_the_contact_can_come_from_the_environment(paths: dict[str, Path], contact: str) -> None:
    # A usable contact passes its check: the crawl stops at the next one, --resolve.
    args = crawl_args(paths, "http://a.example/", "--resolve", "a.example:nowhere", contact=False)
    code, output = invoke(*args, env={"CONSENT_CONTACT_URL": contact})
    assert code == 2 and "is not an IP address" in output, output


def test_missing_purpose_is_a_usage_error(paths: dict[str, Path]) -> None:
    code, output = invoke("crawl", "http://a.example/", "--catalog", f"sqlite:///{paths['catalog']}")
    assert code == 2 and "--purpose is required" in output


def test_empty_and_missing_seeds_file(paths: dict[str, Path]) -> None:
    empty = paths["root"] / "seeds.txt"
    empty.write_text("# only a comment\n\n")
    code, output = invoke(*crawl_args(paths, "--seeds-file", str(empty)))
    assert code == 2 and f"seeds file {empty} has no URLs" in output
    code, output = invoke(*crawl_args(paths, "--seeds-file", str(paths["root"] / "absent.txt")))
    assert code == 2 and "absent.txt" in output
    assert not paths["catalog"].exists() and not paths["warc"].exists()


def test_every_bad_seeds_line_is_reported(paths: dict[str, Path]) -> None:
    seeds = paths["root"] / "seeds.txt"
    seeds.write_text("# seeds\nhttps://a.example/  # ok\nftp://x\nhttps://b.example/\nmailto:a@b\n")
    code, output = invoke(*crawl_args(paths, "--seeds-file", str(seeds)))
    assert code == 2
    assert output.strip().splitlines() == [
        f"consentcrawl: error: {seeds}:3: 'ftp://x' is not an http(s) URL",
        f"consentcrawl: error: {seeds}:5: 'mailto:a@b' is not an http(s) URL",
    ]
    assert not paths["catalog"].exists() and not paths["warc"].exists()


def test_a_bogus_demo_purpose_fails_before_the_demo_starts(paths: dict[str, Path]) -> None:
    workdir = paths["root"] / "demo"
    code, output = invoke("demo", "--workdir", str(workdir), "--purpose", "bogus")
    assert code == 2 and "unknown purpose 'bogus'" in output
    assert "Demo web" not in output
    assert not workdir.exists()


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ("not-a-url", "not-a-url"),
        ("mysql+nosuchdriver://x/y", "nosuchdriver"),
        ("postgresql://nobody@127.0.0.1:1/none", "127.0.0.1:1"),
    ],
    ids=["malformed", "unknown-driver", "unreachable"],
)
def test_bad_catalog_exits_1_and_writes_nothing(
    paths: dict[str, Path], catalog: str, message: str
) -> None:
    code, output = invoke(
        "crawl", "http://a.example/", "--purpose", "search", "--catalog", catalog,
        "--warc-dir", str(paths["warc"]), "--contact", CONTACT,
    )
    assert code == 1, output
    assert "consentcrawl: error:" in output and message in output
    assert "Traceback" not in output
    assert not paths["warc"].exists()


def test_unwritable_warc_dir_exits_1_and_writes_nothing(paths: dict[str, Path]) -> None:
    blocker = paths["root"] / "a-file"
    blocker.write_text("not a folder")
    warc = blocker / "warc"
    code, output = invoke(*crawl_args({**paths, "warc": warc}, "http://a.example/"))
    assert code == 1, output
    assert str(warc) in output and "Traceback" not in output
    assert not paths["catalog"].exists()


def test_export_rejects_bad_job_id_and_bad_catalog(tmp_path: Path) -> None:
    code, output = invoke("audit", "export", "--format", "jsonl", "--job", "nope")
    assert code == 2 and "is not a job id" in output
    code, output = invoke(
        "audit", "export", "--format", "jsonl", "--catalog", "postgresql://x@127.0.0.1:1/none"
    )
    assert code == 1 and "consentcrawl: error:" in output
