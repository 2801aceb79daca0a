"""``consentcrawl catalog …``: the catalog's schema revision, and the one command that migrates it.

Every other command opens the catalog as it is: audits read only, crawls and list intake refuse
a catalog at an older revision. Exit code 1 when the catalog cannot be opened or migrated.
"""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from .catalog.db import (
    current_revision,
    describe_error,
    head_revision,
    make_engine,
    mask_url,
    upgrade,
)
from .cli_support import DEFAULT_CATALOG_URL, FAILED, CatalogOption, fail
from .errors import CatalogError

app = typer.Typer(
    help="The catalog's schema: show its revision, migrate it to this consentcrawl's.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("upgrade")
def upgrade_command(catalog: CatalogOption = DEFAULT_CATALOG_URL) -> None:
    """Migrate the catalog to the schema this consentcrawl needs (nothing to do when it is
    current); an empty database gets the whole schema. A missing SQLite file is an error.

    Example: consentcrawl catalog upgrade --catalog postgresql://crawler@db/catalog
    """
    try:
        engine = make_engine(catalog, "upgrade")
        try:
            before, after = upgrade(engine)
        finally:
            engine.dispose()
    except CatalogError as exc:
        raise fail(str(exc), code=FAILED) from None
    shown = mask_url(engine.url)
    if before == after:
        typer.echo(f"catalog {shown} is at revision {after}: nothing to do")
    else:
        typer.echo(f"catalog {shown} upgraded from revision {before or '(none)'} to {after}")


@app.command("status")
def status_command(catalog: CatalogOption = DEFAULT_CATALOG_URL) -> None:
    """The catalog's revision and the one this consentcrawl needs (reads only).

    Example: consentcrawl catalog status --catalog sqlite:///demo.sqlite
    """
    try:
        engine = make_engine(catalog, "read")
        try:
            with engine.connect() as connection:
                current = current_revision(connection)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise fail(
            f"reading catalog {mask_url(catalog)}: {describe_error(exc)}", code=FAILED
        ) from None
    except CatalogError as exc:
        raise fail(str(exc), code=FAILED) from None
    head = head_revision()
    state = "current" if current == head else "run consentcrawl catalog upgrade"
    typer.echo(
        f"catalog {mask_url(engine.url)} is at revision {current or '(none)'}; "
        f"this consentcrawl needs {head} ({state})"
    )
