"""Properties of crawler.consent.image_meta (an image's own consent metadata).

1. Any bytes and Content-Type give metadata and evidence, never an exception; what is read
   comes from the bytes, not from the Content-Type; the pixel bound is what it says.
2. Unreadable metadata always denies what it might reserve.
3. A reservation survives damage: an image cut anywhere after its XMP packet is still denied
   for what the packet reserves.
4. Written and read back: a PNG's iTXt packet, compressed or not, before or after IDAT.
5. Hostile inputs.
"""

from __future__ import annotations

import io
import struct

from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from crawler.consent.image_meta import (
    MAX_PACKETS,
    METADATA_INVALID,
    image_evidence,
    read_image_metadata,
)
from crawler.consent.model import Effect, Evidence, Purpose
from crawler.consent.xmp import DMI_CODES, MAX_XMP_BYTES

from . import hostile
from .strategies import DATA, IMAGES, XMP, any_text, mutated

content_types = st.one_of(
    st.none(),
    st.sampled_from(("image/jpeg", "image/png", "image/webp", "text/html", "IMAGE/JPG; q=1", "")),
    any_text,
)
bodies = st.one_of(mutated(IMAGES, max_mutations=3), st.binary(max_size=200))
RESERVED = (DATA / "images" / "iptc-ref-std2023.1-dmi-prohibited-genaimltraining.jpg").read_bytes()
_PACKET_END = RESERVED.index(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")


def _bad_exif() -> bytes:
    """A JPEG without JFIF whose EXIF tags point past the end of the file: Pillow warns."""
    entry = struct.pack("<HHII", 0x0128, 3, 0x7FFF, 38) + struct.pack(
        "<HHII", 0x011A, 5, 0x7FFF, 38
    )
    ifd = b"II*\x00" + struct.pack("<IH", 8, 2) + entry + struct.pack("<I", 0)
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "JPEG", exif=b"Exif\x00\x00" + ifd)
    jfif = out.getvalue().index(b"\xff\xe1")
    return out.getvalue()[:2] + out.getvalue()[jfif:]


def _denied(evidence: tuple[Evidence, ...], purpose: Purpose) -> bool:
    return any(e.effect is Effect.DENY and e.applies_to(purpose) for e in evidence)


@given(bodies, content_types, content_types)
@example(b"", None, None)
@example(_bad_exif(), "image/jpeg", None)  # Pillow's UserWarning escaped (an error under -W error)
@example(b"\xff\xd8\xff\xe1\x00\x10http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta", "image/jpeg", None)
def test_any_bytes_give_metadata_from_the_bytes(
    body: bytes, content_type: str | None, other: str | None
) -> None:
    meta = read_image_metadata(body, content_type=content_type)
    again = read_image_metadata(body, content_type=other)
    assert (meta.format, meta.size, meta.xmp, meta.c2pa) == (
        again.format,
        again.size,
        again.xmp,
        again.c2pa,
    ), "the Content-Type changes what is said, not what is read"
    assert meta.format in (None, "JPEG", "MPO", "PNG", "WEBP", "TIFF", "GIF")
    assert len(meta.xmp) <= MAX_PACKETS
    assert [p.index for p in meta.xmp] == list(range(len(meta.xmp)))
    evidence = image_evidence(meta)
    if any(p.error for p in meta.xmp) or meta.c2pa.error:
        for purpose in (Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT):
            assert any(e.reason == METADATA_INVALID and e.applies_to(purpose) for e in evidence), (
                "metadata that cannot be read may hold a reservation"
            )


@given(bodies, st.integers(0, 2_000_000))
def test_the_pixel_bound(body: bytes, max_pixels: int) -> None:
    meta = read_image_metadata(body, content_type=None, max_pixels=max_pixels)
    if meta.size is not None:
        assert meta.too_many_pixels == (meta.size[0] * meta.size[1] > max_pixels)


@given(st.integers(_PACKET_END, len(RESERVED)), mutated([b""], max_mutations=1))
@example(_PACKET_END, b"")
def test_a_reservation_survives_truncation(cut: int, junk: bytes) -> None:
    evidence = image_evidence(read_image_metadata(RESERVED[:cut] + junk, content_type=None))
    assert _denied(evidence, Purpose.TRAIN_GENAI)


_DMI = sorted(DMI_CODES)


def _itxt(data: bytes) -> tuple[int, int]:
    """Where a PNG's (first) iTXt chunk starts and ends."""
    start = data.index(b"iTXt") - 4
    return start, start + 12 + int.from_bytes(data[start : start + 4], "big")


def _png(packet: bytes, compressed: bool, after_pixels: bool) -> bytes:
    out = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", packet.decode(), zip=compressed)
    Image.new("RGB", (4, 4)).save(out, "PNG", pnginfo=info)
    data = out.getvalue()
    if after_pixels:  # move the iTXt chunk after IDAT
        start, end = _itxt(data)
        chunk, data = data[start:end], data[:start] + data[end:]
        iend = data.index(b"IEND") - 4
        data = data[:iend] + chunk + data[iend:]
    return data


@given(st.sampled_from(_DMI), st.booleans(), st.booleans())
def test_png_packets_read_back(code: str, compressed: bool, after_pixels: bool) -> None:
    packet = XMP[0].replace(b"DMI-PROHIBITED-GENAIMLTRAINING", code.encode())
    meta = read_image_metadata(_png(packet, compressed, after_pixels), content_type="image/png")
    assert meta.format == "PNG"
    (read,) = meta.xmp
    assert code in {f.value.rpartition("/")[2] for f in read.findings}


def test_hostile_images() -> None:
    for name, build in hostile.INPUTS.items():
        meta = read_image_metadata(build(), content_type="image/jpeg")
        assert meta.format is None and meta.errors, name
    (packet,) = read_image_metadata(hostile.xmp_bomb_png(), content_type=None).xmp
    assert packet.error is not None and packet.error.startswith("too big")
    assert packet.size == MAX_XMP_BYTES + 1, "decompressed only one byte past the bound"
    # Over Pillow's bound for a compressed text chunk: Pillow refuses the image, the chunk
    # walk still finds the packet (it was reported as an image without metadata: allowed).
    padded = XMP[0].replace(b"<x:xmpmeta", b" " * (2 * hostile.MB) + b"<x:xmpmeta")
    meta = read_image_metadata(_png(padded, compressed=True, after_pixels=False), content_type=None)
    assert meta.format is None and meta.xmp[0].error is not None
    assert _denied(image_evidence(meta), Purpose.TRAIN_GENAI)
    bomb = read_image_metadata(hostile.pixel_bomb_png(), content_type=None)
    assert bomb.too_many_pixels and bomb.errors[0].startswith("decompression bomb")
    data = _png(b"<x:xmpmeta/>", compressed=False, after_pixels=False)
    start, end = _itxt(data)
    crowded = data[:start] + data[start:end] * 10_000 + data[end:]
    meta = read_image_metadata(crowded, content_type=None)
    assert len(meta.xmp) == MAX_PACKETS
    assert f"10000 XMP packets: only the first {MAX_PACKETS} read" in meta.errors
