"""`statewright subscriptions|deadletters|outbox ...` and `statewright consume`: messaging
from a shell. Bad input (a field a subscription cannot run with) exits 2 naming the field."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, open_engine

if TYPE_CHECKING:
    from runtime.engine import Engine

subscriptions_app = typer.Typer(help="Broker subscriptions that start or move instances.",
                                no_args_is_help=True)
deadletters_app = typer.Typer(help="Messages that could not be applied: list and replay.",
                              no_args_is_help=True)
outbox_app = typer.Typer(help="Outbox routes: instance events published to a broker.",
                         no_args_is_help=True)
app.add_typer(subscriptions_app, name="subscriptions")
app.add_typer(deadletters_app, name="deadletters")
app.add_typer(outbox_app, name="outbox")

BrokerOption = Annotated[str, typer.Option(
    help="nats://, amqp://, redis://, mqtt:// or kafka:// URL.")]
Expr = Annotated[str | None, typer.Option(help="A CEL expression on `message`, `headers`.")]


def _refuse(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def _published(engine: Engine, key: str) -> None:
    from runtime.core.errors import NotFound

    try:
        engine.version(key)
    except NotFound:
        raise _refuse(f"--definition {key!r} is not published") from None


def _print(rows: list[dict[str, Any]], as_json: bool, line: Any) -> None:
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    for row in rows:
        typer.echo(line(row))
    typer.echo(f"{len(rows)} row(s)")


@subscriptions_app.command("add")
def add_subscription(
    name: Annotated[str, typer.Argument(help="A name: lower case, digits, - _ .")],
    broker: BrokerOption,
    source: Annotated[str, typer.Option(help="Subject, queue, stream or topic.")],
    definition: Annotated[str, typer.Option(help="The process started or moved.")],
    action: Annotated[str, typer.Option(help="start: start an instance; send: send an event.")]
    = "start",
    event: Annotated[str | None, typer.Option(help="The event sent (action send).")] = None,
    correlate: Expr = None,
    match: Annotated[str, typer.Option(help="business_key or variable:<name>.")]
    = "business_key",
    variables: Expr = None, business_key: Expr = None, payload: Expr = None,
    idempotency: Annotated[str | None, typer.Option(
        help="header:<name> or a CEL expression; default: the broker's message id.")] = None,
    group: Annotated[str | None, typer.Option(help="Consumer group shared by consumers.")]
    = None,
    db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
) -> None:
    """Add a subscription; `consume` (or serve/worker) picks it up within seconds."""
    from runtime.core.errors import EngineError
    from runtime.messaging import subscriptions as subs

    sub = subs.Subscription(name=name, broker=broker, source=source, action=action,
                            definition=definition, event=event, correlate=correlate, match=match,
                            variables=variables, business_key=business_key, payload=payload,
                            idempotency=idempotency, group=group)
    try:
        subs.checked(sub)
    except EngineError as exc:
        raise _refuse(exc.message) from None
    with open_engine(db) as engine:
        _published(engine, definition)
        try:
            engine.writer.submit(lambda conn: subs.add(conn, sub, engine.clock.now()))
        except EngineError as exc:
            raise _refuse(exc.message) from None
    typer.echo(json.dumps(sub.to_json(), indent=2) if as_json else f"added subscription {name}")


@subscriptions_app.command("list")
def list_subscriptions(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Every subscription, by name."""
    from runtime.messaging import subscriptions as subs

    with open_engine(db) as engine, engine.store.read() as conn:
        rows = [s.to_json() for s in subs.all_subscriptions(conn)]
    _print(rows, as_json, lambda s: f"{s['name']}  {s['action']} {s['definition']}  "
                                    f"<- {s['broker']} {s['source']}  ({s['origin']})")


