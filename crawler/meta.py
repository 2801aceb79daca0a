"""Request meta of consentcrawl: every key, and a typed accessor for each.

``consent_decision`` is public and read-only (set once the decision is made). Keys starting with
``_consent_`` are internal: the components read and write them only through the functions here,
so a value always has the one type its dataclass gives. There is deliberately no key that skips
a gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Mapping

    from scrapy import Request

    from .consent.licenses import LicenseEvidence
    from .consent.model import Decision, Evidence
    from .consent.robots_tags import RobotsTag
    from .consent.tdmrep import TdmRule

DECISION: Final = "consent_decision"
EVIDENCE: Final = "_consent_evidence"
PROBE: Final = "_consent_probe"
HOPS_RECORDED: Final = "_consent_hops_recorded"
TDM_FILE: Final = "_consent_tdm_file"
LOGIN_REDIRECT: Final = "_consent_login_redirect"
TOO_LARGE: Final = "_consent_too_large"  # why a response body was dropped (decompression bomb)
HOP_STATUS: Final = "_consent_hop_status"  # on the stand-in request of a recorded redirect hop
KIND: Final = "_consent_kind"
PAGE_TAGS: Final = "_consent_page_tags"
IMAGE_LICENCES: Final = "_consent_image_licences"  # on a page: {image URL: licence evidence}
IMAGE_LICENCE: Final = "_consent_image_licence"  # on an image: the licence its page gives it
REFERER: Final = "_consent_referer"  # the page a link was found on (Scrapy sets Referer later)


class Kind(StrEnum):
    """What a request asks for: a page, or an image a page referenced (``--images``)."""

    PAGE = "page"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class TdmFileMatch:
    """The origin's tdmrep.json as it applies to one URL (set by the origin gate, combined with
    the page's own header and meta tags after download)."""

    rule: TdmRule | None  # the first rule whose location matches; None: the file has none
    url: str
    sha256: str | None
    errors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoginRedirect:
    """A redirect into a login page, stopped before it was followed."""

    target: str
    pattern: str


@dataclass(frozen=True, slots=True)
class PageTags:
    """The robots tags of the page an image was found on (for its ``noimageai``)."""

    url: str
    header: tuple[RobotsTag, ...]  # X-Robots-Tag
    meta: tuple[RobotsTag, ...]  # robots meta tags


def add_evidence(request: Request, *items: Evidence) -> None:
    # A new tuple each time: a redirect copies meta shallowly, so a shared list would leak
    # one hop's evidence into another's.
    request.meta[EVIDENCE] = (*request.meta.get(EVIDENCE, ()), *items)


def reset_evidence(request: Request) -> None:
    request.meta[EVIDENCE] = ()


def evidence_of(request: Request) -> tuple[Evidence, ...]:
    return tuple(request.meta.get(EVIDENCE, ()))


def set_decision(request: Request, decision: Decision) -> None:
    request.meta[DECISION] = decision


def decision_of(request: Request) -> Decision | None:
    return request.meta.get(DECISION)


def kind_of(request: Request) -> Kind:
    return Kind(request.meta.get(KIND, Kind.PAGE))


def set_kind(request: Request, kind: Kind) -> None:
    request.meta[KIND] = kind


def is_probe(request: Request) -> bool:
    return bool(request.meta.get(PROBE))


def set_tdm_file(request: Request, match: TdmFileMatch) -> None:
    request.meta[TDM_FILE] = match


def tdm_file_of(request: Request) -> TdmFileMatch | None:
    found = request.meta.get(TDM_FILE)
    return found if isinstance(found, TdmFileMatch) else None


def set_login_redirect(request: Request, stopped: LoginRedirect) -> None:
    request.meta[LOGIN_REDIRECT] = stopped


def login_redirect_of(request: Request) -> LoginRedirect | None:
    found = request.meta.get(LOGIN_REDIRECT)
    return found if isinstance(found, LoginRedirect) else None


def set_page_tags(request: Request, tags: PageTags) -> None:
    request.meta[PAGE_TAGS] = tags


def page_tags_of(request: Request) -> PageTags | None:
    found = request.meta.get(PAGE_TAGS)
    return found if isinstance(found, PageTags) else None


def set_image_licences(
    request: Request, licences: Mapping[str, tuple[LicenseEvidence, ...]]
) -> None:
    request.meta[IMAGE_LICENCES] = dict(licences)


def image_licences_of(request: Request) -> Mapping[str, tuple[LicenseEvidence, ...]]:
    """The licences a page declares for its images, per image URL."""
    found = request.meta.get(IMAGE_LICENCES)
    return found if isinstance(found, dict) else {}


def set_image_licence(request: Request, licence: tuple[LicenseEvidence, ...]) -> None:
    request.meta[IMAGE_LICENCE] = licence


def image_licence_of(request: Request) -> tuple[LicenseEvidence, ...] | None:
    """The licence evidence an image's page gave it."""
    found = request.meta.get(IMAGE_LICENCE)
    return found if isinstance(found, tuple) else None


def mark_image(request: Request) -> None:
    """An image a page referenced: decided as an image, wherever it is hosted (a CDN)."""
    request.meta[KIND] = Kind.IMAGE
    request.meta["allow_offsite"] = True


def hops_recorded(request: Request) -> int:
    return int(request.meta.get(HOPS_RECORDED, 0))


def set_hops_recorded(request: Request, count: int) -> None:
    request.meta[HOPS_RECORDED] = count


def hop_request(request: Request, url: str, status: int | None) -> Request:
    """The stand-in request under which one redirect hop of ``request`` is recorded."""
    return request.replace(url=url, meta={HOP_STATUS: status})


def hop_status_of(request: Request) -> tuple[bool, int | None]:
    """(whether the request stands in for a recorded redirect hop, that hop's status)."""
    return HOP_STATUS in request.meta, request.meta.get(HOP_STATUS)


def referer_of(request: Request) -> str | None:
    referer = request.meta.get(REFERER) or request.headers.get(b"Referer")
    return referer.decode("latin-1") if isinstance(referer, bytes) else referer


def set_too_large(request: Request, why: str) -> None:
    request.meta[TOO_LARGE] = why


def clear_too_large(request: Request) -> None:
    request.meta.pop(TOO_LARGE, None)


def too_large_of(request: Request) -> str | None:
    found = request.meta.get(TOO_LARGE)
    return found if isinstance(found, str) else None
