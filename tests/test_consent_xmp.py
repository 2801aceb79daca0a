"""Tests of crawler.consent.xmp (plus:DataMining / plus:OtherConstraints in one XMP packet).

1. Every form XMP allows for the properties, and the vocabulary codes.
2. The real IPTC 2024.1 reference packet.
3. Bad packets: entities, external references, not XML, over the size bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.consent.xmp import (
    DATA_MINING,
    MAX_FINDINGS,
    OTHER_CONSTRAINTS,
    XmpFinding,
    XmpPacket,
    data_mining_code,
    parse_xmp,
)

DATA = Path(__file__).parent / "data" / "images"
VOCAB = "http://ns.useplus.org/ldf/vocab/"
PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def packet(attrs: str = "", children: str = "", ns: str = f'xmlns:plus="{PLUS}"') -> bytes:
    """An XMP packet as writers lay it out, with one rdf:Description."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        f'<rdf:RDF xmlns:rdf="{RDF}">'
        f'<rdf:Description rdf:about="" {ns} {attrs}>{children}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


FORMS = [
    # (packet, expected (value, form) of plus:DataMining)
    (packet(f'plus:DataMining="{VOCAB}DMI-PROHIBITED"'), [(f"{VOCAB}DMI-PROHIBITED", "attribute")]),
    (
        packet(children=f"<plus:DataMining>{VOCAB}DMI-ALLOWED</plus:DataMining>"),
        [(f"{VOCAB}DMI-ALLOWED", "element")],
    ),
    (
        packet(children=f'<plus:DataMining rdf:resource="{VOCAB}DMI-UNSPECIFIED"/>'),
        [(f"{VOCAB}DMI-UNSPECIFIED", "rdf:resource")],
    ),
    (
        packet(
            children="<plus:DataMining><rdf:Bag><rdf:li>DMI-PROHIBITED-AIMLTRAINING</rdf:li>"
            f'<rdf:li rdf:resource="{VOCAB}DMI-ALLOWED"/></rdf:Bag></plus:DataMining>'
        ),
        [("DMI-PROHIBITED-AIMLTRAINING", "rdf:li"), (f"{VOCAB}DMI-ALLOWED", "rdf:li")],
    ),
    (
        packet(
            children="<plus:DataMining><rdf:Seq><rdf:li>DMI-PROHIBITED</rdf:li></rdf:Seq>"
            "</plus:DataMining>"
        ),
        [("DMI-PROHIBITED", "rdf:li")],
    ),
    (
        packet(
            children="<plus:DataMining><rdf:Alt><rdf:li xml:lang='x-default'>"
            "DMI-PROHIBITED-GENAIMLTRAINING</rdf:li></rdf:Alt></plus:DataMining>"
        ),
        [("DMI-PROHIBITED-GENAIMLTRAINING", "rdf:li")],
    ),
    (
        packet(
            children='<plus:DataMining rdf:parseType="Resource">'
            "<rdf:value>DMI-PROHIBITED</rdf:value></plus:DataMining>"
        ),
        [("DMI-PROHIBITED", "rdf:value")],
    ),
    (
        packet(
            children="<plus:DataMining>"
            '<rdf:Description rdf:value="DMI-PROHIBITED-SEECONSTRAINT"/></plus:DataMining>'
        ),
        [("DMI-PROHIBITED-SEECONSTRAINT", "rdf:value")],
    ),
    # Namespace declared with single quotes (the IPTC reference files), and another prefix.
    (
        packet(
            children="<plus:DataMining>DMI-PROHIBITED</plus:DataMining>", ns=f"xmlns:plus='{PLUS}'"
        ),
        [("DMI-PROHIBITED", "element")],
    ),
    (
        packet('p:DataMining="DMI-PROHIBITED"', ns=f'xmlns:p="{PLUS}"'),
        [("DMI-PROHIBITED", "attribute")],
    ),
    (
        packet(
            'plus:DataMining="DMI-PROHIBITED"', ns='xmlns:plus="https://ns.useplus.org/ldf/xmp/1.0"'
        ),
        [("DMI-PROHIBITED", "attribute")],
    ),
    # A DataMining property of another namespace is not IPTC's.
    (packet('plus:DataMining="DMI-PROHIBITED"', ns='xmlns:plus="http://example.test/ns/"'), []),
    (packet(), []),
]


