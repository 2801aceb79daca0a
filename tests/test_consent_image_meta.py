"""Tests of crawler.consent.image_meta (an image's own consent, decided per purpose).

1. SIGNALS.md section 8 (IPTC Data Mining) and section 9 (C2PA/CAWG) vectors, G N S R.
2. Every real file of tests/data/images (MANIFEST.md) with the verdict derived from the spec.
3. Every container: JPEG, PNG (XMP before and after IDAT, compressed), WebP, TIFF.
4. Bad input: truncated/corrupt files, bombs, hostile XMP, garbage JUMBF, a lying Content-Type.

Verdicts are read through the policy: ``Y`` allowed even for an opt-in job (a grant), ``?``
allowed only when no permission is required, ``N`` denied.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from crawler.consent.c2pa_meta import C2paFinding, C2paRead, parse_report
from crawler.consent.image_meta import (
    METADATA_INVALID,
    ImageMetadata,
    image_evidence,
    read_image_metadata,
)
from crawler.consent.model import Evidence, Purpose, Reason
from crawler.consent.policy import decide

from .test_consent_xmp import VOCAB, packet

DATA = Path(__file__).parent / "data" / "images"
ORDER = (Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT)


def verdict(evidence: tuple[Evidence, ...]) -> str:
    out = ""
    for purpose in ORDER:
        decision = decide(purpose, evidence, require_permission=True)
        if decision.allowed:
            out += "Y"
        else:
            out += "?" if decision.reasons == (Reason.NO_PERMISSION,) else "N"
    return out


def jpeg(xmp: bytes | None = None, size: tuple[int, int] = (16, 16)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG", **({"xmp": xmp} if xmp else {}))
    return out.getvalue()


def with_segment(image: bytes, marker: bytes, payload: bytes) -> bytes:
    """A JPEG with one more marker segment right after SOI."""
    return image[:2] + marker + struct.pack(">H", len(payload) + 2) + payload + image[2:]


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def itxt(xmp: bytes, compressed: bool = False) -> bytes:
    text = zlib.compress(xmp) if compressed else xmp
    return chunk(b"iTXt", b"XML:com.adobe.xmp\x00" + bytes([compressed, 0]) + b"\x00\x00" + text)


def png(before: bytes = b"", after: bytes = b"", size: tuple[int, int] = (16, 16)) -> bytes:
    """A PNG with extra chunks before IDAT and after it (before IEND)."""
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    body = out.getvalue()
    idat = body.index(b"IDAT") - 4
    return body[:idat] + before + body[idat:-12] + after + body[-12:]


def dmi(code: str) -> bytes:
    return packet(f'plus:DataMining="{VOCAB}{code}"')


# --- 1. SIGNALS.md section 8 ------------------------------------------------------------------

IPTC_VECTORS = [
    ("DMI-PROHIBITED-AIMLTRAINING", "NN??"),
    ("DMI-PROHIBITED-GENAIMLTRAINING", "N???"),
    # Search is not prohibited, but nor is it granted: allowed only when opting out.
    ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "NN?N"),
    ("DMI-PROHIBITED", "NNNN"),
    ("DMI-PROHIBITED-SEECONSTRAINT", "NNNN"),
    ("DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR", "NNNN"),
    ("DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", "NNNN"),
    ("DMI-UNSPECIFIED", "????"),
    ("DMI-ALLOWED", "YYYY"),
    ("DMI-SOMETHING-NEW", "NN?N"),  # unknown value: may be a reservation
]


@pytest.mark.parametrize(("code", "expected"), IPTC_VECTORS)
def test_iptc_data_mining_vectors(code: str, expected: str) -> None:
    meta = read_image_metadata(jpeg(dmi(code)), content_type="image/jpeg")
    evidence = image_evidence(meta)
    assert verdict(evidence) == expected
    if "N" in expected:
        wanted = code if code != "DMI-SOMETHING-NEW" else "unrecognised"
        assert f"iptc-data-mining:{wanted}" in {e.reason for e in evidence}


def test_absent_data_mining_decides_nothing() -> None:
    meta = read_image_metadata(jpeg(packet()), content_type="image/jpeg")
    assert len(meta.xmp) == 1 and image_evidence(meta) == ()


def test_see_constraint_keeps_the_free_text() -> None:
    body = packet(
        'plus:DataMining="DMI-PROHIBITED-SEECONSTRAINT"',
        "<plus:OtherConstraints><rdf:Alt><rdf:li xml:lang='x-default'>Licensed for research"
        " only</rdf:li></rdf:Alt></plus:OtherConstraints>",
    )
    evidence = image_evidence(read_image_metadata(jpeg(body), content_type=None))
    deny = next(e for e in evidence if e.reason is not None)
    assert "Licensed for research only" in deny.value
    assert deny.signal == "iptc-xmp" and deny.source == "xmp packet 0: plus:DataMining (attribute)"
    assert verdict(evidence) == "NNNN"


# --- 1. SIGNALS.md section 9 ------------------------------------------------------------------


def c2pa_meta(
    entries: dict[str, dict[str, str]], state: str = "Valid", label: str = "cawg"
) -> ImageMetadata:
    """Image metadata whose active manifest holds one training-mining assertion."""
    report = {
        "active_manifest": "urn:c2pa:test",
        "validation_state": state,
        "validation_status": [{"code": "signingCredential.untrusted"}],
        "manifests": {
            "urn:c2pa:test": {
                "assertions": [
                    {"label": "c2pa.actions.v2", "data": {}},
                    {"label": f"{label}.training-mining", "data": {"entries": entries}},
                ]
            }
        },
    }
    return ImageMetadata(format="JPEG", size=(1, 1), content_type=None, c2pa=parse_report(report))


C2PA_VECTORS = [
    ({"cawg.ai_generative_training": {"use": "notAllowed"}}, "Valid", "cawg", "N???"),
    (
        {
            "cawg.ai_training": {"use": "allowed"},
            "cawg.ai_generative_training": {"use": "notAllowed"},
            "cawg.data_mining": {"use": "constrained"},
        },
        "Valid",
        "cawg",
        "NY??",
    ),
    ({"c2pa.ai_inference": {"use": "notAllowed"}}, "Valid", "c2pa", "???N"),
    (
        {"cawg.ai_training": {"use": "constrained", "constraint_info": "CC BY-NC"}},
        "Valid",
        "cawg",
        "?N??",
    ),
    # The same grants from a manifest that does not validate grant nothing.
    ({"cawg.ai_training": {"use": "allowed"}}, "Invalid", "cawg", "????"),
    ({"cawg.ai_training": {"use": "allowed"}}, "Trusted", "cawg", "?Y??"),
    # A restriction stands whatever the validation state.
    ({"cawg.ai_inference": {"use": "notAllowed"}}, "Invalid", "cawg", "???N"),
    # data_mining covers the training purposes without an entry of their own.
    ({"cawg.data_mining": {"use": "notAllowed"}}, "Valid", "cawg", "NN??"),
    ({"cawg.data_mining": {"use": "allowed"}}, "Valid", "cawg", "????"),
    ({"com.example.custom": {"use": "notAllowed"}}, "Valid", "cawg", "????"),
    ({"cawg.ai_generative_training": {"use": "maybe"}}, "Valid", "cawg", "N???"),
]


@pytest.mark.parametrize(("entries", "state", "label", "expected"), C2PA_VECTORS)
def test_c2pa_training_mining_vectors(
    entries: dict[str, dict[str, str]], state: str, label: str, expected: str
) -> None:
    evidence = image_evidence(c2pa_meta(entries, state, label))
    assert verdict(evidence) == expected
    assert all(f"validation {state}" in e.value for e in evidence if e.signal == "c2pa")
    for e in evidence:
        if e.reason is not None:
            assert e.reason.startswith("c2pa-training-mining:") and e.reason[21:] in entries


def test_constraints_info_spelling_is_accepted() -> None:
    meta = c2pa_meta({"cawg.ai_training": {"use": "constrained", "constraints_info": "ask"}})
    assert meta.c2pa.findings == (
        C2paFinding(
            "urn:c2pa:test", "cawg.training-mining", "cawg.ai_training", "constrained", "ask"
        ),
    )


# --- 2. Real files ----------------------------------------------------------------------------

AI = "cawg.ai_inference"
GEN = "cawg.ai_generative_training"
REAL = [
    # file, format, verdict G N S R, validation state, training-mining (entry, use)
    ("iptc-ref-std2023.1-dmi-prohibited-genaimltraining.jpg", "JPEG", "N???", None, ()),
    ("gettyimages-1404056433-dmi-prohibited-exceptsearch.webp", "WEBP", "NN?N", None, ()),
    ("iptc-ref-std2021.1-xmp-no-datamining.jpg", "JPEG", "????", None, ()),
    ("shutterstock-2480370209-xmp-no-datamining.jpg", "JPEG", "????", None, ()),
    (
        "c2pa-cawg-training-mining-notallowed.jpg",
        "JPEG",
        "N??N",
        "Valid",
        ((AI, "notAllowed"), (GEN, "notAllowed")),
    ),
    # Its assertions allow inference and generative training, but the manifest is Invalid.
    (
        "c2pa-adobe-training-mining-allowed-invalid.jpg",
        "JPEG",
        "????",
        "Invalid",
        (
            (AI, "allowed"),
            (GEN, "allowed"),
            ("c2pa.ai_inference", "allowed"),
            ("c2pa.ai_generative_training", "allowed"),
        ),
    ),
    ("c2pa-adobe-20220124-CA-no-training-mining.jpg", "JPEG", "????", "Valid", ()),
    ("c2pa-nikon-z9-building-no-training-mining.jpeg", "MPO", "????", "Invalid", ()),
    ("c2pa-truepic-camera-no-training-mining.jpg", "JPEG", "????", "Invalid", ()),
    ("c2pa-adobe-20220124-XCA-tampered.jpg", "JPEG", "????", "Invalid", ()),
    # A bare packet is no image, but the reservation in it is still read.
    ("iptc-photometadata-ref-2024.1.xmp", None, "N???", None, ()),
]


@pytest.mark.parametrize(("name", "fmt", "expected", "state", "entries"), REAL)
def test_real_files(
    name: str,
    fmt: str | None,
    expected: str,
    state: str | None,
    entries: tuple[tuple[str, str], ...],
) -> None:
    body = (DATA / name).read_bytes()
    assert name in (DATA / "MANIFEST.md").read_text()
    meta = read_image_metadata(body, content_type="image/jpeg")
    assert meta.format == fmt
    assert meta.c2pa.validation_state == state and meta.c2pa.box == (state is not None)
    assert tuple((f.entry, f.use) for f in meta.c2pa.findings) == entries
    assert all(p.error is None for p in meta.xmp)
    assert verdict(image_evidence(meta)) == expected


# --- 3. Containers ----------------------------------------------------------------------------


def _tiff(xmp: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "TIFF", tiffinfo={700: xmp})
    return out.getvalue()


def _webp(xmp: bytes) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 16)).save(out, "WEBP", xmp=xmp)
    return out.getvalue()


XMP = dmi("DMI-PROHIBITED-AIMLTRAINING")
CONTAINERS = [
    ("jpeg", jpeg(XMP), "JPEG"),
    ("png-before-idat", png(before=itxt(XMP)), "PNG"),
    ("png-after-idat", png(after=itxt(XMP)), "PNG"),
    ("png-compressed-itxt", png(after=itxt(XMP, compressed=True)), "PNG"),
    ("webp", _webp(XMP), "WEBP"),
    ("tiff", _tiff(XMP), "TIFF"),
]


@pytest.mark.parametrize(("name", "body", "fmt"), CONTAINERS, ids=[c[0] for c in CONTAINERS])
def test_every_container(name: str, body: bytes, fmt: str) -> None:
    meta = read_image_metadata(body, content_type=None)
    assert meta.format == fmt and meta.size == (16, 16) and meta.errors == ()
    assert [f.value for f in meta.xmp_findings] == [f"{VOCAB}DMI-PROHIBITED-AIMLTRAINING"]
    assert verdict(image_evidence(meta)) == "NN??"


# --- 4. Bad input -----------------------------------------------------------------------------

BILLION = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><x:xmpmeta xmlns:x="adobe:ns:meta/">&b;'
    b"</x:xmpmeta>"
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "http://example.test/x">]>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
)
BIG_XMP = packet(children="<x>" + "A" * 5_000_000 + "</x>")
JUMBF = b"JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x40jumb\x00\x00\x00\x20jumd" + b"\x00" * 17
GARBAGE_JUMBF = JUMBF + b"c2pa\x00" + bytes(range(256)) * 4


def _cut_after(body: bytes, marker: bytes) -> bytes:
    return body[: body.index(marker) + len(marker)]


def _bomb(width: int, height: int, extra: bytes = b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + extra
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


BAD = [
    # name, body, content type, verdict, what the metadata must say
    (
        "truncated-jpeg-in-xmp",
        _cut_after(jpeg(dmi("DMI-PROHIBITED")), b"DMI-"),
        "image/jpeg",
        "NN?N",
        "xmp-error",
    ),
    ("truncated-jpeg-scan", jpeg(dmi("DMI-PROHIBITED"), (64, 64))[:-40], "image/jpeg", "NNNN", ""),
    (
        "corrupt-jpeg",
        b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8,
        "image/jpeg",
        "????",
        "unreadable",
    ),
    (
        "truncated-png",
        png(after=itxt(dmi("DMI-PROHIBITED")))[:-40],
        "image/png",
        "NN?N",
        "xmp-error",
    ),
    ("corrupt-png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", "????", "unreadable"),
    (
        "corrupt-webp",
        b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\xff" * 32,
        "image/webp",
        "????",
        "unreadable",
    ),
    ("empty", b"", None, "????", "unreadable"),
    (
        "png-bomb-30000",
        _bomb(30000, 30000, itxt(dmi("DMI-PROHIBITED"))),
        "image/png",
        "NNNN",
        "bomb",
    ),
    (
        "png-over-max-pixels",
        _bomb(8000, 8000, itxt(dmi("DMI-ALLOWED"))),
        "image/png",
        "YYYY",
        "bomb",
    ),
    ("billion-laughs", jpeg(BILLION), "image/jpeg", "NN?N", "xmp-error"),
    ("external-entity", jpeg(EXTERNAL), "image/jpeg", "NN?N", "xmp-error"),
    ("5mb-xmp", png(before=itxt(BIG_XMP)), "image/png", "NN?N", "xmp-error"),
    (
        "disagreeing-packets",
        with_segment(
            jpeg(dmi("DMI-ALLOWED")),
            b"\xff\xe1",
            b"http://ns.adobe.com/xap/1.0/\x00" + dmi("DMI-PROHIBITED-GENAIMLTRAINING"),
        ),
        "image/jpeg",
        "N???",
        "",
    ),
    (
        "garbage-jumbf",
        with_segment(jpeg(), b"\xff\xeb", GARBAGE_JUMBF),
        "image/jpeg",
        "NN?N",
        "c2pa-error",
    ),
    (
        "lying-content-type",
        png(after=itxt(dmi("DMI-PROHIBITED-AIMLTRAINING"))),
        "image/jpeg",
        "NN??",
        "Content-Type image/jpeg but the bytes are PNG",
    ),
    (
        "html-content-type",
        jpeg(),
        "text/html; charset=utf-8",
        "????",
        "Content-Type text/html but the bytes are JPEG",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "ctype", "expected", "says"), BAD, ids=[b[0] for b in BAD]
)
def test_bad_input_is_bounded_recorded_and_decided(
    name: str, body: bytes, ctype: str | None, expected: str, says: str
) -> None:
    meta = read_image_metadata(body, content_type=ctype, max_pixels=50_000_000)
    evidence = image_evidence(meta)
    assert verdict(evidence) == expected
    if says == "xmp-error":
        assert any(p.error for p in meta.xmp)
        assert METADATA_INVALID in {e.reason for e in evidence}
    elif says == "c2pa-error":
        assert meta.c2pa.box and meta.c2pa.error
        assert METADATA_INVALID in {e.reason for e in evidence}
    elif says == "bomb":
        assert meta.too_many_pixels
    elif says:
        assert any(e.startswith(says) for e in meta.errors), meta.errors
        assert any(e.value.startswith(says) for e in evidence if e.signal == "image-metadata")


def test_disagreeing_packets_are_all_recorded() -> None:
    body = with_segment(
        jpeg(dmi("DMI-ALLOWED")),
        b"\xff\xe1",
        b"http://ns.adobe.com/xap/1.0/\x00" + dmi("DMI-PROHIBITED-GENAIMLTRAINING"),
    )
    meta = read_image_metadata(body, content_type="image/jpeg")
    assert [(f.packet, f.value.rpartition("/")[2]) for f in meta.xmp_findings] == [
        (0, "DMI-PROHIBITED-GENAIMLTRAINING"),
        (1, "DMI-ALLOWED"),
    ]


def test_jumbf_without_a_c2pa_label_does_not_call_the_reader() -> None:
    meta = read_image_metadata(
        with_segment(jpeg(), b"\xff\xeb", JUMBF + b"other\x00"), content_type=None
    )
    assert meta.c2pa == C2paRead(box=False)
