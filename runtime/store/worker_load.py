"""The measured load of each worker, one row per worker and sample: what capacity is read from.

A `Runner` writes a row every `sample_s` (a minute by default) with what it did since the last
one: jobs finished, the time its threads spent running them, its thread count and the due
backlog it saw. The capacity dashboard sums these over workers (`runtime.analytics.capacity`).
Rows older than `KEEP_DAYS` are deleted by the runners as they write.
"""

from __future__ import annotations

from sqlalchemy import (
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

KEEP_DAYS = 14

worker_load = Table(
    "worker_load",
    metadata,
    Column("worker_id", String(200), nullable=False),
    Column("at", DateTime, nullable=False),  # the end of the sampled period
    Column("period_us", BigInteger, nullable=False),  # its length
    Column("threads", Integer, nullable=False),
    Column("jobs", Integer, nullable=False),
    Column("busy_us", BigInteger, nullable=False),  # summed over the threads
    Column("due", Integer, nullable=False),  # jobs due and not yet leased, at `at`
    PrimaryKeyConstraint("worker_id", "at"),
    Index("ix_worker_load_at", "at"),
)
