"""What each kind of rule measures: the subjects whose condition holds now.

Every function reads the database through the caller's connection and returns findings;
an empty list means the condition is clear (which resolves whatever the rule had firing).
They read aggregates kept as the events were written (dashboard tables, failure minutes,
breaker rows), never the event log, so an evaluation costs a few indexed queries per rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from runtime.alerts import rules as r
from runtime.alerts.failures import minute_of
from runtime.alerts.tables import alert_failures, alert_samples
from runtime.analytics import tables as a
from runtime.analytics.queries import histograms_by_subject
from runtime.analytics.sketch import percentile
from runtime.core.clock import from_db, to_db
from runtime.store.resilience import breakers

WAITING = ("running", "incident")  # suspended instances are held on purpose
MIN_VISITS = 5  # a state's p95 needs this many finished visits before it is trusted
MIN_STUCK_S = 60.0  # never "stuck" sooner than this, even in a state usually left at once
BACKLOG = "jobs_due"


@dataclass(frozen=True)
class Finding:
    """One subject whose condition holds: what fired, how much, said in a sentence."""

    subject: str
    value: float
    message: str


def measure(conn: Connection, rule: r.Rule, now: datetime, due_jobs: int | None) -> list[Finding]:
    """The findings of `rule` now; `due_jobs` is the backlog read for this evaluation."""
    if rule.kind == r.SLA_BREACH:
        return sla_breaches(conn, rule, now)
    if rule.kind == r.ERROR_RATE:
        return error_rate(conn, rule, now)
    if rule.kind == r.BACKLOG_GROWTH:
        return backlog_growth(conn, rule, now, due_jobs or 0)
    if rule.kind == r.STUCK:
        return stuck(conn, rule, now)
    return open_breakers(conn, rule)


def sla_breaches(conn: Connection, rule: r.Rule, now: datetime) -> list[Finding]:
    """Breaches are counted by the dashboards per UTC hour, so the window counts every hour
    it touches (a 1 h window reads the current and the previous hour)."""
    c = a.counts
    window = rule.param("window_s")
    since = to_db(now - timedelta(seconds=window)).replace(minute=0, second=0, microsecond=0)
    query = select(c.c.definition_key, func.sum(c.c.count)).where(
        c.c.kind == "sla_breach", c.c.hour >= since).group_by(c.c.definition_key)
    if rule.definition:
        query = query.where(c.c.definition_key == rule.definition)
    return [Finding(key, float(n), f"{n} SLA breach(es) of {key} in the last "
                    f"{_span(window)}")
            for key, n in conn.execute(query) if n and n >= rule.param("threshold")]


def error_rate(conn: Connection, rule: r.Rule, now: datetime) -> list[Finding]:
    f = alert_failures
    window, baseline = rule.param("window_s"), rule.param("baseline_s")
    start = minute_of(now - timedelta(seconds=window))
    base_start = start - timedelta(seconds=baseline)
    scope = [] if not rule.definition else [f.c.definition_key == rule.definition]
    current = dict(conn.execute(select(f.c.definition_key, func.sum(f.c.count)).where(
        *scope, f.c.minute >= start).group_by(f.c.definition_key)).all())
    if not current:
        return []
    before = dict(conn.execute(select(f.c.definition_key, func.sum(f.c.count)).where(
        *scope, f.c.minute >= base_start, f.c.minute < start,
        f.c.definition_key.in_(list(current))).group_by(f.c.definition_key)).all())
    findings = []
    for key, n in sorted(current.items()):
        expected = (before.get(key) or 0) * window / baseline
        if n >= rule.param("threshold") and n > rule.param("factor") * expected:
            findings.append(Finding(key, float(n), (
                f"{n} failed action attempt(s) of {key} in the last {_span(window)}, against "
                f"{expected:.1f} expected from the {_span(baseline)} before")))
    return findings


def backlog_growth(conn: Connection, rule: r.Rule, now: datetime, due: int) -> list[Finding]:
    """Growth since the oldest reading within the window (readings are taken at each
    evaluation while a backlog rule exists)."""
    s = alert_samples
    window = rule.param("window_s")
    first = conn.execute(select(s.c.value).where(
        s.c.metric == BACKLOG, s.c.at >= to_db(now - timedelta(seconds=window)),
    ).order_by(s.c.at).limit(1)).scalar()
    if first is None:
        return []
    growth = due - first
    if growth <= 0 or growth < rule.param("threshold"):
        return []
    return [Finding("jobs", float(due), f"due jobs grew from {first:.0f} to {due} within "
                    f"{_span(window)}")]


def stuck(conn: Connection, rule: r.Rule, now: datetime) -> list[Finding]:
    i = a.instances
    waiting = select(i.c.definition_key).where(i.c.status.in_(WAITING)).distinct()
    if rule.definition:
        waiting = waiting.where(i.c.definition_key == rule.definition)
    since = now - timedelta(seconds=rule.param("baseline_s"))
    findings = []
    for key in sorted(conn.execute(waiting).scalars()):
        for state, buckets in sorted(histograms_by_subject(
                conn, "state_time", key, None, since, None).items()):
            if sum(n for _, n in buckets) < MIN_VISITS:
                continue
            p95 = percentile(buckets, 0.95) or 0.0
            limit_s = max(rule.param("factor") * p95, MIN_STUCK_S)
            n, oldest = conn.execute(select(func.count(), func.min(i.c.entered_at)).where(
                i.c.definition_key == key, i.c.state == state, i.c.status.in_(WAITING),
                i.c.entered_at < to_db(now - timedelta(seconds=limit_s)))).one()
            if n and n >= rule.param("threshold"):
                age = (now - from_db(_as_datetime(oldest))).total_seconds()
                findings.append(Finding(f"{key}/{state}", float(n), (
                    f"{n} instance(s) of {key} in {state!r} longer than "
                    f"{rule.param('factor'):g} times its p95 of {_span(p95)}; the oldest for "
                    f"{_span(age)}")))
    return findings


def open_breakers(conn: Connection, rule: r.Rule) -> list[Finding]:
    b = breakers
    query = select(b.c.name, b.c.state, b.c.failures).where(b.c.state != "closed")
    if rule.param("breaker"):
        query = query.where(b.c.name == rule.param("breaker"))
    return [Finding(name, float(failures), f"circuit breaker {name!r} is {state} after "
                    f"{failures} failure(s) in a row")
            for name, state, failures in conn.execute(query.order_by(b.c.name))]


def record_backlog(conn: Connection, now: datetime, due: int, kept_s: float) -> None:
    """Keep this evaluation's backlog reading, and forget those no rule can look back to."""
    s = alert_samples
    conn.execute(s.delete().where(s.c.metric == BACKLOG,
                                  s.c.at < to_db(now - timedelta(seconds=kept_s))))
    at = to_db(now)
    if conn.execute(select(s.c.at).where(s.c.metric == BACKLOG, s.c.at == at)).first() is None:
        conn.execute(s.insert().values(metric=BACKLOG, at=at, value=due))


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _span(seconds: float) -> str:
    """A duration as people say it: 45 s, 5 min, 2.5 h, 3 d."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h".replace(".0 h", " h")
    return f"{seconds / 86400:.1f} d".replace(".0 d", " d")
