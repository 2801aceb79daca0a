"""``consentcrawl keys …``: the operator's Ed25519 key that signs checkpoints.

The private key stays with the operator (mode 0600); the public key is what they publish, so
anyone can check a checkpoint (``consentcrawl audit verify --checkpoint FILE --public-key
KEY``) without access to anything else.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .catalog.checkpoint import DEFAULT_KEY, KeyError_, init_key, public_key_text
from .cli_support import FAILED, USAGE, SigningKeyOption, fail

app = typer.Typer(
    help="The Ed25519 key that signs checkpoints of the catalog.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command("init")
def init_command(
    key: SigningKeyOption = DEFAULT_KEY,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Replace an existing key (its checkpoints stay "
            "checkable only with its old public key).",
        ),
    ] = False,
) -> None:
    """Write a new signing key (mode 0600) and print its public key, to publish.

    Example: consentcrawl keys init --key ~/.config/consentcrawl/signing-key.pem
    """
    path = key.expanduser()
    try:
        public = init_key(path, force=force)
    except KeyError_ as exc:
        raise fail(str(exc), code=USAGE) from None
    except OSError as exc:
        raise fail(f"{path}: {exc.strerror or exc}", code=FAILED) from None
    typer.echo(f"private key written to {path} (mode 0600); public key in {path}.pub:")
    typer.echo(public_key_text(public))
