"""The frontier log format: what is written is read back faithfully, a torn last line is left
out, any other bad line is an error naming the file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.consent.licenses import LicenseEvidence, Scope, Strength
from crawler.consent.robots_tags import RobotsTag
from crawler.meta import Kind, PageTags
from crawler.recording.frontier import (
    Asked,
    FrontierError,
    FrontierLog,
    LogContents,
    log_path,
    read_log,
)

LICENCE = LicenseEvidence(
    source="a[rel=license]",
    value="https://creativecommons.org/licenses/by/4.0/",
    spdx="CC-BY-4.0",
    strength=Strength.STRONG,
    scope=Scope.IMAGE,
    url="https://creativecommons.org/licenses/by/4.0/",
    names="CC BY",
    images=("https://a.example/i.jpg",),
)
TAGS = PageTags(
    "https://a.example/",
    (RobotsTag("consentcrawl", "noai", None),),
    (RobotsTag(None, "noimageai", None), RobotsTag(None, "max-image-preview", "large")),
)


@pytest.mark.parametrize(
    "item",
    [
        Asked("https://a.example/"),
        Asked("https://a.example/ü?q=1", depth=3, referer="https://a.example/"),
        Asked("https://cdn.example/i.jpg", 1, Kind.IMAGE, "https://a.example/", TAGS),
        Asked("https://cdn.example/i.jpg", 1, Kind.IMAGE, None, TAGS, (LICENCE,)),
        Asked("https://cdn.example/i.jpg", 1, Kind.IMAGE, None, None, ()),
    ],
)
def test_a_request_reads_back_as_written(tmp_path: Path, item: Asked) -> None:
    log = FrontierLog(tmp_path / "deep" / "frontier.jsonl")  # its folder is made
    log.asked(item)
    log.links_done("https://a.example/")
    log.close()
    contents = read_log(tmp_path / "deep" / "frontier.jsonl")
    assert contents.asked == {item.url: item}
    assert contents.links_done == {"https://a.example/"}


def test_lines_reach_the_file_as_they_are_written(tmp_path: Path) -> None:
    log = FrontierLog(tmp_path / "f.jsonl")
    log.asked(Asked("https://a.example/"))
    assert set(read_log(tmp_path / "f.jsonl").asked) == {"https://a.example/"}  # not closed
    log.close()


def test_the_first_line_of_a_url_wins_across_logs(tmp_path: Path) -> None:
    for name, depth in (("old", 1), ("new", 2)):
        log = FrontierLog(tmp_path / name)
        log.asked(Asked("https://a.example/x", depth=depth))
        log.asked(Asked(f"https://a.example/{name}"))
        log.close()
    contents = read_log(tmp_path / "new", read_log(tmp_path / "old"))
    assert list(contents.asked) == ["https://a.example/x", "https://a.example/old", "https://a.example/new"]
    assert contents.asked["https://a.example/x"].depth == 1


def test_a_torn_last_line_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    log = FrontierLog(path)
    log.asked(Asked("https://a.example/"))
    log.close()
    with path.open("a") as handle:
        handle.write('{"url":"https://a.example/cut","dep')
    assert set(read_log(path).asked) == {"https://a.example/"}


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"url": 3, "depth": 0, "kind": "page"}',
        '{"url": "https://a.example/", "depth": "1", "kind": "page"}',
        '{"url": "https://a.example/", "depth": 0, "kind": "video"}',
        '{"depth": 0, "kind": "page"}',
        '{"url": "https://a.example/", "depth": 0, "kind": "image", "page_tags": ["p", [[null]], []]}',
        '{"url": "https://a.example/", "depth": 0, "kind": "image", "licences": [{"source": "x"}]}',
    ],
)
def test_a_bad_line_names_the_file_and_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"links_done": "https://a.example/"}\n' + line + "\n")
    with pytest.raises(FrontierError, match=rf"^{path}, line 2: not a frontier line"):
        read_log(path)


def test_a_missing_log_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FrontierError, match=str(tmp_path / "none")):
        read_log(tmp_path / "none", LogContents())


def test_the_log_is_in_the_jobs_work_folder() -> None:
    assert log_path("warc", "J") == Path("warc/jobs/J/frontier.jsonl")
