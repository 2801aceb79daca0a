"""Signed checkpoints: an outsider with the public key finds a rewrite that recomputed every
hash, which the catalog alone cannot show."""

from __future__ import annotations

import json
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crawler.cli import app
from storage.audit.verify import verify
from storage.catalog import Catalog, EvidenceIn, JobSpec, RecordIn, chain
from storage.catalog import checkpoint as checkpoints
from storage.catalog.models import Evidence, LedgerEntry, UrlRecord

T0 = datetime(2026, 12, 1, 9, 0, 0, 123456, tzinfo=UTC)
SPEC = JobSpec(purpose="train-genai", agent="consentcrawl", user_agent="consentcrawl/1.0",
               seeds=("https://example.com/",), settings={}, software_version="1.0")


def record(n: int) -> RecordIn:
    return RecordIn(
        url=f"https://example.com/{n}", outcome="collected", reasons=(), license_status="open",
        recorded_at=T0 + timedelta(seconds=n),
        evidence=(EvidenceIn("license", "link", "https://creativecommons.org/licenses/by/4.0/",
                             "allow", license="CC-BY-4.0", strength="strong"),),
    )


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "signing-key.pem"
    checkpoints.init_key(path)
    return path


@pytest.fixture
def job(catalog: Catalog) -> uuid.UUID:
    job = catalog.start_job(SPEC)
    catalog.write(job, records=[record(n) for n in range(1, 6)])
    catalog.finish_job(job, "finished", {})
    return job


def rechain(catalog: Catalog, job: uuid.UUID) -> None:
    """What an attacker with write access does after editing a record: recompute the job's
    record chain, its close event, and the ledger's chain from there on."""
    stream = str(job)
    with Session(catalog.engine) as session, session.begin():
        prev = chain.genesis(stream)
        rows = session.scalars(
            select(UrlRecord).where(UrlRecord.stream == stream).order_by(UrlRecord.id)
        ).all()
        for row in rows:
            evidence = [
                {name: getattr(e, name) for name in
                 (*chain.EVIDENCE_FIELDS, *chain.OPTIONAL_EVIDENCE_FIELDS)}
                for e in session.scalars(
                    select(Evidence).where(Evidence.record_id == row.id).order_by(Evidence.id)
                )
            ]
            values = {name: getattr(row, name) for name in chain.RECORD_FIELDS}
            row.prev_hash = prev
            row.chain_hash = prev = chain.chain_hash(prev, chain.record_content(values, evidence))
        events = session.scalars(select(LedgerEntry).order_by(LedgerEntry.id)).all()
        ledger_prev = chain.genesis(chain.LEDGER_STREAM)
        for event in events:
            if event.kind == "job-closed" and event.subject == stream:
                content = json.loads(event.content)
                content["streams"]["catalog_record"].update(count=len(rows), head=prev)
                event.content = chain.canonical(content)
            event.prev_hash = ledger_prev
            event.chain_hash = ledger_prev = chain.chain_hash(ledger_prev, event.content)


def test_keys_init_writes_a_private_key_only_its_owner_reads(key: Path) -> None:
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = Path(f"{key}.pub").read_text(encoding="ascii").strip()
    assert public.startswith("ed25519:")
    assert checkpoints.public_key_text(checkpoints.load_private_key(key).public_key()) == public
    with pytest.raises(checkpoints.KeyError_, match="a key exists already"):
        checkpoints.init_key(key)


def test_an_intact_catalog_holds_to_its_checkpoint(
    catalog: Catalog, job: uuid.UUID, key: Path
) -> None:
    signed = catalog.checkpoint(checkpoints.load_private_key(key))
    public = checkpoints.load_public_key(signed.public_key)
    tables = {s["table"] for s in signed.body["streams"]}
    assert tables == {"catalog_record", "catalog_ledger"}
    catalog.write(catalog.start_job(SPEC), records=[record(9)])  # later writes are fine
    report = verify(catalog, checkpoint=(signed, public))
    assert report.ok, report.problems
    assert report.checkpoint is not None and "streams" in report.checkpoint
    # the checkpoint is in the ledger too, and the ledger still verifies
    with catalog.engine.connect() as connection:
        kinds = connection.scalars(text("SELECT kind FROM catalog_ledger ORDER BY id")).all()
    assert "checkpoint" in kinds


@pytest.mark.parametrize(
    "attack",
    [
        "UPDATE catalog_record SET url = 'https://elsewhere.example/' WHERE id = :first",
        "DELETE FROM catalog_evidence WHERE record_id = :last",
        "DELETE FROM catalog_record WHERE id = :last",
    ],
)
def test_a_fully_recomputed_chain_is_caught_by_the_checkpoint(
    catalog: Catalog, job: uuid.UUID, key: Path, attack: str
) -> None:
    signed = catalog.checkpoint(checkpoints.load_private_key(key))
    public = checkpoints.load_public_key(signed.public_key)
    with catalog.engine.begin() as connection:
        ids = connection.scalars(text("SELECT id FROM catalog_record ORDER BY id")).all()
        if "DELETE FROM catalog_record" in attack:
            connection.execute(text("DELETE FROM catalog_evidence WHERE record_id = :last"),
                               {"last": ids[-1]})
        connection.execute(text(attack), {"first": ids[0], "last": ids[-1]})
    rechain(catalog, job)
    assert verify(catalog).ok  # the catalog alone cannot tell: every hash was recomputed
    found = {(p.kind, p.table) for p in verify(catalog, checkpoint=(signed, public)).problems}
    assert found & {("rewritten", "catalog_record"), ("truncated", "catalog_record")}
    assert ("rewritten", "catalog_ledger") in found


