"""``consentcrawl audit …``: read the catalog (the commands auditors use).

Thin: parse options, call the read-only queries (`storage.audit`), render a rich
table, JSON (``--json``) or CSV (``--csv``). Errors become one line on stderr: exit code 2
for a bad option value (a date, a job id, a limit, a purpose), 1 for anything that goes wrong
at run time (no such job, catalog unreachable). A reader of stdout that goes away (``| head``)
ends the command quietly with READER_GONE.
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import inspect
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final, NoReturn, TextIO

import typer
from rich.console import Console
from rich.table import Table

from .audit import queries
from .audit.export import (
    EXPORT_FIELDS,
    EXPORT_FIELDS_WITH_WITHDRAWN,
    export_rows,
    write_csv,
    write_jsonl,
)
from .audit.filters import RecordFilter, normalise_domain
from .catalog.checkpoint import DEFAULT_KEY
from .catalog.models import LICENSE_STATUSES, OUTCOMES, PURPOSES
from .cli_support import (
    DEFAULT_CATALOG_URL,
    FAILED,
    USAGE,
    CatalogOption,
    JsonOption,
    SigningKeyOption,
    fail,
    opened,
    plain,
    print_json,
)
from .errors import CatalogError

# The exit code when stdout's reader goes away: that of a program killed by SIGPIPE (128 + 13)
# as the shell reports it, so `set -o pipefail` sees what it sees for any other tool.
READER_GONE = 141

app = typer.Typer(
    help="Query the catalog: what was collected, what was skipped, and why.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"


# --- the options the commands share ------------------------------------------------------

CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV, not a table.")]
JobsOption = Annotated[
    list[str] | None, typer.Option("--job", help="Only this crawl job (repeatable).")
]
SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Recorded at or after this ISO 8601 time (no offset: UTC)."),
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Recorded before this ISO 8601 time (no offset: UTC).")
]
LimitOption = Annotated[int, typer.Option("--limit", help="Rows per page.")]
IncludeWithdrawnOption = Annotated[
    bool,
    typer.Option(
        "--include-withdrawn",
        help="Also the items taken down since, marked (a 'withdrawn' column or field).",
    ),
]
OffsetOption = Annotated[int, typer.Option("--offset", help="Rows to skip first.")]

#: The record filters of `query` and `export` (`_record_filters`), by parameter name.
_FILTER_OPTIONS: Final[dict[str, Any]] = {
    "domain": Annotated[
        str | None, typer.Option("--domain", help="Only URLs on this host or its subdomains.")
    ],
    "job": Annotated[str | None, typer.Option("--job", help="Only this crawl job (its id).")],
    "purpose": Annotated[
        str | None,
        typer.Option("--purpose", help=f"Only jobs with this purpose ({', '.join(PURPOSES)})."),
    ],
    "outcome": Annotated[
        str | None, typer.Option("--outcome", help="Only 'collected' or only 'skipped' records.")
    ],
    "reason": Annotated[
        str | None,
        typer.Option(
            "--reason", help="Only records with this reason code, or family (content-signal)."
        ),
    ],
    "license_status": Annotated[
        str | None,
        typer.Option(
            "--license-status",
            help=f"Only records with this licence status ({', '.join(LICENSE_STATUSES)}).",
        ),
    ],
    "since": SinceOption,
    "until": UntilOption,
}


def _bad(option: str, message: str) -> NoReturn:
    raise fail(f"{option}: {message}", code=USAGE)


def _choice(option: str, value: str | None, choices: Sequence[str]) -> None:
    if value is not None and value not in choices:
        _bad(option, f"{value!r} is not one of {', '.join(choices)}")


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        _bad(option, f"{value!r} is not an ISO 8601 date or time (e.g. 2026-11-29T07:00:00Z)")
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


def _filters(
    *,
    domain: str | None,
    job: str | None,
    purpose: str | None,
    outcome: str | None,
    reason: str | None,
    license_status: str | None,
    since: str | None,
    until: str | None,
) -> RecordFilter:
    _choice("--outcome", outcome, OUTCOMES)
    _choice("--purpose", purpose, PURPOSES)
    _choice("--license-status", license_status, LICENSE_STATUSES)
    if domain is not None and not normalise_domain(domain):
        _bad("--domain", f"{domain!r} names no domain")
    return RecordFilter(
        domain=domain,
        job_id=_job_id(job),
        purpose=purpose,
        outcome=outcome,
        reason=reason,
        license_status=license_status,
        since=_when(since, "--since"),
        until=_when(until, "--until"),
    )


def _record_filters(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with the record filter options in place of its `filters` parameter, which it
    is given as one checked RecordFilter: `query` and `export` declare them once."""
    # eval_str: typer reads the annotations from __signature__ as they are, not as strings.
    signature = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in signature.parameters.values():
        if parameter.name != "filters":
            parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        parameters += [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=option)
            for name, option in _FILTER_OPTIONS.items()
        ]

    @functools.wraps(command)
    def run(**options: Any) -> None:
        given = {name: options.pop(name) for name in _FILTER_OPTIONS}
        command(**options, filters=_filters(**given))

    run.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters}
    return run


