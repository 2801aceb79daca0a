"""Tests of crawler.consent.tdmrep (W3C TDMRep: tdmrep.json, headers, HTML meta).

1. SIGNALS.md section 4 test vectors, decided per purpose through the policy (G N S R).
2. Parsing details: entries, types, matching, channels.
3. Real files (tests/data/realweb/{tdmrep,headers,html}) with verdicts derived from the spec.
4. Bad input never raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose
from crawler.consent.policy import decide
from crawler.consent.tdmrep import (
    FILE_ERROR_PREFIX,
    MAX_ERRORS,
    TDM_PURPOSES,
    TdmRepFile,
    TdmRule,
    TdmValue,
    header_value,
    meta_value,
    tdm_evidence,
)

from .vectors import read_headers_file

REALWEB = Path(__file__).parent / "data" / "realweb"
FILE = "https://site.test/.well-known/tdmrep.json"
PAGE = "https://site.test/page"
SHA = "0" * 64

# Column order of the SIGNALS.md tables: G N S R.
GNSR = (Purpose.TRAIN_GENAI, Purpose.TRAIN_AI, Purpose.SEARCH, Purpose.AI_INPUT)


def check(
    evidence: tuple[Evidence, ...], expected: str, *, licence: LicenseStatus | None = None
) -> None:
    """Compare the policy's answer per purpose with a G/N/S/R row.

    N: denied by a tdmrep reservation. Y: allowed, and an explicit grant (ALLOW) where TDMRep
    speaks (TDM purposes), so an opt-in job may collect. ?: allowed, no deny and no grant.
    """
    assert len(expected) == 4
    for purpose, letter in zip(GNSR, expected, strict=True):
        decision = decide(purpose, evidence)
        applicable = [e for e in evidence if e.applies_to(purpose)]
        grants = [e for e in applicable if e.effect is Effect.ALLOW]
        denials = [e for e in applicable if e.effect is Effect.DENY]
        opt_in = decide(purpose, evidence, require_permission=True)
        if letter == "N":
            assert not decision.allowed, purpose
            assert decision.reasons == ("tdmrep-reserved",), purpose
            if licence is not None:
                assert decision.license_status is licence, purpose
        elif letter == "Y":
            assert decision.allowed and not denials, purpose
            if purpose in TDM_PURPOSES:
                assert grants and opt_in.allowed, purpose
        else:
            assert letter == "?"
            assert decision.allowed and not denials and not grants, purpose
            assert not opt_in.allowed, purpose


def evidence_for(
    url: str,
    file: TdmRepFile | None = None,
    header: tuple[str | None, str | None] = (None, None),
    metas: Iterable[tuple[str, str]] = (),
) -> tuple[Evidence, ...]:
    header_val, header_errors = header_value(*header)
    meta_val, meta_errors = meta_value(metas)
    return tdm_evidence(
        file.match(url) if file is not None else None,
        header_val,
        meta_val,
        file_source=FILE,
        page_source=url,
        document_sha256=SHA,
        errors=(*(file.errors if file else ()), *header_errors, *meta_errors),
    )


def tdm_file(*rules: dict[str, object]) -> TdmRepFile:
    return TdmRepFile.parse(json.dumps(list(rules)).encode())


SPEC_EXAMPLE = tdm_file(
    {"location": "/directory-a/", "tdm-reservation": 1},
    {
        "location": "/directory-b/html/",
        "tdm-reservation": 1,
        "tdm-policy": "https://provider.com/policies/policy.json",
    },
    {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
)
ROOT_RESERVED = tdm_file({"location": "/", "tdm-reservation": 1})

# --------------------------------------------------------------------------
# 1. SIGNALS.md section 4 vectors
# --------------------------------------------------------------------------


RES, LIC = LicenseStatus.RESERVED, LicenseStatus.LICENSABLE
NO_HEADER: tuple[None, None] = (None, None)
FIRST_MATCH = tdm_file(
    {"location": "/a/", "tdm-reservation": 0}, {"location": "/a/b/", "tdm-reservation": 1}
)
META_0, META_1 = [("tdm-reservation", "0")], [("tdm-reservation", "1")]


@pytest.mark.parametrize(
    ("vector", "path", "file", "header", "metas", "expected", "licence"),
    [
        ("1", "/", ROOT_RESERVED, NO_HEADER, (), "NN?N", RES),
        ("1", "/any/x.html?q=1", ROOT_RESERVED, NO_HEADER, (), "NN?N", RES),
        ("2 no policy", "/directory-a/x.pdf", SPEC_EXAMPLE, NO_HEADER, (), "NN?N", RES),
        ("2 policy", "/directory-b/html/p.html", SPEC_EXAMPLE, NO_HEADER, (), "NN?N", LIC),
        ("2 jpg", "/directory-b/images/a.jpg", SPEC_EXAMPLE, NO_HEADER, (), "YYYY", None),
        ("2 unset", "/other", SPEC_EXAMPLE, NO_HEADER, (), "????", None),
        ("3", "/page", ROOT_RESERVED, ("0", None), (), "YY?Y", None),
        ("4", "/page", None, ("0", None), META_1, "NN?N", RES),
        ("5", "/a/b/c", FIRST_MATCH, NO_HEADER, (), "YY?Y", None),
        ("6 alone", "/page", None, ("yes", None), (), "????", None),
        ("6 keeps file", "/page", ROOT_RESERVED, ("yes", None), (), "NN?N", RES),
        ("6 meta decides", "/page", ROOT_RESERVED, ("yes", None), META_0, "YY?Y", None),
    ],
)
def test_signals_vectors(
    vector: str,
    path: str,
    file: TdmRepFile | None,
    header: tuple[str | None, str | None],
    metas: list[tuple[str, str]],
    expected: str,
    licence: LicenseStatus | None,
) -> None:
    check(evidence_for(f"https://site.test{path}", file, header, metas), expected, licence=licence)


def test_vector_2_rule_order_and_policy() -> None:
    assert SPEC_EXAMPLE.errors == ()
    rule = SPEC_EXAMPLE.match("https://site.test/directory-b/html/p.html")
    assert rule == TdmRule(1, "/directory-b/html/", 1, "https://provider.com/policies/policy.json")
    (deny,) = evidence_for("https://site.test/directory-b/html/p.html", SPEC_EXAMPLE)
    assert deny.license_status is LicenseStatus.LICENSABLE
    assert deny.document_sha256 == SHA and deny.source == FILE
    assert "rule 1" in deny.value and "policy.json" in deny.value
    assert SPEC_EXAMPLE.match("https://site.test/directory-b/images/a.png") is None


def test_vector_3_auditor_sees_the_overridden_file() -> None:
    evidence = evidence_for(PAGE, ROOT_RESERVED, ("0", None))
    overridden, grant = evidence
    assert overridden.effect is Effect.INFO and overridden.source == FILE
    assert "tdm-reservation=1" in overridden.value and "overridden by header" in overridden.value
    assert overridden.document_sha256 == SHA
    assert grant.effect is Effect.ALLOW and grant.source == PAGE and grant.document_sha256 is None
    assert grant.purposes == TDM_PURPOSES


def test_vector_5_first_match_in_array_order() -> None:
    assert FIRST_MATCH.match("/a/b/c") == TdmRule(0, "/a/", 0, None)


def test_vector_6_protocol_error_is_recorded() -> None:
    value, errors = header_value("yes", None)
    assert value is None
    assert errors and "'yes'" in errors[0]
    evidence = evidence_for(PAGE, ROOT_RESERVED, ("yes", None))
    infos = [e for e in evidence if e.effect is Effect.INFO]
    assert [e.source for e in infos] == [PAGE] and "protocol error" in infos[0].value


# --------------------------------------------------------------------------
# 2. Parsing details
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "url", "matches"),
    [
        ("/", "https://h.test/", True),
        ("/", "https://h.test/x/y?z=1", True),
        ("/*", "https://h.test/anything", True),
        ("/Dir/", "https://h.test/dir/x", False),  # case-sensitive
        ("/dir/", "https://h.test/dir/x", True),
        ("/*.pdf$", "https://h.test/a/b.pdf", True),
        ("/*.pdf$", "https://h.test/a/b.pdf?x=1", False),
        ("/*.pdf", "https://h.test/a/b.pdf?x=1", True),
        ("/p?q=1", "https://h.test/p?q=1&r=2", True),  # the query takes part
        ("/p?q=1", "https://h.test/p", False),
        ("/caf\u00e9/", "https://h.test/caf%C3%A9/x", True),  # RFC 9309 normalisation
        ("*.jpg", "https://h.test/a.jpg", True),
        ("/x", "https://h.test/x#frag", True),
    ],
)
def test_location_matching(location: str, url: str, matches: bool) -> None:
    file = tdm_file({"location": location, "tdm-reservation": 1})
    assert (file.match(url) is not None) is matches


@pytest.mark.parametrize(
    ("entry", "rule", "error"),
    [
        ({"location": "/", "tdm-reservation": 1}, TdmRule(0, "/", 1, None), None),
        ({"location": "/", "tdm-reservation": 1.0}, TdmRule(0, "/", 1, None), None),
        (
            {"location": "/", "tdm-reservation": 0, "tdm-policy": "https://p"},
            TdmRule(0, "/", 0, None),
            None,
        ),  # policy ignored when 0
        (
            {"location": "/", "tdm-reservation": 1, "tdm-policy": " https://p "},
            TdmRule(0, "/", 1, "https://p"),
            None,
        ),
        ({"location": "/", "tdm-reservation": 1, "extra": [1, 2]}, TdmRule(0, "/", 1, None), None),
        (
            {"location": "/", "tdm-reservation": 1, "tdm-policy": 7},
            TdmRule(0, "/", 1, None),
            "reservation kept",
        ),
        (
            {"location": "/", "tdm-reservation": 1, "tdm-policy": ""},
            TdmRule(0, "/", 1, None),
            "reservation kept",
        ),
        ({"location": "/", "tdm-reservation": "1"}, None, '"1" is not 0 or 1'),
        ({"location": "/", "tdm-reservation": True}, None, "true is not 0 or 1"),
        ({"location": "/", "tdm-reservation": 2}, None, "2 is not 0 or 1"),
        ({"location": "/", "tdm-reservation": None}, None, "null is not 0 or 1"),
        ({"location": "/"}, None, '"tdm-reservation" missing'),
        ({"tdm-reservation": 1}, None, '"location" missing'),
        ({"location": 5, "tdm-reservation": 1}, None, "a number, not a string"),
        ({"location": "dir/", "tdm-reservation": 1}, None, "does not start with / or *"),
        ({"location": "", "tdm-reservation": 1}, None, "does not start with / or *"),
        ([1], None, "array, not an object"),
        ("/", None, "string, not an object"),
    ],
)
def test_entries(entry: object, rule: TdmRule | None, error: str | None) -> None:
    parsed = TdmRepFile.parse(json.dumps([entry]).encode())
    assert parsed.rules == ((rule,) if rule else ())
    if error is None:
        assert parsed.errors == ()
    else:
        (message,) = parsed.errors
        assert message.startswith(f"{FILE_ERROR_PREFIX}: entry 0") and error in message


def test_bad_entries_are_skipped_and_good_ones_kept() -> None:
    body = b'[{"location":"/a/","tdm-reservation":"yes"}, 3, {"location":"/","tdm-reservation":1}]'
    parsed = TdmRepFile.parse(body)
    assert parsed.rules == (TdmRule(2, "/", 1, None),)
    assert len(parsed.errors) == 2
    # The broken /a/ rule does not shadow anything: the next matching rule decides.
    assert parsed.match("/a/x") == TdmRule(2, "/", 1, None)


def test_errors_are_capped() -> None:
    parsed = TdmRepFile.parse(json.dumps([{"bad": i} for i in range(500)]).encode())
    assert parsed.rules == ()
    assert len(parsed.errors) == MAX_ERRORS + 1 and "480 more errors" in parsed.errors[-1]


def test_byte_order_mark_is_accepted() -> None:
    parsed = TdmRepFile.parse(b'\xef\xbb\xbf[{"location":"/","tdm-reservation":1}]')
    assert parsed.rules == (TdmRule(0, "/", 1, None),) and parsed.errors == ()


@pytest.mark.parametrize(
    ("reservation", "policy", "value", "n_errors"),
    [
        (None, None, None, 0),
        ("1", None, TdmValue(1, None, "header"), 0),
        (" 1 ", "https://p/terms ", TdmValue(1, "https://p/terms", "header"), 0),
        ("0", "https://p/terms", TdmValue(0, None, "header"), 0),
        ("yes", None, None, 1),
        ("2", None, None, 1),
        ("", None, None, 1),
        ("1, 1", None, None, 1),
        (None, "https://p/terms", None, 1),
    ],
)
def test_header_value(
    reservation: str | None, policy: str | None, value: TdmValue | None, n_errors: int
) -> None:
    got, errors = header_value(reservation, policy)
    assert got == value and len(errors) == n_errors


@pytest.mark.parametrize(
    ("metas", "value", "n_errors"),
    [
        ([], None, 0),
        ([("description", "1"), ("robots", "noai")], None, 0),
        (
            [("TDM-Reservation", "1"), ("tdm-policy", "https://p")],
            TdmValue(1, "https://p", "meta"),
            0,
        ),
        ([("tdm-reservation", "0"), ("tdm-policy", "https://p")], TdmValue(0, None, "meta"), 0),
        ([("tdm-reservation", "true")], None, 1),
        ([("tdm-policy", "https://p")], None, 1),
        ([("tdm-reservation", "0"), ("tdm-reservation", "1")], TdmValue(1, None, "meta"), 1),
        ([("tdm-reservation", "1"), ("tdm-reservation", "1")], TdmValue(1, None, "meta"), 0),
        ([("tdm-reservation", "x"), ("tdm-reservation", "0")], TdmValue(0, None, "meta"), 1),
    ],
)
def test_meta_value(metas: list[tuple[str, str]], value: TdmValue | None, n_errors: int) -> None:
    got, errors = meta_value(metas)
    assert got == value and len(errors) == n_errors


def test_absent_channels_never_reset() -> None:
    rule = TdmRule(0, "/", 1, None)
    (deny,) = tdm_evidence(rule, None, None, file_source=FILE, page_source=PAGE)
    assert deny.effect is Effect.DENY and deny.reason == "tdmrep-reserved"
    header = TdmValue(1, "https://p", "header")
    assert tdm_evidence(None, header, None, file_source=FILE, page_source=PAGE)[-1].source == PAGE
    # An unset value object (reservation None) is treated as absent, not as a reset.
    unset = TdmValue(None, None, "meta")
    (still,) = tdm_evidence(rule, None, unset, file_source=FILE, page_source=PAGE)
    assert still.effect is Effect.DENY


def test_all_three_channels_leave_a_trail() -> None:
    evidence = tdm_evidence(
        TdmRule(0, "/", 1, None),
        TdmValue(0, None, "header"),
        TdmValue(1, "https://p", "meta"),
        file_source=FILE,
        page_source=PAGE,
    )
    assert [e.effect for e in evidence] == [Effect.INFO, Effect.INFO, Effect.DENY]
    assert all("overridden by meta" in e.value for e in evidence[:2])
    assert evidence[-1].license_status is LicenseStatus.LICENSABLE
    check(evidence, "NN?N", licence=LicenseStatus.LICENSABLE)


def test_no_signal_no_evidence() -> None:
    assert tdm_evidence(None, None, None, file_source=FILE, page_source=PAGE) == ()


# --------------------------------------------------------------------------
# 3. Real files
# --------------------------------------------------------------------------


def realweb(kind: str, name: str) -> bytes:
    return (REALWEB / kind / name).read_bytes()


# name -> (rules, number of protocol errors, G N S R on "/" and on a deep path, licence)
REAL_FILES = {
    # Whole site reserved, with a policy URL: licensable.
    "formosanbank.tdmrep.json": (
        (
            TdmRule(
                0,
                "/",
                1,
                "https://ai4commsci.gitbook.io/formosanbank/additional-resources/terms-of-use",
            ),
        ),
        0,
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    "itcop.org.tdmrep.json": (
        (TdmRule(0, "/", 1, "https://itcop.org/licence/0pn-mrt-1.0.json"),),
        0,
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    "licence.thibaultsan.com.tdmrep.json": (
        (TdmRule(0, "/", 1, "https://licence.thibaultsan.com/"),),
        0,
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    "nineplus.sh.tdmrep.json": (
        (TdmRule(0, "/", 1, "https://www.nineplus.sh/legal/tdm.json"),),
        0,
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    "openpoem.org.tdmrep.json": (
        (TdmRule(0, "/", 1, "https://openpoem.org/terms"),),
        0,
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    # "/*" matches every path: TDM rights expressly not reserved (an explicit grant).
    "xlr8harder.github.io.tdmrep.json": ((TdmRule(0, "/*", 0, None),), 0, "YY?Y", None),
    # A top-level object, not an array: protocol error, so unset (no lenient reading).
    "janpetrlik.com.tdmrep.json": ((), 1, "????", None),
    # Invented JSON-LD keys, an object: protocol error, unset.
    "cad-polito-it-byron.nonstandard-tdmrep.json": ((), 1, "????", None),
    # The ODRL policy nineplus.sh points to is not a tdmrep.json: read as one it is an error.
    "nineplus.sh.tdm-policy.json": ((), 1, "????", None),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
@pytest.mark.parametrize("path", ["/", "/some/deep/page.html?x=1"])
def test_real_tdmrep_files(name: str, path: str) -> None:
    rules, n_errors, expected, licence = REAL_FILES[name]
    parsed = TdmRepFile.parse(realweb("tdmrep", name))
    assert parsed.rules == rules
    assert len(parsed.errors) == n_errors
    if n_errors:
        assert "not the array of rules" in parsed.errors[0]
    url = f"https://site.test{path}"
    evidence = evidence_for(url, parsed)
    check(evidence, expected, licence=licence)
    for piece in evidence:
        assert piece.source == FILE and piece.document_sha256 == SHA


def headers_for(name: str, path: str) -> dict[str, str]:
    """The headers Cloudflare would send for ``path`` (every matching block applies)."""
    found: dict[str, str] = {}
    for pattern, headers in read_headers_file(realweb("headers", name).decode()):
        if re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), path):
            found.update(headers)
    return found


@pytest.mark.parametrize("path", ["/", "/some/page.html", "/licence/0pn-mrt-1.0.json"])
def test_real_itcop_headers(path: str) -> None:
    # "/*" sends tdm-reservation: 1 with a policy on every response.
    headers = headers_for("itcop.org-_headers.txt", path)
    value, errors = header_value(headers.get("tdm-reservation"), headers.get("tdm-policy"))
    assert errors == ()
    assert value == TdmValue(1, "https://itcop.org/licence/0pn-mrt-1.0.json", "header")
    sent = (headers.get("tdm-reservation"), headers.get("tdm-policy"))
    alone = evidence_for(f"https://itcop.org{path}", None, sent)
    check(alone, "NN?N", licence=LicenseStatus.LICENSABLE)
    # With the site's tdmrep.json the header agrees and overrides it: the file is INFO.
    file = TdmRepFile.parse(realweb("tdmrep", "itcop.org.tdmrep.json"))
    both = evidence_for(f"https://itcop.org{path}", file, sent)
    assert [e.effect for e in both] == [Effect.INFO, Effect.DENY]
    check(both, "NN?N", licence=LicenseStatus.LICENSABLE)


@pytest.mark.parametrize("path", ["/", "/welcome", "/articles/x/"])
def test_real_davidtofan_headers_have_no_tdmrep(path: str) -> None:
    headers = headers_for("davidtofan.com-_headers.txt", path)
    assert header_value(headers.get("tdm-reservation"), headers.get("tdm-policy")) == (None, ())


class _Metas(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.metas: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name") is not None:
            self.metas.append((values["name"] or "", values.get("content") or ""))


def html_metas(name: str) -> list[tuple[str, str]]:
    parser = _Metas()
    parser.feed(realweb("html", name).decode("utf-8"))
    parser.close()
    return parser.metas


# html file -> (meta value, the site's tdmrep.json or None, G N S R, licence)
REAL_HTML = {
    # meta 1 with a policy (it points at the tdmrep.json itself: still a policy URL).
    "openpoem.org-index-head-excerpt.html": (
        TdmValue(1, "https://openpoem.org/.well-known/tdmrep.json", "meta"),
        "openpoem.org.tdmrep.json",
        "NN?N",
        LicenseStatus.LICENSABLE,
    ),
    # meta 0 (inside a Jekyll template): TDM rights not reserved, an explicit grant.
    "xlr8harder.github.io-head-include.html": (
        TdmValue(0, None, "meta"),
        "xlr8harder.github.io.tdmrep.json",
        "YY?Y",
        None,
    ),
    "laughingsquid.com-head-excerpt.html": (None, None, "????", None),
    "davidtofan.com-baselayout-license-links-excerpt.html": (None, None, "????", None),
    "mcpjunction.ai-base-license-link-excerpt.html": (None, None, "????", None),
}


@pytest.mark.parametrize("name", sorted(REAL_HTML))
def test_real_html_meta(name: str) -> None:
    value, file_name, expected, licence = REAL_HTML[name]
    metas = html_metas(name)
    assert meta_value(metas) == (value, ())
    page_only = evidence_for(PAGE, None, (None, None), metas)
    check(page_only, expected, licence=licence)
    if file_name is not None:
        file = TdmRepFile.parse(realweb("tdmrep", file_name))
        with_file = evidence_for(PAGE, file, (None, None), metas)
        check(with_file, expected, licence=licence)
        overridden = [e for e in with_file if e.effect is Effect.INFO]
        assert len(overridden) == 1 and "overridden by meta" in overridden[0].value


# --------------------------------------------------------------------------
# 4. Bad input never raises
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "not JSON"),
        (b"   ", "not JSON"),
        (b"not json at all", "not JSON"),
        (b'[{"location":"/","tdm-reservation":1}', "not JSON"),
        (b'{"location":"/","tdm-reservation":1}', "top-level JSON object"),
        (b'"/"', "top-level JSON string"),
        (b"1", "top-level JSON number"),
        (b"null", "top-level JSON null"),
        (b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
        (b"[" + b"9" * 5000 + b"]", "not JSON"),  # int() digit limit
        (b'[{"location":"/","tdm-reservation":NaN}]', "is not 0 or 1"),
        (b'[{"location":"/","tdm-reservation":1e999}]', "is not 0 or 1"),
        ("[]".encode("utf-16"), "not"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not"),
        (b"<html><body>404</body></html>", "not JSON"),
    ],
)
def test_bad_files_never_raise(body: bytes, error: str) -> None:
    parsed = TdmRepFile.parse(body)
    assert parsed.rules == ()
    assert parsed.errors and any(error in e for e in parsed.errors)
    assert all(e.startswith(FILE_ERROR_PREFIX) for e in parsed.errors)
    assert parsed.match("https://h.test/") is None
    evidence = evidence_for(PAGE, parsed)
    assert evidence and all(e.effect is Effect.INFO and e.source == FILE for e in evidence)
    check(evidence, "????")


def test_invalid_utf8_keeps_the_readable_rules() -> None:
    body = b'[{"location":"/","tdm-reservation":1,"tdm-policy":"https://p/\xff"}]'
    parsed = TdmRepFile.parse(body)
    assert parsed.rules == (TdmRule(0, "/", 1, "https://p/\ufffd"),)
    assert len(parsed.errors) == 1 and "not valid UTF-8" in parsed.errors[0]
    check(evidence_for(PAGE, parsed), "NN?N", licence=LicenseStatus.LICENSABLE)


def test_fifty_megabytes_is_over_the_limit() -> None:
    entry = b'{"location":"/","tdm-reservation":1},'
    body = b"[" + entry * (50_000_000 // len(entry)) + b'{"location":"/x","tdm-reservation":1}]'
    assert len(body) >= 50_000_000
    parsed = TdmRepFile.parse(body)
    assert parsed.rules == ()
    (error,) = parsed.errors
    assert f"{len(body)} bytes" in error and "1000000 byte limit" in error


@pytest.mark.parametrize(("slack", "n_rules"), [(0, 1), (1, 1), (-1, 0)])
def test_max_bytes_boundary(slack: int, n_rules: int) -> None:
    body = b'[{"location":"/","tdm-reservation":1}]'
    parsed = TdmRepFile.parse(body, max_bytes=len(body) + slack)
    assert len(parsed.rules) == n_rules
    assert len(parsed.errors) == 1 - n_rules


@pytest.mark.parametrize("body", [None, "a str", 12, object()])
def test_not_bytes_never_raises(body: object) -> None:
    parsed = TdmRepFile.parse(body)  # type: ignore[arg-type]
    assert parsed.rules == ()


@pytest.mark.parametrize(
    ("reservation", "policy"),
    [("\x00", None), ("1" * 10_000, None), ("\u00a01\u00a0", "\x00"), ("-1", "x"), ("01", None)],
)
def test_bad_header_values_never_raise(reservation: str, policy: str | None) -> None:
    value, errors = header_value(reservation, policy)
    assert value is None or value.reservation in (0, 1)
    if value is None:
        assert errors


@pytest.mark.parametrize(
    "metas",
    [
        [("tdm-reservation", None)],
        [(None, "1")],
        [("tdm-reservation",)],
        [1, 2, 3],
        "not a list of pairs",
    ],
)
def test_bad_meta_input_never_raises(metas: object) -> None:
    value, _errors = meta_value(metas)  # type: ignore[arg-type]
    assert value is None


def test_url_garbage_never_raises() -> None:
    for url in ["", "::::", "http://", "?q", "#x", "\x00", "https://h.test/\u00e9\ud800"]:
        ROOT_RESERVED.match(url)
