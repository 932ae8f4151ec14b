"""The human-task tables, on the store's shared metadata so `open_store` creates them.

`tasks` is the inbox: one row per visit of a human state (id = `instance:entered_seq`).
`task_metrics` keeps claim and completion times per definition, state and role as they
happen, so dashboards read a few rows instead of scanning the log.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from runtime.store.schema import metadata

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
PRIORITIES = ("low", "normal", "high", "urgent")

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("instance_id", String(36), nullable=False),
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state_id", String(64), nullable=False),
    Column("entered_seq", Integer, nullable=False),
    Column("name", Text),
    Column("role", Text, nullable=False),
    Column("original_role", Text, nullable=False),
    Column("assignee", Text),
    Column("delegated_by", Text),
    Column("priority", String(8), nullable=False),
    Column("priority_rank", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("escalate_to", Text),
    Column("allow_delegation", Boolean, nullable=False, default=True),
    Column("form", JSON, nullable=False),
    Column("outcomes", JSON, nullable=False),
    Column("due_at", DateTime),
    Column("created_at", DateTime, nullable=False),
    Column("claimed_at", DateTime),
    Column("completed_at", DateTime),
    Column("completed_by", Text),
    Column("outcome", Text),
    Index("ix_tasks_inbox", "status", "role"),
    Index("ix_tasks_assignee", "assignee"),
    Index("ix_tasks_due", "status", "due_at"),
    Index("ix_tasks_instance", "instance_id"),
)

task_metrics = Table(
    "task_metrics",
    metadata,
    Column("definition_key", String(64), nullable=False),
    Column("state_id", String(64), nullable=False),
    Column("role", String(128), nullable=False),
    Column("created_count", Integer, nullable=False, default=0),
    Column("claimed_count", Integer, nullable=False, default=0),
    Column("claim_seconds_sum", Float, nullable=False, default=0.0),
    Column("claim_seconds_max", Float, nullable=False, default=0.0),
    Column("completed_count", Integer, nullable=False, default=0),
    Column("complete_seconds_sum", Float, nullable=False, default=0.0),
    Column("complete_seconds_max", Float, nullable=False, default=0.0),
    Column("escalated_count", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("definition_key", "state_id", "role"),
)

# Out of office (runtime/people/tasks/absence.py): one period per user. While it runs, a task
# assigned to the user goes to `delegate_to`, or back to its role's queue when that is NULL.
absences = Table(
    "absences",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("delegate_to", String(128)),
    Column("set_by", Text),
    Column("set_at", DateTime, nullable=False),
    Index("ix_absences_period", "ends_at", "starts_at"),
)

# Saved inbox views (runtime/people/tasks/saved_views.py): a user's named filter and search.
saved_views = Table(
    "saved_views",
    metadata,
    Column("username", String(128), nullable=False),
    Column("name", String(80), nullable=False),
    Column("filters", JSON, nullable=False),
    Column("saved_at", DateTime, nullable=False),
    PrimaryKeyConstraint("username", "name"),
)
