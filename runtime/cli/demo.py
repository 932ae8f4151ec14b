"""`statewright demo`: a simulated month of the sample processes, for living dashboards."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption

if TYPE_CHECKING:
    from runtime.demo.simulation import Progress


@app.command()
def demo(
    instances: Annotated[int, typer.Option(min=1, help="Sample instances to start.")] = 20_000,
    days: Annotated[int, typer.Option(min=1, max=366,
                                      help="Simulated days, ending now.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed, the same month).")] = 1,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Run the samples with the demo actions and simulated people over the last DAYS days."""
    typer.echo(f"simulating {instances:,} instances over {days} days into {db}")
    logging.getLogger("statewright.breakers").setLevel(logging.ERROR)  # the demo trips them
    from runtime.core.errors import EngineError
    from runtime.demo.simulation import MonthSimulation

    try:
        done = MonthSimulation(db, instances, days, seed, report=_progress).run()
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"done in {done.seconds:,.1f} s: {done.started:,} instances, "
               f"{done.tasks_done:,} tasks completed, {done.messages:,} messages, "
               f"{done.jobs:,} jobs run, {done.refused:,} planned acts overtaken by events; "
               "open `statewright serve` and go to /dashboards")


def _progress(progress: Progress) -> None:
    moment = progress.simulated_to
    typer.echo(f"  {moment:%Y-%m-%d %H:%M} UTC  {progress.started:>8,} started "
               f"{progress.tasks_done:>8,} tasks done  {progress.seconds:>7,.1f} s")