def _page(limit: int, offset: int) -> None:
    if not 0 < limit <= queries.MAX_LIMIT:
        _bad("--limit", f"must be between 1 and {queries.MAX_LIMIT}, got {limit}")
    if offset < 0:
        _bad("--offset", f"must not be negative, got {offset}")


class _Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def _format(as_json: bool, as_csv: bool) -> _Format:
    if as_json and as_csv:
        _bad("--json/--csv", "choose one")
    return _Format.JSON if as_json else _Format.CSV if as_csv else _Format.TABLE


# --- rendering ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # Rich would exit with 1 itself; every command ends alike (_quiet_when_reader_goes).
        self.quiet = True
        raise BrokenPipeError


def _console() -> Console:
    return _Console(soft_wrap=False, width=max(Console().width, 200))


def _print_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(v) for v in row])


def _print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    _console().print(table)


def _emit(
    fmt: _Format,
    title: str,
    columns: Sequence[str],
    items: Sequence[Any],
    row: Callable[[Any], Sequence[Any]],
    page: queries.Page[Any] | None = None,
) -> None:
    if fmt is _Format.JSON:
        if page is None:
            print_json(list(items))
        else:
            print_json(
                {
                    "total": page.total,
                    "limit": page.limit,
                    "offset": page.offset,
                    "items": list(items),
                }
            )
    elif fmt is _Format.CSV:
        _print_csv(columns, (row(item) for item in items))
    else:
        if page is not None:
            title += (
                f" ({page.offset + 1 if items else 0}-{page.offset + len(items)} of {page.total})"
            )
        _print_table(title, columns, (row(item) for item in items))


# --- commands -------------------------------------------------------------------------------

_EVIDENCE_COLUMNS = (
    "signal",
    "effect",
    "reason",
    "purposes",
    "value",
    "source",
    "line",
    "license",
    "strength",
    "document",
)


def _evidence_cells(e: queries.EvidenceView) -> tuple[Any, ...]:
    return (
        e.signal,
        e.effect,
        e.reason,
        e.purposes,
        e.value,
        e.source,
        e.line,
        e.license,
        e.strength,
        _document_cell(e),
    )


def _document_cell(evidence: queries.EvidenceView) -> str:
    doc = evidence.document
    if doc is None:
        return evidence.document_sha256 or ""
    return (
        f"{doc.kind} {doc.url} (HTTP {doc.http_status if doc.http_status is not None else '-'}, "
        f"fetched {plain(doc.fetched_at)}, sha256 {doc.sha256[:12]}…)"
    )


