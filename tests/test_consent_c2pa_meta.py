"""Tests of crawler.consent.c2pa_meta (the JUMBF box scan and the Reader's report, bad shapes).

The real manifests and the per-purpose mapping are tested in test_consent_image_meta.py.
"""

from __future__ import annotations

import pytest

from crawler.consent.c2pa_meta import C2paFinding, C2paRead, has_c2pa_box, parse_report, read_c2pa

JUMD = b"jumd" + b"\x63\x32\x70\x61\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71" + b"\x03"


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (b"\xff\xd8" + JUMD + b"c2pa\x00" + b"\x00" * 10, True),
        (b"RIFF....WEBPC2PA" + JUMD + b"c2pa\x00", True),
        (JUMD + b"c2pa.assertions\x00", False),  # an inner box, not the manifest store
        (JUMD + b"cawg\x00", False),
        (b"c2pa\x00 jumb without a description box", False),
        (b"", False),
    ],
)
def test_box_scan(body: bytes, found: bool) -> None:
    assert has_c2pa_box(body) is found


def test_garbage_box_is_an_error_not_an_exception() -> None:
    read = read_c2pa(b"\xff\xd8\xff\xeb" + JUMD + b"c2pa\x00" + bytes(range(256)), "image/jpeg")
    assert read.box and read.error and read.findings == ()


MANIFEST = "urn:c2pa:m"


def report(assertions: object, state: object = "Valid") -> dict[str, object]:
    return {
        "active_manifest": MANIFEST,
        "validation_state": state,
        "validation_status": [{"code": "signingCredential.untrusted"}, "junk", {"no": "code"}],
        "manifests": {MANIFEST: {"assertions": assertions}},
    }


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            report(
                [
                    {
                        "label": "cawg.training-mining.v2__1",
                        "data": {"entries": {"cawg.ai_training": {"use": "allowed"}}},
                    }
                ]
            ),
            (
                C2paFinding(
                    MANIFEST, "cawg.training-mining.v2__1", "cawg.ai_training", "allowed", None
                ),
            ),
        ),
        (
            report(
                [
                    {
                        "label": "c2pa.training-mining",
                        "data": {
                            "entries": {
                                "c2pa.data_mining": {
                                    "use": "constrained",
                                    "constraint_info": {"spdx": "CC-BY-NC-4.0"},
                                }
                            }
                        },
                    }
                ]
            ),
            (
                C2paFinding(
                    MANIFEST,
                    "c2pa.training-mining",
                    "c2pa.data_mining",
                    "constrained",
                    '{"spdx": "CC-BY-NC-4.0"}',
                ),
            ),
        ),
        (
            report([{"label": "cawg.training-mining", "data": {"entries": ["not", "a", "map"]}}]),
            (C2paFinding(MANIFEST, "cawg.training-mining", "", "unreadable", None),),
        ),
        (
            report(
                [
                    {
                        "label": "cawg.training-mining",
                        "data": {"entries": {"cawg.ai_inference": "no"}},
                    }
                ]
            ),
            (
                C2paFinding(
                    MANIFEST, "cawg.training-mining", "cawg.ai_inference", "unreadable", None
                ),
            ),
        ),
        (report([{"label": "c2pa.actions", "data": {}}, "junk"]), ()),
        (report("not a list"), ()),
    ],
)
def test_report_shapes(data: object, expected: tuple[C2paFinding, ...]) -> None:
    read = parse_report(data)
    assert read.error is None and read.manifest == MANIFEST
    assert read.status_codes == ("signingCredential.untrusted",)
    assert read.findings == expected


@pytest.mark.parametrize(
    "data", [[], "x", {"manifests": {}}, {"active_manifest": "a", "manifests": []}]
)
def test_report_without_an_active_manifest(data: object) -> None:
    read = parse_report(data)
    assert read.box and read.error and read.manifest is None


@pytest.mark.parametrize(
    ("state", "validated"), [("Valid", True), ("Trusted", True), ("Invalid", False), (None, False)]
)
def test_validated(state: str | None, validated: bool) -> None:
    assert C2paRead(box=True, validation_state=state).validated is validated
