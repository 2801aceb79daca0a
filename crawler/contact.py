"""The operator's contact in the User-Agent: site operators must be able to reach whoever crawls.

Pure: no Scrapy, no I/O. An http(s) URL or a ``mailto:`` URI; it goes into a header comment
``(+…)``, so whitespace, control characters, parentheses and backslashes are refused too.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .exceptions import ConfigError

__all__ = ["contact_url"]

_NOT_IN_COMMENT = re.compile(r"[\s()\\\x00-\x1f\x7f]")
_MAILBOX = re.compile(r"[^@/?#]+@[^@/?#]+\.[^@/?#]+")


def contact_url(value: object, name: str = "CONSENT_CONTACT_URL") -> str:
    """``value`` when it is a usable contact; ConfigError naming ``name`` otherwise."""
    if value is None or not str(value).strip():
        raise ConfigError(
            f"{name} is required: the User-Agent must carry the operator's contact "
            "(an http(s) URL or a mailto: URI)"
        )
    text = str(value).strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if _NOT_IN_COMMENT.search(text):
        usable = False
    elif scheme in ("http", "https"):
        usable = bool(parts.hostname)
    elif scheme == "mailto":
        usable = bool(_MAILBOX.fullmatch(parts.path))
    else:
        usable = False
    if not usable:
        raise ConfigError(f"{name} {text!r} is not an http(s) URL or a mailto: URI")
    return text

