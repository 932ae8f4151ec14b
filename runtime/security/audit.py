"""Verifying the event log: each instance's hash chain, seq order and projection.

Any edit, deletion or reordering of event rows breaks a recomputed hash, a seq, a
`prev_hash` link, or the instance's recorded tail (`last_seq`, `last_hash`); the report names
the first broken instance and seq. A log rebuilt with a recomputed chain, a deleted tail with
its instance row adjusted, or a whole deleted instance pass these checks: only a signed
checkpoint kept outside the database catches them (`checkpoints.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import Any

from sqlalchemy import select

from runtime.core.events import GENESIS_HASH, canonical, chain_hash
from runtime.core.step import replay
from runtime.store import schema as t
from runtime.store.base import Store, snapshot_of

_BATCH = 2000


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
        if self.instance_id is None:
            return f"broken: {self.problem}"
        return f"broken: instance {self.instance_id} at seq {self.seq}: {self.problem}"

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "instances": self.instances, "events": self.events,
                "instance_id": self.instance_id, "seq": self.seq, "problem": self.problem,
                "message": self.summary()}


def verify(store: Store, expected: Mapping[str, tuple[int, str]] | None = None) -> AuditReport:
    """Check every instance's log in one pass over both tables, on one snapshot.

    `expected` maps instance ids to the `(seq, hash)` a signed checkpoint recorded: each of
    them must still exist and its log must still pass through that event (it may have grown).
    """
    instances = events = 0
    seen: set[str] = set()
    with store.read() as conn:
        instance_id, event_id = t.instances.c.id, t.events.c.instance_id
        if store.dialect == "postgresql":  # both queries on one snapshot, ids in Python's order
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            instance_id, event_id = instance_id.collate("C"), event_id.collate("C")
        rows = conn.execute(select(t.instances).order_by(instance_id)
                            .execution_options(yield_per=_BATCH))
        logs = groupby(conn.execute(select(t.events).order_by(event_id, t.events.c.seq)
                                    .execution_options(yield_per=_BATCH)),
                       key=attrgetter("instance_id"))
        pending = next(logs, None)
        for row in rows:
            log: list[Any] = []
            while pending is not None and pending[0] <= row.id:
                if pending[0] < row.id:
                    return AuditReport(False, instances, events, pending[0], 1,
                                       "events of an instance that has no instance row")
                log = list(pending[1])
                pending = next(logs, None)
            problem = None
            if expected is not None and row.id in expected:
                problem = _extends(log, *expected[row.id])
            problem = problem or check_instance(row, log)
            if problem is not None:
                seq, reason = problem
                return AuditReport(False, instances, events, row.id, seq, reason)
            seen.add(row.id)
            instances += 1
            events += len(log)
        if pending is not None:
            return AuditReport(False, instances, events, pending[0], 1,
                               "events of an instance that has no instance row")
    for instance_id in sorted(set(expected or ()) - seen):
        seq = expected[instance_id][0]  # type: ignore[index]
        return AuditReport(False, instances, events, instance_id, seq,
                           "the checkpoint records this instance but it is gone from the "
                           "database (deleted without a signed purge record)")
    return AuditReport(True, instances, events)


def _extends(log: list[Any], seq: int, digest: str) -> tuple[int, str] | None:
    """Why `log` does not pass through event `seq` with hash `digest`, or None."""
    if len(log) < seq:
        return len(log) + 1, (f"the checkpoint recorded {seq} events but the log ends at seq "
                              f"{len(log)} (its last events were deleted)")
    if log[seq - 1].hash != digest:
        return seq, ("the event's hash differs from the one the checkpoint recorded (the log "
                     "was edited, reordered or rebuilt with a recomputed chain)")
    return None


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
