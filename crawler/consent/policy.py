"""The one place where evidence for a URL becomes a Decision.

Rules (DESIGN.md): signals combine most-restrictively, so one applicable "no" denies; no signal at
all means no reservation and is allowed, unless the job is opt-in (``require_permission``), where
only an explicit grant (an ``allow`` piece of evidence) lets an item be collected.
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import Decision, Effect, Evidence, LicenseStatus, Purpose, Reason

__all__ = ["decide"]


def decide(
    purpose: Purpose, evidence: Iterable[Evidence], *, require_permission: bool = False
) -> Decision:
    everything = tuple(evidence)
    applicable = [e for e in everything if e.applies_to(purpose)]
    reasons: list[Reason] = []
    for item in applicable:
        if item.effect is Effect.DENY and item.reason is not None and item.reason not in reasons:
            reasons.append(item.reason)
    if not reasons and require_permission and not any(e.effect is Effect.ALLOW for e in applicable):
        reasons.append(Reason.NO_PERMISSION)
    return Decision(
        allowed=not reasons,
        reasons=tuple(reasons),
        license_status=_license_status(reasons),
        evidence=everything,
        purpose=purpose,
    )


def _license_status(reasons: list[Reason]) -> LicenseStatus:
    # A signal that reserved the rights is a licence fact; a technical failure tells nothing.
    if any(r.is_reservation for r in reasons):
        return LicenseStatus.RESERVED
    return LicenseStatus.UNKNOWN
