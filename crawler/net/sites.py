"""What "the same site" means for staying on the seeds' sites: the registrable domain.

tldextract uses only the suffix list bundled with the package; it never downloads one.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from storage.psl import EXTRACT


@lru_cache(maxsize=65536)
def site_of_host(host: str) -> str:
    """``blog.example.co.uk`` -> ``example.co.uk``; IP literals and bare names stay as they are."""
    host = host.lower().rstrip(".")
    parts = EXTRACT(host)
    return parts.top_domain_under_public_suffix or host


def site_of(url: str) -> str:
    return site_of_host(urlsplit(url).hostname or "")
