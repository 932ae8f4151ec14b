"""The alert tables, on the store's metadata so `create_schema` creates them too.

`alert_rules` holds what to watch; `alerts` holds one row per (rule, subject) ever fired,
keyed so that a condition seen by two evaluators at once is one alert and one notification.
`alert_failures` counts failed action attempts per definition and UTC minute (the error-rate
rule reads it), `alert_failure_totals` the running totals behind the Prometheus counter,
`alert_samples` the backlog readings the growth rule compares, and `alert_evaluator` the
lease that lets one process evaluate at a time.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from runtime.store.schema import metadata

FIRING, RESOLVED = "firing", "resolved"

alert_rules = Table(
    "alert_rules",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("definition", String(64)),  # None: every definition
    Column("params", JSON, nullable=False),  # window_s, baseline_s, factor, threshold, ...
    Column("created_at", DateTime, nullable=False),
    Column("created_by", Text),
)

alerts = Table(
    "alerts",
    metadata,
    Column("rule_id", String(36), nullable=False),
    Column("subject", String(200), nullable=False),  # what fired: a definition, state, breaker
    Column("status", String(16), nullable=False),  # firing | resolved
    Column("since", DateTime, nullable=False),  # when it last started firing
    Column("value", Float, nullable=False),
    Column("message", Text, nullable=False),
    Column("last_notified_at", DateTime),
    Column("resolved_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
    PrimaryKeyConstraint("rule_id", "subject"),
)

alert_failures = Table(
    "alert_failures",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("minute", DateTime, nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("definition_key", "minute"),
)

alert_failure_totals = Table(
    "alert_failure_totals",
    metadata,
    Column("definition_key", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

alert_samples = Table(
    "alert_samples",
    metadata,
    Column("metric", String(32), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("value", Float, nullable=False),
    PrimaryKeyConstraint("metric", "at"),
)

alert_evaluator = Table(
    "alert_evaluator",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("due_at", DateTime, nullable=False),
    Column("leased_by", Text),
)
