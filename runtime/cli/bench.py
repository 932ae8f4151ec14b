"""`statewright bench`: the engine benchmark (and the steps, validation, dashboard, startup,
compression and tracing ones)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from runtime.cli.app import app
from runtime.core.errors import EngineError


class Suite(StrEnum):
    engine = "engine"
    steps = "steps"
    validation = "validation"
    dashboards = "dashboards"
    startup = "startup"
    compression = "compression"
    sealing = "sealing"
    messaging = "messaging"
    soak = "soak"
    recovery = "recovery"
    tracing = "tracing"
    alerts = "alerts"
    audit = "audit"  # checkpoints, verification, export, retention over 100,000 events
    all = "all"  # every suite but soak, recovery and audit (minutes; `make soak` runs them)


ENGINE_INSTANCES = 10_000
STEPS_INSTANCES = 500
COMPRESSION_INSTANCES = 200
SOAK_INSTANCES = 500
RECOVERY_INSTANCES = 10_000
TRACING_INSTANCES = 50
AUDIT_INSTANCES = 5_000  # of 20 events each
MESSAGING_MESSAGES = 2000


@app.command()
def bench(
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL (default: a temporary SQLite file).")] = None,
    instances: Annotated[int | None, typer.Option(
        min=1, help=f"Instances in flight (default: {ENGINE_INSTANCES:,} for engine, "
        f"{STEPS_INSTANCES} for steps, {COMPRESSION_INSTANCES} demo instances for "
        f"compression, {SOAK_INSTANCES} per wave for soak, {RECOVERY_INSTANCES:,} for "
        f"recovery, {TRACING_INSTANCES} per round for tracing).", show_default=False)] = None,
    transitions: Annotated[int, typer.Option(min=1, help="Events sent to each instance.")] = 10,
    senders: Annotated[int, typer.Option(min=1, help="Concurrent sender threads.")] = 16,
    steps: Annotated[int, typer.Option(
        min=1, help="Chained automated steps per instance (steps suite).")] = 10,
    threads: Annotated[int, typer.Option(
        min=1, help="Runner threads per worker (steps suite).")] = 8,
    workers: Annotated[int, typer.Option(
        min=1, help="Worker processes running the steps; 1: the runner in this process "
        "(steps suite).")] = 1,
    rounds: Annotated[int, typer.Option(
        min=1, help="Paired rounds, ours then DBOS, on fresh databases; the ratio reported "
        "is the rounds' median (steps suite).")] = 3,
    suite: Annotated[Suite, typer.Option(help="Which benchmark to run.")] = Suite.engine,
    events: Annotated[int, typer.Option(
        min=1, help="Events behind the dashboards (dashboards suite).")] = 1_000_000,
    runs: Annotated[int, typer.Option(
        min=1, help="Timed dashboard renders (dashboards suite).")] = 7,
    kills: Annotated[int, typer.Option(
        min=0, help="Times the worker process is SIGKILLed (soak suite).")] = 200,
    cycles: Annotated[int, typer.Option(
        min=1, help="Kill/restart cycles measured (recovery suite).")] = 5,
    seed: Annotated[int | None, typer.Option(
        help="Seed of the kill moments (soak and recovery suites; default: random).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Measure durable transitions/s, automated steps/s, latencies and memory (no pass/fail)."""
    results = {}
    if suite in (Suite.engine, Suite.all):
        from runtime.benchmarks.engine import run as run_engine

        try:
            results["engine"] = run_engine(db, instances or ENGINE_INSTANCES, transitions,
                                           senders)
        except EngineError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if not as_json:
            _print_engine(results["engine"])
    if suite in (Suite.steps, Suite.all):
        from runtime.benchmarks.steps import run as run_steps

        try:
            results["steps"] = run_steps(db, instances or STEPS_INSTANCES, steps, threads,
                                         workers, rounds=rounds)
        except EngineError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None
        if not as_json:
            _print_steps(results["steps"])
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
    if suite in (Suite.compression, Suite.all):
        results["compression"] = _compression(db, instances or COMPRESSION_INSTANCES)
        if not as_json:
            _print_compression(results["compression"])
    if suite in (Suite.tracing, Suite.all):
        results["tracing"] = _tracing(db, instances or TRACING_INSTANCES, transitions, steps)
        if not as_json:
            _print_tracing(results["tracing"])
    if suite in (Suite.alerts, Suite.all):
        from runtime.benchmarks.alerts import run as run_alerts

        results["alerts"] = [run_alerts(db, rounds=10, interval_s=every) for every in (1.0, 5.0)]
        if not as_json:
            for got in results["alerts"]:
                typer.echo(f"alert latency, interval {got['interval_s']:g} s ({got['database']}): "
                           + "; ".join(f"{kind} p50 {got[kind]['p50_s']:.3f} s, p95 "
                                       f"{got[kind]['p95_s']:.3f} s, max {got[kind]['max_s']:.3f} s"
                                       for kind in ("firing", "resolved")))
    if suite == Suite.audit:
        from runtime.benchmarks.audit import run as run_audit

        results["audit"] = run_audit(db, instances or AUDIT_INSTANCES)
        if not as_json:
            for name, value in results["audit"].items():
                typer.echo(f"{name:<26} {value}")
    if suite in (Suite.sealing, Suite.all):
        from runtime.benchmarks.sealing import run as run_sealing

        results["sealing"] = run_sealing(db, instances or 50, steps * 4)
        if not as_json:
            for name, p in {**results["sealing"]["per_value"],
                            **results["sealing"]["per_transition"]}.items():
                if isinstance(p, dict):
                    typer.echo(f"sealing {name:<26} p50 {p['p50_us']:>9.1f} us  "
                               f"p95 {p['p95_us']:>9.1f} us  p99 {p['p99_us']:>9.1f} us")
    if suite in (Suite.messaging, Suite.all):
        from runtime.benchmarks.messaging import run as run_messaging

        results["messaging"] = run_messaging(db, instances or MESSAGING_MESSAGES)
        if not as_json:
            _print_messaging(results["messaging"])
    if suite in (Suite.soak, Suite.recovery):
        _crash_suites(suite, results, db, instances, steps, kills, cycles, seed, as_json)
    if as_json:
        typer.echo(json.dumps(results, indent=2))
    if "soak" in results and not _soak_passed(results["soak"]):
        raise typer.Exit(1)  # a step twice or lost, an instance stuck, the audit broken


