"""The messaging tables, on the store's shared metadata so `open_store` creates them.

`message_subscriptions`: what a broker source starts or moves. `message_dead_letters`: the
messages that could not be applied, with the reason, kept until replayed. `outbox_routes`
and `message_outbox`: which instance events are published where, and the rows written in the
transaction of those events, delivered after it commits.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from runtime.store.schema import metadata

START, SEND = "start", "send"
ACTIONS = (START, SEND)
DEAD, REPLAYED = "dead", "replayed"
PENDING, DELIVERED = "pending", "delivered"

message_subscriptions = Table(
    "message_subscriptions",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("broker", Text, nullable=False),  # URL: nats://, amqp://, redis://, mqtt://, kafka://
    Column("source", Text, nullable=False),  # subject, queue, stream, topic
    Column("action", String(8), nullable=False),  # "start" | "send"
    Column("definition", String(64), nullable=False),
    Column("spec", JSON, nullable=False),  # event, correlate, match, expressions, group
    Column("origin", String(80), nullable=False),  # "cli", "web", "definition:<key>"
    Column("created_at", DateTime, nullable=False),
)

message_dead_letters = Table(
    "message_dead_letters",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("subscription", String(64), nullable=False),
    Column("message_key", String(200)),  # the idempotency key, when the message had one
    Column("body", Text, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("reason", String(32), nullable=False),  # malformed, unknown-correlation, refused...
    Column("detail", Text, nullable=False),
    Column("status", String(16), nullable=False),  # "dead" | "replayed"
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("subscription", "message_key", name="uq_dead_letters_message"),
    Index("ix_dead_letters_status", "status", "created_at"),
)

outbox_routes = Table(
    "message_outbox_routes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("definition", String(64), nullable=False),
    Column("event_types", JSON, nullable=False),  # [] = every event type
    Column("broker", Text, nullable=False),
    Column("destination", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

message_outbox = Table(
    "message_outbox",
    metadata,
    Column("id", String(100), primary_key=True),  # <instance>:<seq>:<route>, the broker's key
    Column("instance_id", String(36), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("route_id", String(36), nullable=False),
    Column("body", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivered, dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("lease_until", DateTime),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_message_outbox_pending", "status", "instance_id", "seq"),
)
