"""``consentcrawl agents``: the AI agent table (show it, import a newer robots.json).

Thin: read the files, call ``crawler.consent.agents`` / ``agents_import``, render. Human tables
by default, ``--json`` for machines. Never fetches: a newer robots.json is a file the operator
downloaded. Exit codes: 0 done, 1 the table file could not be written, 2 bad input (a robots.json
or table file that cannot be read or does not validate, a bad option value): one line naming the
file and the name or field at fault, and nothing written.

The consent modules are imported inside the commands, so that ``consentcrawl`` starts without
reading the table.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date as Date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

if TYPE_CHECKING:
    from .consent.agents import AgentTable
    from .consent.agents_import import Imported

app = typer.Typer(
    help="The AI agent table: which robots.txt groups count as AI opt-outs. Without a command, "
    "print it (token, purposes, category, names, operator; --wide: function and source), then "
    "the names left out and why.",
    context_settings={"help_option_names": ["-h", "--help"]},
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
_COMMIT: Final = re.compile(r"[0-9a-f]{7,40}")


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"consentcrawl: error: {message}", err=True)
    return typer.Exit(code)


def _emit(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.callback(invoke_without_command=True)
def show(
    ctx: typer.Context,
    purpose: Annotated[
        str | None,
        typer.Option(
            metavar="PURPOSE",
            help="Only the tokens whose opt-out covers PURPOSE (train-genai, train-ai, "
            "ai-input, search).",
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="FILE",
            help="A table file `agents import` wrote (default: the packaged table).",
        ),
    ] = None,
    wide: Annotated[
        bool,
        typer.Option("--wide", help="Also each name's function and the source of its mapping."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the AI agent table: token, the purposes its opt-out covers (G N R = train-genai,
    train-ai, ai-input), category, names and operator (with --wide: function and source of
    each mapping), then the names left out and why.

    Example: consentcrawl agents --purpose ai-input
    """
    if ctx.invoked_subcommand is not None:
        return
    from .consent.agents import AgentTable, AgentTableError, category_of, purpose_names
    from .consent.model import Purpose, UnknownPurpose

    try:
        wanted = None if purpose is None else Purpose.parse(purpose)
    except UnknownPurpose as exc:
        raise _fail(f"--purpose: {exc}", 2) from None
    try:
        table = AgentTable.default() if file is None else AgentTable.from_file(file.expanduser())
    except AgentTableError as exc:
        raise _fail(str(exc), 2) from None
    keys = table.for_purpose(wanted) if wanted is not None else tuple(table.tokens)
    rows = [
        {
            "token": table.names[key],
            "category": category_of(table.tokens[key]),
            "purposes": purpose_names(table.tokens[key]),
            "names": [agent.to_json() for agent in table.entries.get(key, ())],
        }
        for key in keys
    ]
    if as_json:
        _emit(
            {
                "table": table.identity(),
                "source": table.source.to_json() if table.source else None,
                "purpose": None if wanted is None else wanted.value,
                "tokens": rows,
                "excluded": [e.to_json() for e in table.excluded],
            }
        )
        return
    _print_table(table, rows, wanted is None, wide=wide)


_LETTERS: Final = {"train-genai": "G", "train-ai": "N", "ai-input": "R", "search": "S"}


def _print_table(
    table: AgentTable, rows: list[dict[str, Any]], excluded: bool, *, wide: bool
) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Console(soft_wrap=False)
    source = table.source
    origin = (
        f"{source.names} names of {source.repository} {source.file} at "
        f"{(source.commit or 'an unknown commit')[:12]} ({source.date or 'date unknown'})"
        if source
        else "no source recorded"
    )
    out.print(
        f"AI agent table ({table.file or 'packaged'}): {len(rows)} of {len(table.tokens)} "
        f"tokens, from {origin}; {len(table.excluded)} names excluded",
        markup=False,
        highlight=False,
    )
    # Folded, not cut: on a narrow terminal a long operator or URL wraps instead of ending in "…".
    columns = ["token", "G N R", "category", "names", "operator"]
    if wide:
        columns += ["function", "source"]
    grid = Table(*columns)
    for column in grid.columns:
        column.overflow = "fold"
    for column in grid.columns[:3]:
        column.no_wrap = True  # what readers look for is never broken
    grid.columns[3].max_width = 22  # a long name wraps at its spaces
    grid.columns[4].min_width = 10
    for row in rows:
        names = row["names"]
        cells = [
            row["token"],
            " ".join(_LETTERS[p] if p in row["purposes"] else "." for p in list(_LETTERS)[:3]),
            row["category"],
            "\n".join(n["name"] for n in names),
            "\n".join(dict.fromkeys(n["operator"] for n in names)),
        ]
        if wide:
            cells.append("\n".join(dict.fromkeys(n["function"] for n in names)))
            cells.append("\n".join(dict.fromkeys(n["source"] for n in names)))
        grid.add_row(*cells)
    out.print(grid)
    if excluded and table.excluded:
        left_out = Table("excluded", "token read", "reason", "source")
        left_out.columns[0].no_wrap = True
        for exclusion in table.excluded:
            left_out.add_row(exclusion.name, exclusion.token, exclusion.reason, exclusion.source)
        out.print(left_out)


