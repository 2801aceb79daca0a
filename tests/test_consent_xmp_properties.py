"""Properties of crawler.consent.xmp (IPTC Data Mining in one XMP packet).

1. Any bytes give a packet: findings or the error, bounded, never an exception.
2. Written and read back: a value in each form XMP allows, under each spelling of the PLUS
   namespace, is found with its form; UTF-16 and NUL padding read alike.
3. ``data_mining_code`` is a normalisation: stable, whatever the URI or case around the code.
4. Hostile inputs.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from hypothesis import example, given
from hypothesis import strategies as st

from crawler.consent.xmp import (
    DATA_MINING,
    DMI_CODES,
    MAX_FINDINGS,
    MAX_XMP_BYTES,
    OTHER_CONSTRAINTS,
    XmpPacket,
    data_mining_code,
    parse_xmp,
)

from . import hostile
from .strategies import XMP_PACKETS, any_text, mutated

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_PLUS = tuple(
    f"{scheme}://ns.useplus.org/ldf/xmp/1.0{slash}" for scheme in ("http", "https") for slash in "/"
)
_PLUS += tuple(namespace.removesuffix("/") for namespace in _PLUS)
_FORMS = ("attribute", "element", "rdf:resource", "rdf:li", "rdf:value", "rdf:value attribute")

codes = st.sampled_from(sorted(DMI_CODES))
values = st.one_of(
    codes.map(lambda c: f"http://ns.useplus.org/ldf/vocab/{c}"),
    codes,
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40),
).filter(lambda v: v.strip() == v and v)


def _packet(value: str, form: str, namespace: str, container: str) -> str:
    """An XMP packet that says ``plus:DataMining`` is ``value``, written in ``form``."""
    text, attr = escape(value), quoteattr(value)
    body = {
        "attribute": "",
        "element": f"<plus:DataMining>{text}</plus:DataMining>",
        "rdf:resource": f"<plus:DataMining rdf:resource={attr}/>",
        "rdf:li": f"<plus:DataMining><rdf:{container}><rdf:li>{text}</rdf:li></rdf:{container}></plus:DataMining>",
        "rdf:value": f"<plus:DataMining rdf:parseType='Resource'><rdf:value>{text}</rdf:value></plus:DataMining>",
        "rdf:value attribute": f"<plus:DataMining><rdf:Description rdf:value={attr}/></plus:DataMining>",
    }[form]
    own = f" plus:DataMining={attr}" if form == "attribute" else ""
    return (
        f"<?xpacket begin='\ufeff' id='W5M0MpCehiHzreSzNTczkc9d'?>"
        f"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='{_RDF}'>"
        f"<rdf:Description rdf:about='' xmlns:plus='{namespace}'{own}>{body}</rdf:Description>"
        "</rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    )


def _check(packet: XmpPacket, size: int, index: int) -> None:
    assert (packet.index, packet.size) == (index, size)
    assert packet.error is None or packet.findings == ()
    assert len(packet.findings) <= MAX_FINDINGS
    for finding in packet.findings:
        assert finding.property in (DATA_MINING, OTHER_CONSTRAINTS) and finding.packet == index
        assert finding.value and finding.value == finding.value.strip()
        assert len(finding.value) <= 300


@given(st.one_of(mutated(XMP_PACKETS), st.binary(max_size=200)), st.integers(0, 7))
@example(b"<x DataMining='1'/>", 0)
@example(b"\xff\xfe<\x00", 1)
@example(b"<!DOCTYPE x [<!ENTITY e 'e'>]><x>&e;</x>", 2)
def test_any_bytes_give_a_packet(data: bytes, index: int) -> None:
    _check(parse_xmp(data, index=index), len(data), index)


@given(
    values,
    st.sampled_from(_FORMS),
    st.sampled_from(_PLUS),
    st.sampled_from(("Bag", "Seq", "Alt")),
    st.sampled_from(("utf-8", "utf-16", "utf-8 padded")),
)
@example("DMI-PROHIBITED-AIMLTRAINING", "rdf:li", _PLUS[0], "Bag", "utf-16")
def test_a_value_in_any_form_is_found(
    value: str, form: str, namespace: str, container: str, encoding: str
) -> None:
    text = _packet(value, form, namespace, container)
    if encoding == "utf-8 padded":
        data = text.encode() + b" \n" + b"\x00" * 40
    else:
        data = text.encode(encoding)
    packet = parse_xmp(data)
    _check(packet, len(data), 0)
    found = [(f.property, f.value, f.form) for f in packet.findings]
    assert found == [(DATA_MINING, value, form.removesuffix(" attribute"))]
    assert data_mining_code(value) in (None, *DMI_CODES)


@given(any_text)
@example("http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED/")
@example(" dmi-allowed ")
def test_data_mining_code_is_stable(value: str) -> None:
    code = data_mining_code(value)
    if code is None:
        return
    assert code in DMI_CODES and data_mining_code(code) == code
    for spelling in (code.lower(), f"https://ns.useplus.org/ldf/vocab/{code}/", f" {code} "):
        assert data_mining_code(spelling) == code


def test_hostile_packets() -> None:
    for name, build in hostile.INPUTS.items():
        data = build()
        packet = parse_xmp(data)
        _check(packet, len(data), 0)
        assert packet.findings == (), name
        if len(data) > MAX_XMP_BYTES:
            assert packet.error is not None and packet.error.startswith("too big")
    assert parse_xmp(hostile.billion_laughs()).error == "refused: EntitiesForbidden"
    assert parse_xmp(hostile.quadratic_blowup()).error == "refused: EntitiesForbidden"
    deep = hostile.deep_xml()
    depth = hostile.DEPTH
    nested = (
        deep[: 3 * depth]
        + b"<plus:DataMining xmlns:plus='"
        + _PLUS[0].encode()
        + b"'>DMI-PROHIBITED</plus:DataMining>"
        + deep[3 * depth :]
    )
    (finding,) = parse_xmp(nested).findings
    assert finding.value == "DMI-PROHIBITED"
    many = _packet("DMI-PROHIBITED", "element", _PLUS[0], "Bag").replace(
        "<plus:DataMining>DMI-PROHIBITED</plus:DataMining>",
        "<plus:DataMining>DMI-PROHIBITED</plus:DataMining>" * 10_000,
    )
    assert len(parse_xmp(many.encode()).findings) == MAX_FINDINGS
