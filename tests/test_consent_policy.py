"""The policy: evidence in, one Decision out (most restrictive wins, opt-in needs a grant)."""

from __future__ import annotations

import pytest

from crawler.consent.model import Effect, Evidence, LicenseStatus, Purpose, Reason, UnknownPurpose
from crawler.consent.policy import decide

ALL = tuple(Purpose)


def ev(effect: Effect, reason: Reason | None = None, *purposes: Purpose) -> Evidence:
    return Evidence("test", "http://s.test/", "v", effect, reason, purposes=frozenset(purposes))


ROBOTS_NO = ev(Effect.DENY, Reason.ROBOTS_DISALLOW)
UNREACHABLE = ev(Effect.DENY, Reason.ROBOTS_UNREACHABLE)
INFO = ev(Effect.INFO)
GRANT = ev(Effect.ALLOW)
GENAI_ONLY_NO = ev(Effect.DENY, Reason.ROBOTS_DISALLOW, Purpose.TRAIN_GENAI)


@pytest.mark.parametrize(
    ("evidence", "purpose", "opt_in", "allowed", "reasons", "status"),
    [
        ((), Purpose.TRAIN_GENAI, False, True, (), LicenseStatus.UNKNOWN),
        ((INFO,), Purpose.SEARCH, False, True, (), LicenseStatus.UNKNOWN),
        ((ROBOTS_NO,), Purpose.SEARCH, False, False, (Reason.ROBOTS_DISALLOW,), LicenseStatus.RESERVED),
        ((GRANT, ROBOTS_NO), Purpose.AI_INPUT, False, False, (Reason.ROBOTS_DISALLOW,), LicenseStatus.RESERVED),
        ((UNREACHABLE,), Purpose.TRAIN_AI, False, False, (Reason.ROBOTS_UNREACHABLE,), LicenseStatus.UNKNOWN),
        ((UNREACHABLE, ROBOTS_NO, ROBOTS_NO), Purpose.TRAIN_AI, False, False,
         (Reason.ROBOTS_UNREACHABLE, Reason.ROBOTS_DISALLOW), LicenseStatus.RESERVED),
        ((GENAI_ONLY_NO,), Purpose.TRAIN_GENAI, False, False, (Reason.ROBOTS_DISALLOW,), LicenseStatus.RESERVED),
        ((GENAI_ONLY_NO,), Purpose.TRAIN_AI, False, True, (), LicenseStatus.UNKNOWN),
        ((INFO,), Purpose.TRAIN_GENAI, True, False, (Reason.NO_PERMISSION,), LicenseStatus.UNKNOWN),
        ((GRANT,), Purpose.TRAIN_GENAI, True, True, (), LicenseStatus.UNKNOWN),
        ((GRANT, UNREACHABLE), Purpose.TRAIN_GENAI, True, False, (Reason.ROBOTS_UNREACHABLE,), LicenseStatus.UNKNOWN),
    ],
)
def test_decide(
    evidence: tuple[Evidence, ...],
    purpose: Purpose,
    opt_in: bool,
    allowed: bool,
    reasons: tuple[Reason, ...],
    status: LicenseStatus,
) -> None:
    decision = decide(purpose, evidence, require_permission=opt_in)
    assert (decision.allowed, decision.reasons, decision.license_status) == (allowed, reasons, status)
    assert decision.evidence == evidence  # all evidence is kept for the audit trail
    assert decision.purpose is purpose


@pytest.mark.parametrize("name", ["train-genai", "TRAIN-AI", " ai-input ", "search"])
def test_purpose_parse(name: str) -> None:
    assert Purpose.parse(name).value == name.strip().lower()


@pytest.mark.parametrize("name", ["", "training", "genai", "train_genai"])
def test_unknown_purpose_names_the_choices(name: str) -> None:
    with pytest.raises(UnknownPurpose, match="train-genai, train-ai, ai-input, search"):
        Purpose.parse(name)
