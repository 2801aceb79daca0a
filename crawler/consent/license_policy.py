"""A job's licence terms, and what a page's licence finding means under them.

``LicenseTerms`` is what the job declares: the licences it accepts as permission (SPDX ids and
``<family>-*`` patterns; default CC0-1.0, CC-PDM-1.0, CC-BY-*, CC-BY-SA-*), whether its use is
commercial (then no NC licence is accepted, whatever the patterns say), the licences it holds
(RSL documents, content or licence-server URLs) and the country it works from (RSL geo terms).

``license_evidence`` turns a ``LicenseFinding`` into evidence rows: one per declaration seen,
with its SPDX id and strength. The declaration that decided the page's licence carries the
status: ``open`` when the job accepts it (an explicit grant, so an opt-in job may collect),
``restricted`` when not (also an unrecognised licence: its terms are unknown, and a licence
with additional terms of the site's own, ``LicenseFinding.terms``: those are unread).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .licenses import LicenseFinding, Strength
from .model import Effect, Evidence, LicenseStatus
from .spdx import AcceptedLicenses

__all__ = ["SIGNAL", "LicenseTerms", "license_evidence"]

SIGNAL = "license"
_GEO = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2 (RSL also knows EU)


@dataclass(frozen=True, slots=True)
class LicenseTerms:
    accepted: AcceptedLicenses = field(default_factory=lambda: AcceptedLicenses.DEFAULT)
    commercial: bool = True
    held: frozenset[str] = frozenset()
    geo: str | None = None

    @property
    def user(self) -> str:
        """The RSL user type of the job."""
        return "commercial" if self.commercial else "non-commercial"

    @classmethod
    def parse(
        cls,
        *,
        accept: Iterable[str] | None = None,
        commercial: bool = True,
        held: Iterable[str] = (),
        geo: str | None = None,
    ) -> LicenseTerms:
        """Check the job's declarations; ValueError naming the option and value at fault."""
        try:
            accepted = (
                AcceptedLicenses.DEFAULT if accept is None else AcceptedLicenses.parse(accept)
            )
        except ValueError as exc:
            raise ValueError(f"--accept-license: {exc}") from None
        urls = frozenset(u.strip() for u in held)
        for url in sorted(urls):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"--license-held {url!r}: not an absolute http(s) URL")
        code = None if not geo else geo.strip().upper()
        if code is not None and not (code == "EU" or _GEO.fullmatch(code)):
            raise ValueError(f"--geo {geo!r}: not an ISO 3166-1 alpha-2 country code or EU")
        return cls(accepted, commercial, urls, code)


def license_evidence(
    finding: LicenseFinding, terms: LicenseTerms, *, image: bool = False
) -> tuple[Evidence, ...]:
    """Evidence rows of a finding; ``image``: the finding is a page's licence for one of its
    images (``licenses.image_finding``), whose image-scoped declarations decide."""
    evidence: list[Evidence] = []
    deciding = finding.license_url is not None or finding.license is not None
    for piece in finding.evidence:
        status = None
        if (
            deciding
            and (piece.decides or image and piece.strength is Strength.STRONG)
            and (piece.spdx, piece.url) == (finding.license, finding.license_url)
        ):
            deciding = False  # the first matching declaration carries the decision
            open_ = (
                finding.license is not None
                and not finding.terms
                and terms.accepted.accepts(finding.license, commercial=terms.commercial)
            )
            status = LicenseStatus.OPEN if open_ else LicenseStatus.RESTRICTED
        evidence.append(
            Evidence(
                signal=SIGNAL,
                source=f"{piece.source} ({piece.scope.value})",
                value=piece.value,
                effect=Effect.ALLOW if status is LicenseStatus.OPEN else Effect.INFO,
                license_status=status,
                license=piece.spdx,
                strength=piece.strength.value,
            )
        )
    if finding.conflict:
        evidence.append(Evidence(SIGNAL, "conflict rule", finding.conflict))
    evidence += (Evidence(SIGNAL, "license detection", f"ignored: {e}") for e in finding.errors)
    return tuple(evidence)
