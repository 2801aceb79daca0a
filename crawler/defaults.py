"""Every CONSENT_* setting with its default, alphabetical; the README table documents each."""

from __future__ import annotations

from typing import Any

CONSENT_DEFAULTS: dict[str, Any] = {
    "CONSENT_AGENT": "consentcrawl",
    "CONSENT_AI_AGENTS_ADD": {},
    "CONSENT_AI_AGENTS_DROP": [],
    "CONSENT_AI_AGENTS_OWN_ONLY": False,
    "CONSENT_ALLOW_OFFSITE": False,
    "CONSENT_CATALOG_BATCH_SIZE": 200,
    "CONSENT_CATALOG_FLUSH_INTERVAL": 2.0,
    "CONSENT_CATALOG_MAX_PENDING": 4,
    "CONSENT_CATALOG_URL": "sqlite:///consentcrawl.sqlite",
    "CONSENT_CONTACT_URL": "https://github.com/consentcrawl/consentcrawl",
    "CONSENT_EVALUATE": [],
    "CONSENT_FOLLOW_LINKS": True,
    "CONSENT_MAX_CRAWL_DELAY": 30.0,
    "CONSENT_MAX_PAGES": 0,
    "CONSENT_MAX_REDIRECTS": 5,
    "CONSENT_PURPOSE": None,
    "CONSENT_REQUIRE_PERMISSION": False,
    "CONSENT_RESOLVE": {},
    "CONSENT_ROBOTS_CACHE_TTL": 86400,
    "CONSENT_ROBOTS_ERROR_TTL": 600,
    "CONSENT_ROBOTS_MAX_SIZE": 16 * 1024 * 1024,
    "CONSENT_ROBOTS_PARSE_LIMIT": 512_000,
    "CONSENT_ROBOTS_TIMEOUT": 30.0,
    "CONSENT_SEEDS": [],
    "CONSENT_TDMREP_MAX_SIZE": 1024 * 1024,
    "CONSENT_WARC_DIR": "warc",
    "CONSENT_WARC_MAX_SIZE": 1_000_000_000,
    "CONSENT_WARC_PREFIX": "consentcrawl",
}
