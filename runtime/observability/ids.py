"""Trace and span ids derived from the instance id and the log, never stored.

An instance's trace id and the id of each span follow from (instance id, what, seq, attempt),
so any worker, after any restart, continues the same trace without reading anything, and a
span recorded twice (a re-run that lost its lease, a replayed export) is the same span.
"""

from __future__ import annotations

import hashlib

SAMPLED, NOT_SAMPLED = 0x01, 0x00


def trace_id(instance_id: str) -> int:
    """The instance's trace id: hashed, not its UUID's bits, whose fixed variant bits would
    skew `traceidratio` sampling (it compares the low 64 bits with the ratio)."""
    return int.from_bytes(hashlib.sha256(b"trace/" + instance_id.encode()).digest()[:16]) or 1


def span_id(instance_id: str, *parts: object) -> int:
    """A 64-bit span id for one thing that happened to the instance (never 0)."""
    key = "/".join([instance_id, *map(str, parts)]).encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8]) or 1


def root_span(instance_id: str) -> int:
    """The instance's span, parent of its transitions."""
    return span_id(instance_id, "instance")


def event_span(instance_id: str, seq: int) -> int:
    """The span of the event `seq` of the log (a transition, a subprocess start...)."""
    return span_id(instance_id, "event", seq)


def run_span(instance_id: str, kind: str, of_seq: int, attempt: int) -> int:
    """One run of an action (`kind` "action", of the visit entered at `of_seq`) or of a
    compensation (`kind` "compensation", undoing the success logged at `of_seq`)."""
    return span_id(instance_id, kind, of_seq, attempt)


def traceparent(trace: int, span: int, sampled: bool) -> str:
    """The W3C `traceparent` header naming `span` of `trace`."""
    return f"00-{trace:032x}-{span:016x}-{SAMPLED if sampled else NOT_SAMPLED:02x}"