def test_a_forged_checkpoint_or_another_key_is_refused(
    catalog: Catalog, job: uuid.UUID, key: Path, tmp_path: Path
) -> None:
    signed = catalog.checkpoint(checkpoints.load_private_key(key))
    forged = checkpoints.Checkpoint(
        {**signed.body, "streams": signed.body["streams"][:1]}, signed.signature,
        signed.public_key,
    )
    public = checkpoints.load_public_key(signed.public_key)
    other = checkpoints.init_key(tmp_path / "other.pem")
    for candidate, with_key in ((forged, public), (signed, other)):
        [problem] = verify(catalog, checkpoint=(candidate, with_key)).problems
        assert problem.kind == "bad-signature"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_keys_checkpoint_and_verify(
    catalog_url: str, catalog: Catalog, job: uuid.UUID, tmp_path: Path
) -> None:
    key = tmp_path / "k.pem"
    made = invoke("keys", "init", "--key", str(key))
    assert made.exit_code == 0, made.output
    public = made.output.strip().splitlines()[-1]
    assert invoke("keys", "init", "--key", str(key)).exit_code == 2  # never over a key
    out = tmp_path / "cp.json"
    signed = invoke("audit", "checkpoint", "--out", str(out), "--key", str(key),
                    "--catalog", catalog_url)
    assert signed.exit_code == 0, signed.output
    assert json.loads(out.read_text())["public_key"] == public
    ok = invoke("audit", "verify", "--catalog", catalog_url, "--checkpoint", str(out),
                "--public-key", public)
    assert ok.exit_code == 0 and "checked against the checkpoint" in ok.output, ok.output
    assert invoke("audit", "verify", "--catalog", catalog_url, "--checkpoint",
                  str(out)).exit_code == 2
    with Session(catalog.engine) as session, session.begin():
        session.execute(update(UrlRecord).values(url="https://elsewhere.example/"))
    rechain(catalog, job)
    bad = invoke("audit", "verify", "--catalog", catalog_url, "--checkpoint", str(out),
                 "--public-key", f"{key}.pub", "--json")
    assert bad.exit_code == 1
    assert {p["kind"] for p in json.loads(bad.output)["problems"]} >= {"rewritten"}


def test_a_crawl_signs_checkpoints_into_the_ledger_its_warc_and_a_file(tmp_path: Path) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from crawler.demo.server import Page, serve

    from .sites import crawl, run_cli

    key = tmp_path / "k.pem"
    checkpoints.init_key(key)
    pages = {f"/p{i}": Page(f'<a href="/p{i + 1}">next</a>') for i in range(6)}
    web = {"www.cp.test": {"/robots.txt": Page("", status=404), "/": pages["/p0"], **pages}}
    catalog_url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with serve(web) as server:
        done = crawl([server.url("www.cp.test")], catalog_url=catalog_url,
                     warc_dir=tmp_path / "w", domain="cp.test",
                     extra=("--set", f"CONSENT_SIGNING_KEY={key}",
                            "--set", "CONSENT_CHECKPOINT_EVERY=3"))
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "w" / "checkpoints").glob("*.json"))
    assert len(files) >= 2  # every 3 records, and one after the job's close
    public = Path(f"{key}.pub").read_text(encoding="ascii").strip()
    for file in files:
        checked = run_cli("audit", "verify", "--catalog", catalog_url, "--checkpoint", str(file),
                          "--public-key", public, "--warc-dir", str(tmp_path / "w"))
        assert checked.returncode == 0, checked.stdout + checked.stderr
    last = json.loads(files[-1].read_text())
    streams = {s["table"]: s for s in last["checkpoint"]["streams"]}
    with Catalog(catalog_url, mode="read") as catalog, catalog.engine.connect() as connection:
        rows = connection.scalar(text("SELECT COUNT(*) FROM catalog_record"))
        kinds = connection.scalars(text("SELECT kind FROM catalog_ledger ORDER BY id")).all()
    assert streams["catalog_record"]["count"] == rows
    assert kinds[-2:] == ["job-closed", "checkpoint"]  # the last covers the close
    in_warc = []
    for warc in (tmp_path / "w").glob("*.warc.gz"):
        with warc.open("rb") as handle:
            for item in ArchiveIterator(handle):
                uri = item.rec_headers.get_header("WARC-Target-URI") or ""
                if item.rec_type == "metadata" and uri.startswith("urn:consentcrawl:checkpoint"):
                    in_warc.append(json.loads(item.content_stream().read()))
    assert last in in_warc


def test_an_unusable_signing_key_is_a_usage_error(tmp_path: Path) -> None:
    from .sites import crawl

    (tmp_path / "bad.pem").write_text("not a key")
    done = crawl(["http://www.cp.test/"], catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}",
                 warc_dir=tmp_path / "w", domain="cp.test",
                 extra=("--set", f"CONSENT_SIGNING_KEY={tmp_path / 'bad.pem'}"))
    assert done.returncode == 2
    assert "CONSENT_SIGNING_KEY" in done.stderr and "not a PEM private key" in done.stderr
    assert not (tmp_path / "c.sqlite").exists() and not (tmp_path / "w").exists()
