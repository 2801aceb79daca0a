"""The one place where evidence for a URL becomes a Decision.

Rules (DESIGN.md): signals combine most-restrictively, so one applicable "no" denies; no signal at
all means no reservation and is allowed, unless the job is opt-in (``require_permission``), where
only an explicit grant (an ``allow`` piece of evidence: a signal's "yes", an RSL permit, or an
accepted open licence declared strongly for the page itself) lets an item be collected.

Licence status, in this order: a denial that comes with terms (a TDMRep policy, an RSL offer) is
``licensable``; any other reservation is ``reserved``; otherwise the page's own licence decides
(``open`` when the job accepts it, ``restricted`` when not); with none of these, ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Decision, Effect, Evidence, LicenseStatus, Purpose, Reason, is_reservation

__all__ = ["decide"]

_LICENCE_STATES = (LicenseStatus.OPEN, LicenseStatus.RESTRICTED)


def decide(
    purpose: Purpose, evidence: Iterable[Evidence], *, require_permission: bool = False
) -> Decision:
    everything = tuple(evidence)
    applicable = [e for e in everything if e.applies_to(purpose)]
    denials = [e for e in applicable if e.effect is Effect.DENY and e.reason is not None]
    reasons = list(dict.fromkeys(e.reason for e in denials if e.reason is not None))
    if not reasons and require_permission and not any(e.effect is Effect.ALLOW for e in applicable):
        reasons.append(Reason.NO_PERMISSION)
    licence = next((e for e in applicable if e.license_status in _LICENCE_STATES), None)
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        license_status=_license_status(denials, licence),
        evidence=everything,
        purpose=purpose,
        license=None if licence is None else licence.license,
    )


def _license_status(denials: list[Evidence], licence: Evidence | None) -> LicenseStatus:
    # A technical failure (an unreachable robots.txt) says nothing about the licence.
    if any(e.license_status is LicenseStatus.LICENSABLE for e in denials):
        return LicenseStatus.LICENSABLE
    if any(e.reason is not None and is_reservation(e.reason) for e in denials):
        return LicenseStatus.RESERVED
    if licence is not None and licence.license_status is not None:
        return licence.license_status
    return LicenseStatus.UNKNOWN
