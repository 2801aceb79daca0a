"""``consentcrawl audit …``: read the catalog (the commands auditors use).

Thin: parse options, call the catalog, render. Errors become one line and exit code 1.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from .catalog.catalog import Catalog
from .errors import CatalogError
from .export import EXPORT_FIELDS, EXPORT_FIELDS_WITH_WITHDRAWN, write_csv, write_jsonl

DEFAULT_CATALOG = "sqlite:///consentcrawl.sqlite"

app = typer.Typer(
    help="Query the catalog: what was collected, what was skipped, and why.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


CatalogOption = Annotated[
    str,
    typer.Option(
        "--catalog", envvar="CONSENT_CATALOG_URL", help="Catalog database URL (SQLAlchemy form)."
    ),
]


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")],
    catalog: CatalogOption = DEFAULT_CATALOG,
    job: Annotated[str | None, typer.Option(help="Only this crawl job (its id).")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    include_withdrawn: Annotated[
        bool,
        typer.Option(
            "--include-withdrawn",
            help="Also the items taken down since (with a trailing 'withdrawn' field).",
        ),
    ] = False,
) -> None:
    """One row per URL considered, collected and skipped, with the contract fields.

    Example: consentcrawl audit export --catalog sqlite:///demo.sqlite --format jsonl
    """
    job_id = _job_id(job)
    try:
        with Catalog(catalog) as cat:  # brings an older catalog to the current schema
            rows = cat.export_rows(job_id=job_id, include_withdrawn=include_withdrawn)
            fields = EXPORT_FIELDS_WITH_WITHDRAWN if include_withdrawn else EXPORT_FIELDS
            if output is None:
                count = _write(format, rows, sys.stdout, fields)
            else:
                with output.open("w", encoding="utf-8", newline="") as out:
                    count = _write(format, rows, out, fields)
    except (CatalogError, OSError) as exc:
        typer.echo(f"consentcrawl: error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{count} rows exported", err=True)


def _write(
    format: ExportFormat,
    rows: Iterable[Mapping[str, Any]],
    out: TextIO,
    fields: Sequence[str],
) -> int:
    if format is ExportFormat.JSONL:
        return write_jsonl(rows, out)
    return write_csv(rows, out, fields=fields)


def _job_id(job: str | None) -> uuid.UUID | None:
    if job is None:
        return None
    try:
        return uuid.UUID(job)
    except ValueError:
        raise typer.BadParameter(f"{job!r} is not a job id (a UUID)", param_hint="--job") from None
