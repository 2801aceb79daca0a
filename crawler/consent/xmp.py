"""IPTC Photo Metadata "Data Mining" in one XMP packet (SIGNALS.md section 8).

Pure: packet bytes in, a frozen :class:`XmpPacket` out; nothing here raises on bad input. The
packet is parsed with defusedxml, so entity declarations and external references are refused
(recorded as the packet's ``error``) instead of expanded, and a packet over ``max_bytes`` is
not parsed at all. ``plus:DataMining`` and ``plus:OtherConstraints`` are found in every form
XMP allows: an attribute of ``rdf:Description``, element text, ``rdf:resource``, ``rdf:li`` of
an ``rdf:Bag``/``rdf:Seq``/``rdf:Alt``, and ``rdf:value`` (element or attribute) of a qualified
value. What a value means for each purpose is decided in ``image_meta``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .text import clip

__all__ = [
    "DATA_MINING",
    "DMI_CODES",
    "MAX_XMP_BYTES",
    "OTHER_CONSTRAINTS",
    "XmpFinding",
    "XmpPacket",
    "data_mining_code",
    "parse_xmp",
]

#: The property names findings carry (the ``plus:`` prefix is the conventional one).
DATA_MINING: Final = "plus:DataMining"
OTHER_CONSTRAINTS: Final = "plus:OtherConstraints"
#: The PLUS Data Mining vocabulary (ExifTool PLUS.pm, IPTC 2023.1).
DMI_CODES: Final = frozenset(
    {
        "DMI-UNSPECIFIED",
        "DMI-ALLOWED",
        "DMI-PROHIBITED-AIMLTRAINING",
        "DMI-PROHIBITED-GENAIMLTRAINING",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        "DMI-PROHIBITED",
        "DMI-PROHIBITED-SEECONSTRAINT",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR",
    }
)
#: A JPEG APP1 packet is at most 64 KB and real ones (Photoshop history included) stay far
#: below a megabyte; anything bigger is not parsed (the caller decides most restrictively).
MAX_XMP_BYTES: Final = 1_000_000
#: One packet must not turn into thousands of evidence rows.
MAX_FINDINGS: Final = 20

# Element and attribute names cannot be spelt with references, so a UTF-8 packet that never
# writes the property names and declares nothing (no "<!") cannot carry them; a NUL means
# UTF-16/32. Skipping the parse then is the common case and saves the costly part:
# defusedxml's parser runs pure-Python callbacks (about 2 ms for a 31 KB packet).
_MAY_CARRY: Final = re.compile(rb"DataMining|OtherConstraints|<!|\x00")
_RDF: Final = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_RESOURCE: Final = f"{_RDF}resource"
_LI: Final = f"{_RDF}li"
_VALUE: Final = f"{_RDF}value"
# Writers differ on the scheme and the trailing slash of the PLUS namespace; all mean PLUS.
_PLUS: Final = tuple(
    f"{{{scheme}://ns.useplus.org/ldf/xmp/1.0{slash}}}"
    for scheme in ("http", "https")
    for slash in ("/", "")
)
_PROPERTIES: Final = {
    f"{ns}{local}": name
    for ns in _PLUS
    for local, name in (("DataMining", DATA_MINING), ("OtherConstraints", OTHER_CONSTRAINTS))
}


@dataclass(frozen=True, slots=True)
class XmpFinding:
    """One value of ``plus:DataMining`` or ``plus:OtherConstraints``."""

    property: str
    """:data:`DATA_MINING` or :data:`OTHER_CONSTRAINTS`."""
    value: str
    """As written (clipped), e.g. ``http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED``."""
    form: str
    """Where it was: ``attribute``, ``element``, ``rdf:resource``, ``rdf:li`` or ``rdf:value``."""
    packet: int
    """Index of the packet in the image (0-based, in file order)."""


@dataclass(frozen=True, slots=True)
class XmpPacket:
    """What one packet says; ``error`` is set when it could not be read (findings then empty)."""

    index: int
    size: int
    findings: tuple[XmpFinding, ...] = ()
    error: str | None = None


def parse_xmp(packet: bytes, *, index: int = 0, max_bytes: int = MAX_XMP_BYTES) -> XmpPacket:
    """Find the Data Mining properties of one XMP packet. Never raises."""
    size = len(packet)
    if size > max_bytes:
        return XmpPacket(
            index, size, error=f"too big: {size} bytes, over the {max_bytes} byte limit"
        )
    data = bytes(packet)
    if b"\x00" not in data[:4]:
        # JPEG writers pad (UTF-8) packets with NULs. A UTF-16 or UTF-32 packet (a NUL among
        # its first bytes) keeps its own: stripping them would cut its last character in half.
        data = data.rstrip(b"\x00 \t\r\n")
    if _MAY_CARRY.search(data) is None:
        return XmpPacket(index, size)
    try:
        root = fromstring(data)
    except DefusedXmlException as exc:
        return XmpPacket(index, size, error=f"refused: {type(exc).__name__}")
    except (ParseError, ValueError, TypeError) as exc:
        return XmpPacket(index, size, error=clip(f"not XML: {exc}", 120))
    findings: list[XmpFinding] = []
    for element in root.iter():
        for key, value in element.attrib.items():
            name = _PROPERTIES.get(key)
            if name is not None and value.strip():
                findings.append(XmpFinding(name, clip(value.strip()), "attribute", index))
        name = _PROPERTIES.get(str(element.tag))
        if name is not None:
            findings.extend(
                XmpFinding(name, clip(value), form, index) for value, form in _values(element)
            )
    return XmpPacket(index, size, tuple(findings[:MAX_FINDINGS]))


def _values(prop: Element) -> Iterator[tuple[str, str]]:
    resource = prop.get(_RESOURCE, "").strip()
    if resource:
        yield resource, "rdf:resource"
    text = (prop.text or "").strip()
    if text:
        yield text, "element"
    for child in prop.iter():
        if child is prop:
            continue
        value = child.get(_VALUE, "").strip()
        if value:
            yield value, "rdf:value"
        if child.tag in (_LI, _VALUE):
            form = "rdf:li" if child.tag == _LI else "rdf:value"
            inner = child.get(_RESOURCE, "").strip() or (child.text or "").strip()
            if inner:
                yield inner, form


def data_mining_code(value: str) -> str | None:
    """The vocabulary code of a ``plus:DataMining`` value, URI or bare code; None if unknown."""
    code = value.strip().rstrip("/").rpartition("/")[2].upper()
    return code if code in DMI_CODES else None
