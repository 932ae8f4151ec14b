"""`statewright bench`: the engine benchmark (and the validation and dashboard ones)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.core.errors import EngineError


class Suite(StrEnum):
    engine = "engine"
    validation = "validation"
    dashboards = "dashboards"
    startup = "startup"
    all = "all"


@app.command()
def bench(
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: a temporary SQLite file).")] = None,
    instances: Annotated[int, typer.Option(min=1, help="Instances in flight.")] = 10_000,
    transitions: Annotated[int, typer.Option(min=1, help="Events sent to each instance.")] = 10,
    senders: Annotated[int, typer.Option(min=1, help="Concurrent sender threads.")] = 16,
    suite: Annotated[Suite, typer.Option(help="Which benchmark to run.")] = Suite.engine,
    events: Annotated[int, typer.Option(
        min=1, help="Events behind the dashboards (dashboards suite).")] = 1_000_000,
    runs: Annotated[int, typer.Option(
        min=1, help="Timed dashboard renders (dashboards suite).")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure durable transitions/s, send latency and memory (not a test: no pass/fail)."""
    results = {}
    if suite in (Suite.engine, Suite.all):
        from runtime.benchmarks.engine import run as run_engine

        try:
            results["engine"] = run_engine(db, instances, transitions, senders)
        except EngineError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if not as_json:
            _print_engine(results["engine"])
    if suite in (Suite.validation, Suite.all):
        from runtime.benchmarks.validation import run as run_validation

        results["validation"] = run_validation()
    if suite in (Suite.dashboards, Suite.all):
        from runtime.benchmarks.dashboards import run as run_dashboards

        if not as_json:
            typer.echo(f"dashboards     seeding aggregates of {events:,} events ...")
        try:
            results["dashboards"] = run_dashboards(db, events, runs)
        except EngineError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if not as_json:
            _print_dashboards(results["dashboards"])
    if suite in (Suite.startup, Suite.all):
        from runtime.benchmarks.startup import run as run_startup

        results["startup"] = run_startup()
        if not as_json:
            _print_startup(results["startup"])
    if as_json:
        typer.echo(json.dumps(results, indent=2))


def _print_engine(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']})")
    typer.echo(f"workload       {r['instances']:,} instances x {r['transitions_per_instance']} "
               f"transitions, {r['senders']} senders")
    typer.echo(f"transitions/s  {r['transitions_per_s']:,}  (durable, {r['transitions']:,} total)")
    typer.echo(f"send latency   p50 {r['send_p50_ms']} ms  p95 {r['send_p95_ms']} ms  "
               f"p99 {r['send_p99_ms']} ms")
    typer.echo(f"starts/s       {r['starts_per_s']:,}")
    typer.echo(f"peak RSS       {r['peak_rss_mb']} MB")
    typer.echo(f"wall time      {r['seconds']} s")


def _print_dashboards(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']})")
    typer.echo(f"seeded         {r['events']:,} events of {r['instances']:,} instances in "
               f"{r['seed_s']} s ({r['events_per_s']:,} events/s through the updater)")
    typer.echo(f"one process    p50 {r['definition_p50_ms']} ms  p95 {r['definition_p95_ms']} ms"
               f"  (read + {r['charts']} charts built, over {r['runs']} runs)")
    typer.echo(f"overview       p50 {r['overview_p50_ms']} ms  p95 {r['overview_p95_ms']} ms")


def _print_startup(r: dict) -> None:
    typer.echo(f"bare python    p50 {r['bare_p50_ms']} ms  p95 {r['bare_p95_ms']} ms")
    for name in ("help", "validate"):
        typer.echo(f"{name:<14} p50 {r[f'{name}_p50_ms']} ms  p95 {r[f'{name}_p95_ms']} ms  "
                   f"(+{r[f'{name}_overhead_p50_ms']} ms over bare, {r['runs']} runs)")
