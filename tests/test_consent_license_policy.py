"""A job's licence terms, and the licence evidence a page's finding becomes under them."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from crawler.consent.license_policy import LicenseTerms, license_evidence
from crawler.consent.licenses import detect_licenses
from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose, Reason
from crawler.consent.policy import decide

CC = "https://creativecommons.org/licenses"
PAGE = "https://site.test/post"


def finding(head: str = "", body: str = "", link: str = "") -> tuple[Evidence, ...]:
    return evidence_under(LicenseTerms(), head, body, link)


def evidence_under(terms: LicenseTerms, head: str = "", body: str = "",
                   link: str = "") -> tuple[Evidence, ...]:
    response = HtmlResponse(PAGE, body=f"<html><head>{head}</head><body>{body}</body></html>",
                            encoding="utf-8")
    found = detect_licenses(response.selector.root, url=PAGE, link_headers=[link] if link else [])
    return license_evidence(found, terms)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"accept": ["CC-BY-9.0"]}, "--accept-license"),
        ({"accept": ["CC-BY-*-*"]}, "--accept-license"),
        ({"accept": [""]}, "--accept-license"),
        ({"held": ["licence.xml"]}, "--license-held"),
        ({"held": ["ftp://x.test/l.xml"]}, "--license-held"),
        ({"geo": "DEU"}, "--geo"),
        ({"geo": "e1"}, "--geo"),
    ],
)
def test_bad_terms_name_the_option(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LicenseTerms.parse(**kwargs)  # type: ignore[arg-type]


def test_terms_defaults_and_normalisation() -> None:
    terms = LicenseTerms.parse(held=[" https://x.test/l.xml "], geo="de")
    assert terms.accepted.patterns == ("CC0-1.0", "CC-PDM-1.0", "CC-BY-*", "CC-BY-SA-*")
    assert (terms.commercial, terms.user, terms.geo) == (True, "commercial", "DE")
    assert terms.held == frozenset({"https://x.test/l.xml"})
    assert LicenseTerms.parse(commercial=False, geo="eu").user == "non-commercial"


# (markup, terms) -> (status of the deciding row, its licence, effect) for every licence state
BY = f'<link rel="license" href="{CC}/by/4.0/">'
NC = f'<link rel="license" href="{CC}/by-nc/4.0/">'
ND = f'<link rel="license" href="{CC}/by-nd/4.0/">'
CC0 = '<link rel="license" href="https://creativecommons.org/publicdomain/zero/1.0/">'
NON_COMMERCIAL_NC = LicenseTerms.parse(accept=["CC-BY-NC-*"], commercial=False)


@pytest.mark.parametrize(
    ("head", "terms", "status", "licence"),
    [
        (BY, LicenseTerms(), LicenseStatus.OPEN, "CC-BY-4.0"),
        (CC0, LicenseTerms(), LicenseStatus.OPEN, "CC0-1.0"),
        (NC, LicenseTerms(), LicenseStatus.RESTRICTED, "CC-BY-NC-4.0"),
        (ND, LicenseTerms(), LicenseStatus.RESTRICTED, "CC-BY-ND-4.0"),
        (NC, NON_COMMERCIAL_NC, LicenseStatus.OPEN, "CC-BY-NC-4.0"),
        # a commercial job never accepts NC, whatever the patterns say
        (NC, LicenseTerms.parse(accept=["CC-BY-NC-*"]), LicenseStatus.RESTRICTED, "CC-BY-NC-4.0"),
        (ND, LicenseTerms.parse(accept=["CC-BY-ND-4.0"]), LicenseStatus.OPEN, "CC-BY-ND-4.0"),
        ('<link rel="license" href="/terms">', LicenseTerms(), LicenseStatus.RESTRICTED, None),
    ],
)
def test_deciding_row_carries_the_status(
    head: str, terms: LicenseTerms, status: LicenseStatus, licence: str | None
) -> None:
    [row] = evidence_under(terms, head)
    assert (row.license_status, row.license, row.strength) == (status, licence, "strong")
    assert row.effect is (Effect.ALLOW if status is LicenseStatus.OPEN else Effect.INFO)
    decision = decide(Purpose.TRAIN_GENAI, (row,))
    assert (decision.license_status, decision.license) == (status, licence)


def test_weak_and_image_evidence_never_decide() -> None:
    rows = finding(body=f'<a href="{CC}/by/4.0/">badge</a><figure><img src="a.jpg"><a rel='
                   f'"license" href="{CC}/by/2.0/">CC BY</a></figure>')
    assert {(r.license, r.strength) for r in rows} == {("CC-BY-2.0", "strong"), ("CC-BY-4.0", "weak")}
    assert all(r.license_status is None and r.effect is Effect.INFO for r in rows)
    assert decide(Purpose.SEARCH, rows).license_status is LicenseStatus.UNKNOWN


def test_conflict_is_recorded_and_most_restrictive_wins() -> None:
    rows = finding(head=BY, link=f'<{CC}/by-nc-nd/4.0/>; rel="license"')
    deciding = [r for r in rows if r.license_status is not None]
    assert [(r.license, r.license_status) for r in deciding] == [
        ("CC-BY-NC-ND-4.0", LicenseStatus.RESTRICTED)]
    assert any(r.source == "conflict rule" for r in rows)


def test_own_site_terms_beside_an_open_licence_make_it_restricted() -> None:
    rows = finding(head=BY, body='<footer><a rel="license" href="/attribution">terms</a></footer>')
    [deciding] = [r for r in rows if r.license_status is not None]
    assert (deciding.license, deciding.license_status) == ("CC-BY-4.0", LicenseStatus.RESTRICTED)
    assert deciding.effect is Effect.INFO  # not an explicit grant: an opt-in job does not collect
    [note] = [r for r in rows if r.source == "conflict rule"]
    assert note.value.startswith("additional terms beside CC-BY-4.0: https://site.test/attribution")
    decision = decide(Purpose.TRAIN_AI, rows, require_permission=True)
    assert (decision.allowed, decision.license, decision.license_status) == (
        False, "CC-BY-4.0", LicenseStatus.RESTRICTED)


def test_detection_errors_become_info_rows() -> None:
    rows = finding(head='<script type="application/ld+json">{"license": </script>')
    assert rows and all(r.effect is Effect.INFO and r.reason is None for r in rows)
    assert any(r.source == "license detection" and "ignored" in r.value for r in rows)


RESERVED = Evidence("robots.txt", "r", "Disallow: /", Effect.DENY, Reason.ROBOTS_DISALLOW)
OFFER = Evidence("rsl", "d#content[1]", "payment", Effect.DENY, "rsl-payment:crawl",
                 license_status=LicenseStatus.LICENSABLE)


@pytest.mark.parametrize(
    ("extra", "opt_in", "allowed", "status"),
    [
        ((), False, True, LicenseStatus.OPEN),
        ((), True, True, LicenseStatus.OPEN),  # an accepted open licence is permission
        ((RESERVED,), False, False, LicenseStatus.RESERVED),  # a reservation outranks it
        ((OFFER,), False, False, LicenseStatus.LICENSABLE),
    ],
)
def test_open_licence_in_the_policy(
    extra: tuple[Evidence, ...], opt_in: bool, allowed: bool, status: LicenseStatus
) -> None:
    decision = decide(Purpose.TRAIN_AI, (*finding(head=BY), *extra), require_permission=opt_in)
    assert (decision.allowed, decision.license_status, decision.license) == (
        allowed, status, "CC-BY-4.0")


@pytest.mark.parametrize("head", [NC, ND, '<link rel="license" href="/terms">', ""])
def test_opt_in_needs_an_accepted_licence(head: str) -> None:
    decision = decide(Purpose.TRAIN_AI, finding(head=head), require_permission=True)
    assert decision.reasons == (Reason.NO_PERMISSION,)
