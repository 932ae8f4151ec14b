"""`statewright audit`: verify the hash-chained log, sign checkpoints of it, export and
verify signed bundles offline (keys: `runtime/security/signing.py`, docs/audit.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, open_engine

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

audit_app = typer.Typer(help="Check the audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
PublicKeyOption = Annotated[str | None, typer.Option(
    "--public-key", help="Ed25519 public key (base64, or a file); default: the one of "
                         "STATEWRIGHT_SIGNING_KEY.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def signing_key() -> Ed25519PrivateKey:
    from runtime.security.signing import SigningKeyInvalid, signing_key_from_environment

    try:
        return signing_key_from_environment()
    except SigningKeyInvalid as exc:
        raise _fail(exc.message) from None


def _public_key(given: str | None) -> Ed25519PublicKey:
    from runtime.security.signing import SigningKeyInvalid, parse_public_key

    if given is None:
        return signing_key().public_key()
    try:
        return parse_public_key(given)
    except SigningKeyInvalid as exc:
        raise _fail(exc.message) from None


def _report(report: Any, as_json: bool) -> None:
    typer.echo(json.dumps(report.to_json()) if as_json else report.summary())
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command()
def verify(
    db: DbOption = DEFAULT_DB,
    checkpoint: Annotated[Path | None, typer.Option(
        "--checkpoint", help="Also check the log still extends this signed checkpoint.")] = None,
    public_key: PublicKeyOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Verify hash chains (and a checkpoint); exit 1 naming the first broken instance and seq."""
    if checkpoint is None:
        with open_engine(db) as engine:
            _report(engine.verify_audit(), as_json)
        return
    from runtime.security import checkpoints

    key = _public_key(public_key)
    try:
        document = checkpoints.load(checkpoint)
    except checkpoints.CheckpointUnreadable as exc:
        raise _fail(exc.message) from None
    with open_engine(db) as engine:
        _report(checkpoints.verify(engine.store, document, key), as_json)


@audit_app.command()
def checkpoint(
    out: Annotated[Path, typer.Option("--out", help="Where to write the signed checkpoint.")],
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Write a checkpoint of every instance's log head, signed with STATEWRIGHT_SIGNING_KEY."""
    from runtime.security import checkpoints

    key = signing_key()
    with open_engine(db) as engine:
        document = checkpoints.take(engine.store, key, engine.clock.now())
    try:
        checkpoints.write(document, out)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from None
    summary = {"out": str(out), "instances": document["instances"],
               "events": document["events"], "purges": document["purges"]["count"]}
    typer.echo(json.dumps(summary) if as_json else
               f"checkpoint of {summary['instances']} instances, {summary['events']} events "
               f"written to {out}")


@audit_app.command("public-key")
def public_key_command() -> None:
    """Print the public key of STATEWRIGHT_SIGNING_KEY (base64), for auditors and `verify`."""
    from runtime.security.signing import public_key_text

    typer.echo(public_key_text(signing_key()))


@audit_app.command("new-key")
def new_key() -> None:
    """Print a new random signing key in the form STATEWRIGHT_SIGNING_KEY takes."""
    from runtime.security.signing import new_key_text

    typer.echo(new_key_text())


@audit_app.command()
def export(
    instance: Annotated[str, typer.Option("--instance", help="The instance to export.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="File to write (.zst: compressed); default: standard output.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write a signed bundle of one instance's log; `audit verify-bundle` checks it offline."""
    from runtime.security import bundles

    key = signing_key()
    with open_engine(db) as engine, engine.store.read() as conn:
        lines = list(bundles.lines_of(conn, [instance]))
        now = engine.clock.now()
    if not lines:
        raise _fail(f"instance {instance!r} does not exist in {db}")
    about = {"export": instance}
    if out is None:
        bundles.write(sys.stdout.buffer, lines, key, now, about)
        sys.stdout.buffer.flush()
        return
    try:
        bundles.write_file(out, lines, key, now, about)
    except OSError as exc:
        raise _fail(f"cannot write {out}: {exc.strerror}") from None
    typer.echo(f"bundle of instance {instance} ({len(lines) - 1} events) written to {out}")


@audit_app.command("verify-bundle")
def verify_bundle(
    file: Annotated[Path, typer.Argument(help="An export bundle or a retention archive.")],
    public_key: PublicKeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a bundle or archive offline (no database): seal, signature, every chain."""
    from runtime.security import bundles

    key = _public_key(public_key)
    if not file.is_file():
        raise _fail(f"{file} is not a file")
    report = bundles.verify(file, key)
    if as_json:
        typer.echo(json.dumps({"ok": report.ok, "instances": report.instances,
                               "events": report.events, "problem": report.problem,
                               "message": report.summary()}))
    else:
        typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)
