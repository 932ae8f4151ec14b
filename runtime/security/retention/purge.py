"""Applying retention: archive what fell due, check the archive, then purge with a record.

Nothing is deleted before its archive is on disk, flushed, and has verified against its own
signed seal. The purge transaction re-reads each instance: one that moved on, or was put on
hold since it was archived, is kept (the archive then holds a copy of it, which is harmless).
Every purge leaves a signed purge record (`records.py`) and a line in `statewright.audit`.
Several runners may apply retention at once: their purge records collide on the chain's
next seq, and the loser's transaction rolls back and deletes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, delete, select

from runtime.core.step import TERMINAL
from runtime.security import bundles
from runtime.security.retention import policies, records
from runtime.store import schema as t
from runtime.store.base import Store

log = logging.getLogger("statewright.audit")
BATCH = 500


@dataclass
class RetentionRun:
    purged: int = 0
    kept: int = 0  # changed or held between archiving and purging
    archives: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"purged": self.purged, "kept": self.kept, "archives": self.archives}


def run(store: Store, key: Ed25519PrivateKey, archive_dir: Path, now: datetime,
        actor: str = "retention", batch: int = BATCH) -> RetentionRun:
    """Archive and purge every instance due now, `batch` instances per archive file."""
    result, tried = RetentionRun(), frozenset[str]()
    archive_dir.mkdir(parents=True, exist_ok=True)
    while True:
        with store.read() as conn:
            due = policies.due(conn, now, batch, tried)
        if not due:
            return result
        tried |= {item["id"] for item in due}
        path = archive_dir / (f"statewright-archive-{now.strftime('%Y%m%dT%H%M%SZ')}-"
                              f"{len(result.archives) + 1:04d}-{due[0]['id'][:8]}.jsonl.zst")
        _archive(store, key, path, [item["id"] for item in due], now)
        with store.write() as conn:
            purged = _purge(conn, key, due, path.name, actor, now)
        result.purged += len(purged)
        result.kept += len(due) - len(purged)
        result.archives.append(str(path))
        for item in purged:
            log.info("purged instance %s of %s (%d events) by %s: %s; archived in %s",
                     item["id"], item["definition_key"], item["last_seq"], actor,
                     item["reason"], path)


def _archive(store: Store, key: Ed25519PrivateKey, path: Path, ids: list[str],
             now: datetime) -> None:
    with store.read() as conn:
        if store.dialect == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        bundles.write_file(path, bundles.lines_of(conn, ids), key, now, {"archive": path.name})
    report = bundles.verify(path, key.public_key())
    if not report.ok:  # never purge what the archive does not prove
        raise OSError(f"archive {path} does not verify after writing: {report.problem}")


def _purge(conn: Connection, key: Ed25519PrivateKey, due: list[dict[str, Any]], archive: str,
           actor: str, now: datetime) -> list[dict[str, Any]]:
    i = t.instances
    current = {row.id: row for row in conn.execute(
        select(i.c.id, i.c.status, i.c.definition_key, i.c.last_seq, i.c.last_hash)
        .where(i.c.id.in_([item["id"] for item in due])).with_for_update())}
    held_ids, held_keys = policies.held(conn)
    purged = [item for item in due if (row := current.get(item["id"])) is not None
              and row.status in TERMINAL and (row.last_seq, row.last_hash) == (
                  item["last_seq"], item["last_hash"])
              and item["id"] not in held_ids and item["definition_key"] not in held_keys]
    ids = [item["id"] for item in purged]
    if not ids:
        return []
    for table in reversed(t.metadata.sorted_tables):  # every table keyed by instance
        if "instance_id" in table.c and table is not t.purges:
            conn.execute(delete(table).where(table.c.instance_id.in_(ids)))
    conn.execute(delete(i).where(i.c.id.in_(ids)))
    records.append(conn, key, purged, archive, "retention", actor, now)
    return purged
