"""Intake, withdrawal, the lists in force and retroactive takedown, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses

from blocklists import BlocklistFormatError
from blocklists.fetch import FetchError, Guard
from blocklists.intake import apply_takedowns, in_force, submit
from blocklists.subscribe import subscribe
from storage.audit.export import export_rows
from storage.catalog import Catalog, JobSpec, RecordIn
from storage.errors import CatalogError

LIST_V1 = "# piracy sites\npiracy.example\nhost: files.mirror.example\nhttps://cdn.example/pirated/\n"
LIST_V2 = "piracy.example\nmore-piracy.example\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_versions_and_unchanged(catalog: Catalog, tmp_path: Path) -> None:
    first = submit(catalog, write(tmp_path, "pub.txt", LIST_V1), submitter="Publisher")
    again = submit(catalog, write(tmp_path, "pub.txt", LIST_V1), submitter="Publisher")
    second = submit(catalog, write(tmp_path, "pub.txt", LIST_V2), submitter="Publisher")
    assert (first.source, first.version, first.entry_count) == ("pub", 1, 3)
    assert again.unchanged and again.version == 1
    assert (second.version, second.entry_count) == (2, 2)
    assert [v.version for v in catalog.blocklist_history("pub")] == [1, 2]
    lists = in_force(catalog)
    assert lists.versions == (("pub", 2, second.sha256),)
    assert lists.matcher.match("http://a.b.more-piracy.example/x") is not None
    assert lists.matcher.match("http://files.mirror.example/") is None  # only in version 1


def test_invalid_file_changes_nothing(catalog: Catalog, tmp_path: Path) -> None:
    submit(catalog, write(tmp_path, "pub.txt", LIST_V1), submitter="Publisher")
    bad = write(tmp_path, "pub.csv", "entry,kind\npiracy.example,domain\nco.uk,domain\n*.x.example,domain\n")
    with pytest.raises(BlocklistFormatError) as caught:
        submit(catalog, bad, submitter="Publisher", source="pub")
    message = str(caught.value)
    assert "pub.csv:3" in message and "co.uk" in message and "pub.csv:4" in message
    assert [v.version for v in catalog.blocklist_history("pub")] == [1]


def test_withdrawal_leaves_the_lists_in_force(catalog: Catalog, tmp_path: Path) -> None:
    submit(catalog, write(tmp_path, "pub.txt", LIST_V1), submitter="Publisher")
    assert in_force(catalog).matcher.match("http://piracy.example/") is not None
    catalog.withdraw_blocklist_entry("pub", "piracy.example", None, reason="appeal granted",
                                     by="legal")
    assert in_force(catalog).matcher.match("http://piracy.example/") is None
    [withdrawal] = catalog.withdrawals("pub")
    assert (withdrawal.reason, withdrawal.withdrawn_by) == ("appeal granted", "legal")


def _collect(catalog: Catalog, urls: dict[str, int]) -> None:
    job = catalog.start_job(JobSpec("train-genai", "consentcrawl", "ua", (), {}, "test"))
    now = datetime.now(UTC)
    catalog.write(job, records=[
        RecordIn(url=u, outcome="collected", reasons=(), license_status="unknown",
                 recorded_at=now, size=size, sha256="ab" * 32, fetched_at=now)
        for u, size in urls.items()
    ])


def test_retroactive_takedown(catalog: Catalog, tmp_path: Path) -> None:
    _collect(catalog, {"http://a.piracy.example/1": 100, "http://piracy.example/2": 50,
                       "http://fine.example/": 10})
    assert apply_takedowns(catalog) == []  # nothing listed yet
    submit(catalog, write(tmp_path, "pub.txt", LIST_V2), submitter="Publisher")
    [done] = apply_takedowns(catalog)
    assert (done.source, done.version, done.entry, done.kind, done.items, done.bytes) == (
        "pub", 1, "piracy.example", "domain", 2, 150)
    assert apply_takedowns(catalog) == []  # idempotent: history kept, nothing twice
    exported = [r["url"] for r in export_rows(catalog)]
    assert exported == ["http://fine.example/"]
    everything = {r["url"]: r["withdrawn"] for r in export_rows(catalog, include_withdrawn=True)}
    assert everything == {"http://a.piracy.example/1": True, "http://piracy.example/2": True,
                          "http://fine.example/": False}


# What rights.example resolves to in these tests: a public address, never real DNS.
GUARD = Guard(hosts={"rights.example": "93.184.216.34"})


@responses.activate
def test_subscription_is_conditional(catalog: Catalog) -> None:
    url = "https://rights.example/lists/piracy.txt"
    responses.get(url, body=LIST_V1, headers={"ETag": '"v1"', "Last-Modified": "Sun, 01 Nov 2026 00:00:00 GMT"})
    first = subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    assert first.changed and first.version is not None and first.version.version == 1
    responses.replace(responses.GET, url, status=304)
    second = subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    assert not second.changed and second.status == 304
    sent = responses.calls[-1].request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Sun, 01 Nov 2026 00:00:00 GMT"
    responses.replace(responses.GET, url, body=LIST_V2, headers={"ETag": '"v2"'})
    third = subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    assert third.version is not None and (third.version.version, third.version.etag) == (2, '"v2"')
    responses.replace(responses.GET, url, status=500)
    with pytest.raises(FetchError, match="500"):
        subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    responses.replace(responses.GET, url, body="com\n")
    with pytest.raises(BlocklistFormatError):
        subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    assert [v.version for v in catalog.blocklist_history("piracy")] == [1, 2]
    with pytest.raises(FetchError, match="not an http"):
        subscribe(catalog, "ftp://rights.example/x.txt", submitter="Rights Org", guard=GUARD)


@responses.activate
def test_a_subscription_is_its_owners(catalog: Catalog) -> None:
    url = "https://rights.example/lists/piracy.txt"
    responses.get(url, body=LIST_V1, headers={"ETag": '"v1"'})
    subscribe(catalog, url, submitter="Rights Org", guard=GUARD)
    responses.replace(responses.GET, url, body=LIST_V2, headers={"ETag": '"v2"'})
    with pytest.raises(CatalogError, match="'piracy' belongs to 'Rights Org'.*'Someone Else'"):
        subscribe(catalog, url, submitter="Someone Else", guard=GUARD)
    assert "If-None-Match" not in responses.calls[-1].request.headers  # no 304 for someone else
    assert [(v.version, v.submitter) for v in catalog.blocklist_history("piracy")] == [
        (1, "Rights Org")]
    own = subscribe(catalog, url, submitter="Someone Else", source="else-piracy", guard=GUARD)
    assert own.version is not None and (own.version.source, own.version.version) == ("else-piracy", 1)
