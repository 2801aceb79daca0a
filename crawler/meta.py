"""Request meta keys of consentcrawl.

``consent_decision`` is public and read-only (set once the decision is made). Keys starting with
``_consent_`` are internal. There is deliberately no key that skips a gate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request

    from .consent.model import Decision, Evidence

DECISION = "consent_decision"
EVIDENCE = "_consent_evidence"
PROBE = "_consent_probe"
HOPS_RECORDED = "_consent_hops_recorded"
TDM_FILE = "_consent_tdm_file"  # (matching TdmRule | None, file URL, file SHA-256, file errors)
LOGIN_REDIRECT = "_consent_login_redirect"  # (target URL, matching pattern) of a stopped redirect
TOO_LARGE = "_consent_too_large"  # why a response body was dropped (decompression bomb)
HOP_STATUS = "_consent_hop_status"  # on the stand-in request of a recorded redirect hop
KIND = "_consent_kind"  # "image" for an image a page referenced (default: "page")
PAGE_TAGS = "_consent_page_tags"  # (page URL, X-Robots-Tag tags, robots meta tags) of that page
# {image URL: licence evidence} a page declares for its images; on an image request, its own
IMAGE_LICENCES = "_consent_image_licences"


def add_evidence(request: Request, *items: Evidence) -> None:
    # A new tuple each time: a redirect copies meta shallowly, so a shared list would leak
    # one hop's evidence into another's.
    request.meta[EVIDENCE] = (*request.meta.get(EVIDENCE, ()), *items)


def evidence_of(request: Request) -> tuple[Evidence, ...]:
    return tuple(request.meta.get(EVIDENCE, ()))


def decision_of(request: Request) -> Decision | None:
    return request.meta.get(DECISION)


def kind_of(request: Request) -> str:
    return str(request.meta.get(KIND, "page"))


def is_probe(request: Request) -> bool:
    return bool(request.meta.get(PROBE))
