"""What every consentcrawl command line shares: where the catalog is, how a command fails, how
it prints JSON.

- ``--catalog URL`` (or CONSENT_CATALOG_URL), default DEFAULT_CATALOG_URL.
- A failure is one line on stderr, ``consentcrawl: error: …``, and an exit code: USAGE (2) for
  bad input (an option value, a file), FAILED (1) for what goes wrong at run time (the catalog,
  a fetch).
- JSON has times in the one UTC form of ``storage.times`` (``2026-12-04T21:28:07.000000Z``),
  UUIDs as text, dataclasses as objects.

Imports only typer here: the crawler's CLI loads this module at start-up; the catalog is
imported when a command opens it.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from storage.defaults import DEFAULT_CATALOG_URL
from storage.times import utc_text

if TYPE_CHECKING:
    from storage.catalog.catalog import Catalog
    from storage.catalog.db import OpenMode

__all__ = [
    "DEFAULT_CATALOG_URL",
    "FAILED",
    "USAGE",
    "CatalogOption",
    "JsonOption",
    "SigningKeyOption",
    "fail",
    "opened",
    "plain",
    "print_json",
]

#: Exit codes: something failed at run time; the input (an option, a file) was wrong.
FAILED: Final = 1
USAGE: Final = 2

CatalogOption = Annotated[
    str,
    typer.Option(
        "--catalog",
        metavar="URL",
        envvar="CONSENT_CATALOG_URL",
        help="Catalog database URL (SQLAlchemy form).",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
SigningKeyOption = Annotated[
    Path,
    typer.Option(
        "--key",
        metavar="PATH",
        envvar="CONSENT_SIGNING_KEY",
        help="The private key file that signs checkpoints (PEM; consentcrawl keys init).",
    ),
]


def fail(*messages: str, code: int) -> typer.Exit:
    """Print each message as one line ``consentcrawl: error: …`` on stderr; returns the Exit
    (with `code`) to raise."""
    for message in messages:
        typer.echo(f"consentcrawl: error: {' '.join(message.splitlines())}", err=True)
    return typer.Exit(code)


@contextmanager
def opened(url: str, mode: OpenMode) -> Iterator[Catalog]:
    """The catalog at `url`, opened in `mode`; a CatalogError or OSError while it is open ends
    the command with FAILED (a reader of stdout that went away is left to the caller)."""
    from storage.catalog.catalog import Catalog
    from storage.errors import CatalogError

    try:
        with Catalog(url, mode=mode) as catalog:
            yield catalog
    except BrokenPipeError:
        raise
    except (CatalogError, OSError) as exc:
        raise fail(str(exc), code=FAILED) from None


def plain(value: Any) -> Any:
    """`value` made JSON-ready: dataclasses as objects, datetimes in the one UTC form, UUIDs
    as text, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def print_json(value: Any) -> None:
    """`value` (made `plain`) as indented JSON on stdout."""
    typer.echo(json.dumps(plain(value), ensure_ascii=False, indent=2))
