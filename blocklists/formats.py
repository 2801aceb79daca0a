"""Reading a list file (plain text, CSV or JSON) into entries; what is acceptable is validate.py's.

Files are UTF-8, with or without a BOM, lines ending in LF or CRLF. Bytes that are not UTF-8
are a problem of the line they are on. Lines (JSON: the items of the decoded text) are read one
at a time, so a million-entry list never exists a second time as lines or parsed objects.

**Plain text** (``.txt``): one entry a line; blank lines are ignored; ``#`` starts a comment at
the start of a line or after whitespace (a ``#`` inside a URL is its fragment, which is
dropped). The kind is inferred: a URL or anything with a path is a URL prefix, an IP literal a
host, anything else a domain. A line may name the kind first, case-insensitively:
``domain: piracy.example``, ``host: cdn.piracy.example``, ``url-prefix: https://x.example/v/``
(``domain: https://piracy.example/`` is the domain ``piracy.example``).

**CSV** (``.csv``): a header row naming the columns ``entry`` and ``kind`` and optionally
``reason``, ``evidence_url`` and ``added``, in any order and any case; other columns are
ignored. Every row needs a kind (``domain``, ``host`` or ``url-prefix``); blank rows are
ignored.

**JSON** (``.json``): a list, or an object whose ``"entries"`` is that list (other keys are
ignored). An item is a string, read like a plain-text line (without comments), or an object with
``"entry"`` and optionally ``"kind"`` (inferred when absent), ``"reason"``, ``"evidence_url"``
and ``"added"``: strings or null; other keys are ignored. An item's line is its index + 1.

The format comes from ``format``, else the extension, else the content: ``[`` or ``{`` starting
a JSON document, a first non-blank line with ``entry`` and ``kind`` columns for CSV, plain text
otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Generator, Iterator
from pathlib import Path, PurePath

from blocklists.bulk import collector_paused
from blocklists.model import Entry
from blocklists.validate import Checker

__all__ = ["FORMATS", "load_blocklist"]

FORMATS = ("text", "csv", "json")
_ALIASES = {"txt": "text", "plain": "text"}
_EXTENSIONS = {".txt": "text", ".csv": "csv", ".json": "json"}
_COLUMNS = ("entry", "kind", "reason", "evidence_url", "added")
_BOM = b"\xef\xbb\xbf"
_COMMENT = re.compile(r"(?:^|\s)#")
_EXPLICIT = re.compile(r"(domain|host|url-prefix):\s*", re.IGNORECASE)
_JSON_START = re.compile(rb"\s*(?:\{|\[\s*[\]\"{])")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def load_blocklist(
    path: str | Path,
    *,
    data: bytes | None = None,
    format: str | None = None,
    strip_www: bool = False,
    max_entries: int = 5_000_000,
) -> tuple[Entry, ...]:
    """The entries of the list at ``path`` (or in ``data``, ``path`` then only names it), or
    ``BlocklistFormatError`` naming every problem: a list is taken whole or not at all.

    ``format``: ``text``, ``csv`` or ``json`` (an unknown name is a ``ValueError``).
    ``strip_www``: domain entries lose a leading ``www.`` (host entries never do: the host
    without it would no longer cover ``www``). ``OSError`` if ``path`` cannot be read.
    """
    name = str(path)
    if format is not None:
        format = _ALIASES.get(format.lower(), format.lower())
        if format not in FORMATS:
            raise ValueError(f"unknown blocklist format {format!r}: text, csv or json")
    if data is None:
        data = Path(path).read_bytes()
    data = data.removeprefix(_BOM)
    format = format or _EXTENSIONS.get(PurePath(name).suffix.lower()) or _sniff(data)
    checker = Checker(name, strip_www=strip_www, max_entries=max_entries)
    with collector_paused():
        if format == "json":
            text = _decode(data, checker)
            del data  # the text is all JSON needs; free the bytes if nobody else holds them
            _read_json(text, checker)
        elif format == "csv":
            _read_csv(data, checker)
        else:
            _read_text(data, checker)
        return checker.result()


def _sniff(data: bytes) -> str:
    if _JSON_START.match(data):
        return "json"
    for raw in io.BytesIO(data):
        line = raw.decode("utf-8", "replace").strip()
        if line:
            try:
                cells = {cell.strip().lower() for cell in next(csv.reader([line]), [])}
            except csv.Error:  # a CR inside the line, a cell over csv's limit: no header row
                return "text"
            return "csv" if {"entry", "kind"} <= cells else "text"
    return "text"


def _not_utf8(checker: Checker, number: int, raw: bytes, error: UnicodeDecodeError) -> str:
    """Report a line that is not UTF-8; its text with replacement characters."""
    line = raw.decode("utf-8", "replace")
    checker.problem(number, line.strip(), f"not UTF-8 (byte 0x{raw[error.start]:02x})")
    return line


def _decode(data: bytes, checker: Checker) -> str:
    """The whole text (JSON); every line with bytes that are not UTF-8 is reported."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for number, raw in enumerate(io.BytesIO(data), 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as error:
            _not_utf8(checker, number, raw, error)
    return data.decode("utf-8", "replace")


