"""The tables of the store (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Timestamps are naive UTC (`runtime.core.clock.to_db`). Events are append-only and unique on
`(instance_id, seq)`, which is what makes concurrent writers to one instance collide loudly.
The JSON columns that grow with the data (instance variables, event data, job payloads,
idempotent results) are `CompressedJSON`: large values are stored zstd-compressed
(`compression.py`); the column is still JSON in the database.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from runtime.store.compression import CompressedJSON

metadata = MetaData()

definitions = Table(
    "definitions",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name", Text),
    Column("created_at", DateTime, nullable=False),
)

definition_versions = Table(
    "definition_versions",
    metadata,
    Column("key", String(64), ForeignKey("definitions.key"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("document", JSON, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("published_by", Text),
    PrimaryKeyConstraint("key", "version"),
    UniqueConstraint("key", "content_hash", name="uq_definition_versions_content"),
)

drafts = Table(
    "drafts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("document", JSON, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", Text),
)

instances = Table(
    "instances",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("definition_key", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(64)),
    Column("status", String(16), nullable=False),
    Column("variables", CompressedJSON(peek=True), nullable=False),
    # Seq of the event that entered `state`: jobs scheduled there carry it, so a late timer or
    # action result for an earlier visit of the same state is recognised as stale.
    Column("entered_seq", Integer, nullable=False),
    # The parallel branches while the instance runs some (`runtime.core.step.Branch` as JSON),
    # else NULL: each names its state and the visit (`entered_seq`) its jobs carry.
    Column("branches", JSON(none_as_null=True)),
    Column("row_version", Integer, nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("business_key", Text),
    Column("parent_id", String(36)),
    Column("started_by", Text),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    ForeignKeyConstraint(
        ["definition_key", "version"], ["definition_versions.key", "definition_versions.version"]
    ),
    Index("ix_instances_definition_status", "definition_key", "status"),
    Index("ix_instances_business_key", "business_key"),
    Index("ix_instances_status", "status"),
    # No index on the columns every transition changes (state, variables, updated_at): that
    # keeps PostgreSQL's updates of the hot row HOT (heap-only, no index writes).
)

events = Table(
    "events",
    metadata,
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("type", String(32), nullable=False),
    Column("data", CompressedJSON(), nullable=False),
    Column("actor", Text),
    Column("at", DateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    PrimaryKeyConstraint("instance_id", "seq"),
)

# One row per scheduled piece of work: an action run (`kind="action"`) or a timer
# (`kind="timer"`). `attempt`, `run_at` and `last_error` carry retries across restarts;
# `leased_by`/`lease_until` let another worker take over after a crash.
jobs = Table(
    "jobs",
    metadata,
    Column("id", String(80), primary_key=True),
    Column("instance_id", String(36), ForeignKey("instances.id"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("run_at", DateTime, nullable=False),
    Column("attempt", Integer, nullable=False, default=0),
    Column("leased_by", Text),
    Column("lease_until", DateTime),
    Column("payload", CompressedJSON(), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Index("ix_jobs_due", "state", "run_at"),
    Index("ix_jobs_instance", "instance_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(80), nullable=False),
    Column("key", String(200), nullable=False),
    Column("result", CompressedJSON(), nullable=False),
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("scope", "key"),
)

# Engine-wide secrets, e.g. the generated sealing key when STATEWRIGHT_SECRET_KEY is unset.
secrets = Table(
    "secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

# One data key (DEK) per instance with sensitive values, stored only wrapped by a KEK of the
# key ring (`runtime/security/keys/`); the KEK itself is never stored. Erasure (crypto-
# shredding) clears `wrapped` and sets `erased_at`. No foreign key: the row of the legacy
# (pre-envelope) Fernet keys, `LEGACY_DATA_KEY`, belongs to no instance.
data_keys = Table(
    "data_keys",
    metadata,
    Column("instance_id", String(36), primary_key=True),
    Column("kek_id", String(64)),
    Column("wrapped", Text),
    Column("created_at", DateTime, nullable=False),
    Column("rewrapped_at", DateTime),
    Column("erased_at", DateTime),
    Index("ix_data_keys_kek", "kek_id"),
)
LEGACY_DATA_KEY = "legacy-fernet"

JOB_READY = "ready"
JOB_LEASED = "leased"
JOB_DONE = "done"
JOB_CANCELLED = "cancelled"

# Retention (runtime/security/retention): days to keep a finished instance, per definition
# key, or for every other definition under the key "*".
retention_policies = Table(
    "retention_policies",
    metadata,
    Column("definition_key", String(64), primary_key=True),
    Column("keep_days", Integer, nullable=False),
    Column("updated_by", Text),
    Column("updated_at", DateTime, nullable=False),
)

# A legal hold keeps an instance (scope "instance") or every instance of a definition
# (scope "definition") from being purged until it is removed.
legal_holds = Table(
    "legal_holds",
    metadata,
    Column("scope", String(16), nullable=False),
    Column("target", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("placed_by", Text),
    Column("placed_at", DateTime, nullable=False),
    PrimaryKeyConstraint("scope", "target"),
)

# One row per purged instance: its log's head when it was archived, where the archive went,
# who purged it. The rows form their own hash chain and each is signed (Ed25519), so a signed
# checkpoint can tell a purge from a deletion (runtime/security/checkpoints.py).
purges = Table(
    "purges",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("instance_id", String(36), nullable=False, unique=True),
    Column("definition_key", String(64), nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("archive", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text),
    Column("purged_at", DateTime, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("signature", Text, nullable=False),
)
