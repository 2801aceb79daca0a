"""``consentcrawl``: the one entry point. Sub-apps live beside the data they touch.

Exit codes: 0 a finished crawl (also when pages were skipped), 1 a runtime failure (catalog,
WARC, crawl), 2 a usage error (unknown purpose, bad seed, bad option).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from blocklists.cli import app as blocklist_app
from storage.catalog.db import mask_url
from storage.catalog_cli import app as catalog_app
from storage.cli import app as audit_app
from storage.cli_support import DEFAULT_CATALOG_URL, FAILED, USAGE, CatalogOption, fail
from storage.errors import CatalogError, WarcStoreError
from storage.keys_cli import app as keys_app

from . import __version__
from .agents_cli import app as agents_app
from .check import (
    CheckFailed,
    CheckInterrupted,
    CheckResult,
    check_json,
    check_url,
    parse_purposes,
    purposes_of,
)
from .consent.license_policy import LicenseTerms
from .consent.model import Effect, Purpose, Reason, UnknownPurpose
from .demo import web
from .demo.server import serve
from .exceptions import ConfigError
from .resume import resumable
from .run import CrawlOptions, CrawlProgress, CrawlReport, crawl_json, resumed_options, run_crawl
from .seeds import parse_seeds

app = typer.Typer(
    help="Collect AI training data only where every machine-readable signal allows it.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(audit_app, name="audit")
app.add_typer(catalog_app, name="catalog")
app.add_typer(blocklist_app, name="blocklist")
app.add_typer(keys_app, name="keys")
app.add_typer(agents_app, name="agents")

out = Console()
err = Console(stderr=True)

PURPOSES = ", ".join(p.value for p in Purpose)


# Options that several commands share, declared once.
AgentOption = Annotated[str, typer.Option(metavar="TOKEN", help="Our robots.txt product token.")]
ContactOption = Annotated[
    str | None,
    typer.Option(
        metavar="URL",
        envvar="CONSENT_CONTACT_URL",
        show_default=False,
        help="Where site operators reach you, sent in the User-Agent: an http(s) URL or a "
        "mailto: URI (required).",
    ),
]
ResolveOption = Annotated[
    list[str] | None,
    typer.Option(
        metavar="HOST:ADDRESS",
        help="Answer HOST (or *.SUFFIX) with ADDRESS instead of DNS (repeatable).",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", metavar="NAME=VALUE", help="Any Scrapy or CONSENT_* setting (repeatable)."
    ),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Show Scrapy's log.")]
PrivateOption = Annotated[
    bool,
    typer.Option(
        "--allow-private-addresses",
        help="Also connect to loopback and private networks (tests, intranets); "
        "link-local and metadata addresses stay refused.",
    ),
]

AcceptLicenseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--accept-license",
        metavar="SPDX",
        help="A licence that counts as permission: an SPDX id or FAMILY-* (repeatable; "
        "default CC0-1.0, CC-PDM-1.0, CC-BY-*, CC-BY-SA-*).",
    ),
]
NonCommercialOption = Annotated[
    bool,
    typer.Option(
        "--non-commercial",
        help="The job's use is non-commercial: NC licences may count as permission, and RSL "
        "terms are read for a non-commercial user.",
    ),
]
LicenseHeldOption = Annotated[
    list[str] | None,
    typer.Option(
        "--license-held",
        metavar="URL",
        help="An RSL licence the job holds: its document, content or licence-server URL "
        "(repeatable).",
    ),
]
GeoOption = Annotated[
    str | None,
    typer.Option(metavar="CC", help="Country the job works from (ISO 3166-1 alpha-2), for RSL geo terms."),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"consentcrawl {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """consentcrawl: a consent-aware web crawler for AI training data."""


def _usage_error(*messages: str) -> typer.Exit:
    return fail(*messages, code=USAGE)  # one line per problem


def _runtime_error(message: str) -> typer.Exit:
    return fail(message, code=FAILED)


def _purpose(value: str) -> Purpose:
    try:
        return Purpose.parse(value)
    except UnknownPurpose as exc:
        raise _usage_error(str(exc)) from None


def _settings(pairs: list[str]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise _usage_error(f"--set {pair!r}: expected NAME=VALUE")
        settings[name.strip()] = value
    return settings


def _licensing(
    accept: list[str] | None, non_commercial: bool, held: list[str] | None, geo: str | None
) -> LicenseTerms:
    try:
        return LicenseTerms.parse(
            accept=accept or None, commercial=not non_commercial, held=held or (), geo=geo
        )
    except ValueError as exc:
        raise _usage_error(str(exc)) from None


def _read_seeds(path: Path) -> tuple[str, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _usage_error(f"seeds file {path}: {exc}") from None
    parsed = parse_seeds(text, str(path))
    if parsed.problems:
        raise _usage_error(*parsed.problems)
    return parsed.seeds


@app.command()
def crawl(
    ctx: typer.Context,
    seed_urls: Annotated[
        list[str] | None, typer.Argument(metavar="SEED_URL...", show_default=False)
    ] = None,
    purpose: Annotated[
        str, typer.Option(metavar="PURPOSE", help=f"What the data is for: {PURPOSES}.")
    ] = "",
    seeds_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="A file of seed URLs, one a line (# comments)."),
    ] = None,
    agent: AgentOption = "consentcrawl",
    contact: ContactOption = None,
    catalog: CatalogOption = DEFAULT_CATALOG_URL,
    warc_dir: Annotated[
        Path, typer.Option(metavar="DIR", help="Folder for the WARC files.")
    ] = Path("warc"),
    depth: Annotated[
        int, typer.Option(metavar="N", min=0, help="Link depth from the seeds.")
    ] = 3,
    max_pages: Annotated[
        int, typer.Option(metavar="N", min=0, help="At most this many URLs (0: no limit).")
    ] = 0,
    require_permission: Annotated[
        bool,
        typer.Option(
            "--require-permission", help="Opt-in: collect only items with an explicit permission."
        ),
    ] = False,
    accept_license: AcceptLicenseOption = None,
    non_commercial: NonCommercialOption = False,
    license_held: LicenseHeldOption = None,
    geo: GeoOption = None,
    resolve: ResolveOption = None,
    allow_private_addresses: PrivateOption = False,
    blocklist: Annotated[
        list[Path] | None,
        typer.Option(metavar="FILE", help="A piracy-site list to store and apply (repeatable)."),
    ] = None,
    allow_offsite: Annotated[
        bool, typer.Option("--allow-offsite", help="Follow links to other sites.")
    ] = False,
    images: Annotated[
        bool,
        typer.Option(
            "--images",
            help="Also consider the images of every downloaded page, each an item of its own "
            "under every gate and its own embedded metadata (IPTC, C2PA).",
        ),
    ] = False,
    concurrency: Annotated[
        int, typer.Option(metavar="N", min=1, help="Concurrent requests in all.")
    ] = 16,
    delay: Annotated[
        float, typer.Option(metavar="SECONDS", min=0, help="Delay between requests to a site.")
    ] = 0.25,
    json_: Annotated[
        bool,
        typer.Option("--json", help="Print only a JSON summary on stdout (progress on stderr)."),
    ] = False,
    set_: SetOption = None,
    verbose: VerboseOption = False,
    resume: Annotated[
        str | None,
        typer.Option(
            metavar="JOB",
            help="Continue an interrupted or crashed job, as a new job, with its recorded "
            "configuration (only --catalog and --contact may be given), fetching nothing it decided.",
        ),
    ] = None,
) -> None:
    """Run a crawl job: collect what may be collected, record every URL considered.

    Prints the job id on stderr as soon as the job exists, live progress while it runs, and a
    summary counted from the catalog at the end.

    Example: consentcrawl crawl https://example.org/ --purpose train-genai --contact mailto:me@example.org
    """
    seeds = tuple(seed_urls or ()) + (_read_seeds(seeds_file) if seeds_file else ())
    if resume is not None:
        options = _resumed(ctx, resume, catalog, contact, purpose, seeds, verbose)
    else:
        if not purpose:
            raise _usage_error(f"--purpose is required ({PURPOSES})")
        options = CrawlOptions(
            seeds=seeds,
            purpose=_purpose(purpose),
            catalog_url=catalog,
            warc_dir=warc_dir,
            agent=agent,
            contact=contact,
            depth=depth,
            max_pages=max_pages,
            require_permission=require_permission,
            licensing=_licensing(accept_license, non_commercial, license_held, geo),
            resolve=tuple(resolve or ()),
            allow_private=allow_private_addresses,
            blocklists=tuple(blocklist or ()),
            allow_offsite=allow_offsite,
            images=images,
            concurrency=concurrency,
            delay=delay,
            log_level="INFO" if verbose else "WARNING",
            extra_settings=_settings(set_ or []),
        )
    report = _run(options)
    if json_:
        typer.echo(json.dumps(crawl_json(report, options.catalog_url), indent=2, ensure_ascii=False))
        _failure(report)
    else:
        _summary(report, options)
    _exit(report)


#: What a --resume may be given besides the job: where the catalog is, and a new contact
#: (--purpose and seeds only as recorded); everything else is the job's recorded configuration.
RESUME_ALLOWS = frozenset(
    {"resume", "catalog", "contact", "json_", "verbose", "purpose", "seed_urls", "seeds_file"}
)


def _resumed(
    ctx: typer.Context,
    job: str,
    catalog: str,
    contact: str | None,
    purpose: str,
    seeds: tuple[str, ...],
    verbose: bool,
) -> CrawlOptions:
    """The options of a continuation of `job`: a usage error if anything else was given."""
    for param in ctx.command.params:
        if param.name in RESUME_ALLOWS or param.name is None:
            continue
        source = ctx.get_parameter_source(param.name)  # typer's own click: compared by name
        if source is not None and source.name == "COMMANDLINE":
            name = param.opts[0] if param.opts else param.name
            raise _usage_error(
                f"--resume: {name} may not be given (the job's recorded configuration is used)"
            )
    try:
        resumption = resumable(catalog, job)
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None
    except CatalogError as exc:
        raise _runtime_error(str(exc)) from None
    if purpose and purpose != resumption.purpose:
        raise _usage_error(f"--resume: --purpose {purpose} is not the job's ({resumption.purpose})")
    if seeds and seeds != resumption.seeds:
        raise _usage_error("--resume: the seeds given are not the job's (give none, or the same)")
    return resumed_options(resumption, catalog, contact, "INFO" if verbose else "WARNING")


def _exit(report: CrawlReport) -> None:
    if not report.ok:
        raise typer.Exit(1)
    if report.interrupted:
        raise typer.Exit(130)  # the shell's code for a run stopped by Ctrl-C


@app.command()
def demo(
    workdir: Annotated[
        Path | None, typer.Option(help="Where the catalog and WARC files go (default: a new temp dir).")
    ] = None,
    purpose: Annotated[str, typer.Option(help=f"Purpose of the demo job: {PURPOSES}.")] = "train-genai",
) -> None:
    """Crawl a small local web of named sites on 127.0.0.1 and show what was collected and why.

    Example: consentcrawl demo --workdir ./demo-run
    """
    chosen = _purpose(purpose)  # before anything starts
    folder = workdir or Path(tempfile.mkdtemp(prefix="consentcrawl-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    catalog_url = f"sqlite:///{(folder / 'catalog.sqlite').resolve()}"
    piracy_list = folder / "piracy-list.csv"  # a rights holder's list, submitted first
    piracy_list.write_text(web.PIRACY_LIST, encoding="utf-8")
    with serve(web.demo_web) as server:
        out.print(
            f"Demo web: {len(web.HOSTS)} sites under *.{web.DOMAIN}, served on 127.0.0.1:{server.port}"
        )
        options = CrawlOptions(
            seeds=tuple(web.seeds(server.port)),
            purpose=chosen,
            catalog_url=catalog_url,
            warc_dir=folder / "warc",
            contact=web.CONTACT,
            resolve=(f"*.{web.DOMAIN}:127.0.0.1",),
            allow_private=True,  # the demo web is on loopback; metadata addresses stay refused
            blocklists=(piracy_list,),
            images=True,
            delay=0.0,
            depth=5,
        )
        report = _run(options)
    _summary(report, options)
    out.print(
        "\nSee every record: "
        f"[bold]consentcrawl audit export --catalog {catalog_url} --format jsonl[/]"
    )
    _exit(report)


@app.command()
def check(
    url: Annotated[str, typer.Argument(metavar="URL", show_default=False)],
    purpose: Annotated[
        str,
        typer.Option(metavar="PURPOSE", help=f"What the data is for: {PURPOSES}, or all."),
    ] = "",
    agent: AgentOption = "consentcrawl",
    contact: ContactOption = None,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the result as one JSON object.")
    ] = False,
    resolve: ResolveOption = None,
    allow_private_addresses: PrivateOption = False,
    require_permission: Annotated[
        bool,
        typer.Option(
            "--require-permission", help="Opt-in: allowed only with an explicit permission."
        ),
    ] = False,
    accept_license: AcceptLicenseOption = None,
    non_commercial: NonCommercialOption = False,
    license_held: LicenseHeldOption = None,
    geo: GeoOption = None,
    set_: SetOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Would the crawler take this page, and why? Fetch its signals and explain the decision.

    Fetches robots.txt, tdmrep.json, ai.txt and the page as a crawl would; stores nothing.

    Example: consentcrawl check https://example.org/page --purpose all --contact mailto:me@example.org
    """
    if not purpose:
        raise _usage_error(f"--purpose is required ({PURPOSES}, or all)")
    try:
        purposes = parse_purposes(purpose)
    except UnknownPurpose as exc:
        raise _usage_error(f"{exc}, or all") from None
    extra = _settings(set_ or [])
    licensing = _licensing(accept_license, non_commercial, license_held, geo)
    try:
        with err.status(f"checking {url[:60]}…", spinner="dots"):
            result = check_url(
                url,
                purposes,
                agent=agent,
                contact=contact,
                resolve=tuple(resolve or ()),
                require_permission=require_permission,
                licensing=licensing,
                allow_private=allow_private_addresses,
                extra_settings=extra,
                log_level="INFO" if verbose else "WARNING",
            )
    except ConfigError as exc:
        raise _usage_error(str(exc)) from None
    except (CatalogError, WarcStoreError, CheckFailed) as exc:
        raise _runtime_error(str(exc)) from None
    except CheckInterrupted as exc:
        err.print(f"consentcrawl: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if json_:
        typer.echo(json.dumps(check_json(result), indent=2, ensure_ascii=False))
    else:
        _check_report(result)


def _check_report(result: CheckResult) -> None:
    out.print(Text.assemble(("URL:       ", "bold"), result.url))
    for hop_url, status in result.hops:
        out.print(Text.assemble(("Redirect:  ", "bold"), f"{hop_url} ({status or '?'})"))
    if result.hops:
        out.print(Text.assemble(("Final URL: ", "bold"), result.final_url))
    if result.http_status is not None:
        page = f"HTTP {result.http_status}"
    elif any(e.reason == Reason.FETCH_ERROR for e in result.evidence):
        page = "not downloaded: the download failed"
    else:
        page = "not downloaded: refused before download"
    out.print(Text.assemble(("Page:      ", "bold"), page))
    out.print(Text.assemble(("Agent:     ", "bold"), result.agent))

    decisions = Table(title="Decision per purpose", title_justify="left")
    decisions.add_column("purpose")
    decisions.add_column("decision")
    decisions.add_column("reasons")
    decisions.add_column("licence status")
    decisions.add_column("licence")
    for purpose, decision in result.decisions.items():
        decisions.add_row(
            purpose.value,
            Text("allowed", "green") if decision.allowed else Text("denied", "red"),
            Text("\n".join(decision.reasons) or "-"),
            decision.license_status.value,
            decision.license or "-",
        )
    out.print(decisions)

    evidence = Table(title=f"Evidence ({len(result.evidence)})", title_justify="left")
    # Fixed narrow columns for the short ones; the long ones share the rest of the width.
    for name, ratio in (
        ("signal", 2), ("source", 4), ("line", None), ("value", 5), ("effect", None),
        ("reason", 4), ("purposes", 3), ("strength", None),
    ):
        evidence.add_column(name, overflow="fold", ratio=ratio)
    for item in result.evidence:
        evidence.add_row(
            Text(item.signal),
            Text(item.source),
            "" if item.line is None else str(item.line),
            Text(item.value),
            Text(item.effect.value, "red" if item.effect is Effect.DENY else ""),
            Text(item.reason or ""),
            Text(", ".join(purposes_of(item)) or "all"),
            item.strength or "",
        )
    out.print(evidence)

    if result.documents:
        documents = Table(title="Policy documents fetched", title_justify="left")
        documents.add_column("kind")
        documents.add_column("URL", overflow="fold")
        documents.add_column("HTTP status")
        for document in result.documents:
            answer = "-" if document.status is None else str(document.status)
            if document.error:
                answer = f"{answer} ({document.error})"
            documents.add_row(document.kind, Text(document.url), Text(answer))
        out.print(documents)


def _run(options: CrawlOptions) -> CrawlReport:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("starting…")

        def job(job_id: str) -> None:
            progress.console.print(f"job {job_id}", markup=False, highlight=False)

        def update(now: CrawlProgress) -> None:
            progress.update(task, description=_progress_line(now))

        try:
            return run_crawl(options, on_job=job, on_progress=update)
        except ConfigError as exc:
            raise _usage_error(str(exc)) from None
        except (CatalogError, WarcStoreError) as exc:
            raise _runtime_error(str(exc)) from None


def _progress_line(now: CrawlProgress) -> str:
    return (
        f"{now.rate:.1f} pages/s · collected {now.collected} · skipped {now.skipped} · "
        f"queued {now.queued} · {now.bytes_collected:,} bytes"
    )


def _summary(report: CrawlReport, options: CrawlOptions) -> None:
    counts = report.counts
    table = Table(
        title=f"Job {report.job_id or '(none)'}",
        caption=f"purpose: {options.purpose}; a URL skipped for several reasons counts under each",
    )
    table.add_column("outcome")
    table.add_column("reason")
    table.add_column("URLs", justify="right")
    table.add_row("collected", "", str(counts.collected))
    for reason, count in counts.reasons.most_common():
        table.add_row("skipped", reason, str(count))
    table.add_row("[bold]total[/]", "", f"[bold]{counts.collected + counts.skipped}[/]")
    out.print(table)
    decided = counts.collected + counts.skipped
    rate = decided / report.elapsed if report.elapsed else 0.0
    out.print(
        f"{counts.collected} collected ({counts.bytes_collected:,} bytes), {counts.skipped} "
        f"skipped in {report.elapsed:.1f} s ({rate:.1f} URLs/s); robots.txt fetched for "
        f"{report.robots_fetched} origins, {report.robots_unreachable} unreachable (closed)."
    )
    if counts.images:
        why = ", ".join(f"{r} {n}" for r, n in counts.image_reasons.most_common())
        out.print(
            f"Images: {counts.images['collected']} collected, {counts.images['skipped']} skipped"
            + (f" ({why})" if why else "") + "."
        )
    if counts.license_statuses:
        mix = ", ".join(f"{s} {n}" for s, n in counts.license_statuses.most_common())
        named = ", ".join(f"{spdx} {n}" for spdx, n in counts.licenses.most_common())
        out.print(f"Licence status: {mix}" + (f" (licences: {named})" if named else "") + ".")
    out.print(Text.assemble("Catalog: ", mask_url(options.catalog_url)))
    files = ", ".join(str(p) for p in report.warc_files) or "none (nothing collected)"
    out.print(Text.assemble("WARC:    ", files))
    if report.interrupted:
        out.print("Interrupted: the catalog and WARC files hold every URL decided until then.")
    _failure(report)


def _failure(report: CrawlReport) -> None:
    if report.failure:
        err.print(f"consentcrawl: error: {report.failure}", markup=False, highlight=False, soft_wrap=True)


def main() -> None:
    app()
