"""`statewright alerts`: define alert rules, list and remove them, see what fires, evaluate
now, and export the rules for Prometheus. Bad input (a rule that cannot be stored, an unknown
rule) is an error naming it, with exit code 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import (
    DEFAULT_DB,
    ActorOption,
    DbOption,
    JsonOption,
    emit_text,
    open_engine,
)

if TYPE_CHECKING:
    from runtime.engine import Engine

alerts_app = typer.Typer(help="Alert rules: SLA breaches, error spikes, backlog growth, stuck "
                              "instances, open breakers.", no_args_is_help=True)
app.add_typer(alerts_app, name="alerts")

Seconds = Annotated[float | None, typer.Option(min=0, show_default=False)]


@contextmanager
def _engine(db: str) -> Iterator[Engine]:
    """An engine whose rule refusals become `error: ...` with exit code 2 (bad input)."""
    from runtime.alerts import AlertRuleExists, AlertRuleInvalid
    from runtime.core.errors import NotFound

    with open_engine(db) as engine:
        try:
            yield engine
        except (AlertRuleInvalid, AlertRuleExists, NotFound) as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(2) from None


@alerts_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A short name: lower-case, digits, . _ -")],
    kind: Annotated[str, typer.Option("--kind", help="sla_breach, error_rate, backlog_growth, "
                                                      "stuck or breaker_open")],
    definition: Annotated[str | None, typer.Option(
        help="Only this definition (sla_breach, error_rate, stuck); default every one.")] = None,
    breaker: Annotated[str | None, typer.Option(
        help="Only this breaker group (breaker_open); default any.")] = None,
    window_s: Seconds = None,
    baseline_s: Seconds = None,
    factor: Annotated[float | None, typer.Option(show_default=False)] = None,
    threshold: Annotated[float | None, typer.Option(show_default=False)] = None,
    repeat_s: Annotated[float | None, typer.Option(
        help="Remind every this many seconds while firing.", show_default=False)] = None,
    actor: ActorOption = "cli",
    db: DbOption = DEFAULT_DB,
    as_json: JsonOption = False,
) -> None:
    """Define an alert rule; parameters left out take the kind's defaults (see `list`)."""
    from runtime import alerts

    raw: dict[str, Any] = {"name": name, "kind": kind}
    given = {"definition": definition, "breaker": breaker, "window_s": window_s,
             "baseline_s": baseline_s, "factor": factor, "threshold": threshold,
             "repeat_s": repeat_s}
    raw |= {k: v for k, v in given.items() if v is not None}
    with _engine(db) as engine:
        rule = alerts.add_rule(engine.ledger, raw, actor=actor)
    typer.echo(json.dumps(rule.to_json()) if as_json else f"defined {_line(rule.to_json())}")


@alerts_app.command("list")
def list_rules(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """The rules with their parameters."""
    from runtime import alerts

    with _engine(db) as engine:
        rules = [rule.to_json() for rule in alerts.list_rules(engine.ledger)]
    if as_json:
        typer.echo(json.dumps(rules, indent=2))
        return
    for rule in rules:
        typer.echo(_line(rule))
    if not rules:
        typer.echo("no alert rules")


@alerts_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The rule's name (or id).")],
           db: DbOption = DEFAULT_DB) -> None:
    """Remove a rule and its alerts."""
    from runtime import alerts

    with _engine(db) as engine:
        alerts.remove_rule(engine.ledger, name)
    typer.echo(f"removed {name}")


@alerts_app.command("status")
def status(db: DbOption = DEFAULT_DB, as_json: JsonOption = False,
           firing: Annotated[bool, typer.Option("--firing", help="Only those firing now.")]
           = False) -> None:
    """Alerts firing (oldest first) and resolved (latest first)."""
    from runtime import alerts

    with _engine(db) as engine:
        rows = [_jsonable(row) for row in alerts.alert_status(engine.ledger, firing)]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        when = row["since"] if row["status"] == "firing" else row["resolved_at"]
        typer.echo(f"{row['status']:<8} {row['rule']} [{row['subject']}] since {when}: "
                   f"{row['message']}")
    if not rows:
        typer.echo("no alerts")


@alerts_app.command("evaluate")
def evaluate(db: DbOption = DEFAULT_DB, as_json: JsonOption = False) -> None:
    """Evaluate every rule now (as the runner does periodically) and deliver the messages."""
    from runtime import alerts

    with _engine(db) as engine:
        changes = alerts.evaluate(engine.ledger)
    result = {"fired": changes.fired, "reminded": changes.reminded,
              "resolved": changes.resolved, "notifications": changes.notifications}
    typer.echo(json.dumps(result) if as_json else
               f"fired {len(changes.fired)}, resolved {len(changes.resolved)}, "
               f"{changes.notifications} notification(s) queued")


@alerts_app.command("export")
def export(
    out: Annotated[Path | None, typer.Option(help="Write here instead of printing.")] = None,
    defaults: Annotated[bool, typer.Option(
        "--defaults", help="The shipped rule set (deploy/alerts.yaml), not the database's.")]
    = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """The rules as Prometheus alerting rules (a rule file for `rule_files:`)."""
    from runtime import alerts
    from runtime.alerts import prometheus

    if defaults:
        text = prometheus.export(prometheus.default_rules())
    else:
        with _engine(db) as engine:
            text = prometheus.export(alerts.list_rules(engine.ledger))
    emit_text(text, out, f"wrote {out}")


def _line(rule: dict[str, Any]) -> str:
    skip = {"id", "name", "kind", "definition", "created_at", "created_by"}
    params = " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in rule.items() if k not in skip and v is not None)
    scope = f" {rule['definition']}" if rule.get("definition") else ""
    return f"{rule['name']}: {rule['kind']}{scope} {params}".rstrip()


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}
