"""Tables of the resilience features: circuit-breaker state per group, shared by all workers.

Kept apart from `schema.py` but on the same `metadata`, so a fresh database gets them too.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table

from runtime.store.schema import metadata

# One row per breaker group that has ever failed. `open_until` is when an open breaker lets a
# trial call through (half-open); `trial_until` bounds that trial so a crashed worker's trial
# does not keep the breaker half-open for ever.
breakers = Table(
    "breakers",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("open_until", DateTime),
    Column("trial_until", DateTime),
    Column("changed_at", DateTime, nullable=False),
)

# Bulkheads: one row per action run holding a slot of its action's `concurrency`. A slot
# whose `until` passed belonged to a crashed worker and is free again.
bulkhead_slots = Table(
    "bulkhead_slots",
    metadata,
    Column("job_id", String(80), primary_key=True),
    Column("action", String(128), nullable=False, index=True),
    Column("until", DateTime, nullable=False),
)
