"""Verifying the event log: each instance's hash chain, seq order and projection.

Any edit, deletion or reordering of event rows breaks a recomputed hash, a seq, a
`prev_hash` link, or the instance's recorded tail (`last_seq`, `last_hash`); the report names
the first broken instance and seq.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runtime.core.events import GENESIS_HASH, canonical, chain_hash
from runtime.core.step import replay
from runtime.store.base import Store, snapshot_of


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    instances: int
    events: int
    instance_id: str | None = None
    seq: int | None = None
    problem: str | None = None

    def summary(self) -> str:
        if self.ok:
            return f"ok, {self.instances} instances, {self.events} events verified"
        return f"broken: instance {self.instance_id} at seq {self.seq}: {self.problem}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "instances": self.instances, "events": self.events,
                "instance_id": self.instance_id, "seq": self.seq, "problem": self.problem,
                "message": self.summary()}


def verify(store: Store) -> AuditReport:
    instances = events = 0
    with store.read() as conn:
        ids = list(store.all_instance_ids(conn))
    for instance_id in ids:
        with store.read() as conn:
            row = store.instance_row(conn, instance_id)
            rows = store.event_rows(conn, instance_id)
        problem = check_instance(row, rows)
        if problem is not None:
            seq, reason = problem
            return AuditReport(False, instances, events, instance_id, seq, reason)
        instances += 1
        events += len(rows)
    return AuditReport(True, instances, events)


def check_instance(row: Any, rows: list[Any]) -> tuple[int, str] | None:
    """`(seq, reason)` of the first break in one instance's log, or None when intact."""
    prev = GENESIS_HASH
    for expected, event in enumerate(rows, start=1):
        if event.seq != expected:
            return expected, f"event seq {expected} is missing (found seq {event.seq} next)"
        if event.prev_hash != prev:
            return event.seq, "prev_hash does not match the previous event's hash"
        body = canonical(row.id, event.seq, event.type, event.data, event.actor, event.at)
        if chain_hash(prev, body) != event.hash:
            return event.seq, "the event's content does not match its hash (edited or moved)"
        prev = event.hash
    if row.last_seq != len(rows) or row.last_hash != prev:
        return len(rows) + 1, (f"the log ends at seq {len(rows)} but the instance records "
                               f"{row.last_seq} events (events deleted?)")
    replayed = replay(row.id, [(e.seq, e.type, e.data) for e in rows])
    stored = snapshot_of(row)
    if (replayed.state, replayed.status, replayed.variables) != (
            stored.state, stored.status, stored.variables):
        return row.last_seq, "the instance row does not match a replay of its log"
    return None