@app.command()
def show(
    url: Annotated[str, typer.Argument(help="The URL exactly as crawled.")],
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Every decision about one URL, in every job, with the evidence behind it.

    Evidence read from a policy document names it (URL, status, fetch time); JSON has its
    sha256. Exit code 1 when the catalog has no record of the URL.

    Example: consentcrawl audit show https://example.org/private/page --catalog sqlite:///demo.sqlite
    """
    fmt = _format(as_json, as_csv)
    with opened(catalog, "read") as cat:
        history = queries.record_history(cat, url)
    if not history:
        raise fail(f"no record of {url!r} in catalog {cat.url}", code=FAILED)
    if fmt is _Format.JSON:
        print_json(history)
        return
    record_fields = [f.name for f in dataclasses.fields(queries.RecordView) if f.name != "evidence"]
    if fmt is _Format.CSV:
        evidence_fields = [f"evidence_{name}" for name in _EVIDENCE_COLUMNS]
        rows = []
        for view in history:
            base = [getattr(view, name) for name in record_fields]
            for e in view.evidence or (None,):
                rows.append(
                    base + ([""] * len(evidence_fields) if e is None else list(_evidence_cells(e)))
                )
        _print_csv([*record_fields, *evidence_fields], rows)
        return
    for view in history:
        _print_table(
            f"record {view.id} — {view.outcome}",
            ("field", "value"),
            [(name, getattr(view, name)) for name in record_fields],
        )
        if view.evidence:
            _print_table(
                f"evidence of record {view.id}",
                _EVIDENCE_COLUMNS,
                [_evidence_cells(e) for e in view.evidence],
            )


_RECORD_COLUMNS = tuple(f.name for f in dataclasses.fields(queries.RecordRow))  # withdrawn last


@app.command("query")
@_record_filters
def query_command(
    filters: RecordFilter,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    limit: LimitOption = 100,
    offset: OffsetOption = 0,
    include_withdrawn: IncludeWithdrawnOption = False,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Records matching every filter given, in the order they were written, a page at a time;
    items taken down since are left out unless --include-withdrawn.

    Example: consentcrawl audit query --domain example.org --outcome skipped --reason robots-disallow --since 2026-11-01
    """
    fmt = _format(as_json, as_csv)
    _page(limit, offset)
    with opened(catalog, "read") as cat:
        page = queries.query_records(
            cat, filters, limit=limit, offset=offset, include_withdrawn=include_withdrawn
        )
    columns = _RECORD_COLUMNS if include_withdrawn else _RECORD_COLUMNS[:-1]
    _emit(
        fmt,
        "records",
        columns,
        page.items,
        lambda r: [getattr(r, name) for name in columns],
        page,
    )


_JOB_COLUMNS = tuple(f.name for f in dataclasses.fields(queries.JobRow))


@app.command("jobs")
def jobs_command(
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Every crawl job, newest first: purpose, agent token, status, times, records, and the
    settings that narrowed a gate (weakenings; `audit job ID` says how).

    Example: consentcrawl audit jobs --catalog sqlite:///demo.sqlite
    """
    fmt = _format(as_json, as_csv)
    with opened(catalog, "read") as cat:
        rows = queries.jobs(cat)

    def row(job: queries.JobRow) -> list[Any]:
        names = [w.setting for w in job.weakenings or ()]
        return [names if n == "weakenings" else getattr(job, n) for n in _JOB_COLUMNS]

    _emit(fmt, "crawl jobs", _JOB_COLUMNS, rows, row)


@app.command("job")
def job_command(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="The job's id (a UUID).")],
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """One job: settings, the weakenings among them (what each narrows and why), agent token,
    purpose, status, times, blocklist versions in force, records by outcome and by reason.
    CSV has one (section, key, value) row per fact.

    Example: consentcrawl audit job 0b5cbb4e-8a9f-4d7e-9a57-3f0f2c1f6b11 --json
    """
    fmt = _format(as_json, as_csv)
    parsed = _job_id(job_id, "ID")
    assert parsed is not None
    with opened(catalog, "read") as cat:
        detail = queries.job(cat, parsed)
    if fmt is _Format.JSON:
        print_json(detail)
        return
    facts: list[tuple[str, str, Any]] = [
        ("job", name, getattr(detail, name))
        for name in (
            "id",
            "purpose",
            "agent",
            "user_agent",
            "status",
            "started_at",
            "finished_at",
            "software_version",
            "seeds",
            "records",
        )
    ]
    facts += [("setting", key, value) for key, value in sorted(detail.settings.items())]
    if detail.weakenings is None:
        facts.append(("weakening", "", "not recorded (the job was written before weakenings were)"))
    facts += [
        ("weakening", w.setting, f"{w.value_text}: {w.why} (narrows {', '.join(w.narrows)})")
        for w in detail.weakenings or ()
    ]
    facts += [
        ("blocklist", b.source, f"version {b.version} sha256 {b.sha256}") for b in detail.blocklists
    ]
    facts += [("outcome", key, value) for key, value in detail.outcomes.items()]
    facts += [("reason", key, value) for key, value in detail.reasons.items()]
    if fmt is _Format.CSV:
        _print_csv(("section", "key", "value"), facts)
    else:
        _print_table(f"crawl job {detail.id}", ("section", "key", "value"), facts)


_DOMAIN_COLUMNS = ("considered", "collected", "skipped", "bytes_collected", "top_reasons")


class DomainGroup(StrEnum):
    DOMAIN = "domain"
    HOST = "host"


@app.command("domains")
def domains_command(
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    by: Annotated[
        DomainGroup,
        typer.Option("--by", help="Group by registrable domain (example.co.uk) or by host."),
    ] = DomainGroup.DOMAIN,
    limit: LimitOption = 100,
    offset: OffsetOption = 0,
    include_withdrawn: IncludeWithdrawnOption = False,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Records per registrable domain (or per host with --by host), most first: considered,
    collected, skipped, bytes collected and the three most frequent reasons of the skipped
    (code=count); items taken down since are left out unless --include-withdrawn.

    Example: consentcrawl audit domains --limit 20 --csv
    """
    fmt = _format(as_json, as_csv)
    _page(limit, offset)
    with opened(catalog, "read") as cat:
        page = queries.domains(
            cat, limit=limit, offset=offset, by=by.value, include_withdrawn=include_withdrawn
        )
    columns = (by.value, *_DOMAIN_COLUMNS, *(("withdrawn",) if include_withdrawn else ()))

    def row(d: queries.DomainRow) -> list[Any]:
        reasons = [f"{code}={count}" for code, count in d.top_reasons]
        counts = [d.considered, d.collected, d.skipped, d.bytes_collected, reasons]
        return [d.domain, *counts, *([d.withdrawn] if include_withdrawn else [])]

    _emit(fmt, "domains" if by is DomainGroup.DOMAIN else "hosts", columns, page.items, row, page)


@app.command()
@_record_filters
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="Output format.")],
    filters: RecordFilter,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    include_withdrawn: IncludeWithdrawnOption = False,
) -> None:
    """One row per URL considered, collected and skipped, with the contract fields; the
    same filters as `audit query`.

    Example: consentcrawl audit export --catalog sqlite:///demo.sqlite --format jsonl
    """
    with opened(catalog, "read") as cat:
        rows = export_rows(cat, filters, include_withdrawn=include_withdrawn)
        fields = EXPORT_FIELDS_WITH_WITHDRAWN if include_withdrawn else EXPORT_FIELDS
        if output is None:
            count = _write(format, rows, sys.stdout, fields)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = _write(format, rows, out, fields)
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


