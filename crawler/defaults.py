"""Every CONSENT_* setting with its default, alphabetical; the README table documents each."""

from __future__ import annotations

from typing import Any

from storage.defaults import DEFAULT_CATALOG_URL

CONSENT_DEFAULTS: dict[str, Any] = {
    "CONSENT_ACCEPT_LICENSES": None,  # None: crawler.consent.spdx.AcceptedLicenses.DEFAULT
    "CONSENT_AGENT": "consentcrawl",
    "CONSENT_AI_AGENTS_ADD": {},
    "CONSENT_AI_AGENTS_DROP": [],
    "CONSENT_AI_AGENTS_FILE": None,  # None: the packaged table (crawler/consent/agents.json)
    "CONSENT_AI_AGENTS_OWN_ONLY": False,
    "CONSENT_ALLOW_OFFSITE": False,
    "CONSENT_ALLOW_PRIVATE_NETWORKS": [],
    "CONSENT_AUTH_URL_PATTERNS": None,  # None: crawler.consent.walls.DEFAULT_AUTH_PATTERNS
    "CONSENT_AUTH_WALL_MIN_PAGES": 20,
    "CONSENT_AUTH_WALL_RATIO": 0.8,
    "CONSENT_BLOCKLIST_FILES": [],
    "CONSENT_BLOCKLIST_REVIEW_SHARE": 0.5,
    "CONSENT_BLOCKLIST_SUBMITTER": "crawl --blocklist",
    "CONSENT_CATALOG_BATCH_SIZE": 200,
    "CONSENT_CATALOG_FLUSH_INTERVAL": 2.0,
    "CONSENT_CATALOG_MAX_PENDING": 4,
    "CONSENT_CATALOG_URL": DEFAULT_CATALOG_URL,
    "CONSENT_CHECKPOINT_EVERY": 100_000,
    "CONSENT_COMMERCIAL": True,
    "CONSENT_CONTACT_URL": None,  # required: the operator's http(s) URL or mailto: URI
    "CONSENT_DOWNLOAD_TIMEOUT": 30.0,
    "CONSENT_EVALUATE": [],
    "CONSENT_FOLLOW_LINKS": True,
    "CONSENT_GEO": None,
    "CONSENT_IMAGES": False,
    "CONSENT_IMAGES_PER_PAGE": 100,
    "CONSENT_IMAGE_MAX_PIXELS": 50_000_000,
    "CONSENT_IMAGE_MAX_SIZE": 20 * 1024 * 1024,
    "CONSENT_IMAGE_MIN_PIXELS": 0,
    "CONSENT_JOB_HEARTBEAT": 10.0,
    "CONSENT_LICENSES_HELD": [],
    "CONSENT_MAX_CRAWL_DELAY": 30.0,
    "CONSENT_MAX_PAGES": 0,
    "CONSENT_MAX_PATH_SEGMENTS": 24,
    "CONSENT_MAX_REDIRECTS": 5,
    "CONSENT_MAX_RESPONSE_SIZE": 32 * 1024 * 1024,
    "CONSENT_PURPOSE": None,
    "CONSENT_REQUIRE_PERMISSION": False,
    "CONSENT_RESOLVE": {},
    "CONSENT_RESUMES": None,  # set by crawl --resume: the id of the job this one continues
    "CONSENT_ROBOTS_CACHE_TTL": 86400,
    "CONSENT_ROBOTS_ERROR_TTL": 600,
    "CONSENT_ROBOTS_MAX_SIZE": 16 * 1024 * 1024,
    "CONSENT_ROBOTS_PARSE_LIMIT": 512_000,
    "CONSENT_ROBOTS_TIMEOUT": 30.0,
    "CONSENT_RSL_MAX_SIZE": 1024 * 1024,
    "CONSENT_SEEDS": [],
    "CONSENT_SIGNING_KEY": None,  # None: no checkpoints are signed
    "CONSENT_SITE_MAX_PAGES": 10_000,
    "CONSENT_TDMREP_MAX_SIZE": 1024 * 1024,
    "CONSENT_WARC_DIR": "warc",
    "CONSENT_WARC_MAX_SIZE": 1_000_000_000,
    "CONSENT_WARC_PREFIX": "consentcrawl",
}