@app.command("import")
def import_command(
    robots_json: Annotated[
        Path, typer.Argument(metavar="ROBOTS_JSON", help="A robots.json of ai.robots.txt.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the table file here (for CONSENT_AI_AGENTS_FILE); without it, nothing "
            "is written.",
        ),
    ] = None,
    commit: Annotated[
        str | None,
        typer.Option(metavar="SHA", help="The ai.robots.txt commit the file is from (recorded)."),
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="The date of that commit (recorded)."),
    ] = None,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Classify by the rules alone, without keeping the packaged table's decisions "
            "(how the packaged table itself is made).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Validate a robots.json (offline) and turn it into an agent table file, with a summary of
    the names added, removed and changed against the packaged table.

    Example: consentcrawl agents import robots.json --commit 738c80d --date 2026-08-22
    --out agents-2026-08.json
    """
    from .consent.agents import AgentTable
    from .consent.agents_import import RobotsJsonError, import_agents, parse_robots_json, render

    if commit is not None and not _COMMIT.fullmatch(commit.lower()):
        raise _fail(f"--commit {commit!r}: expected a git commit id (7 to 40 hex digits)", 2)
    if date is not None:
        try:
            Date.fromisoformat(date)
        except ValueError:
            raise _fail(f"--date {date!r}: expected a date YYYY-MM-DD", 2) from None
    try:
        raw = robots_json.read_bytes()
    except OSError as exc:
        raise _fail(f"{robots_json}: cannot read: {exc.strerror or exc}", 2) from None
    try:
        listed = parse_robots_json(raw)
    except RobotsJsonError as exc:
        raise _fail(f"{robots_json}: {exc}", 2) from None
    imported = import_agents(
        listed,
        sha256=hashlib.sha256(raw).hexdigest(),
        commit=None if commit is None else commit.lower(),
        date=date,
        base=AgentTable.default(),
        keep=not fresh,
    )
    text = render(imported.data)
    if out is not None:
        _write(out.expanduser(), text)
    report = {
        "robots_json": str(robots_json),
        **imported.data["source"],
        **imported.summary.to_json(),
        "kept_known_decisions": not fresh,
        "written": None if out is None else str(out),
        "table_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }
    if as_json:
        _emit(report)
    else:
        _print_summary(report, imported)


def _write(path: Path, text: str) -> None:
    # The audit report's writer: the whole file or nothing (a temporary file, then a rename).
    from storage.audit.report_html import write_report

    try:
        write_report(path, text)
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror or exc}", 1) from None


def _print_summary(report: dict[str, Any], imported: Imported) -> None:
    summary = imported.summary
    lines = [
        (
            f"{report['robots_json']}: {summary.names} names, sha256 {report['sha256'][:16]}…, "
            f"commit {report['commit'] or 'not given'}, date {report['date'] or 'not given'}"
        ),
        f"table: {summary.tokens} tokens ("
        + ", ".join(f"{k} {v}" for k, v in summary.by_category.items())
        + f"), {summary.excluded} names excluded",
        f"against the packaged table: {len(summary.added)} added, {len(summary.removed)} "
        f"removed, {len(summary.changed)} changed"
        + ("" if report["kept_known_decisions"] else " (--fresh: decided by the rules alone)"),
    ]
    lines += [f"  added: {name}" for name in summary.added]
    lines += [f"  removed: {name}" for name in summary.removed]
    for change in summary.changed:
        fields = "; ".join(f"{k} {was!r} -> {now!r}" for k, (was, now) in change["changes"].items())
        lines.append(f"  changed: {change['name']}: {fields} ({change['why']})")
    lines += [f"  unclassified, given every AI purpose: {name}" for name in summary.unclassified]
    lines += [f"  review, quoted words no longer in robots.json: {name}" for name in summary.review]
    lines.append(
        f"written: {report['written']} (sha256 {report['table_sha256'][:16]}…)"
        if report["written"]
        else "not written (no --out)"
    )
    for line in lines:
        typer.echo(line)