def _crash_suites(suite: Suite, results: dict, db: str | None, instances: int | None,
                  steps: int, kills: int, cycles: int, seed: int | None, as_json: bool
                  ) -> None:
    """The soak (kills during a steps run, then an exactly-once check) or the recovery time."""
    from runtime.benchmarks import soak

    def echo(line: str) -> None:  # progress, on standard error (also with --json)
        typer.echo(line, err=True)

    try:
        if suite == Suite.soak:
            results["soak"] = soak.run(db, instances or SOAK_INSTANCES, steps, kills,
                                       seed=seed, echo=echo)
            if not as_json:
                _print_soak(results["soak"])
        else:
            results["recovery"] = soak.recovery(db, instances or RECOVERY_INSTANCES, steps,
                                                cycles, seed=seed, echo=echo)
            if not as_json:
                _print_recovery(results["recovery"])
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _compression(db: str | None, instances: int) -> dict:
    from runtime.benchmarks.compression import run as run_compression
    from runtime.demo.simulation import MonthSimulation

    def demo(url: str, count: int, seed: int) -> None:
        MonthSimulation(url, count, seed=seed).run()

    try:
        return run_compression(db, demo_instances=instances, demo=demo)
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _tracing(db: str | None, instances: int, transitions: int, steps: int) -> dict:
    from runtime.benchmarks.tracing import run as run_tracing

    try:
        return run_tracing(db, instances, transitions, steps)
    except EngineError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None


def _print_tracing(r: dict) -> None:
    typer.echo(f"database       {r['database']}; {r['rounds']} rounds of {r['instances']} "
               f"instances x {r['transitions_per_instance']} transitions (one sender) and "
               f"{r['instances']} chains of {r['steps']} automated steps, per mode")
    for mode, label in (("off", "off"), ("http", "OTLP http"), ("grpc", "OTLP gRPC")):
        m = r[mode]
        line = (f"{label:<14} transition p50 {m['send_p50_us']} us  p95 {m['send_p95_us']} us  "
                f"p99 {m['send_p99_us']} us; step {m['step_mean_us']} us ({m['steps_per_s']:,}"
                " steps/s)")
        if mode != "off":
            line += (f"; +{m['send_p50_overhead_pct']} % p50, +{m['step_mean_overhead_pct']} %"
                     f" per step; spans {m['spans_received']:,}/{m['spans_expected']:,}")
        typer.echo(line)


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


