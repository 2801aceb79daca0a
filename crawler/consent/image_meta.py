"""Consent embedded in an image: IPTC Data Mining in XMP and C2PA/CAWG training-mining.

Pure: image bytes in, a frozen :class:`ImageMetadata` out (``read_image_metadata``), then
``image_evidence`` turns it into Evidence per purpose. Nothing here raises on bad input and
nothing does I/O beyond Pillow and c2pa-python reading an in-memory stream.

Reading. The format comes from the bytes (Pillow), never from the Content-Type; a Content-Type
that disagrees is recorded. Pixels are never decoded: Pillow reads the header, its own bomb
check applies (an image over twice ``Image.MAX_IMAGE_PIXELS`` is refused at open) and ours
flags anything over ``max_pixels`` (``too_many_pixels``: the caller skips it as a
decompression bomb). XMP packets come from every JPEG APP1 segment (``applist``; Pillow's
``info["xmp"]`` keeps only the last), every PNG ``iTXt XML:com.adobe.xmp`` chunk before or after
IDAT (a chunk walk, so no ``load()`` of the pixels), and ``info["xmp"]`` for WebP, TIFF, GIF.
When Pillow cannot open the bytes (corrupt header, unsupported format, bomb, a compressed text
chunk over its bound), the raw bytes are scanned for ``<x:xmpmeta>`` packets, and a PNG's chunks
are walked for its XMP chunks (compressed ones too), so an embedded reservation is still seen.

Deciding (G = train-genai, N = train-ai, R = ai-input, S = search; SIGNALS.md sections 8, 9):

==========================================  ==========  ===================================
IPTC ``plus:DataMining``                    effect      purposes
==========================================  ==========  ===================================
DMI-PROHIBITED-AIMLTRAINING                 deny        G N
DMI-PROHIBITED-GENAIMLTRAINING              deny        G
DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING   deny        G N R
DMI-PROHIBITED, -SEECONSTRAINT,             deny        G N R S (free text or a rights
-SEEEMBEDDEDRIGHTSEXPR, -SEELINKEDRIGHTSEXPR            expression a machine cannot read)
DMI-ALLOWED                                 allow       G N R S (the rights holder's grant)
DMI-UNSPECIFIED                             info        -
any other value                             deny        G N R (may be a reservation)
==========================================  ==========  ===================================

C2PA/CAWG entries (``c2pa.*`` and ``cawg.*`` alike): ``ai_generative_training`` speaks for G,
``ai_training`` (non-generative models) for N, ``ai_inference`` for R. ``data_mining`` is
"extracting text or data to find patterns" (CAWG 1.1): training mines its data, so a
``data_mining`` restriction covers G and N — but only where the manifest has no entry of its
own for that training purpose (the specific entry is the rights holder's more precise word;
SIGNALS.md 9 vector 2). Inference and search are not mining, so it never covers R or S, and
its ``allowed`` grants nothing (it does not say AI training is allowed). ``notAllowed``,
``constrained`` (we read no machine grant from ``constraint_info``) and any other use deny;
``allowed`` counts as a grant only from a manifest c2pa-python validates (``Valid`` or
``Trusted``), otherwise it is recorded as info. A restriction is honoured whatever the
validation state, which every C2PA evidence value records. Custom entries are info.

A ``DMI-ALLOWED`` that another value or an unreadable packet of the same image contradicts
grants nothing (recorded as info). Metadata that is there but cannot be read — an XMP packet refused (entities, too big) or not
XML, a C2PA box without a readable manifest — may hold a reservation: it denies G N R with
``image-metadata-invalid``. Otherwise every packet and entry gives its own evidence, and the
policy lets any deny win.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from PIL import Image, UnidentifiedImageError

from .c2pa_meta import C2paFinding, C2paRead, has_c2pa_box, read_c2pa
from .model import Effect, Evidence, Purpose, reason
from .text import clip
from .xmp import (
    DATA_MINING,
    MAX_XMP_BYTES,
    OTHER_CONSTRAINTS,
    XmpFinding,
    XmpPacket,
    data_mining_code,
    parse_xmp,
)

__all__ = [
    "C2PA_FAMILY",
    "DEFAULT_MAX_PIXELS",
    "IPTC_FAMILY",
    "METADATA_INVALID",
    "C2paFinding",
    "C2paRead",
    "ImageMetadata",
    "XmpFinding",
    "XmpPacket",
    "image_evidence",
    "read_image_metadata",
]

#: Reason families (``iptc-data-mining:<CODE>``, ``c2pa-training-mining:<entry>``) and code.
IPTC_FAMILY: Final = "iptc-data-mining"
C2PA_FAMILY: Final = "c2pa-training-mining"
METADATA_INVALID: Final = "image-metadata-invalid"
#: Evidence signals.
XMP_SIGNAL: Final = "iptc-xmp"
C2PA_SIGNAL: Final = "c2pa"
IMAGE_SIGNAL: Final = "image-metadata"
#: 50 megapixels: bigger than any camera photo a crawl wants, far below a bomb.
DEFAULT_MAX_PIXELS: Final = 50_000_000
#: Packets read per image: more is hostile, and the rest are not read (recorded).
MAX_PACKETS: Final = 8

_G, _N, _R = Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.AI_INPUT
_ALL: Final = frozenset(Purpose)
_AI: Final = frozenset({_G, _N, _R})
_DMI_DENY: Final = {
    "DMI-PROHIBITED-AIMLTRAINING": frozenset({_G, _N}),
    "DMI-PROHIBITED-GENAIMLTRAINING": frozenset({_G}),
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": _AI,
    "DMI-PROHIBITED": _ALL,
    "DMI-PROHIBITED-SEECONSTRAINT": _ALL,
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": _ALL,
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": _ALL,
}
_ENTRY_PURPOSES: Final = {
    "ai_generative_training": frozenset({_G}),
    "ai_training": frozenset({_N}),
    "ai_inference": frozenset({_R}),
}
_DATA_MINING: Final = frozenset({_G, _N})

_FORMATS: Final = ("JPEG", "PNG", "WEBP", "TIFF", "GIF")
_MIME: Final = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "TIFF": "image/tiff",
    "GIF": "image/gif",
}
_MIME_ALIASES: Final = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
}
_XMP_APP1: Final = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXTENDED: Final = b"http://ns.adobe.com/xmp/extension/\x00"
_PNG_SIGNATURE: Final = b"\x89PNG\r\n\x1a\n"
_PNG_XMP_KEY: Final = b"XML:com.adobe.xmp"
_RAW_PACKET: Final = re.compile(rb"<x:xmpmeta\b.*?(?:</x:xmpmeta>|\Z)", re.DOTALL)
# What Pillow's plugins raise on hostile bytes (UnidentifiedImageError is an OSError).
_PIL_ERRORS: Final = (
    OSError,
    SyntaxError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
    struct.error,
)


@dataclass(frozen=True, slots=True)
class ImageMetadata:
    """What an image says about its own use, and what could not be read."""

    format: str | None
    """Pillow's name of the real format (``JPEG``, ``MPO``, ``PNG``, ``WEBP``, ``TIFF``,
    ``GIF``), None when Pillow could not open the bytes."""
    size: tuple[int, int] | None
    """Width and height in pixels, from the header."""
    content_type: str | None
    """The declared media type (lower case, without parameters)."""
    xmp: tuple[XmpPacket, ...] = ()
    c2pa: C2paRead = field(default_factory=lambda: C2paRead(box=False))
    errors: tuple[str, ...] = ()
    """Image-level problems: unreadable or corrupt image, pixel bound, lying Content-Type,
    packets over the count. Unreadable XMP or C2PA is in ``xmp``/``c2pa`` themselves."""
    too_many_pixels: bool = False
    """Over ``max_pixels`` (or Pillow's own bomb bound): skip the image as a bomb."""

    @property
    def mime(self) -> str | None:
        return _MIME.get(self.format or "")

    @property
    def xmp_findings(self) -> tuple[XmpFinding, ...]:
        return tuple(f for packet in self.xmp for f in packet.findings)


def read_image_metadata(
    body: bytes,
    *,
    content_type: str | None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_xmp_bytes: int = MAX_XMP_BYTES,
) -> ImageMetadata:
    """Read the consent metadata of one image. Never raises."""
    data = bytes(body)
    declared = _media_type(content_type)
    errors: list[str] = []
    fmt: str | None = None
    size: tuple[int, int] | None = None
    raw: list[bytes] = []
    box: bool | None = None
    bomb = False
    try:
        # Pillow's warnings say nothing about consent: the bomb warning repeats our max_pixels
        # bound (checked below), the others are metadata it skips (EXIF tags past the end of
        # the file, ...) in images that are still read.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
                fmt, size = image.format, image.size
                raw = list(_packets(image, data))
                if fmt in ("JPEG", "MPO"):
                    # C2PA lives in APP11 segments before the scan: no need to search 5 MB.
                    box = any(
                        m == "APP11" and has_c2pa_box(s) for m, s in getattr(image, "applist", ())
                    )
    except Image.DecompressionBombError as exc:
        bomb = True
        errors.append(clip(f"decompression bomb: {exc}", 160))
    except UnidentifiedImageError:
        errors.append(f"unreadable image: not {', '.join(_FORMATS)}")
    except _PIL_ERRORS as exc:
        errors.append(clip(f"unreadable image: {type(exc).__name__}: {exc}", 160))
    if fmt is None:
        raw = list(_png_packets(data)) if data.startswith(_PNG_SIGNATURE) else []
        seen = set(raw)
        raw += [p for p in (m[0] for m in _RAW_PACKET.finditer(data)) if p not in seen]
    if size is not None and size[0] * size[1] > max_pixels:
        bomb = True
        errors.append(f"{size[0]}x{size[1]} pixels, over the {max_pixels} pixel bound")
    mime = _MIME.get(fmt or "")
    if declared is not None and mime is not None and declared != mime:
        errors.append(f"Content-Type {declared} but the bytes are {fmt}")
    if len(raw) > MAX_PACKETS:
        errors.append(f"{len(raw)} XMP packets: only the first {MAX_PACKETS} read")
    packets = tuple(
        parse_xmp(packet, index=i, max_bytes=max_xmp_bytes)
        for i, packet in enumerate(raw[:MAX_PACKETS])
    )
    return ImageMetadata(
        format=fmt,
        size=size,
        content_type=declared,
        xmp=packets,
        c2pa=read_c2pa(data, mime, box=box),
        errors=tuple(errors),
        too_many_pixels=bomb,
    )


def _media_type(content_type: str | None) -> str | None:
    if not isinstance(content_type, str) or not content_type.strip():
        return None
    media = content_type.partition(";")[0].strip().lower()
    return _MIME_ALIASES.get(media, media)


def _packets(image: Image.Image, data: bytes) -> Iterator[bytes]:
    if image.format in ("JPEG", "MPO"):
        for marker, segment in getattr(image, "applist", ()):
            if marker != "APP1":
                continue
            if segment.startswith(_XMP_APP1):
                yield segment[len(_XMP_APP1) :]
            elif segment.startswith(_XMP_EXTENDED) and b"DataMining" in segment:
                # Extended XMP is not joined; a reservation in it must not go unseen, so the
                # part is handed on as it is and fails to parse (most restrictive).
                yield segment
    elif image.format == "PNG":
        yield from _png_packets(data)
    else:
        xmp = image.info.get("xmp")
        if isinstance(xmp, str):
            xmp = xmp.encode("utf-8")
        if isinstance(xmp, bytes) and xmp:
            yield xmp


def _png_packets(data: bytes) -> Iterator[bytes]:
    """Every iTXt XMP chunk, before or after IDAT, without decoding the pixels."""
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        chunk = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IEND":
            return
        if kind != b"iTXt" or not chunk.startswith(_PNG_XMP_KEY + b"\x00"):
            continue
        rest = chunk[len(_PNG_XMP_KEY) + 1 :]
        compressed = rest[:1] == b"\x01"
        text = rest[2:].split(b"\x00", 2)[-1]  # after the language tag and translated keyword
        if compressed:
            try:
                # One byte over the XMP bound is enough for parse_xmp to refuse it.
                text = zlib.decompressobj().decompress(text, MAX_XMP_BYTES + 1)
            except zlib.error:
                text = b"<x:xmpmeta corrupt compressed iTXt"
        yield text


def image_evidence(meta: ImageMetadata) -> tuple[Evidence, ...]:
    """Evidence per purpose from an image's XMP and C2PA metadata (see the module table)."""
    evidence: list[Evidence] = []
    # DMI-ALLOWED is a grant only when no other value or unreadable packet of the image
    # contradicts it: disagreeing packets decide most restrictively.
    contested = any(p.error is not None for p in meta.xmp) or any(
        data_mining_code(f.value) not in ("DMI-ALLOWED", "DMI-UNSPECIFIED")
        for f in meta.xmp_findings
        if f.property == DATA_MINING
    )
    for packet in meta.xmp:
        evidence.extend(_xmp_evidence(packet, contested))
    evidence.extend(_c2pa_evidence(meta.c2pa))
    evidence.extend(Evidence(IMAGE_SIGNAL, "image", clip(e)) for e in meta.errors)
    return tuple(evidence)


def _xmp_evidence(packet: XmpPacket, contested: bool) -> Iterator[Evidence]:
    where = f"xmp packet {packet.index}"
    if packet.error is not None:
        yield Evidence(
            signal=XMP_SIGNAL,
            source=where,
            value=clip(f"unreadable XMP ({packet.size} bytes): {packet.error}"),
            effect=Effect.DENY,
            reason=reason(METADATA_INVALID),
            purposes=_AI,
        )
        return
    constraints = "; ".join(f.value for f in packet.findings if f.property == OTHER_CONSTRAINTS)
    for finding in packet.findings:
        source = f"{where}: {finding.property} ({finding.form})"
        if finding.property != DATA_MINING:
            yield Evidence(XMP_SIGNAL, source, clip(finding.value))
            continue
        code = data_mining_code(finding.value)
        value = finding.value
        if constraints and code is not None and code.startswith("DMI-PROHIBITED"):
            value = f"{value}; {OTHER_CONSTRAINTS}: {constraints}"
        if code == "DMI-UNSPECIFIED":
            yield Evidence(XMP_SIGNAL, source, clip(value))
        elif code == "DMI-ALLOWED":
            if contested:
                yield Evidence(XMP_SIGNAL, source, clip(f"{value} (contradicted: no grant)"))
            else:
                yield Evidence(XMP_SIGNAL, source, clip(value), Effect.ALLOW, purposes=_ALL)
        else:
            yield Evidence(
                signal=XMP_SIGNAL,
                source=source,
                value=clip(value),
                effect=Effect.DENY,
                reason=reason(IPTC_FAMILY, code or "unrecognised"),
                purposes=_DMI_DENY.get(code or "", _AI),
            )


def _c2pa_evidence(read: C2paRead) -> Iterator[Evidence]:
    state = f"validation {read.validation_state or 'unknown'}"
    if read.status_codes:
        state += f" ({', '.join(read.status_codes)})"
    if read.error is not None:
        yield Evidence(
            signal=C2PA_SIGNAL,
            source="c2pa manifest store",
            value=clip(f"unreadable C2PA manifest store: {read.error}; {state}"),
            effect=Effect.DENY,
            reason=reason(METADATA_INVALID),
            purposes=_AI,
        )
        return
    if read.manifest is None:
        return
    if not read.findings:
        text = f"manifest {read.manifest}: no training-mining assertion; {state}"
        yield Evidence(C2PA_SIGNAL, f"c2pa manifest {read.manifest}", clip(text))
        return
    specific = frozenset().union(
        *(_ENTRY_PURPOSES.get(_kind(f.entry), frozenset()) for f in read.findings)
    )
    for finding in read.findings:
        kind = _kind(finding.entry)
        purposes = _ENTRY_PURPOSES.get(kind)
        if kind == "data_mining":
            purposes = _DATA_MINING - specific
        text = f"{finding.assertion} {finding.entry}: use={finding.use}"
        if finding.constraint is not None:
            text += f", constraint_info={finding.constraint}"
        source = f"c2pa manifest {finding.manifest}: {finding.assertion}/{finding.entry}"
        value = clip(f"{text}; {state}")
        if not purposes:
            yield Evidence(C2PA_SIGNAL, source, value)
        elif finding.use == "allowed":
            if read.validated and kind != "data_mining":
                yield Evidence(C2PA_SIGNAL, source, value, Effect.ALLOW, purposes=purposes)
            else:
                yield Evidence(C2PA_SIGNAL, source, value)
        else:
            code = reason(C2PA_FAMILY, finding.entry)
            yield Evidence(C2PA_SIGNAL, source, value, Effect.DENY, code, purposes=purposes)


def _kind(entry: str) -> str:
    """``ai_training`` of ``cawg.ai_training`` / ``c2pa.ai_training``; custom labels stay."""
    prefix, _, kind = entry.partition(".")
    return kind if prefix in ("c2pa", "cawg") else entry
