"""Tests of crawler.consent.rsl (RSL 1.0: parser and evaluator).

1. SIGNALS.md section 7 vectors 1-5 for all four purposes (G N S R), through the policy.
2. Scope: narrower content wins, order-independent, ties, full URLs, RFC 9309 patterns.
3. Terms: permits/prohibits per type (usage, user, geo), legacy lists, faults read restrictively.
4. Payments, licence servers and reporting, with and without held licences.
5. The document: max-age, attributes, evidence fields.
6. Real files (tests/data/realweb/rsl) with what each declares.
7. Bad input: recorded, never raises, never permits (its time: benchmarks/hostile_input.py).

Vector 6 (robots.txt ``License:`` lines) is tested with the robots.txt parser.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest

from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose
from crawler.consent.rsl import (
    DEFAULT_MAX_AGE_DAYS,
    MAX_AGE_DAYS_LIMIT,
    MAX_ERRORS,
    NAMESPACE,
    RslDocument,
    RslPayment,
    RslTerms,
    parse_rsl,
    rsl_evidence,
)

from .vectors import MANIFEST, G, N, R, S, letters

DOC_URL = "https://site.test/license.xml"
PAGE = "https://site.test/articles/x"
SHA = "a" * 64
REALWEB = Path(__file__).parent / "data" / "realweb" / "rsl"


def rsl(*contents: str, attrs: str = "") -> str:
    return f'<rsl xmlns="{NAMESPACE}"{attrs}>{"".join(contents)}</rsl>'


def content(url: str, *licenses: str, attrs: str = "") -> str:
    return f'<content url="{url}"{attrs}>{"".join(licenses)}</content>'


def lic(*children: str) -> str:
    return f"<license>{''.join(children)}</license>"


def permits(kind: str, text: str) -> str:
    return f'<permits type="{kind}">{text}</permits>'


def prohibits(kind: str, text: str) -> str:
    return f'<prohibits type="{kind}">{text}</prohibits>'


def payment(kind: str, inner: str = "") -> str:
    return f'<payment type="{kind}">{inner}</payment>'


def parse(text: str | bytes) -> RslDocument:
    doc = parse_rsl(text, url=DOC_URL)
    assert doc.valid, doc.errors
    return doc


def judge(
    doc: RslDocument,
    url: str = PAGE,
    *,
    held: frozenset[str] = frozenset(),
    user: str = "commercial",
    geo: str | None = "DE",
) -> tuple[Evidence, ...]:
    return rsl_evidence(doc, url, held=held, user=user, geo=geo, document_sha256=SHA)


def evidence(text: str, url: str = PAGE, **job: Any) -> tuple[Evidence, ...]:
    return judge(parse(text), url, **job)


def one_licence(*children: str, url: str = "/", attrs: str = "") -> str:
    return rsl(content(url, lic(*children), attrs=attrs))


def reasons(found: tuple[Evidence, ...]) -> dict[Purpose, str | None]:
    """The reason each purpose gets (None for a grant); every purpose has exactly one."""
    out: dict[Purpose, str | None] = {}
    for item in found:
        for purpose in item.purposes:
            assert purpose not in out
            out[purpose] = item.reason
    assert set(out) == set(Purpose)
    return out


# --------------------------------------------------------------------------
# 1. SIGNALS.md section 7 vectors
# --------------------------------------------------------------------------

V1 = one_licence(permits("usage", "search"), prohibits("usage", "ai-train"))
V2 = rsl(
    content("/", lic(permits("usage", "all"))),
    content("/articles/", lic(prohibits("usage", "ai-train"))),
)
V3 = one_licence(prohibits("usage", "ai-all"))
V4 = one_licence(
    permits("usage", "ai-all"), payment("crawl", '<amount currency="USD">0.015</amount>')
)
V5 = one_licence(
    permits("usage", "ai-train"), payment("free"), attrs=' server="https://lic.example"'
)


@pytest.mark.parametrize(
    ("vector", "text", "url", "held", "expected"),
    [
        (1, V1, PAGE, (), "NNYN"),
        (2, V2, "https://site.test/articles/x", (), "NNYY"),
        (2, V2, "https://site.test/about", (), "YYYY"),
        (3, V3, PAGE, (), "NNYN"),
        (4, V4, PAGE, (), "NNNN"),  # not paid
        (4, V4, PAGE, (DOC_URL,), "YYNY"),  # paid: the AI uses; search was never offered
        (5, V5, PAGE, (), "NNNN"),  # no License Token yet
        (5, V5, PAGE, ("https://lic.example",), "YYNN"),
    ],
)
def test_section7_vectors(
    vector: int, text: str, url: str, held: tuple[str, ...], expected: str
) -> None:
    assert letters(evidence(text, url, held=frozenset(held))) == expected


@pytest.mark.parametrize(
    ("text", "held", "expected"),
    [
        (
            V1,
            (),
            {
                G: "rsl-prohibited:ai-train",
                N: "rsl-prohibited:ai-train",
                S: None,
                R: "rsl-not-permitted",
            },
        ),
        (
            V3,
            (),
            {
                G: "rsl-prohibited:ai-all",
                N: "rsl-prohibited:ai-all",
                S: None,
                R: "rsl-prohibited:ai-all",
            },
        ),
        (
            V4,
            (),
            {
                G: "rsl-payment:crawl",
                N: "rsl-payment:crawl",
                S: "rsl-not-permitted",
                R: "rsl-payment:crawl",
            },
        ),
        (
            V5,
            (),
            {
                G: "rsl-license-server",
                N: "rsl-license-server",
                S: "rsl-not-permitted",
                R: "rsl-not-permitted",
            },
        ),
    ],
)
def test_vector_reasons(
    text: str, held: tuple[str, ...], expected: dict[Purpose, str | None]
) -> None:
    assert reasons(evidence(text, held=frozenset(held))) == expected


@pytest.mark.parametrize(
    ("code", "effect", "status"),
    [
        ("rsl-prohibited:ai-train", Effect.DENY, LicenseStatus.RESERVED),
        ("rsl-not-permitted", Effect.DENY, LicenseStatus.RESERVED),
        ("rsl-payment:crawl", Effect.DENY, LicenseStatus.LICENSABLE),
        ("rsl-license-server", Effect.DENY, LicenseStatus.LICENSABLE),
        (None, Effect.ALLOW, None),
    ],
)
def test_effect_and_licence_status_per_reason(
    code: str | None, effect: Effect, status: LicenseStatus | None
) -> None:
    found = [e for text in (V1, V4, V5) for e in evidence(text) if e.reason == code]
    assert found
    assert {(e.effect, e.license_status) for e in found} == {(effect, status)}


def test_vector1_evidence_names_document_and_element() -> None:
    by_reason = {e.reason: e for e in evidence(V1)}
    prohibited = by_reason["rsl-prohibited:ai-train"]
    assert prohibited == Evidence(
        signal="rsl",
        source=f"{DOC_URL}#content[1]/license[1]",
        value="url=/: permits usage=search; prohibits usage=ai-train",
        effect=Effect.DENY,
        reason="rsl-prohibited:ai-train",
        document_sha256=SHA,
        purposes=frozenset({G, N}),
        license_status=LicenseStatus.RESERVED,
    )
    not_permitted = by_reason["rsl-not-permitted"]
    assert not_permitted.source == f"{DOC_URL}#content[1]"
    assert not_permitted.purposes == {R}
    assert "permits usage=search" in not_permitted.value
    assert by_reason[None].source == f"{DOC_URL}#content[1]/license[1]"


# --------------------------------------------------------------------------
# 2. Scope
# --------------------------------------------------------------------------

ALL = lic(permits("usage", "all"))
NONE = lic(prohibits("usage", "all"))


@pytest.mark.parametrize(
    ("contents", "url", "expected"),
    [
        # The narrower (longer) pattern wins, whatever the order.
        ((("/", ALL), ("/a/", NONE)), "https://site.test/a/b", "NNNN"),
        ((("/a/", NONE), ("/", ALL)), "https://site.test/a/b", "NNNN"),
        ((("/a/", NONE), ("/", ALL)), "https://site.test/b", "YYYY"),
        # RFC 9309 patterns: "*" and "$"; the query is part of the path.
        ((("/", ALL), ("/*.pdf$", NONE)), "https://site.test/x.pdf", "NNNN"),
        ((("/", ALL), ("/*.pdf$", NONE)), "https://site.test/x.pdf?y=1", "YYYY"),
        ((("/", ALL), ("/*?print", NONE)), "https://site.test/a?print=1", "NNNN"),
        # Equally long patterns that both match combine most restrictively.
        ((("/a/", ALL), ("/*b", NONE)), "https://site.test/a/b", "NNNN"),
        ((("/*b", NONE), ("/a/", ALL)), "https://site.test/a/b", "NNNN"),
        # Percent-encoding and non-ASCII are normalised on both sides.
        ((("/caf%c3%a9/", NONE),), "https://site.test/café/menu", "NNNN"),
        # A full URL applies on its own origin only (scheme, host, port; host case-blind).
        ((("https://site.test/", ALL),), "https://SITE.test:443/x", "YYYY"),
        ((("https://site.test/", ALL),), "https://other.test/x", ""),
        ((("https://site.test/", ALL),), "http://site.test/x", ""),
        ((("https://site.test:8443/", ALL),), "https://site.test/x", ""),
        # A full URL with a longer path is the narrower scope.
        ((("/", NONE), ("https://site.test/open/", ALL)), "https://site.test/open/1", "YYYY"),
        # A path applies on whatever site the document was found for.
        ((("/", ALL),), "https://mirror.test/x", "YYYY"),
        # Nothing matches: no evidence.
        ((("/only/", ALL),), "https://site.test/other", ""),
    ],
)
def test_scope(contents: tuple[tuple[str, str], ...], url: str, expected: str) -> None:
    found = evidence(rsl(*(content(u, body) for u, body in contents)), url)
    assert (letters(found) if found else "") == expected


def test_repeated_content_url_is_recorded_and_combined() -> None:
    doc = parse(rsl(content("/", ALL), content("/", NONE)))
    assert doc.errors == (
        "content[2] repeats the url '/' of content[1]: both apply, most restrictively",
    )
    found = judge(doc)
    assert letters(found) == "NNNN"
    assert {e.source for e in found} == {f"{DOC_URL}#content[2]/license[1]"}


def test_evidence_is_memoised_per_job_terms() -> None:
    doc = parse(V4)
    first = judge(doc)
    assert judge(doc, "https://site.test/other") is first
    paid = judge(doc, held=frozenset({DOC_URL}))
    assert letters(first) == "NNNN" and letters(paid) == "YYNY"


# --------------------------------------------------------------------------
# 3. Terms
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("children", "expected"),
    [
        # A permits of usage allows only its listed values.
        ((permits("usage", "all"),), "YYYY"),
        ((permits("usage", "ai-all"),), "YYNY"),
        ((permits("usage", "ai-train"),), "YYNN"),
        ((permits("usage", "ai-input"),), "NNNY"),
        ((permits("usage", "ai-index"),), "NNNN"),  # only part of ai-input: cannot grant it
        ((permits("usage", "search"),), "NNYN"),
        ((permits("usage", "search ai-train"),), "YYYN"),
        ((permits("usage", ""),), "NNNN"),  # lists nothing: allows nothing
        # A prohibits reaches every purpose its value overlaps; the rest stays permitted.
        ((prohibits("usage", "all"),), "NNNN"),
        ((prohibits("usage", "ai-all"),), "NNYN"),
        ((prohibits("usage", "ai-train"),), "NNYY"),
        ((prohibits("usage", "ai-input"),), "YYYN"),
        ((prohibits("usage", "ai-index"),), "YYYN"),
        ((prohibits("usage", "search"),), "YYNY"),
        ((prohibits("usage", ""),), "YYYY"),
        # Both permitted and prohibited: not licensed.
        ((permits("usage", "all"), prohibits("usage", "ai-train")), "NNYY"),
        ((permits("usage", "search"), prohibits("usage", "search")), "NNNN"),
        ((permits("usage", "ai-all"), prohibits("usage", "ai-index")), "YYNN"),
        # RSL 0.9: comma lists, and "inference" for ai-input.
        ((permits("usage", "ai-train, search"),), "YYYN"),
        ((permits("usage", "search,ai-input"),), "NNYY"),
        ((permits("usage", "inference"),), "NNNY"),
        ((permits("usage", "SEARCH"),), "NNYN"),  # tokens are read case-insensitively
        # Several permits of one type (RSL allows one) are merged.
        ((permits("usage", "search"), permits("usage", "ai-input")), "NNYY"),
    ],
)
def test_usage(children: tuple[str, ...], expected: str) -> None:
    assert letters(evidence(one_licence(*children))) == expected


@pytest.mark.parametrize(
    ("children", "user", "expected", "code"),
    [
        ((permits("user", "commercial"),), "commercial", "YYYY", None),
        ((permits("user", "commercial"),), "education", "NNNN", "rsl-not-permitted"),
        ((permits("user", "education government"),), "government", "YYYY", None),
        ((permits("user", "non-commercial"),), "Non-Commercial", "YYYY", None),
        (
            (prohibits("user", "commercial"),),
            "commercial",
            "NNNN",
            "rsl-prohibited:user=commercial",
        ),
        ((prohibits("user", "commercial"),), "personal", "YYYY", None),
        # Unknown values: in permits they grant nothing, in prohibits they reach everyone.
        ((permits("user", "nonprofit"),), "commercial", "NNNN", "rsl-not-permitted"),
        ((prohibits("user", "nonprofit"),), "personal", "NNNN", "rsl-prohibited:user=nonprofit"),
        # Types combine: each permits type present must be met.
        (
            (permits("usage", "ai-train"), permits("user", "education")),
            "education",
            "YYNN",
            None,
        ),
        (
            (permits("usage", "ai-train"), permits("user", "education")),
            "commercial",
            "NNNN",
            "rsl-not-permitted",
        ),
    ],
)
def test_user(children: tuple[str, ...], user: str, expected: str, code: str | None) -> None:
    found = evidence(one_licence(*children), user=user)
    assert letters(found) == expected
    assert reasons(found)[G] == code


@pytest.mark.parametrize(
    ("children", "geo", "expected", "code"),
    [
        ((permits("geo", "US"),), "US", "YYYY", None),
        ((permits("geo", "us"),), "us", "YYYY", None),
        ((permits("geo", "US"),), "DE", "NNNN", "rsl-not-permitted"),
        ((permits("geo", "US"),), None, "NNNN", "rsl-not-permitted"),  # unknown job geo
        ((permits("geo", "EU"),), "DE", "YYYY", None),
        ((permits("geo", "EU"),), "EU", "YYYY", None),
        ((permits("geo", "EU"),), "US", "NNNN", "rsl-not-permitted"),
        ((permits("geo", "DE"),), "EU", "NNNN", "rsl-not-permitted"),  # EU is wider than DE
        ((permits("geo", "US CA"),), "CA", "YYYY", None),
        ((prohibits("geo", "CN"),), "DE", "YYYY", None),
        ((prohibits("geo", "CN"),), "CN", "NNNN", "rsl-prohibited:geo=CN"),
        ((prohibits("geo", "CN"),), None, "NNNN", "rsl-prohibited:geo=CN"),  # unknown job geo
        ((prohibits("geo", "EU"),), "FR", "NNNN", "rsl-prohibited:geo=EU"),
        ((prohibits("geo", "EU"),), "CH", "YYYY", None),
        ((prohibits("geo", "FR"),), "EU", "NNNN", "rsl-prohibited:geo=FR"),
        ((prohibits("geo", "USA"),), "US", "NNNN", "rsl-prohibited:geo=USA"),  # unknown value
        ((permits("geo", "USA"),), "US", "NNNN", "rsl-not-permitted"),
    ],
)
def test_geo(children: tuple[str, ...], geo: str | None, expected: str, code: str | None) -> None:
    found = evidence(one_licence(*children), geo=geo)
    assert letters(found) == expected
    assert reasons(found)[G] == code


@pytest.mark.parametrize(
    ("children", "expected", "code", "error"),
    [
        (
            (prohibits("usage", "ai-training"),),  # a typo must not turn into a grant
            "NNNN",
            "rsl-prohibited:ai-training",
            "<prohibits type='usage'>: unknown usage value 'ai-training': read as prohibiting everything",
        ),
        (
            (permits("usage", "ai-training search"),),
            "NNYN",
            "rsl-not-permitted",
            "<permits type='usage'>: unknown usage value 'ai-training': grants nothing",
        ),
        (
            ('<permits type="application">training</permits>',),  # pre-1.0 type
            "NNNN",
            "rsl-not-permitted",
            "<permits type='application'>: unknown or missing type: never met",
        ),
        (
            ("<permits>search</permits>",),
            "NNNN",
            "rsl-not-permitted",
            "<permits>: unknown or missing type: never met",
        ),
        (
            (permits("usage", "all"), '<prohibits type="region">CN</prohibits>'),
            "NNNN",
            "rsl-prohibited:type=region",
            "<prohibits type='region'>: unknown or missing type: prohibits everything",
        ),
        (
            (permits("usage", "search"), permits("usage", "ai-input")),
            "NNYY",
            "rsl-not-permitted",
            "<permits type='usage'> appears more than once: merged",
        ),
    ],
)
def test_faulty_terms_are_recorded_and_read_restrictively(
    children: tuple[str, ...], expected: str, code: str, error: str
) -> None:
    text = one_licence(*children)
    assert letters(evidence(text)) == expected
    assert reasons(evidence(text))[G] == code
    assert parse(text).errors == (f"content[1]/license[1]: {error}",)


def test_terms_are_parsed_per_type() -> None:
    text = one_licence(
        permits("usage", "ai-train search"),
        permits("user", "Education"),
        prohibits("geo", "cn eu"),
        prohibits("usage", "ai-index"),
    )
    (licence,) = parse(text).contents[0].licenses
    assert licence.permits == RslTerms(
        usage=frozenset({"ai-train", "search"}), user=frozenset({"education"})
    )
    assert licence.prohibits == RslTerms(usage=frozenset({"ai-index"}), geo=frozenset({"CN", "EU"}))


def test_licences_of_one_content_combine() -> None:
    # Two offers: search free, training paid; a prohibition in any licence wins.
    offers = rsl(
        content(
            "/",
            lic(permits("usage", "search"), payment("free")),
            lic(permits("usage", "ai-train"), payment("training")),
        )
    )
    assert reasons(evidence(offers)) == {
        G: "rsl-payment:training",
        N: "rsl-payment:training",
        S: None,
        R: "rsl-not-permitted",
    }
    conflict = rsl(
        content("/", lic(permits("usage", "ai-train")), lic(prohibits("usage", "ai-train")))
    )
    assert letters(evidence(conflict)) == "NNYY"


# --------------------------------------------------------------------------
# 4. Payments, licence servers, reporting
# --------------------------------------------------------------------------

CUSTOM = "https://site.test/terms"
STANDARD = "https://collective.test/standard"
PAID = payment(
    "purchase",
    f'<standard>{STANDARD}</standard><custom>{CUSTOM}</custom><amount currency="USD">5</amount>',
)


@pytest.mark.parametrize(
    ("children", "attrs", "held", "expected", "code"),
    [
        ((), "", (), "YYYY", None),  # no payment: free
        ((payment("free"),), "", (), "YYYY", None),
        ((PAID,), "", (), "NNNN", "rsl-payment:purchase"),
        ((PAID,), "", ("https://elsewhere.test/licence",), "NNNN", "rsl-payment:purchase"),
        # Held: the document, the content (as written or resolved), the licence URLs.
        ((PAID,), "", (DOC_URL,), "YYYY", None),
        ((PAID,), "", ("/",), "YYYY", None),
        ((PAID,), "", ("https://site.test/",), "YYYY", None),
        ((PAID,), "", (STANDARD,), "YYYY", None),
        ((PAID,), "", (CUSTOM,), "YYYY", None),
        # Attribution is a condition the job must accept, like a payment.
        (
            (payment("attribution", f"<custom>{CUSTOM}</custom>"),),
            "",
            (),
            "NNNN",
            "rsl-payment:attribution",
        ),
        ((payment("attribution", f"<custom>{CUSTOM}</custom>"),), "", (CUSTOM,), "YYYY", None),
        # Alternatives: a free one among them makes the licence free.
        ((PAID, payment("free")), "", (), "YYYY", None),
        # A licence server wants a License Token even for a free licence; it comes first.
        ((payment("free"),), ' server="https://lic.test"', (), "NNNN", "rsl-license-server"),
        ((PAID,), ' server="https://lic.test"', (), "NNNN", "rsl-license-server"),
        ((PAID,), ' server="https://lic.test"', ("https://lic.test",), "YYYY", None),
        ((payment("free"),), ' server="https://lic.test"', (DOC_URL,), "YYYY", None),
        # Usage must be reported first.
        (("<reporting>https://site.test/report</reporting>",), "", (), "NNNN", "rsl-reporting"),
        (("<reporting>https://site.test/report</reporting>",), "", (DOC_URL,), "YYYY", None),
    ],
)
def test_payments_servers_and_held_licences(
    children: tuple[str, ...], attrs: str, held: tuple[str, ...], expected: str, code: str | None
) -> None:
    text = one_licence(permits("usage", "all"), *children, attrs=attrs)
    found = evidence(text, held=frozenset(held))
    assert letters(found) == expected
    assert set(reasons(found).values()) == {code}
    status = None if code is None else LicenseStatus.LICENSABLE
    assert {e.license_status for e in found} == {status}


@pytest.mark.parametrize(
    "kind", ["purchase", "subscription", "training", "crawl", "use", "contribution", "attribution"]
)
def test_every_payment_type_but_free_must_be_met(kind: str) -> None:
    found = evidence(one_licence(permits("usage", "all"), payment(kind)))
    assert letters(found) == "NNNN"
    assert set(reasons(found).values()) == {f"rsl-payment:{kind}"}


@pytest.mark.parametrize(
    ("element", "code", "error"),
    [
        (
            payment("royalty"),
            "rsl-payment:royalty",
            "payment type 'royalty' unknown: it must be met",
        ),
        ("<payment/>", "rsl-payment:unknown", "payment type '' unknown: it must be met"),
    ],
)
def test_unknown_payment_type_must_be_met(element: str, code: str, error: str) -> None:
    text = one_licence(permits("usage", "all"), element)
    assert set(reasons(evidence(text)).values()) == {code}
    assert parse(text).errors == (f"content[1]/license[1]: {error}",)


def test_payment_details_are_kept() -> None:
    text = one_licence(
        payment(
            "crawl",
            f"<standard>{STANDARD}</standard><custom>{CUSTOM}</custom>"
            '<amount currency="USD">0.015</amount><accepts>https://pay.test/x402</accepts>',
        )
    )
    (licence,) = parse(text).contents[0].licenses
    assert licence.payments == (
        RslPayment("crawl", "0.015", "USD", (STANDARD,), (CUSTOM,), ("https://pay.test/x402",)),
    )
    assert licence.describe() == "payment crawl 0.015 USD"


@pytest.mark.parametrize(
    ("amount", "errors"),
    [
        ('<amount currency="EUR">1.50</amount>', ()),
        ('<amount currency="EUR">-1</amount>', ("amount '-1' is not a price",)),
        ('<amount currency="EUR">cheap</amount>', ("amount 'cheap' is not a price",)),
        ('<amount currency="EUR">NaN</amount>', ("amount 'NaN' is not a price",)),
        ("<amount>1</amount>", ("currency 'None' is not an ISO 4217 code",)),
        ('<amount currency="dollars">1</amount>', ("currency 'dollars' is not an ISO 4217 code",)),
    ],
)
def test_amount_is_checked_but_never_decides(amount: str, errors: tuple[str, ...]) -> None:
    text = one_licence(permits("usage", "all"), payment("purchase", amount))
    assert parse(text).errors == tuple(f"content[1]/license[1]: {e}" for e in errors)
    assert letters(evidence(text)) == "NNNN"


# --------------------------------------------------------------------------
# 5. The document
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attrs", "days", "error"),
    [
        ("", DEFAULT_MAX_AGE_DAYS, None),
        (' max-age="7"', 7, None),
        (' max-age="0"', 0, None),
        (' max-age=" 14 "', 14, None),
        (' max-age="365"', 365, None),
        (' max-age="4000"', MAX_AGE_DAYS_LIMIT, "max-age 4000 days: capped at 365"),
        (' max-age="-1"', DEFAULT_MAX_AGE_DAYS, "max-age '-1' is not a number of days: 30"),
        (' max-age="1.5"', DEFAULT_MAX_AGE_DAYS, "max-age '1.5' is not a number of days: 30"),
        (' max-age="soon"', DEFAULT_MAX_AGE_DAYS, "max-age 'soon' is not a number of days: 30"),
    ],
)
def test_max_age(attrs: str, days: int, error: str | None) -> None:
    doc = parse(rsl(content("/", ALL), attrs=attrs))
    assert doc.max_age_days == days
    assert doc.errors == (() if error is None else (error,))


def test_content_attributes_and_extras() -> None:
    text = rsl(
        content(
            "/books/*.epub",
            ALL,
            "<copyright>Example Press</copyright><terms>https://site.test/t</terms>"
            "<schema>https://site.test/s.json</schema>",
            attrs=' server="https://lic.test" encrypted="true" lastmod="2026-01-02T03:04:05Z"',
        ),
        content("/a/", ALL, attrs=' encrypted="yes"'),
    )
    doc = parse(text)
    first, second = doc.contents
    assert (first.element, first.url, first.server, first.encrypted, first.lastmod) == (
        "content[1]",
        "/books/*.epub",
        "https://lic.test",
        True,
        "2026-01-02T03:04:05Z",
    )
    assert (first.copyright, first.terms) == ("Example Press", "https://site.test/t")
    assert second.encrypted  # unreadable: the stricter reading
    assert doc.errors == ("content[2]: encrypted 'yes' is not true or false: true",)


@pytest.mark.parametrize(
    ("extra", "errors"),
    [
        ("<x:foo xmlns:x='https://ext.test/'/>", ()),  # another namespace: an extension
        (f"<rights xmlns='{NAMESPACE}'/>", ("unknown element <rights> in <rsl>: ignored",)),
        ("<rights xmlns=''/>", ("element <rights> in no namespace: ignored",)),
    ],
)
def test_unknown_elements_are_ignored(extra: str, errors: tuple[str, ...]) -> None:
    doc = parse(rsl(content("/", ALL), extra))
    assert doc.errors == errors
    assert letters(judge(doc)) == "YYYY"


def test_bad_server_is_recorded_and_still_wants_a_token() -> None:
    text = one_licence(permits("usage", "all"), attrs=' server="lic.test"')
    assert parse(text).errors == ("content[1]: server 'lic.test' is not an http(s) URL",)
    assert set(reasons(evidence(text)).values()) == {"rsl-license-server"}


def test_str_and_bytes_agree_and_documents_are_frozen() -> None:
    as_bytes = parse_rsl(V2.encode(), url=DOC_URL)
    assert parse_rsl(V2, url=DOC_URL) == as_bytes
    assert parse_rsl(bytearray(V2.encode()), url=DOC_URL) == as_bytes  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        as_bytes.valid = False  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        as_bytes.contents[0].url = "/x"  # type: ignore[misc]


def test_prefixed_namespace_and_xml_declaration() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<r:rsl xmlns:r="{NAMESPACE}"><r:content url="/"><r:license>'
        '<r:prohibits type="usage">ai-train</r:prohibits></r:license></r:content></r:rsl>'
    )
    assert letters(evidence(text)) == "NNYY"


# --------------------------------------------------------------------------
# 6. Real files
# --------------------------------------------------------------------------

REAL_ENTRIES = {
    Path(e["file"]).name: e for e in MANIFEST["other"] if e["file"].startswith("other/rsl/")
}
REAL_URLS = {
    "davidtofan.com-rsl.xml": "https://davidtofan.com/rsl.xml",
    "mcpjunction.ai-license.xml": "https://mcpjunction.ai/license.xml",
}


def real(name: str) -> RslDocument:
    return parse_rsl((REALWEB / name).read_bytes(), url=REAL_URLS[name])


def test_real_files_match_the_manifest() -> None:
    assert sorted(p.name for p in REALWEB.iterdir()) == sorted(REAL_ENTRIES) == sorted(REAL_URLS)
    for name, entry in REAL_ENTRIES.items():
        raw = (REALWEB / name).read_bytes()
        assert (len(raw), hashlib.sha256(raw).hexdigest()) == (entry["bytes"], entry["sha256"])


@pytest.mark.parametrize("name", sorted(REAL_URLS))
def test_real_file_declares_what_the_manifest_says(name: str) -> None:
    doc = real(name)
    assert doc.valid and doc.max_age_days == DEFAULT_MAX_AGE_DAYS
    declared = [
        {
            "url": c.url,
            "licenses": [
                {
                    "permits_usage": sorted(lic.permits.usage or ()),
                    "payment_type": lic.payments[0].type,
                    **({"custom": lic.payments[0].custom[0]} if lic.payments[0].custom else {}),
                }
                for lic in c.licenses
            ],
        }
        for c in doc.contents
    ]
    expected = REAL_ENTRIES[name]["expected"]["content"]
    for item in expected:
        for licence in item["licenses"]:
            licence["permits_usage"] = sorted(licence["permits_usage"])
    assert declared == expected


# davidtofan.com writes <permits type="usage"> twice in one licence (RSL allows one): merged.
DAVIDTOFAN_ERRORS = (
    "content[1]/license[1]: <permits type='usage'> appears more than once: merged",
)


@pytest.mark.parametrize(
    ("name", "url", "held", "expected"),
    [
        # Search and AI input free with attribution, training paid: nothing without a licence.
        (
            "davidtofan.com-rsl.xml",
            "https://davidtofan.com/blog/post",
            (),
            {
                G: "rsl-payment:training",
                N: "rsl-payment:training",
                S: "rsl-payment:attribution",
                R: "rsl-payment:attribution",
            },
        ),
        # Accepting the attribution terms (their custom URL) licenses search and AI input.
        (
            "davidtofan.com-rsl.xml",
            "https://davidtofan.com/blog/post",
            ("https://davidtofan.com/ai-licensing-terms/",),
            {G: "rsl-payment:training", N: "rsl-payment:training", S: None, R: None},
        ),
        # The content URL is absolute: other origins are not covered.
        ("davidtofan.com-rsl.xml", "https://www.davidtofan.com/blog/post", (), {}),
        # Site root: search free, AI input with attribution, training by subscription.
        (
            "mcpjunction.ai-license.xml",
            "https://mcpjunction.ai/servers/x",
            (),
            {
                G: "rsl-payment:subscription",
                N: "rsl-payment:subscription",
                S: None,
                R: "rsl-payment:attribution",
            },
        ),
        # /data/ is the narrower scope: AI input by subscription too.
        (
            "mcpjunction.ai-license.xml",
            "https://mcpjunction.ai/data/servers.json",
            (),
            {
                G: "rsl-payment:subscription",
                N: "rsl-payment:subscription",
                S: None,
                R: "rsl-payment:subscription",
            },
        ),
        (
            "mcpjunction.ai-license.xml",
            "https://mcpjunction.ai/data/servers.json",
            ("https://mcpjunction.ai/licensing",),
            {G: None, N: None, S: None, R: None},
        ),
    ],
)
def test_real_file_verdicts(
    name: str, url: str, held: tuple[str, ...], expected: dict[Purpose, str | None]
) -> None:
    doc = real(name)
    assert doc.errors == (DAVIDTOFAN_ERRORS if name.startswith("davidtofan") else ())
    found = judge(doc, url, held=frozenset(held), geo="US")
    assert (reasons(found) if found else {}) == expected
    assert all(e.source.startswith(f"{REAL_URLS[name]}#content[") for e in found)


# --------------------------------------------------------------------------
# 7. Bad input
# --------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rsl [<!ENTITY a "lol">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + f']><rsl xmlns="{NAMESPACE}"><content url="/"><license>'
    '<permits type="usage">&j;</permits></license></content></rsl>'
)
QUADRATIC = (
    f'<?xml version="1.0"?><!DOCTYPE rsl [<!ENTITY big "{"x" * 50_000}">]>'
    f'<rsl xmlns="{NAMESPACE}"><content url="/"><license><legal>{"&big;" * 10_000}</legal>'
    '<permits type="usage">all</permits></license></content></rsl>'
)
ALLOW_ALL = rsl(content("/", ALL))


def external_entity(target: str) -> str:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rsl [<!ENTITY x SYSTEM "{target}">]>'
        f'<rsl xmlns="{NAMESPACE}"><content url="/"><license>'
        '<permits type="usage">all</permits><legal>&x;</legal></license></content></rsl>'
    )


BAD_INPUTS: list[tuple[str, object, str]] = [
    ("billion laughs", BILLION_LAUGHS, "DTD <!DOCTYPE rsl> refused"),
    ("quadratic blowup", QUADRATIC, "DTD <!DOCTYPE rsl> refused"),
    ("external entity", external_entity("file:///etc/passwd"), "DTD <!DOCTYPE rsl> refused"),
    (
        "external DTD",
        f'<!DOCTYPE rsl SYSTEM "http://evil.test/rsl.dtd">{ALLOW_ALL}',
        "external DTD http://evil.test/rsl.dtd",
    ),
    ("internal DTD", f"<!DOCTYPE rsl []>{ALLOW_ALL}", "DTD <!DOCTYPE rsl> refused"),
    ("10 MB", b"<rsl>" + b" " * 10_000_000 + b"</rsl>", "10000011 bytes, over the 1048576 byte"),
    ("10 MB text", "<rsl>" + " " * 10_000_000 + "</rsl>", "10000011 characters, over the"),
    (
        "wrong namespace",
        ALLOW_ALL.replace(NAMESPACE, "https://rslstandard.org/rsl/"),
        "namespace 'https://rslstandard.org/rsl/'",
    ),
    (
        "no namespace",
        ALLOW_ALL.replace(f' xmlns="{NAMESPACE}"', ""),
        "root element <rsl> in no namespace",
    ),
    ("other root", f'<feed xmlns="{NAMESPACE}"/>', "root element <feed> in namespace"),
    ("empty body", b"", "not well-formed XML: no element found"),
    ("declaration only", b'<?xml version="1.0"?>', "not well-formed XML: no element found"),
    ("no content", rsl(), "no <content> element"),
    (
        "missing url",
        rsl(f"<content>{ALL}</content>"),
        "content[1]: required attribute url is missing",
    ),
    ("empty url", rsl(content("", ALL)), "content[1]: required attribute url is missing"),
    ("relative url", rsl(content("articles/", ALL)), "url 'articles/' is neither a path"),
    ("odd scheme url", rsl(content("ftp://site.test/", ALL)), "url 'ftp://site.test/' is neither"),
    ("bad port url", rsl(content("https://site.test:99999/", ALL)), "is neither a path"),
    ("no licence", rsl(content("/")), "content[1]: no <license> element"),
    ("empty licence", rsl(content("/", "<license/>")), "content[1]/license[1]: empty <license>"),
    (
        "licence with only legal text",
        rsl(content("/", lic("<legal>All rights reserved.</legal>"))),
        "empty <license>",
    ),
    (
        "one bad content among good ones",
        rsl(content("/", ALL), content("/private/", "<license/>")),
        "content[2]/license[1]: empty <license>",
    ),
    ("binary garbage", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "not well-formed XML"),
    ("garbage starting with NUL", bytes(range(256)) * 40, "UTF-16 or UTF-32 encoded"),
    ("truncated", ALLOW_ALL[:-10], "not well-formed XML"),
    ("undefined entity", rsl(content("/", lic("<legal>&nbsp;</legal>"))), "undefined entity"),
    ("UTF-16 with BOM", ALLOW_ALL.encode("utf-16"), "UTF-16 or UTF-32 encoded"),
    ("UTF-16 without BOM", ALLOW_ALL.encode("utf-16-le"), "UTF-16 or UTF-32 encoded"),
    ("UTF-32", ALLOW_ALL.encode("utf-32"), "UTF-16 or UTF-32 encoded"),
    (
        "declared UTF-16, sent UTF-8",
        f'<?xml version="1.0" encoding="UTF-16"?>{ALLOW_ALL}',
        "encoding specified in XML declaration is incorrect",
    ),
    (
        "unknown declared encoding",
        f'<?xml version="1.0" encoding="x-nope"?>{ALLOW_ALL}',
        "unknown encoding",
    ),
    ("lone surrogate", ALLOW_ALL.replace("all", "\ud800"), "unpaired surrogates"),
    ("not a body", None, "body is NoneType, not bytes"),
    ("a number", 42, "body is int, not bytes"),
]


@pytest.mark.parametrize(("name", "body", "error"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_is_recorded_and_never_permits(name: str, body: object, error: str) -> None:
    doc = parse_rsl(body, url=DOC_URL)  # type: ignore[arg-type]
    assert not doc.valid
    assert doc.contents == ()
    assert any(error in message for message in doc.errors), doc.errors
    for held in (frozenset(), frozenset({DOC_URL})):
        found = judge(doc, held=held)
        assert letters(found) == "NNNN"
        (only,) = found
        assert (only.effect, only.reason, only.license_status) == (
            Effect.DENY,
            "rsl-invalid",
            LicenseStatus.RESERVED,
        )
        assert only.source == DOC_URL and only.document_sha256 == SHA
        assert only.value.startswith("invalid RSL document: ")


def test_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER", "utf-8")
    doc = parse_rsl(external_entity(secret.as_uri()), url=DOC_URL)
    assert not doc.valid
    assert "TOP-SECRET-MARKER" not in repr(doc)
    passwd = parse_rsl(external_entity("file:///etc/passwd"), url=DOC_URL)
    assert "root:" not in repr(passwd)


def test_deep_nesting_and_many_faults_are_bounded() -> None:
    deep = "<x>" * 100_000 + "</x>" * 100_000
    doc = parse_rsl(rsl(content("/", ALL), f"<deep xmlns='{NAMESPACE}'>{deep}</deep>"), url=DOC_URL)
    assert doc.valid and doc.errors == ("unknown element <deep> in <rsl>: ignored",)
    noisy = parse(rsl(content("/", lic(permits("usage", " ".join(f"bad{i}" for i in range(500)))))))
    assert len(noisy.errors) == MAX_ERRORS
    assert noisy.errors[-1] == "481 more errors"
    assert letters(judge(noisy)) == "NNNN"


def test_fatal_error_is_kept_when_errors_are_capped() -> None:
    many = lic(permits("usage", " ".join(f"bad{i}" for i in range(50))))
    doc = parse_rsl(rsl(content("/", many), content("/x/")), url=DOC_URL)
    assert not doc.valid and len(doc.errors) == MAX_ERRORS + 1
    assert doc.errors[-1] == "content[2]: no <license> element"