def _print_steps(r: dict) -> None:
    runner = (f"{r['workers']} worker processes x {r['threads']} threads" if r["workers"] > 1
              else f"embedded runner, {r['threads']} threads")
    typer.echo(f"database       {r['database']}  ({r['url']})")
    typer.echo(f"workload       {r['instances']:,} instances x {r['steps_per_instance']} "
               f"no-op steps, {runner}")
    typer.echo(f"steps/s        {r['steps_per_s']:,}  ({r['steps']:,} recorded in "
               f"{r['seconds']} s; {r['duplicates']} twice, {r['lost']} lost)")
    typer.echo(f"step latency   p50 {r['step_p50_ms']} ms  p95 {r['step_p95_ms']} ms  "
               f"p99 {r['step_p99_ms']} ms  (due -> committed)")
    typer.echo(f"one instance   p50 {r['single_step_p50_ms']} ms per step (20-step chain)")
    if r.get("dbos_version") is None:
        typer.echo(f"DBOS           {r.get('dbos_note', 'not run')}")
        return
    typer.echo(f"DBOS {r['dbos_version']:<9} {r['dbos_steps_per_s']:,} steps/s  p50 "
               f"{r['dbos_step_p50_ms']} ms  p95 {r['dbos_step_p95_ms']} ms  p99 "
               f"{r['dbos_step_p99_ms']} ms; one instance p50 {r['dbos_single_step_p50_ms']} ms")
    if "ratio_rounds" in r:
        typer.echo(f"ratio          {r['ratio']}x median of {r['rounds']} paired rounds "
                   f"(min {r['ratio_min']}x, max {r['ratio_max']}x; Statewright steps/s / "
                   "DBOS steps/s)")
    else:
        typer.echo(f"ratio          {r['ratio']}x  (Statewright steps/s / DBOS steps/s)")