@pytest.mark.parametrize(("body", "expected"), FORMS)
def test_every_form_of_data_mining_is_found(body: bytes, expected: list[tuple[str, str]]) -> None:
    parsed = parse_xmp(body, index=3)
    assert parsed.error is None
    found = [(f.value, f.form) for f in parsed.findings if f.property == DATA_MINING]
    assert found == expected
    assert all(f.packet == 3 for f in parsed.findings)


def test_other_constraints_lang_alt_is_read() -> None:
    body = packet(
        children="<plus:OtherConstraints><rdf:Alt>"
        '<rdf:li xml:lang="x-default">No AI training; ask licensing@example.test</rdf:li>'
        '<rdf:li xml:lang="de">Kein KI-Training</rdf:li></rdf:Alt></plus:OtherConstraints>'
    )
    values = [f.value for f in parse_xmp(body).findings if f.property == OTHER_CONSTRAINTS]
    assert values == ["No AI training; ask licensing@example.test", "Kein KI-Training"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (f"{VOCAB}DMI-PROHIBITED-AIMLTRAINING", "DMI-PROHIBITED-AIMLTRAINING"),
        ("https://ns.useplus.org/ldf/vocab/DMI-ALLOWED/", "DMI-ALLOWED"),
        ("DMI-PROHIBITED", "DMI-PROHIBITED"),
        (
            "  dmi-prohibited-exceptsearchengineindexing ",
            "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
        ),
        (f"{VOCAB}DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR"),
        ("DMI-MAYBE", None),
        ("no AI please", None),
        ("", None),
    ],
)
def test_vocabulary_codes(value: str, code: str | None) -> None:
    assert data_mining_code(value) == code


def test_real_iptc_2024_reference_packet() -> None:
    parsed = parse_xmp((DATA / "iptc-photometadata-ref-2024.1.xmp").read_bytes())
    assert parsed.error is None
    assert parsed.findings == (
        XmpFinding(DATA_MINING, f"{VOCAB}DMI-PROHIBITED-GENAIMLTRAINING", "element", 0),
        XmpFinding(
            OTHER_CONSTRAINTS,
            "Data Mining for Generative AI/ML training is definitely prohibited",
            "rdf:li",
            0,
        ),
    )


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x:xmpmeta [<!ENTITY a "DMI-PROHIBITED">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&d;</x:xmpmeta>'
)
EXTERNAL = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&e;</x:xmpmeta>'
)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (BILLION_LAUGHS, "refused: EntitiesForbidden"),
        (EXTERNAL, "refused: EntitiesForbidden"),
        (packet(children="<plus:DataMining><rdf:Seq>"), "not XML"),
        (b"plus:DataMining \xff\xfe garbage", "not XML"),
        ("<x:xmpmeta/>".encode("utf-16"), "not XML"),
        (packet(children="<x>" + "A" * 5_000_000 + "</x>"), "too big"),
    ],
)
def test_bad_packets_are_recorded_not_raised(body: bytes, error: str) -> None:
    parsed = parse_xmp(body)
    assert parsed.error is not None and parsed.error.startswith(error)
    assert parsed.findings == () and parsed.size == len(body)


@pytest.mark.parametrize(
    "body", [b"", b"\xff\xfe garbage", packet(children="<dc:title>unclosed"), packet()]
)
def test_packets_that_cannot_carry_the_properties_are_not_parsed(body: bytes) -> None:
    assert parse_xmp(body) == XmpPacket(0, len(body))


def test_nul_padding_is_ignored_and_findings_are_bounded() -> None:
    many = "".join(f"<rdf:li>DMI-PROHIBITED-{i}</rdf:li>" for i in range(100))
    body = packet(children=f"<plus:DataMining><rdf:Bag>{many}</rdf:Bag></plus:DataMining>")
    parsed = parse_xmp(body + b"\x00" * 64)
    assert parsed.error is None
    assert len(parsed.findings) == MAX_FINDINGS