@subscriptions_app.command("remove")
def remove_subscription(name: str, db: DbOption = DEFAULT_DB) -> None:
    """Remove a subscription (its dead letters stay)."""
    from runtime.messaging import subscriptions as subs

    with open_engine(db) as engine:
        engine.writer.submit(lambda conn: subs.remove(conn, name))
    typer.echo(f"removed subscription {name}")


@deadletters_app.command("list")
def list_dead_letters(
    subscription: Annotated[str | None, typer.Option(help="Only this subscription's.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replayed ones too.")] = False,
    limit: int = 100, db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
) -> None:
    """Dead letters, newest first, with the reason."""
    from runtime.messaging import deadletters

    with open_engine(db) as engine, engine.store.read() as conn:
        rows = deadletters.letters(conn, None if all_ else "dead", subscription, limit)
    _print(rows, as_json, lambda d: f"{d['id']}  {d['subscription']}  {d['reason']}: "
                                    f"{d['detail']}  (attempts {d['attempts']}, {d['status']})")


@deadletters_app.command("replay")
def replay_dead_letters(
    ids: Annotated[list[str] | None, typer.Argument(help="Dead letter ids.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dead letter.")] = False,
    db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
) -> None:
    """Apply dead letters again; exit 1 when any is still refused."""
    from runtime.messaging import deadletters, intake

    if bool(ids) == all_:
        raise _refuse("name dead letter ids or --all (not both)")
    with open_engine(db) as engine:
        if all_:
            with engine.store.read() as conn:
                ids = [d["id"] for d in deadletters.letters(conn, limit=1000)]
        results = {i: intake.replay(engine.ledger, i) for i in ids or []}
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    else:
        for letter_id, outcome in results.items():
            typer.echo(f"{letter_id}  {outcome}")
    if any(o != intake.APPLIED for o in results.values()):
        raise typer.Exit(1)


@outbox_app.command("add")
def add_route(
    definition: Annotated[str, typer.Option(help="Whose instance events are published.")],
    broker: BrokerOption,
    destination: Annotated[str, typer.Option(help="Subject, queue, stream or topic.")],
    events: Annotated[str, typer.Option(help="Event types, comma-separated; empty = all.")] = "",
    db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
) -> None:
    """Publish a definition's instance events (of these types) to a broker."""
    from runtime.core.errors import EngineError
    from runtime.messaging import outbox

    types = [t.strip() for t in events.split(",") if t.strip()]
    with open_engine(db) as engine:
        _published(engine, definition)
        try:
            route = engine.writer.submit(lambda conn: outbox.add_route(
                conn, definition, types, broker, destination, engine.clock.now()))
        except EngineError as exc:
            raise _refuse(exc.message) from None
    typer.echo(json.dumps(route.to_json(), indent=2) if as_json else f"added route {route.id}")


@outbox_app.command("list")
def list_routes(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Every outbox route."""
    from runtime.messaging import outbox

    with open_engine(db) as engine, engine.store.read() as conn:
        rows = [r.to_json() for r in outbox.all_routes(conn)]
    _print(rows, as_json, lambda r: f"{r['id']}  {r['definition']} "
                                    f"[{','.join(r['event_types']) or 'all'}] -> "
                                    f"{r['broker']} {r['destination']}")


@outbox_app.command("remove")
def remove_route(route_id: str, db: DbOption = DEFAULT_DB) -> None:
    """Stop publishing through a route (rows already written are still delivered)."""
    from runtime.messaging import outbox

    with open_engine(db) as engine:
        engine.writer.submit(lambda conn: outbox.remove_route(conn, route_id))
    typer.echo(f"removed route {route_id}")


@app.command()
def consume(
    db: DbOption = DEFAULT_DB,
    max_backlog: Annotated[int, typer.Option(
        help="Pause consuming while more jobs than this are due.", min=1)] = 1000,
) -> None:
    """Consume every subscription and deliver the outbox until SIGTERM or Ctrl-C."""
    from runtime.cli import serving

    serving.consume(db, max_backlog)
