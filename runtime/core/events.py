"""Event types of the instance log, their canonical encoding, and the hash chain over them.

`hash = sha256(prev_hash + canonical event)`; the canonical event is sorted-key compact JSON
of instance id, seq, type, data, actor and time, so any edit, deletion or reordering of a
stored row changes some hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runtime.core.clock import to_db

GENESIS_HASH = "0" * 64

INSTANCE_STARTED = "instance_started"
TRANSITION = "transition"
VARIABLES_SET = "variables_set"
ACTION_STARTED = "action_started"
ACTION_FAILED = "action_failed"
ACTION_SUCCEEDED = "action_succeeded"
TIMER_SET = "timer_set"
TIMER_FIRED = "timer_fired"
TASK_CREATED = "task_created"
SUBPROCESS_STARTED = "subprocess_started"
SUBPROCESS_ENDED = "subprocess_ended"
# Parallel branches: a fork starts `branches` (ids) under `parent` (the token that forked, ""
# for the instance itself); a join ends them and moves `parent` on to the join.
BRANCHES_STARTED = "branches_started"
BRANCHES_JOINED = "branches_joined"
INCIDENT = "incident"
CANCELLED = "cancelled"
# Operator actions (runtime/operations/acts.py); each event carries the `status` it leaves the
# instance in (and `migrated` its `to_version`), so a replay needs no outside knowledge.
SUSPENDED = "suspended"
RESUMED = "resumed"
RETRIED = "retried"
MOVED = "moved"
MIGRATED = "migrated"
ROLLBACK_REQUESTED = "rollback_requested"
# Crypto-shredding: the instance's data key is destroyed; `erased` lists the sensitive
# variables dropped from the projection (their sealed values in the log stay unreadable).
ERASED = "erased"
# The DLP scan found personal data where no variable declares it (runtime/security/dlp.py):
# `findings` names variables and kinds, `action` is masked or flagged; it never holds a value.
DLP_FLAGGED = "dlp_flagged"
OPERATOR_EVENTS = frozenset({SUSPENDED, RESUMED, RETRIED, MOVED, MIGRATED, ROLLBACK_REQUESTED,
                             ERASED})


@dataclass(frozen=True)
class NewEvent:
    """An event the step function decided on, before it has a seq, time and hash."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """A stored event of one instance's log."""

    instance_id: str
    seq: int
    type: str
    data: dict[str, Any]
    actor: str | None
    at: datetime
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "instance_id": self.instance_id,
            "seq": self.seq,
            "type": self.type,
            "data": self.data,
            "actor": self.actor,
            "at": self.at.isoformat(),
            "hash": self.hash,
        }


# One encoder for every hashed body: `json.dumps` with options builds a new one per call.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(
    instance_id: str, seq: int, type_: str, data: dict[str, Any], actor: str | None, at: datetime
) -> bytes:
    """The bytes that are hashed: stable across databases (times as naive-UTC ISO strings)."""
    body = {
        "instance_id": instance_id,
        "seq": seq,
        "type": type_,
        "data": data,
        "actor": actor,
        "at": to_db(at).isoformat(timespec="microseconds"),
    }
    return _CANONICAL_JSON.encode(body).encode()


def chain_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + body).hexdigest()
