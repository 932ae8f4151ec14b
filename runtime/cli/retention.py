"""`statewright retention set|remove|status|run` and `statewright hold add|remove` (holds are
listed by `retention status`): how long finished instances are kept, what must never be purged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.cli.audit import signing_key
from runtime.cli.common import DEFAULT_DB, ActorOption, DbOption, JsonOption, open_engine

retention_app = typer.Typer(help="Keep finished instances N days, then archive and purge.",
                            no_args_is_help=True)
hold_app = typer.Typer(help="Legal holds: keep an instance or a definition from purging.",
                       no_args_is_help=True)
app.add_typer(retention_app, name="retention")
app.add_typer(hold_app, name="hold")

DefinitionArg = Annotated[str | None, typer.Argument(
    help="Definition key; leave out with --default.", show_default=False)]
DefaultOption = Annotated[bool, typer.Option(
    "--default", help="The policy of every definition without its own.")]
InstanceOption = Annotated[str | None, typer.Option("--instance", help="Instance id.")]
DefinitionOption = Annotated[str | None, typer.Option("--definition", help="Definition key.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _policy_key(definition: str | None, default: bool) -> str:
    from runtime.security.retention.policies import DEFAULT

    if default == (definition is not None):
        raise _fail("give either a definition key or --default")
    return DEFAULT if default else definition  # type: ignore[return-value]


@retention_app.command("set")
def set_policy(
    definition: DefinitionArg = None,
    days: Annotated[int, typer.Option("--days", help="Days to keep a finished instance.")] = 0,
    default: DefaultOption = False,
    actor: ActorOption = "cli",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Keep finished instances of a definition (or by default) this many days."""
    from runtime.security.retention import policies

    key = _policy_key(definition, default)
    if days < 1:
        raise _fail(f"--days must be a whole number of days of at least 1, not {days}")
    with open_engine(db) as engine:
        policies.set_policy(engine.store, key, days, actor, engine.clock.now())
    typer.echo(f"retention of {'the default' if default else key}: {days} days")


@retention_app.command("remove")
def remove_policy(definition: DefinitionArg = None, default: DefaultOption = False,
                  db: DbOption = DEFAULT_DB) -> None:
    """Remove a policy (its instances then follow the default, or are kept)."""
    from runtime.security.retention import policies

    key = _policy_key(definition, default)
    with open_engine(db) as engine:
        if not policies.remove_policy(engine.store, key):
            raise _fail(f"there is no retention policy for {key!r}")
    typer.echo(f"retention policy of {key} removed")


@retention_app.command()
def status(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Policies, holds, and how many finished instances are due for purging now."""
    from runtime.security.retention import policies

    with open_engine(db) as engine, engine.store.read() as conn:
        data = {"policies": policies.policies(conn),
                "holds": [{**hold, "placed_at": hold["placed_at"].isoformat()}
                          for hold in policies.holds(conn)],
                "due": len(policies.due(conn, engine.clock.now(), 1_000_000))}
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    for key, days in sorted(data["policies"].items()):
        typer.echo(f"policy {'default' if key == policies.DEFAULT else key}: {days} days")
    if not data["policies"]:
        typer.echo("no retention policy: every instance is kept")
    for hold in data["holds"]:
        typer.echo(f"hold on {hold['scope']} {hold['target']} by {hold['placed_by']}: "
                   f"{hold['reason']}")
    typer.echo(f"{data['due']} finished instances due for archiving and purging")


@retention_app.command()
def run(
    archive_dir: Annotated[Path, typer.Option(
        "--archive-dir", envvar="STATEWRIGHT_ARCHIVE_DIR", help="Where archives go.")],
    actor: ActorOption = "retention",
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Archive (signed, zstd JSON lines) and purge every finished instance past its policy."""
    from runtime.security.retention import purge

    key = signing_key()
    with open_engine(db) as engine:
        try:
            done = purge.run(engine.store, key, archive_dir, engine.clock.now(), actor)
        except OSError as exc:
            raise _fail(f"archiving failed, nothing purged: {exc}") from None
    typer.echo(json.dumps(done.to_json()) if as_json else
               f"purged {done.purged} instances into {len(done.archives)} archives"
               + (f"; {done.kept} kept (changed or held meanwhile)" if done.kept else ""))


def _target(instance: str | None, definition: str | None) -> tuple[str, str]:
    if (instance is None) == (definition is None):
        raise _fail("give either --instance ID or --definition KEY")
    return ("instance", instance) if instance else ("definition", definition)  # type: ignore[return-value]


@hold_app.command("add")
def add_hold(
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    instance: InstanceOption = None,
    definition: DefinitionOption = None,
    actor: ActorOption = "cli",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Place a legal hold: nothing it covers is purged until it is removed."""
    from runtime.security.retention import policies

    scope, target = _target(instance, definition)
    if not reason.strip():
        raise _fail("--reason must say why")
    with open_engine(db) as engine:
        if scope == "instance":
            with engine.store.read() as conn:
                if engine.store.instance_row(conn, target) is None:
                    raise _fail(f"instance {target!r} does not exist")
        placed = policies.add_hold(engine.store, scope, target, reason, actor,
                                   engine.clock.now())
    typer.echo(f"hold on {scope} {target} " + ("placed" if placed else "was already placed"))


@hold_app.command("remove")
def remove_hold(instance: InstanceOption = None, definition: DefinitionOption = None,
                actor: ActorOption = "cli", db: DbOption = DEFAULT_DB) -> None:
    """Remove a legal hold."""
    from runtime.security.retention import policies

    scope, target = _target(instance, definition)
    with open_engine(db) as engine:
        if not policies.remove_hold(engine.store, scope, target, actor):
            raise _fail(f"there is no hold on {scope} {target!r}")
    typer.echo(f"hold on {scope} {target} removed")
