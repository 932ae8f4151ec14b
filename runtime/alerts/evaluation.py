"""Evaluating the rules: fire, remind, resolve, and put each change in the notification outbox.

Alerts are keyed by (rule, subject). A change of state is a conditional write (insert if
absent; firing only from resolved; resolved only from firing) whose notification is queued
in the same transaction, and only when the write took (seen by RETURNING: drivers in
pipeline mode report no row counts): so two evaluators that see the same
condition at once make one alert and one message. Besides, a lease row (`alert_evaluator`)
lets one process evaluate per interval, however many runners share the database.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from runtime.alerts import conditions, failures
from runtime.alerts import rules as r
from runtime.alerts.catalog import load_rules
from runtime.alerts.tables import FIRING, RESOLVED, alert_evaluator, alerts
from runtime.core.clock import from_db, to_db
from runtime.instances import InstanceAccess
from runtime.people.notifications import deliver_due
from runtime.people.notifications.outbox import enqueue_alert

log = logging.getLogger("statewright.alerts")
INTERVAL_ENV = "STATEWRIGHT_ALERT_INTERVAL_S"
DEFAULT_INTERVAL_S = 15.0
LEASE = "alerts"
FIRED, REMINDED, CLEARED = "alert_firing", "alert_reminder", "alert_resolved"


@dataclass
class Changes:
    """What one evaluation changed: (rule name, subject) pairs per kind of change."""

    fired: list[tuple[str, str]] = field(default_factory=list)
    reminded: list[tuple[str, str]] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)
    notifications: int = 0

    def add(self, other: Changes) -> None:
        self.fired += other.fired
        self.reminded += other.reminded
        self.resolved += other.resolved
        self.notifications += other.notifications


def interval_s() -> float:
    """The evaluation interval: `$STATEWRIGHT_ALERT_INTERVAL_S`, else 15 s."""
    raw = os.environ.get(INTERVAL_ENV)
    try:
        value = float(raw) if raw else DEFAULT_INTERVAL_S
    except ValueError:
        value = 0.0
    if value <= 0:
        log.warning("%s=%r is not a positive number of seconds; using %g", INTERVAL_ENV, raw,
                    DEFAULT_INTERVAL_S)
        return DEFAULT_INTERVAL_S
    return value


class AlertEvaluator:
    """The runner's periodic alert work (`runtime.execution.periodic`): each `run_once`
    evaluates every rule if this process holds the turn, then delivers what it queued."""

    name = "alerts"

    def __init__(self, ledger: InstanceAccess, every_s: float | None = None) -> None:
        self.ledger = ledger
        self.every_s = every_s if every_s is not None else interval_s()

    def run_once(self) -> Changes | None:
        now = self.ledger.clock.now()
        if not self._take_turn(now):
            return None
        return evaluate(self.ledger, now)

    def _take_turn(self, now: datetime) -> bool:
        """Move the shared due time on by an interval if it has come; True if we did."""
        worker = self.ledger.worker_id
        # A little early, so this process's next tick finds its turn due again.
        next_due = to_db(now + timedelta(seconds=self.every_s * 0.8))

        def work(conn: Connection) -> bool:
            e = alert_evaluator
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            conn.execute(dialect.insert(e).values(name=LEASE, due_at=to_db(now))
                         .on_conflict_do_nothing(index_elements=["name"]))
            return conn.execute(update(e).where(e.c.name == LEASE, e.c.due_at <= to_db(now))
                                .values(due_at=next_due, leased_by=worker)
                                .returning(e.c.name)).first() is not None

        return self.ledger.writer.submit(work)


def evaluate(ledger: InstanceAccess, now: datetime | None = None) -> Changes:
    """Evaluate every rule now (whoever else does too), then deliver the queued messages."""
    now = now or ledger.clock.now()
    with ledger.store.read() as conn:
        rules = load_rules(conn)
        backlog = [rule for rule in rules if rule.kind == r.BACKLOG_GROWTH]
        due = ledger.store.count_due_jobs(conn, now) if backlog else None
    if due is not None:
        kept_s = max(rule.param("window_s") for rule in backlog)
        ledger.writer.submit(lambda conn: conditions.record_backlog(conn, now, due, kept_s))
    changes = Changes()
    for rule in rules:
        try:
            with ledger.store.read() as conn:
                found = conditions.measure(conn, rule, now, due)
            changes.add(ledger.writer.submit(
                lambda conn, rule=rule, found=found: apply(conn, rule, found, now)))
        except Exception:
            log.exception("alert rule %r could not be evaluated; the others were", rule.name)
    ledger.writer.submit(lambda conn: failures.prune(conn, now))
    if changes.notifications:
        deliver_due(ledger)  # now rather than at the next housekeeping round
    return changes


def apply(conn: Connection, rule: r.Rule, found: list[conditions.Finding],
          now: datetime) -> Changes:
    """Fold one rule's findings into its alerts, queueing a message for each change."""
    a, at = alerts, to_db(now)
    changes = Changes()
    known = {row.subject: row for row in conn.execute(select(alerts).where(
        a.c.rule_id == rule.id))}
    for finding in found:
        row = known.get(finding.subject)
        values = {"value": finding.value, "message": finding.message, "updated_at": at}
        mine = (a.c.rule_id == rule.id, a.c.subject == finding.subject)
        if row is None:
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            took = conn.execute(dialect.insert(a).values(
                rule_id=rule.id, subject=finding.subject, status=FIRING, since=at,
                last_notified_at=at, **values).on_conflict_do_nothing().returning(a.c.subject)
            ).first() is not None
            kind, since = FIRED, now
        elif row.status == RESOLVED:
            took = conn.execute(update(a).where(*mine, a.c.status == RESOLVED).values(
                status=FIRING, since=at, resolved_at=None, last_notified_at=at, **values
            ).returning(a.c.subject)).first() is not None
            kind, since = FIRED, now
        else:
            since = from_db(row.since) or now
            repeat = rule.param("repeat_s")
            last = from_db(row.last_notified_at)
            remind = bool(repeat) and (last is None or now - last >= timedelta(seconds=repeat))
            guard = (a.c.last_notified_at == row.last_notified_at,) if remind else ()
            took = conn.execute(update(a).where(*mine, a.c.status == FIRING, *guard).values(
                **values, **({"last_notified_at": at} if remind else {})
            ).returning(a.c.subject)).first() is not None
            took, kind = took and remind, REMINDED
        if took:
            _notify(conn, kind, rule, finding.subject, finding.value, finding.message, since,
                    now, changes)
    current = {finding.subject for finding in found}
    for subject, row in sorted(known.items()):
        if row.status == FIRING and subject not in current:
            took = conn.execute(update(a).where(
                a.c.rule_id == rule.id, a.c.subject == subject, a.c.status == FIRING,
            ).values(status=RESOLVED, resolved_at=at, last_notified_at=at, updated_at=at
                     ).returning(a.c.subject)).first() is not None
            if took:
                _notify(conn, CLEARED, rule, subject, row.value, row.message,
                        from_db(row.since) or now, now, changes)
    return changes


def _notify(conn: Connection, kind: str, rule: r.Rule, subject: str, value: float,
            message: str, since: datetime, now: datetime, changes: Changes) -> None:
    {FIRED: changes.fired, REMINDED: changes.reminded, CLEARED: changes.resolved}[kind].append(
        (rule.name, subject))
    word = {FIRED: "firing", REMINDED: "still firing", CLEARED: "resolved"}[kind]
    headline = f"Alert {word}: {rule.name} ({subject})"
    facts: list[tuple[str, Any]] = [("Rule", rule.name), ("Kind", rule.kind),
                                    ("Subject", subject), ("Condition", message),
                                    ("Firing since", since.isoformat())]
    if kind == CLEARED:
        facts.append(("Resolved at", now.isoformat()))
    alert = {"rule": rule.name, "rule_id": rule.id, "kind": rule.kind, "subject": subject,
             "status": RESOLVED if kind == CLEARED else FIRING, "value": value,
             "message": message, "since": since.isoformat(), "at": now.isoformat()}
    changes.notifications += enqueue_alert(conn, kind, rule.name, headline, facts, alert, now)
    log.log(logging.INFO if kind == CLEARED else logging.WARNING, "%s: %s", headline, message)
