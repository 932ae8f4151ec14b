"""The rules as Prometheus alerting rules, and the gauges those rules (and Grafana) read.

Each kind becomes a PromQL expression over what `/metrics` exposes: the database gauges of
`runtime.metrics` and `statewright_breaker_state`, plus the gauges below, which are read
from the database at scrape time so every replica reports the same values (rules take
`max by` over replicas). `deploy/alerts.yaml` is `export(DEFAULT_RULES)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import Connection, func, select

from runtime.alerts import rules as r
from runtime.alerts.conditions import MIN_VISITS, WAITING
from runtime.alerts.tables import FIRING, alert_failure_totals, alert_rules, alerts
from runtime.analytics import tables as a
from runtime.analytics.queries import histograms_by_subject
from runtime.analytics.sketch import percentile
from runtime.core.clock import from_db

P95_OVER = timedelta(days=7)

# name -> (help, label names) of the gauges `gauges` reads.
GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "statewright_sla_breaches": ("SLA breaches recorded so far, by definition", ("definition",)),
    "statewright_action_failures": ("Failed action attempts so far, by definition",
                                    ("definition",)),
    "statewright_state_age_seconds": ("How long the longest-waiting running instance has been "
                                      "in its state", ("definition", "state")),
    "statewright_state_p95_seconds": ("95th percentile of the time spent in a state (last 7 "
                                      "days)", ("definition", "state")),
    "statewright_alerts_firing": ("Statewright alert rules firing now, by rule and subject",
                                  ("rule", "kind", "subject")),
}

# The rule set shipped as deploy/alerts.yaml: one per kind, over every definition.
DEFAULT_RULES: list[dict[str, Any]] = [
    {"name": "sla-breaches", "kind": r.SLA_BREACH},
    {"name": "error-rate-spike", "kind": r.ERROR_RATE},
    {"name": "job-backlog-growth", "kind": r.BACKLOG_GROWTH},
    {"name": "stuck-instances", "kind": r.STUCK},
    {"name": "breaker-open", "kind": r.BREAKER_OPEN},
]


def gauges(conn: Connection, now: datetime) -> dict[str, dict[tuple[str, ...], float]]:
    c, i = a.counts, a.instances
    out: dict[str, dict[tuple[str, ...], float]] = {name: {} for name in GAUGES}
    for key, n in conn.execute(select(c.c.definition_key, func.sum(c.c.count)).where(
            c.c.kind == "sla_breach").group_by(c.c.definition_key)):
        out["statewright_sla_breaches"][(key,)] = float(n)
    for key, n in conn.execute(select(alert_failure_totals)):
        out["statewright_action_failures"][(key,)] = float(n)
    oldest = conn.execute(select(i.c.definition_key, i.c.state, func.min(i.c.entered_at)).where(
        i.c.status.in_(WAITING), i.c.state.is_not(None)).group_by(i.c.definition_key, i.c.state))
    for key, state, entered in oldest:
        at = from_db(entered if isinstance(entered, datetime)
                     else datetime.fromisoformat(entered))
        out["statewright_state_age_seconds"][(key, state)] = (now - at).total_seconds()
    for key in sorted({key for key, _ in out["statewright_state_age_seconds"]}):
        for state, buckets in histograms_by_subject(conn, "state_time", key, None,
                                                    now - P95_OVER, None).items():
            if sum(n for _, n in buckets) >= MIN_VISITS:
                out["statewright_state_p95_seconds"][(key, state)] = percentile(buckets, 0.95)
    for name, kind, subject in conn.execute(
            select(alert_rules.c.name, alert_rules.c.kind, alerts.c.subject)
            .join(alert_rules, alert_rules.c.id == alerts.c.rule_id)
            .where(alerts.c.status == FIRING)):
        out["statewright_alerts_firing"][(name, kind, subject)] = 1.0
    return out


def expression(rule: r.Rule) -> str:
    """The PromQL that holds when `rule`'s condition does (as closely as the metrics allow)."""
    p = rule.param
    match = f'{{definition="{rule.definition}"}}' if rule.definition else ""
    if rule.kind == r.SLA_BREACH:
        return (f"max by (definition) (increase(statewright_sla_breaches{match}"
                f"[{duration(p('window_s'))}])) >= {max(p('threshold'), 1):g}")
    if rule.kind == r.ERROR_RATE:
        window, baseline = duration(p("window_s")), duration(p("baseline_s"))
        failures = f"statewright_action_failures{match}"
        return (f"max by (definition) (increase({failures}[{window}])) >= {p('threshold'):g}"
                f" and max by (definition) (rate({failures}[{window}])) > {p('factor'):g} * "
                f"max by (definition) (rate({failures}[{baseline}] offset {window}))")
    if rule.kind == r.BACKLOG_GROWTH:
        return (f"max(delta(statewright_jobs_due[{duration(p('window_s'))}])) >= "
                f"{max(p('threshold'), 1):g}")
    if rule.kind == r.STUCK:
        return (f"max by (definition, state) (statewright_state_age_seconds{match}) > "
                f"{p('factor'):g} * max by (definition, state) "
                f"(statewright_state_p95_seconds{match})")
    group = f'{{group="{p("breaker")}"}}' if p("breaker") else ""
    return f"max by (group) (statewright_breaker_state{group}) >= 1"


def export(rules: Iterable[r.Rule]) -> str:
    """A Prometheus rule file (one group) with an alerting rule per Statewright rule."""
    entries = []
    for rule in rules:
        entries.append({
            "alert": "Statewright_" + rule.name.replace("-", "_").replace(".", "_"),
            "expr": expression(rule),
            "labels": {"severity": "warning", "statewright_kind": rule.kind},
            "annotations": {"summary": f"{rule.name}: {r.KINDS[rule.kind][0]}",
                            "description": _description(rule)},
        })
    document = {"groups": [{"name": "statewright", "rules": entries}]}
    header = ("# Prometheus alerting rules for Statewright (`statewright alerts export`).\n"
              "# Load with `rule_files:` in prometheus.yml; the metrics are on /metrics.\n")
    return header + yaml.safe_dump(document, sort_keys=False, width=1000)


def default_rules() -> list[r.Rule]:
    out = []
    for raw in DEFAULT_RULES:
        name, kind, definition, params = r.checked(raw)
        out.append(r.Rule(name, name, kind, definition, params))
    return out


def duration(seconds: float) -> str:
    """A PromQL duration: 1h, 5m, 90s."""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _description(rule: r.Rule) -> str:
    scope = ""
    if rule.kind in r.PER_DEFINITION:
        scope = f" of definition {rule.definition}" if rule.definition else " of every definition"
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                       for k, v in rule.params.items() if v is not None)
    return f"{rule.kind}{scope} ({params or 'any breaker'})"