def _print_dashboards(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']})")
    typer.echo(f"seeded         {r['events']:,} events of {r['instances']:,} instances in "
               f"{r['seed_s']} s ({r['events_per_s']:,} events/s through the updater)")
    typer.echo(f"one process    p50 {r['definition_p50_ms']} ms  p95 {r['definition_p95_ms']} ms"
               f"  (read + {r['charts']} charts built, over {r['runs']} runs)")
    typer.echo(f"overview       p50 {r['overview_p50_ms']} ms  p95 {r['overview_p95_ms']} ms")


def _print_startup(r: dict) -> None:
    for prefix, label in (("", "wall"), ("cpu_", "cpu")):
        typer.echo(f"bare python    {label} p50 {r[f'bare_{prefix}p50_ms']} ms  "
                   f"p95 {r[f'bare_{prefix}p95_ms']} ms")
        for name in ("help", "validate"):
            typer.echo(f"{name:<14} {label} p50 {r[f'{name}_{prefix}p50_ms']} ms  "
                       f"p95 {r[f'{name}_{prefix}p95_ms']} ms  "
                       f"(+{r[f'{name}_{prefix}overhead_p50_ms']} ms over bare, {r['runs']} runs)")


def _print_compression(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']})")
    typer.echo(f"compressed     JSON values over {r['threshold_bytes']:,} bytes, zstd level "
               f"{r['level']}, base64 in a JSON envelope")
    for name, label in (("demo", "demo month"), ("large", "large orders")):
        if name not in r:
            continue
        w = r[name]
        typer.echo(f"{label:<14} {w['instances']} instances in {w['seconds_off']} s off, "
                   f"{w['seconds_on']} s on; column bytes off -> on (values over the "
                   "threshold: plain -> stored)")
        for column, c in w["columns"].items():
            over = (f"{c['compressed_values']:,} values {c['compressed_plain_bytes']:,} -> "
                    f"{c['compressed_stored_bytes']:,} ({_pct(c['compressed_saved_pct'])})"
                    if c["compressed_values"] else "none over the threshold, all stored as before")
            toast = (f"; after TOAST {c['toasted_off']:,} -> {c['toasted_on']:,}"
                     if r["database"] == "postgresql" else "")
            typer.echo(f"  {column:<19} {c['bytes_off']:>12,} -> {c['bytes_on']:>12,} "
                       f"({_pct(c['saved_pct'])}); {over}{toast}")
        if not any(c["compressed_values"] for c in w["columns"].values()):
            typer.echo("  nothing compressed: the two runs differ only by the simulation's chance")
        tables = ", ".join(f"{n} {s['bytes_off'] / 1024:,.0f} -> {s['bytes_on'] / 1024:,.0f}"
                           for n, s in w["tables"].items())
        typer.echo(f"  tables (KiB)        {tables}; all "
                   f"{w['tables_bytes_off'] / 1024:,.0f} -> {w['tables_bytes_on'] / 1024:,.0f} "
                   f"({_pct(w['tables_saved_pct'])})")
    typer.echo(f"wall time      {r['seconds']} s")


def _pct(saved: float | None) -> str:
    if saved is None:
        return "-"
    return f"{saved:.1f} % smaller" if saved >= 0 else f"{-saved:.1f} % larger"
def _soak_passed(r: dict) -> bool:
    return (r["failure"] is None and r["audit_ok"] and r["steps"] == r["expected_steps"]
            and not (r["duplicates"] or r["lost"] or r["unfinished"] or r["jobs_left"]))


def _print_soak(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']}, dropped afterwards)")
    typer.echo(f"kills          {r['kills']} SIGKILLs of the worker ({r['early_kills']} during "
               f"start-up, {r['elsewhere_kills']} as another host's), seed {r['seed']}, lease "
               f"{r['lease_s']} s, {r['seconds']} s")
    typer.echo(f"workload       {r['instances']:,} instances ({r['waves']} waves) x "
               f"{r['steps_per_instance']} no-op steps = {r['expected_steps']:,} steps")
    typer.echo(f"recorded       {r['steps']:,} steps; {r['duplicates']} twice, {r['lost']} "
               f"lost, {r['unfinished']} instances unfinished, {r['jobs_left']} jobs left")
    typer.echo(f"handler calls  {r['handler_calls']:,} ({r['reruns']:,} re-runs after kills, "
               f"{r['steps_run_twice']:,} steps whose action ran more than once)")
    typer.echo(f"audit verify   {r['audit']}")
    if r["failure"]:
        typer.echo(f"FAILED         {r['failure']}")
        typer.echo(r["worker_errors"])
    if r.get("anomalies"):
        typer.echo("instances with a wrong log (events, jobs):")
        typer.echo(json.dumps(r["anomalies"], indent=1))


def _print_recovery(r: dict) -> None:
    typer.echo(f"database       {r['database']}  ({r['url']}, dropped afterwards)")
    typer.echo(f"in flight      {r['instances']:,} instances started, >= {r['in_flight_min']:,} "
               f"unfinished at each of {r['cycles']} restarts")
    typer.echo(f"recovery       p50 {r['recovery_ms_p50']} ms  p95 {r['recovery_ms_p95']} ms  "
               f"(spawn -> first step committed; log's stamp p50 {r['logged_ms_p50']} ms)")
    typer.echo(f"  python+engine p50 {r['python_and_engine_ms_p50']} ms (interpreter "
               f"{r['interpreter_ms_p50']}, imports {r['imports_ms_p50']}, engine open "
               f"{r['engine_open_ms_p50']}; bare python {r['bare_python_ms']} ms)")
    typer.echo(f"  runner start p50 {r['runner_start_ms_p50']} ms (takes over the dead worker's "
               f"leases, >= {r['taken_over_min']} jobs each time), "
               f"then first step p50 {r['to_first_step_ms_p50']} ms")


def _print_messaging(r: dict) -> None:
    for name, m in r.items():
        if name == "kill":
            verdict = "exactly once" if m["exactly_once"] else "FAILED"
            typer.echo(f"messaging kill {m['messages']} messages, {m['kills']} SIGKILLs at "
                       f"{m['applied_when_killed']} applied: {verdict} (duplicates "
                       f"{m['duplicates']}, missing {m['missing']}, dead letters "
                       f"{m['dead_letters']}, audit {'ok' if m['audit_ok'] else 'BROKEN'})")
        elif "unavailable" in m:
            typer.echo(f"messaging {name:9} unavailable: {m['unavailable']}")
        else:
            typer.echo(f"messaging {name:9} {m['messages_per_s']:>8,.0f} msg/s end to end  "
                       f"p50 {m['p50_ms']} ms  p95 {m['p95_ms']} ms  p99 {m['p99_ms']} ms  "
                       f"(publish {m['publish_s']} s)")
