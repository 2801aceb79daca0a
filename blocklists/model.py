"""What a blocklist is made of: entries, the problems that refuse a list, and the refusal.

Pure data, shared by the formats, the validation and the matcher.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["BlocklistFormatError", "Entry", "EntryKind", "Problem"]


class EntryKind(StrEnum):
    """What an entry covers."""

    DOMAIN = "domain"  # the domain and every subdomain, at any depth
    HOST = "host"  # that host only (a name or an IP literal)
    URL_PREFIX = "url-prefix"  # URLs that start with the normalised prefix, http or https


@dataclass(frozen=True, slots=True)
class Entry:
    """One normalised entry of a list.

    ``value``: for domain and host entries a lower-case ASCII (punycode) name without trailing
    dot (and without ``www.`` only when loaded with ``strip_www``), or an IP literal (IPv6
    compressed, no brackets); for url-prefix entries ``scheme://host[:port]/path[?query]`` with
    scheme and host lower-case, the host in punycode, port 80 or 443 dropped (a default port of
    either scheme: http and https are one site, and a prefix matches whatever the scheme), an
    empty path written ``/``, the rest of the path as given and no fragment.
    """

    value: str
    kind: EntryKind
    reason: str | None = None
    evidence_url: str | None = None
    added: str | None = None  # YYYY-MM-DD, as given
    line: int = 0  # line in the source file (JSON: array index + 1)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one entry (or the file) is refused."""

    file: str
    line: int
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.entry!r}: {self.message}"


class BlocklistFormatError(ValueError):
    """A list refused as a whole: nothing of it applies until every problem is fixed."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))
