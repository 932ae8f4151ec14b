"""Notification channels (where to send, per role or definition) and the outbox.

An outbox row is written in the transaction that changed the task, so a notification exists
exactly when the change does; delivery marks it `delivered` in the transaction that records
the receiver's 2xx, so an acknowledged message is never sent again.
"""

from __future__ import annotations

from sqlalchemy import JSON, Column, DateTime, Index, Integer, String, Table, Text

from runtime.store.schema import metadata

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
FORMATS = ("webhook", "slack", "teams", "email")
SCOPES = ("role", "definition", "alert")

notification_channels = Table(
    "notification_channels",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("scope", String(16), nullable=False),  # "role" | "definition" | "alert"
    # the role name, definition key, or alert rule name ("*": every rule)
    Column("target", String(128), nullable=False),
    Column("format", String(16), nullable=False),  # "webhook" | "slack" | "teams" | "email"
    Column("url", Text, nullable=False),  # an http(s) URL; for "email" mailto:addresses
    Column("created_at", DateTime, nullable=False),
    Index("ix_notification_channels_target", "scope", "target"),
)

notification_outbox = Table(
    "notification_outbox",
    metadata,
    Column("id", String(36), primary_key=True),  # also the X-Statewright-Delivery header
    Column("channel_id", String(36), nullable=False),
    Column("url", Text, nullable=False),
    Column("format", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("task_id", String(80), nullable=False),  # the task, or "alert:<rule name>"
    Column("body", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("leased_by", Text),
    Column("lease_until", DateTime),
    Column("last_error", Text),
    Column("response_status", Integer),
    Column("created_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
    Index("ix_notification_outbox_due", "status", "next_attempt_at"),
)
