"""schema.org structured data of a parsed page (JSON-LD and microdata, read with extruct), bounded.

extruct reads the lxml tree parsel already built (no second parse) and never changes it. JSON-LD
is read block by block, so one unreadable block hides no other, and each block is checked before
it is parsed: a block over MAX_BLOCK_CHARS, past MAX_TOTAL_CHARS on the page, or nested deeper
than MAX_DEPTH is not parsed (json and extruct's lenient fallback recurse and take time in
proportion). What is skipped or unreadable is said in ``errors``; the text of unreadable blocks
is kept for callers that look for a plain marker in it.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Final

from lxml import etree

__all__ = [
    "MAX_BLOCK_CHARS",
    "MAX_DEPTH",
    "MAX_TOTAL_CHARS",
    "JsonLd",
    "jsonld",
    "microdata",
    "prop",
    "properties",
    "type_names",
]

MAX_BLOCK_CHARS: Final = 1_000_000
MAX_TOTAL_CHARS: Final = 2_000_000
#: Real JSON-LD nests a dozen levels; 10,000 levels is an attack on the parser.
MAX_DEPTH: Final = 64

_JSONLD_SCRIPTS: Final = etree.XPath("//script[@type='application/ld+json']")
# Brackets inside strings do not nest; escaped quotes do not end a string.
_STRINGS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS: Final = re.compile(r"[^\[\]{}]+")
_SEPARATORS: Final = re.compile(r"[/:#]")
_STEPS: Final = str.maketrans({"[": "\x01", "{": "\x01", "]": "\xff", "}": "\xff"})


@dataclass(frozen=True, slots=True)
class JsonLd:
    """The JSON-LD of a page: top-level items in document order, and what could not be read."""

    items: tuple[Any, ...]
    unreadable: tuple[str, ...]
    """Text of blocks no parser could read (clipped to MAX_BLOCK_CHARS)."""
    errors: tuple[str, ...]


def jsonld(root: Any, *, containing: str) -> JsonLd:
    """The JSON-LD blocks whose text contains ``containing`` (case-insensitive), parsed.

    A block that is a list gives its members, an object itself; anything else (a string, a
    number) is an error. Blocks without the word are not parsed at all.
    """
    from extruct.jsonld import JsonLdExtractor  # pulls in jstyleson; most pages never need it

    marker = re.compile(re.escape(containing), re.IGNORECASE)
    extractor = JsonLdExtractor()
    items: list[Any] = []
    unreadable: list[str] = []
    errors: list[str] = []
    budget = MAX_TOTAL_CHARS
    for number, script in enumerate(_JSONLD_SCRIPTS(root), start=1):
        text = script.text or ""
        if not marker.search(text):
            continue
        where = f"JSON-LD block {number}"
        if len(text) > min(MAX_BLOCK_CHARS, budget):
            errors.append(f"{where}: {len(text):,} characters, over the limit: not read")
            unreadable.append(text[:MAX_BLOCK_CHARS])
            continue
        budget -= len(text)
        if _depth(text) > MAX_DEPTH:
            errors.append(f"{where}: nested deeper than {MAX_DEPTH} levels: not read")
            unreadable.append(text)
            continue
        try:
            found = extractor.extract_items(script)
        except (ValueError, TypeError, RecursionError) as exc:
            errors.append(f"{where}: malformed JSON ({type(exc).__name__}: {exc})"[:300])
            unreadable.append(text)
            continue
        if not found and text.strip():
            errors.append(f"{where}: not a JSON object or array of objects")
        items.extend(found)
    return JsonLd(tuple(items), tuple(unreadable), tuple(errors))


def microdata(root: Any, *, base_url: str | None = None) -> tuple[list[Any], str | None]:
    """extruct's microdata items of the page (relative URLs resolved), and an error or None."""
    # Imported here: it pulls in rdflib and html5lib, and most pages never get this far.
    import extruct

    try:
        data = extruct.extract(root, syntaxes=["microdata"], errors="strict", base_url=base_url)
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        return [], f"microdata: unreadable ({type(exc).__name__})"
    return list(data.get("microdata") or []), None


def prop(props: dict[Any, Any], name: str) -> Any:
    """A property by name, also written "schema:name" or "https://schema.org/name"."""
    if name in props:
        return props[name]
    wanted = name.lower()
    for key, value in props.items():
        if isinstance(key, str) and _local(key).lower() == wanted:
            return value
    return None


def properties(props: dict[Any, Any]) -> dict[str, Any]:
    """All properties by lower-cased local name (``prop`` for many names at once): a name
    written plainly wins over the same name with a prefix or vocabulary URL."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if not isinstance(key, str):
            continue
        local = _local(key)
        if local is key:
            out[key.lower()] = value
        else:
            out.setdefault(local.lower(), value)
    return out


def _local(name: str) -> str:
    """ "https://schema.org/license", "schema:license" → "license"; a plain name is returned
    as the same object."""
    if "/" in name or ":" in name or "#" in name:
        return _SEPARATORS.split(name)[-1]
    return name


def type_names(kind: Any) -> tuple[str, ...]:
    """Local names of an @type / itemtype value ("https://schema.org/ImageObject" → ImageObject)."""
    names = kind if isinstance(kind, list) else [kind]
    # "schema:" names no type: dropped, as an empty name is (so that the names read back).
    return tuple(local for n in names if isinstance(n, str) and (local := _local(n)))


def _depth(text: str) -> int:
    """Deepest bracket nesting outside strings, counted at C speed (no Python loop per char)."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    if not brackets:
        return 0
    steps = array("b", brackets.translate(_STEPS).encode("latin-1"))
    return max(accumulate(steps))