def _job_id(job: str | None, option: str = "--job") -> uuid.UUID | None:
    if job is None:
        return None
    try:
        return uuid.UUID(job.strip())
    except ValueError:
        _bad(option, f"{job!r} is not a job id (a UUID)")


def _scope(
    job: list[str] | None, since: str | None, until: str | None
) -> tuple[list[uuid.UUID] | None, datetime | None, datetime | None]:
    """--job (repeatable), --since and --until of `summary` and `report`, checked."""
    jobs = None if not job else [parsed for j in job if (parsed := _job_id(j)) is not None]
    start = _when(since, "--since")
    end = _when(until, "--until")
    if start is not None and end is not None and start >= end:
        _bad("--until", "must be after --since")
    return jobs, start, end


class SummaryFormat(StrEnum):
    MARKDOWN = "markdown"
    JSON = "json"


@app.command("summary")
def summary_command(
    eu: Annotated[
        bool,
        typer.Option(
            "--eu",
            help="The crawler section (2.3) of the EU public summary of training content.",
        ),
    ] = False,
    job: JobsOption = None,
    purpose: Annotated[
        list[str] | None,
        typer.Option(
            "--purpose",
            help=(
                f"Cover the jobs with this purpose (repeatable; {', '.join(PURPOSES)}); "
                "default the training purposes (train-genai, train-ai)."
            ),
        ),
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    format: Annotated[
        SummaryFormat, typer.Option("--format", "-f", help="Output format.")
    ] = SummaryFormat.MARKDOWN,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
) -> None:
    """The EU AI Act public summary (Art. 53(1)(d)), section 2.3 "Data crawled and scraped
    from online sources": crawlers, purposes, periods, content types, opt-outs respected,
    access controls, top 10% of domains by bytes.

    Example: consentcrawl audit summary --eu --since 2026-01-01 --format json -o summary.json
    """
    from .audit import summary as eu_summary
    from .audit.summary_markdown import render_markdown

    if not eu:
        _bad("--eu", "only the EU summary exists; pass --eu")
    jobs, start, end = _scope(job, since, until)
    for p in purpose or ():
        _choice("--purpose", p, PURPOSES)
    purposes = purpose or eu_summary.TRAINING_PURPOSES
    with opened(catalog, "read") as cat:
        result = eu_summary.eu_summary(cat, jobs=jobs, since=start, until=end, purposes=purposes)
        if format is SummaryFormat.JSON:
            text = json.dumps(result.to_json(), ensure_ascii=False, indent=2) + "\n"
        else:
            text = render_markdown(result)
        if output is None:
            sys.stdout.write(text)
        else:
            output.write_text(text, encoding="utf-8")


@app.command("report")
def report_command(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="The HTML file to write (replaced whole).")
    ],
    job: JobsOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
) -> None:
    """One self-contained HTML page for auditors: outcomes over time, skips by reason, top
    hosts by bytes, licence mix and signals seen, each chart with its table. Records taken
    down are left out of the counts (the page says how many).

    Exit code 1, and no file, when the selection has no records or --out cannot be written.

    Example: consentcrawl audit report --out report.html --since 2026-11-01
    """
    from .audit.report import EmptySelection, build_report
    from .audit.report_html import render_html, write_report

    def unwritable(why: str) -> NoReturn:
        raise fail(f"--out {str(out)!r}: {why}; nothing written", code=FAILED)

    jobs, start, end = _scope(job, since, until)
    if out.is_dir() or not out.parent.is_dir():  # before the queries, which may take long
        unwritable("is a folder" if out.is_dir() else "its folder does not exist")
    try:
        with opened(catalog, "read") as cat:
            page = render_html(build_report(cat, jobs=jobs, since=start, until=end))
    except EmptySelection as exc:
        raise fail(str(exc), code=FAILED) from None
    try:
        write_report(out, page)
    except OSError as exc:
        unwritable(f"cannot write the report ({exc.strerror or exc})")
    typer.echo(f"report written to {out}", err=True)


