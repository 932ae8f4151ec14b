"""`statewright keys status|rotate|generate` (the key ring) and `statewright erase` (crypto-
shredding one instance). See docs/security.md."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import (
    DEFAULT_DB,
    ActorOption,
    DbOption,
    JsonOption,
    open_engine,
    print_instance,
    sensitive_of,
)

keys_app = typer.Typer(help="Envelope-encryption keys: status, rotation.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("status")
def status(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """How many data keys each KEK of the ring wraps (and erased ones, missing KEKs)."""
    from runtime.security.keys import rotation

    with open_engine(db) as engine:
        report = rotation.status(engine.store, engine.sealer.keys.ring)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    for kek, count in report["keks"].items():
        marks = [m for m, on in (("active", kek == report["active"]),
                                 ("NOT IN RING", kek in report["missing"])) if on]
        typer.echo(f"{kek:<24} {count:>10} data keys  {' '.join(marks)}".rstrip())
    typer.echo(f"erased instances: {report['erased']}")
    if report["legacy_keys_wrapped_by"]:
        typer.echo(f"legacy sealing keys: wrapped by {report['legacy_keys_wrapped_by']}")


@keys_app.command("rotate")
def rotate(db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
           batch: Annotated[int, typer.Option(min=1, max=10000,
                                              help="Data keys per transaction.")] = 500) -> None:
    """Re-wrap every data key under the active (first) KEK; online and resumable. Afterwards
    the old KEKs can leave the ring. Exit 1 when some could not be re-wrapped."""
    from runtime.security.keys import rotation

    def progress(done: int, total: int) -> None:
        typer.echo(f"re-wrapped {done}/{total}", err=True)

    with open_engine(db) as engine:
        report = rotation.rotate(engine.store, engine.sealer.keys.ring, engine.clock.now,
                                 batch, progress)
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        typer.echo(f"{report.rewrapped} of {report.total} data keys now wrapped by "
                   f"{report.active!r}")
        for instance_id, why in report.failed.items():
            typer.echo(f"  not re-wrapped: {instance_id}: {why}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@keys_app.command("generate")
def generate(kek_id: Annotated[str, typer.Argument(help="Id of the new KEK.")]) -> None:
    """Print a new random KEK as `id:base64`, to put first in STATEWRIGHT_KEYS."""
    from runtime.security.keys.ring import KeyRingInvalid, new_kek_text

    try:
        typer.echo(new_kek_text(kek_id))
    except KeyRingInvalid as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


@app.command("erase")
def erase(instance_id: Annotated[str, typer.Argument(help="Instance id.")],
          reason: Annotated[str, typer.Option("--reason", help="Why (recorded in the log).")],
          actor: ActorOption = "cli", db: DbOption = DEFAULT_DB,
          as_json: JsonOption = False) -> None:
    """Crypto-shred an instance: destroy its data key so its sensitive values are gone for
    good; a running instance is cancelled; an `erased` event records who and why."""
    from runtime.operations import perform

    with open_engine(db) as engine:
        after = perform(engine, instance_id, "erase", reason, actor)
        print_instance(after, as_json, sensitive_of(engine, after))
