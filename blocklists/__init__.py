"""Rights holders' piracy-site lists: formats, validation and matching (pure: no I/O but reading
the list file given to ``load_blocklist``).

``load_blocklist`` reads a plain-text, CSV or JSON list into normalised ``Entry`` values, or
refuses it whole with ``BlocklistFormatError`` naming every problem; ``share_blocked`` says how
much of a crawl's seeds a list would block (for review before it applies); ``Matcher`` answers
"is this URL listed, by which list and entry" in a few microseconds for millions of entries.
"""

from __future__ import annotations

from blocklists.formats import FORMATS, load_blocklist
from blocklists.matcher import Match, Matcher
from blocklists.model import BlocklistFormatError, Entry, EntryKind, Problem
from blocklists.names import IDNA
from blocklists.validate import share_blocked

__all__ = [
    "FORMATS",
    "IDNA",
    "BlocklistFormatError",
    "Entry",
    "EntryKind",
    "Match",
    "Matcher",
    "Problem",
    "load_blocklist",
    "share_blocked",
]
