"""Every stats key consentcrawl writes is built here (documented in the README table)."""

from __future__ import annotations

CONSENT = "consent"
CATALOG = "catalog"
WARC = "warc"

DENIED = f"{CONSENT}/denied"
ROBOTS_UNREACHABLE = f"{CONSENT}/robots/unreachable"
ROBOTS_FORBIDDEN = f"{CONSENT}/robots/forbidden"
OPTOUT_DENIED = f"{CONSENT}/optout/denied"
PRIVATE_ADDRESS = f"{CONSENT}/address/refused"
CREDENTIALS_STRIPPED = f"{CONSENT}/credentials/stripped"
AUTH_WALLS = f"{CONSENT}/auth/walls"
WALLED_ORIGINS = f"{CONSENT}/auth/walled_origins"
BLOCKLIST_HITS = f"{CONSENT}/blocklist/hit"
JOB_ID = f"{CATALOG}/job_id"
CATALOG_RECORDS = f"{CATALOG}/records"
CATALOG_DOCUMENTS = f"{CATALOG}/documents"
CATALOG_BATCHES = f"{CATALOG}/batches"
COLLECTED_BYTES = f"{CATALOG}/collected_bytes"
WARC_RECORDS = f"{WARC}/records"
WARC_BYTES = f"{WARC}/bytes"
WARC_FILES = f"{WARC}/files"


DENIED_REASON_PREFIX = f"{CONSENT}/denied_reason_count/"


def denied_reason(reason: str) -> str:
    return f"{DENIED_REASON_PREFIX}{reason}"


#: Stats names of the policy documents (robots.txt, tdmrep.json, ai.txt, RSL licences).
DOCUMENTS = {"robots.txt": "robots", "tdmrep.json": "tdmrep", "ai.txt": "aitxt", "rsl": "rsl"}


def document_fetched(kind: str) -> str:
    return f"{CONSENT}/{DOCUMENTS[kind]}/fetched"


def document_status(kind: str, status: int | str) -> str:
    return f"{CONSENT}/{DOCUMENTS[kind]}/status_count/{status}"


ROBOTS_FETCHED = document_fetched("robots.txt")


def blocklist_version(source: str) -> str:
    return f"{CONSENT}/blocklist/version/{source}"


def blocklist_review(source: str) -> str:
    return f"{CONSENT}/blocklist/review/{source}"


def walled_origin(origin: str) -> str:
    return f"{CONSENT}/auth/walled_origin/{origin}"


def crawl_delay(slot: str) -> str:
    return f"{CONSENT}/crawl_delay/{slot}"


def outcome(name: str) -> str:
    return f"{CATALOG}/outcome_count/{name}"


IMAGE_OUTCOME_PREFIX = f"{CATALOG}/image_outcome_count/"
IMAGE_DENIED_REASON_PREFIX = f"{CONSENT}/image/denied_reason_count/"


def image_outcome(name: str) -> str:
    return f"{IMAGE_OUTCOME_PREFIX}{name}"


def image_denied_reason(reason: str) -> str:
    return f"{IMAGE_DENIED_REASON_PREFIX}{reason}"


LICENSE_STATUS_PREFIX = f"{CATALOG}/license_status_count/"
LICENSE_PREFIX = f"{CATALOG}/license_count/"


def license_status(status: str) -> str:
    return f"{LICENSE_STATUS_PREFIX}{status}"


def license(spdx: str) -> str:
    return f"{LICENSE_PREFIX}{spdx}"
