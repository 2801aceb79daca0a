"""``consentcrawl blocklist …``: rights holders' piracy-site lists (submit, inspect, withdraw, apply).

Thin: parse, call intake/catalog, render. Human tables by default, ``--json`` for machines.
Exit codes: 0 done, 1 runtime failure (catalog, a fetch that failed or was refused by the
address guard, a list owned by another submitter; ``refresh``: any subscription that failed),
2 bad input (a list that does not validate: every problem is printed with file, line and entry,
and nothing is written; a malformed ``--resolve``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from storage.addresses import LOCAL_NETWORKS, AddressPolicy
from storage.catalog.results import BlocklistVersionInfo
from storage.cli_support import (
    DEFAULT_CATALOG_URL,
    FAILED,
    USAGE,
    CatalogOption,
    JsonOption,
    fail,
    opened,
    print_json,
)

from .fetch import FetchError, Guard, parse_resolve
from .formats import load_blocklist
from .intake import apply_takedowns, in_force, submit, withdraw_entry
from .model import BlocklistFormatError
from .subscribe import refresh, subscribe

app = typer.Typer(
    help="Rights holders' lists of piracy sites: submit, inspect, withdraw, apply.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(soft_wrap=True)  # one line per message, also in narrow terminals and pipes

PrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private-addresses",
        help="Also fetch from loopback and private networks (link-local never).",
    ),
]
ResolveOption = Annotated[
    list[str] | None,
    typer.Option(
        "--resolve",
        metavar="HOST:ADDRESS",
        help="Connect to ADDRESS for HOST instead of asking DNS (repeatable).",
    ),
]


def _guard(allow_private: bool, resolve: list[str] | None) -> Guard:
    """The crawler's address guard for a fetch; a bad --resolve is a usage error."""
    try:
        hosts = parse_resolve(resolve or ())
    except ValueError as exc:
        raise fail(str(exc), code=USAGE) from None
    return Guard(AddressPolicy.parse(LOCAL_NETWORKS if allow_private else ()), hosts)


def _invalid(what: object, error: BlocklistFormatError) -> typer.Exit:
    """Every problem of a list that does not validate, a line each on stderr; the Exit."""
    for problem in error.problems:
        typer.echo(str(problem), err=True)
    return fail(f"{what}: {len(error.problems)} problem(s), nothing stored", code=USAGE)


def _version_table(title: str, versions: list[BlocklistVersionInfo]) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("list", "version", "entries", "submitter", "submitted", "sha256", "from"):
        table.add_column(column)
    for v in versions:
        table.add_row(
            v.source,
            str(v.version),
            str(v.entry_count),
            v.submitter,
            v.submitted_at.strftime("%Y-%m-%d %H:%M"),
            v.sha256[:12],
            v.url or v.filename or "",
        )
    return table


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    strip_www: Annotated[bool, typer.Option("--strip-www")] = False,
    json_: JsonOption = False,
) -> None:
    """Check a list without storing it: every problem, with its line.

    Example: consentcrawl blocklist validate piracy.csv
    """
    try:
        entries = load_blocklist(file, strip_www=strip_www)
    except BlocklistFormatError as exc:
        if json_:
            print_json({"valid": False, "problems": exc.problems})
            raise fail(
                f"{file}: {len(exc.problems)} problem(s), nothing stored", code=USAGE
            ) from None
        raise _invalid(file, exc) from None
    except OSError as exc:
        raise fail(f"{file}: {exc.strerror or exc}", code=USAGE) from None
    kinds: dict[str, int] = {}
    for entry in entries:
        kinds[entry.kind.value] = kinds.get(entry.kind.value, 0) + 1
    if json_:
        print_json({"valid": True, "entries": len(entries), "kinds": kinds})
    else:
        out.print(f"{file}: {len(entries)} valid entries ({kinds})")


