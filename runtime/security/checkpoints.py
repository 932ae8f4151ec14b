"""Signed checkpoints of the log's head, kept outside the database as a witness.

A checkpoint lists, per instance, the seq and hash of its newest event, and the head of the
purge records; it is signed with Ed25519 (`signing.py`). A later log *extends* it when every
listed instance still has that event with that hash at that seq (it may have more), or was
purged with a signed record at or past that point, and the purge records still pass through
the recorded head. Editing, reordering or deleting events, rebuilding an instance with a
recomputed chain, or deleting a whole instance all break that, even though the plain SHA-256
chain inside the database can be recomputed to look intact.

Per-instance heads rather than one Merkle root: verification then names the instance that
changed, and a checkpoint costs about 110 bytes per instance.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from runtime.core.clock import to_db
from runtime.core.errors import EngineError
from runtime.security import audit
from runtime.security.retention import records
from runtime.security.signing import sign, signature_problem
from runtime.store import schema as t
from runtime.store.base import Store

FORMAT = "statewright-checkpoint/1"


class CheckpointUnreadable(EngineError):
    """The checkpoint file cannot be read or is not a checkpoint (bad input, not tampering)."""

    code = "checkpoint-unreadable"
    status = 400


def take(store: Store, key: Ed25519PrivateKey, now: datetime) -> dict[str, Any]:
    """A signed checkpoint of the current head of every instance's log and of the purges."""
    i = t.instances
    with store.read() as conn:
        if store.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        heads = {row.id: [row.last_seq, row.last_hash] for row in conn.execute(
            select(i.c.id, i.c.last_seq, i.c.last_hash).order_by(i.c.id)
            .execution_options(yield_per=5000))}
        purge_count, purge_hash = records.head(conn)
    return sign({
        "format": FORMAT,
        "taken_at": to_db(now).isoformat(timespec="seconds") + "Z",
        "instances": len(heads),
        "events": sum(seq for seq, _ in heads.values()),
        "heads": heads,
        "purges": {"count": purge_count, "hash": purge_hash},
    }, key)


def write(document: dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".checkpoint-", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(document, out, separators=(",", ":"))
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)


def load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise CheckpointUnreadable(f"cannot read checkpoint {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointUnreadable(f"checkpoint {path} is not JSON: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointUnreadable(f"{path} is not a statewright checkpoint "
                                   f"(no \"format\": \"{FORMAT}\")")
    heads, purges = document.get("heads"), document.get("purges")
    if not isinstance(heads, dict) or not isinstance(purges, dict) or not all(
            isinstance(head, list) and len(head) == 2 for head in heads.values()):
        raise CheckpointUnreadable(f"checkpoint {path} lacks its heads or purge head")
    return document


def verify(store: Store, checkpoint: dict[str, Any], key: Ed25519PublicKey) -> audit.AuditReport:
    """Whether the log is intact and still extends `checkpoint` (signed with `key`)."""
    problem = signature_problem(checkpoint, key)
    if problem is not None:
        return audit.AuditReport(False, 0, 0,
                                 problem=f"the checkpoint cannot be trusted: {problem}")
    with store.read() as conn:
        try:
            purged = records.verified(conn, key)
        except records.PurgeRecordsBroken as exc:
            return audit.AuditReport(False, 0, 0, problem=str(exc))
    count, digest = checkpoint["purges"]["count"], checkpoint["purges"]["hash"]
    if purged.count < count:
        return audit.AuditReport(False, 0, 0, problem=(
            f"the checkpoint recorded {count} purge records, the database holds {purged.count} "
            "(purge records deleted)"))
    expected: dict[str, tuple[int, str]] = {}
    for instance_id, (seq, head_hash) in checkpoint["heads"].items():
        gone = purged.heads.get(instance_id)
        if gone is None:
            expected[instance_id] = (seq, head_hash)
        elif gone[0] < seq or (gone[0] == seq and gone[1] != head_hash):
            return audit.AuditReport(False, 0, 0, instance_id, seq, (
                "the instance's purge record does not continue the log the checkpoint recorded"))
    if count and purged.hashes[count - 1] != digest:
        return audit.AuditReport(False, 0, 0, problem=(
            f"purge record {count} differs from the one the checkpoint recorded"))
    return audit.verify(store, expected)
