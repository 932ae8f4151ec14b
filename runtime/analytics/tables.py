"""Aggregate tables, on the store's metadata so a fresh database gets them too.

Every aggregate row is keyed by definition key, version and UTC hour; days are sums of
hours. Durations are integer microseconds so that sums do not depend on the order events
were folded in (a rebuild gives the very same numbers as the incremental updates).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
)

from runtime.store.schema import metadata

# kind: started | completed | failed | cancelled | cycle (finished, total = cycle time)
#       entered (state) | exited (state, total = time in state) | transition (state -> target
#       on event) | sla_breach (state and the task's original role as target, or '' for
#       the process) | variant (state = path hash) | task_created, task_claimed (total =
#       created to first claim), task_completed (total = created to done): state, target = role
counts = Table(
    "analytics_counts",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hour", DateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(64), nullable=False),
    Column("target", String(64), nullable=False),
    Column("event", String(64), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("total_us", BigInteger, nullable=False),
    PrimaryKeyConstraint("definition_key", "version", "hour", "kind", "state", "target", "event"),
    Index("ix_analytics_counts_kind", "kind", "definition_key", "hour"),
)

# kind: state_time (subject = state) | cycle (subject '') | variant (subject = path hash)
#       | task_claim, task_done (subject = role)
histograms = Table(
    "analytics_histograms",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hour", DateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("definition_key", "version", "hour", "kind", "subject", "bucket"),
    # Dashboards read one kind over a range of hours, across versions (or definitions).
    Index("ix_analytics_histograms_kind", "kind", "definition_key", "hour"),
)

# The same sketches summed per UTC day: a dashboard over weeks reads these for its whole
# days (and the hourly rows only for the ragged ends), a 24th of the rows.
histograms_daily = Table(
    "analytics_histograms_daily",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("day", DateTime, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("subject", String(64), nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("count", BigInteger, nullable=False),
    PrimaryKeyConstraint("definition_key", "version", "day", "kind", "subject", "bucket"),
    # Covering: a dashboard's read never visits the table rows.
    Index("ix_analytics_histograms_daily_kind", "kind", "definition_key", "day", "version",
          "subject", "bucket", "count"),
)

# The states a path hash stands for (the first PATH_KEPT of them, then "...").
variants = Table(
    "analytics_variants",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("hash", String(16), nullable=False),
    Column("path", JSON, nullable=False),
    PrimaryKeyConstraint("definition_key", "version", "hash"),
)

# Per instance, what the next event needs: where it is since when, and the path so far.
instances = Table(
    "analytics_instances",
    metadata,
    Column("instance_id", String(36), primary_key=True),
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(64)),
    Column("status", String(16), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("entered_at", DateTime, nullable=False),
    Column("path_hash", String(16), nullable=False),  # chained over every state entered
    Column("path", JSON, nullable=False),  # the first states, for display
    # Each parallel branch's state, since when, and its open task (`updater._Visit`), or NULL.
    Column("branches", JSON(none_as_null=True)),
)

# Per instance waiting in a human state, its task: the role whose queue holds it now, the
# role it was created for, when it was created and first claimed. Deleted when it closes.
tasks = Table(
    "analytics_tasks",
    metadata,
    Column("instance_id", String(36), primary_key=True),
    Column("state", String(64), nullable=False),
    Column("role", String(64), nullable=False),
    Column("original_role", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("claimed_at", DateTime),
)

ALL = (counts, histograms, histograms_daily, variants, instances, tasks)