@app.command("verify")
def verify_command(
    warc_dir: Annotated[
        Path | None,
        typer.Option(
            "--warc-dir", help="Also check every collected record's payload in these WARC files."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Processes checking long chains in parallel (default: the CPUs, at most 8).",
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="Also check what this signed checkpoint covered (needs --public-key).",
        ),
    ] = None,
    public_key: Annotated[
        str | None,
        typer.Option(
            "--public-key",
            metavar="KEY",
            help="The operator's public key (ed25519:…, or a file holding it).",
        ),
    ] = None,
    as_json: JsonOption = False,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
) -> None:
    """Check the catalog's tamper evidence: the ledger and every table it covers (jobs and
    their configuration, documents, lists, withdrawals, links), the hash chains of records,
    documents and takedowns, and each job's close (deleted, edited, reordered, added rows);
    with --checkpoint, what a signed checkpoint covered; with --warc-dir, the WARC payloads.

    Exit code 0 when intact, 1 when a problem is found (or the catalog cannot be read).

    Example: consentcrawl audit verify --catalog sqlite:///demo.sqlite --warc-dir warc/
    """
    from .audit.verify import verify
    from .catalog import checkpoint as checkpoints

    if warc_dir is not None and not warc_dir.is_dir():
        _bad("--warc-dir", f"{str(warc_dir)!r} is not a folder")
    if (checkpoint is None) != (public_key is None):
        _bad("--checkpoint/--public-key", "give both: a checkpoint is checked with a public key")
    signed = None
    if checkpoint is not None and public_key is not None:
        try:
            signed = (checkpoints.read(checkpoint), checkpoints.load_public_key(public_key))
        except (CatalogError, checkpoints.KeyError_) as exc:
            raise fail(str(exc), code=USAGE) from None
    with opened(catalog, "read") as cat:
        report = verify(cat, warc_dir=warc_dir, workers=workers, checkpoint=signed)
    if as_json:
        print_json(report.to_json())
    else:
        lines = [
            f"chains checked: {report.chains}",
            (
                f"records checked: {report.records}, documents checked: {report.documents}, "
                f"takedowns checked: {report.takedowns}"
            ),
            f"ledger events checked: {report.ledger}, jobs checked: {report.jobs}",
        ]
        unchained = (
            report.unchained_records
            + report.unchained_documents
            + report.unchained_takedowns
            + report.unchained_jobs
        )
        if unchained:
            lines.append(
                f"unchained (written before tamper evidence): {report.unchained_jobs} jobs, "
                f"{report.unchained_records} records, {report.unchained_documents} documents, "
                f"{report.unchained_takedowns} takedowns"
            )
        for job in report.unclosed:
            lines.append(f"unclosed job {job.id}: {job.status}")
        if report.checkpoint is not None:
            lines.append(f"checked against the {report.checkpoint}")
        if warc_dir is not None:
            lines.append(f"WARC payloads checked: {report.warc_checked}")
        for problem in report.problems:
            stream = f" (stream {problem.stream})" if problem.stream else ""
            lines.append(
                f"  {problem.kind}: {problem.table} id {problem.id}{stream}: {problem.detail}"
            )
        if report.ok:
            lines.append("OK: no tampering found")
        else:
            lines.append(f"TAMPERED: {len(report.problems)} problem(s) found")
        typer.echo("\n".join(lines))
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint_command(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", metavar="FILE", help="Where to write the signed checkpoint (JSON)."
        ),
    ],
    key: SigningKeyOption = DEFAULT_KEY,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
) -> None:
    """Sign the heads and counts of every stream of the catalog now: the checkpoint goes into
    the catalog's ledger and into FILE, to publish. The one audit command that writes.

    Example: consentcrawl audit checkpoint --out checkpoints/2026-12-04.json
    """
    from .catalog import checkpoint as checkpoints

    try:
        private = checkpoints.load_private_key(key.expanduser())
    except checkpoints.KeyError_ as exc:
        _bad("--key", str(exc))
    if out.is_dir() or not out.parent.is_dir():
        _bad("--out", f"{str(out)!r}: {'is a folder' if out.is_dir() else 'no such folder'}")
    with opened(catalog, "write") as cat:
        signed = cat.checkpoint(private)
        checkpoints.write(out, signed)
    typer.echo(f"{signed.summary}, signed by {signed.public_key}; written to {out}")


def _quiet_when_reader_goes(command: Callable[..., None]) -> Callable[..., None]:
    """`command`, ending with READER_GONE and no traceback when stdout's reader has gone."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
            sys.stdout.flush()  # what is still buffered fails here, not at interpreter exit
        except BrokenPipeError:
            # Python flushes stdout again on the way out: let that go nowhere.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(READER_GONE) from None

    return run


for _command in app.registered_commands:  # every command writes to stdout
    assert _command.callback is not None
    _command.callback = _quiet_when_reader_goes(_command.callback)