@app.command()
def add(
    file: Annotated[Path, typer.Argument(metavar="FILE")],
    submitter: Annotated[str, typer.Option(help="Who submits the list (recorded).")],
    source: Annotated[
        str | None, typer.Option(help="The list's stable id (default: file name).")
    ] = None,
    strip_www: Annotated[bool, typer.Option("--strip-www", help="Remove a leading www.")] = False,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """Validate a list and store it as a new version of its source (all or nothing).

    Example: consentcrawl blocklist add piracy.csv --submitter "Publisher Association"
    """
    if not submitter.strip():
        raise fail("--submitter must name who submits the list", code=USAGE)
    with opened(catalog, "write") as cat:
        try:
            info = submit(cat, file, submitter=submitter, source=source, strip_www=strip_www)
        except BlocklistFormatError as exc:
            raise _invalid(file, exc) from None
        except OSError as exc:
            raise fail(f"{file}: {exc.strerror or exc}", code=USAGE) from None
    if json_:
        print_json(info)
    elif info.unchanged:
        out.print(f"{info.source}: unchanged (same file as version {info.version})")
    else:
        out.print(f"{info.source}: version {info.version} stored, {info.entry_count} entries")


@app.command("list")
def list_(catalog: CatalogOption = DEFAULT_CATALOG_URL, json_: JsonOption = False) -> None:
    """The lists in force (their current versions).

    Example: consentcrawl blocklist list --json
    """
    with opened(catalog, "read") as cat:
        versions = cat.blocklists()
    if json_:
        print_json(versions)
    else:
        out.print(_version_table("Lists in force", versions))


@app.command()
def show(
    source: Annotated[str, typer.Argument(metavar="LIST")],
    version: Annotated[int | None, typer.Option(help="A past version (default: current).")] = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """A list's versions, entries and withdrawals.

    Example: consentcrawl blocklist show piracy
    """
    with opened(catalog, "read") as cat:
        history = cat.blocklist_history(source)
        entries = list(cat.blocklist_entries(source, version, include_withdrawn=True))
        withdrawals = cat.withdrawals(source)
    if json_:
        print_json({"versions": history, "entries": entries, "withdrawals": withdrawals})
        return
    out.print(_version_table(f"{source}: versions", history))
    table = Table(title=f"{source}: entries", title_justify="left")
    for column in ("line", "kind", "entry", "reason", "evidence", "withdrawn"):
        table.add_column(column)
    for e in entries:
        table.add_row(
            str(e.line),
            e.kind,
            e.value,
            e.reason or "",
            e.evidence_url or "",
            e.withdrawn.reason if e.withdrawn else "",
        )
    out.print(table)


@app.command()
def withdraw(
    source: Annotated[str, typer.Argument(metavar="LIST")],
    entry: Annotated[str, typer.Argument(metavar="ENTRY")],
    reason: Annotated[str, typer.Option(help="Why (an appeal granted…); recorded.")],
    by: Annotated[str, typer.Option(help="Who withdraws it (recorded).")] = "consentcrawl",
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """Withdraw one entry from a list (the withdrawal is recorded, history kept) and reinstate
    the items it took down, except those another entry in force still lists.

    Example: consentcrawl blocklist withdraw piracy mirror.example --reason "appeal granted"
    """
    if not reason.strip():
        raise fail("--reason is required", code=USAGE)
    with opened(catalog, "write") as cat:
        report = withdraw_entry(cat, source, entry, None, reason=reason, by=by)
    if json_:
        print_json(report)
        return
    out.print(f"{source}: {entry} withdrawn ({report.entries} entry)")
    for e in report.reinstated:
        out.print(
            f"{e.kind} {e.entry}: {e.items} items, {e.bytes:,} bytes reinstated, "
            f"{len(e.kept_down)} kept down",
            markup=False,
            highlight=False,
        )
        for kept in e.kept_down:
            out.print(f"  {kept.url} kept down by {kept.by}", markup=False, highlight=False)


@app.command("subscribe")
def subscribe_(
    url: Annotated[str, typer.Argument(metavar="URL")],
    submitter: Annotated[str, typer.Option(help="Who publishes the list (recorded).")],
    source: Annotated[str | None, typer.Option(help="The list's stable id.")] = None,
    allow_private_addresses: PrivateOption = False,
    resolve: ResolveOption = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """Fetch a published list (conditionally) and store it when it changed.

    Only from public addresses, each redirect hop checked, as the crawler connects.
    Example: consentcrawl blocklist subscribe https://rights.example/piracy.csv --submitter X
    """
    guard = _guard(allow_private_addresses, resolve)
    with opened(catalog, "write") as cat:
        try:
            result = subscribe(cat, url, submitter=submitter, source=source, guard=guard)
        except BlocklistFormatError as exc:
            raise _invalid(url, exc) from None
        except FetchError as exc:
            raise fail(str(exc), code=FAILED) from None
    if json_:
        print_json(
            {
                "url": url,
                "status": result.status,
                "changed": result.changed,
                "version": result.version,
            }
        )
    elif result.version is None or result.version.unchanged:
        out.print(f"{url}: not modified")
    else:
        out.print(
            f"{result.version.source}: version {result.version.version} stored, "
            f"{result.version.entry_count} entries"
        )


@app.command("refresh")
def refresh_(
    allow_private_addresses: PrivateOption = False,
    resolve: ResolveOption = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """Fetch every subscription again (conditionally); exit 1 if any failed.

    Example: consentcrawl blocklist refresh --json
    """
    guard = _guard(allow_private_addresses, resolve)
    with opened(catalog, "write") as cat:
        results = refresh(cat, guard=guard)
    if json_:
        print_json(
            [
                {
                    "list": r.source,
                    "url": r.url,
                    "result": r.result,
                    "error": r.error,
                    "version": r.version,
                }
                for r in results
            ]
        )
    else:
        table = Table(title="Subscriptions refreshed", title_justify="left")
        for column in ("list", "URL", "result"):
            table.add_column(column)
        for r in results:
            table.add_row(r.source, r.url, r.result)
        out.print(table)
    if any(r.error is not None for r in results):
        raise typer.Exit(FAILED)


@app.command("apply")
def apply_(catalog: CatalogOption = DEFAULT_CATALOG_URL, json_: JsonOption = False) -> None:
    """Retroactive takedown: withdraw collected items of listed sites from every later export.

    Example: consentcrawl blocklist apply
    """
    with opened(catalog, "write") as cat:
        done = apply_takedowns(cat)
    if json_:
        print_json(done)
        return
    table = Table(title="Taken down", title_justify="left")
    for column in ("list", "version", "kind", "entry", "items", "bytes"):
        table.add_column(column)
    for t in done:
        table.add_row(t.source, str(t.version), t.kind, t.entry, str(t.items), f"{t.bytes:,}")
    out.print(table)
    out.print(f"{sum(t.items for t in done)} items, {sum(t.bytes for t in done):,} bytes withdrawn")


@app.command("check")
def check_(
    url: Annotated[str, typer.Argument(metavar="URL")],
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    json_: JsonOption = False,
) -> None:
    """Which entry of which list would block URL (exit 0 either way).

    Example: consentcrawl blocklist check https://dl.piracy.example/file
    """
    with opened(catalog, "read") as cat:
        match = in_force(cat).matcher.match(url)
    if json_:
        print_json(
            {
                "url": url,
                "blocked": match is not None,
                "match": None
                if match is None
                else {
                    "list": match.source,
                    "version": match.version,
                    "entry": match.entry.value,
                    "kind": match.entry.kind.value,
                    "reason": match.entry.reason,
                    "evidence_url": match.entry.evidence_url,
                },
            }
        )
    elif match is None:
        out.print(f"{url}: not listed")
    else:
        out.print(
            f"{url}: blocked by {match.source} v{match.version}: "
            f"{match.entry.kind.value} {match.entry.value} ({match.entry.reason or 'no reason given'})"
        )
