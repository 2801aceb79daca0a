"""The Public Suffix List bundled with tldextract: one extractor for every package.

Registrable domains decide the crawler's site scope, the catalog's ``registrable_domain``
column and the blocklists' checks; all three must draw the line in the same place. The list is
the one shipped with the installed tldextract (private suffixes such as ``github.io``
included): ``suffix_list_urls=()`` and no cache directory, so nothing is ever downloaded.
"""

from __future__ import annotations

from typing import Final

import tldextract

__all__ = ["EXTRACT"]

EXTRACT: Final = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
)