def _explicit(entry: str) -> tuple[str | None, str]:
    """``kind: entry`` -> (kind, entry); else (None, entry) and the kind is inferred."""
    if entry.find(":") not in (4, 6, 10):  # host:, domain:, url-prefix:
        return None, entry
    named = _EXPLICIT.match(entry)
    if named is None:
        return None, entry
    return named.group(1).lower(), entry[named.end() :]


def _read_text(data: bytes, checker: Checker) -> None:
    for number, raw in enumerate(io.BytesIO(data), 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            _not_utf8(checker, number, raw, error)
            continue
        if "#" in line:
            comment = _COMMENT.search(line)
            if comment is not None:
                line = line[: comment.start()]
        entry = line.strip()
        if not entry:
            continue
        kind, entry = _explicit(entry)
        if not checker.add(number, entry, kind):
            return


def _read_csv(data: bytes, checker: Checker) -> None:
    bad_lines: set[int] = set()

    def lines() -> Iterator[str]:
        for number, raw in enumerate(io.BytesIO(data), 1):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                bad_lines.add(number)
                yield _not_utf8(checker, number, raw, error)

    reader = csv.reader(lines())
    try:
        header = next(reader, None)
        while header is not None and not "".join(header).strip():  # blank lines first
            header = next(reader, None)
        if header is None:
            checker.problem(1, "", "no header row (entry,kind,reason,evidence_url,added)")
            return
        names = [cell.strip().lower() for cell in header]
        missing = [column for column in ("entry", "kind") if column not in names]
        if missing:
            checker.problem(reader.line_num, ",".join(header), f"no {' or '.join(missing)} column")
            return
        twice = sorted({n for n in names if n in _COLUMNS and names.count(n) > 1})
        if twice:
            checker.problem(reader.line_num, ",".join(header), f"column {twice[0]} twice")
            return
        # A missing optional column reads the empty cell appended to every row.
        width = len(names)
        at = [names.index(column) if column in names else width for column in _COLUMNS]
        entry_at, kind_at, reason_at, evidence_at, added_at = at
        previous = reader.line_num
        for row in reader:
            number, previous = previous + 1, reader.line_num
            if len(row) != width:
                if not row or number in bad_lines:
                    continue
                row = (row + [""] * width)[:width]
            row.append("")
            entry, kind = row[entry_at].strip(), row[kind_at].strip()
            if not entry or not kind:
                if number in bad_lines or not any(cell.strip() for cell in row):
                    continue
                message = "no kind (domain, host or url-prefix)" if entry else "no entry"
                checker.problem(number, entry or ",".join(row[:width]), message)
                continue
            if number in bad_lines:
                continue
            fields = row[reason_at], row[evidence_at], row[added_at]
            if not checker.add(number, entry, kind, *fields):
                return
    except csv.Error as error:
        checker.problem(reader.line_num, "", f"not valid CSV: {error}")


def _read_json(text: str, checker: Checker) -> None:
    try:
        for number, item in enumerate(_json_items(text), 1):
            entry: str | None
            kind: str | None
            reason = evidence = added = None
            if isinstance(item, str):
                kind, entry = _explicit(item.strip())
            elif isinstance(item, dict):
                get = item.get
                entry, kind = get("entry"), get("kind")
                reason, evidence, added = get("reason"), get("evidence_url"), get("added")
                values = (entry, kind, reason, evidence, added)
                if not (
                    type(entry) in _STRING_OR_NULL
                    and type(kind) in _STRING_OR_NULL
                    and type(reason) in _STRING_OR_NULL
                    and type(evidence) in _STRING_OR_NULL
                    and type(added) in _STRING_OR_NULL
                ):
                    wrong = next(
                        column
                        for column, value in zip(_COLUMNS, values, strict=True)
                        if type(value) not in _STRING_OR_NULL
                    )
                    checker.problem(number, str(entry), f"{wrong} must be a string")
                    continue
                entry = (entry or "").strip()
            else:
                checker.problem(number, json.dumps(item)[:80], "expected a string or an object")
                continue
            if not entry:
                checker.problem(number, "", "empty entry")
                continue
            if not checker.add(number, entry, kind, reason, evidence, added):
                return
    except json.JSONDecodeError as error:
        checker.problem(error.lineno, "", f"not valid JSON: {error.msg} (column {error.colno})")
    except RecursionError:
        checker.problem(1, "", "not valid JSON: nested too deeply")
    except _NoList:
        checker.problem(1, "", 'expected a list of entries, or an object with an "entries" list')


_STRING_OR_NULL = (str, type(None))
_SPACE_CHARS = (" ", "\t", "\n", "\r")


class _NoList(Exception):
    """The document is neither a list nor an object with an "entries" list."""


def _skip(text: str, position: int) -> int:
    """Past JSON whitespace."""
    if text.startswith(_SPACE_CHARS, position):
        space = _JSON_SPACE.match(text, position)
        if space is not None:
            return space.end()
    return position


def _json_items(text: str) -> Generator[object, None, None]:
    """The items of a JSON list (or of the "entries" list of an object) one at a time, so a
    million small dicts never exist together; the rest of the document is checked as
    ``json.loads`` would check it."""
    position = _skip(text, 0)
    if text.startswith("[", position):
        position = yield from _json_array(text, position)
    elif text.startswith("{", position):
        found = False
        position = _skip(text, position + 1)
        while not text.startswith("}", position):
            if not text.startswith('"', position):
                raise json.JSONDecodeError(
                    "Expecting property name in double quotes", text, position
                )
            key, position = _json_value(text, position)
            position = _skip(text, position)
            if not text.startswith(":", position):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, position)
            position = _skip(text, position + 1)
            if key == "entries":
                if found or not text.startswith("[", position):
                    raise _NoList
                found = True
                position = yield from _json_array(text, position)
            else:
                _, position = _json_value(text, position)
            position = _skip(text, position)
            if text.startswith(",", position):
                position = _skip(text, position + 1)
                if text.startswith("}", position):
                    raise json.JSONDecodeError("Expecting property name", text, position)
            elif not text.startswith("}", position):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
        if not found:
            raise _NoList
        position += 1
    else:
        raise _NoList
    position = _skip(text, position)
    if position != len(text):
        raise json.JSONDecodeError("Extra data", text, position)


_json_value = json.JSONDecoder().raw_decode  # one value at a position, no whitespace skipped


def _json_array(text: str, position: int) -> Generator[object, None, int]:
    """Yields the items of the list starting at ``position``; returns the position after it."""
    value, spaces = _json_value, _SPACE_CHARS
    position = _skip(text, position + 1)
    if text.startswith("]", position):
        return position + 1
    while True:
        item, position = value(text, position)
        yield item
        if text.startswith(spaces, position):
            position = _skip(text, position)
        if text.startswith(",", position):
            position += 1
            if text.startswith(spaces, position):
                position = _skip(text, position)
        elif text.startswith("]", position):
            return position + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, position)
