"""`statewright analytics rebuild|show`: recompute the dashboard aggregates, or print them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, open_engine

analytics_app = typer.Typer(help="Dashboard aggregates.", no_args_is_help=True)
app.add_typer(analytics_app, name="analytics")


@analytics_app.command()
def rebuild(db: DbOption = DEFAULT_DB) -> None:
    """Recompute every aggregate from the event log (writers wait until it is done)."""
    with open_engine(db) as engine:
        from runtime.analytics.updater import rebuild as rebuild_aggregates

        replayed = rebuild_aggregates(engine.store)
    typer.echo(f"rebuilt analytics from {replayed} events")


@analytics_app.command()
def show(
    key: Annotated[str, typer.Argument(help="Definition key.")],
    version: Annotated[int | None, typer.Option("--version", min=1,
                                                help="Only this version.")] = None,
    since: Annotated[datetime | None, typer.Option(help="From this UTC hour.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Before this UTC hour.")] = None,
    time: Annotated[str, typer.Option(
        "--time", help="wall (default) or business: cycle and state times in working time "
        "on the definition's calendar.")] = "wall",
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Print a definition's dashboard numbers: throughput, cycle and state times, paths."""
    from runtime.analytics import queries

    if time not in queries.CLOCKS:
        typer.echo(f"error: --time must be wall or business, not {time!r}", err=True)
        raise typer.Exit(2)
    with open_engine(db) as engine:
        engine.version(key, version)  # names an unknown definition or version
        with engine.store.read() as conn:
            board = queries.dashboard(conn, key, version, since=since, until=until, clock=time)
    if as_json:
        typer.echo(json.dumps(board, default=_iso, indent=2))
        return
    _print(board)


def _iso(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}s"


def _print(board: dict[str, Any]) -> None:
    echo = typer.echo
    scope = f" v{board['version']}" if board["version"] else ""
    echo(f"{board['definition']}{scope}" + (
        " (business time)" if board["time"] == "business" else ""))
    echo("per day          started  completed  failed  cancelled")
    for day in board["throughput_per_day"]:
        echo(f"  {day['day']:%Y-%m-%d}    {day['started']:>8} {day['completed']:>10} "
             f"{day['failed']:>7} {day['cancelled']:>10}")
    cycle = board["cycle_time"]
    echo(f"cycle time       {cycle['count']} finished, mean {_seconds(cycle['mean_s'])}, "
         f"p50 {_seconds(cycle['p50'])}, p90 {_seconds(cycle['p90'])}, "
         f"p99 {_seconds(cycle['p99'])}")
    echo("time in state    visits  p50  p90")
    for row in board["time_in_state"]:
        echo(f"  {row['state']:<14} {row['count']:>6}  {_seconds(row['p50'])}  "
             f"{_seconds(row['p90'])}")
    echo("transitions")
    for row in board["transitions"]:
        on = f" on {row['event']}" if row["event"] else ""
        echo(f"  {row['from'] or '(start)'} -> {row['to']}{on}: {row['count']}")
    echo("top variants")
    for row in board["top_variants"]:
        echo(f"  {row['count']:>6}  {' > '.join(row['path'] or [row['hash']])}  "
             f"(mean {_seconds(row['mean_s'])})")
    breaches = board["sla_breaches"]
    echo("SLA breaches     " + (", ".join(f"{state or '(process)'}: {n}"
                                          for state, n in breaches.items()) or "none"))
