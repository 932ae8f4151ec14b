"""The audit benchmark: what signed checkpoints, verification, export and retention cost.

A database is filled with `instances` cases of a small process, each noted until it holds
`per_instance` events (a note is a transition and a variables event), then timed:
a signed checkpoint (and its size), `audit verify` without and with that checkpoint, the
export of one instance and its offline verification, and a retention run archiving and
purging every instance, with the archives' size and their offline verification.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from runtime.engine import Engine
from runtime.security import bundles, checkpoints
from runtime.security.retention import policies, purge
from runtime.store import schema as t

T = TypeVar("T")
FILL_THREADS = 32
CASE = {
    "schema": "statewright/v1", "key": "bench-case", "name": "Benchmark case",
    "variables": [{"name": "note", "type": "string"}, {"name": "n", "type": "integer"}],
    "states": [{"id": "opened", "type": "start"}, {"id": "open", "type": "wait"},
               {"id": "closed", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "opened", "to": "open"},
                    {"from": "open", "to": "open", "on": "note"},
                    {"from": "open", "to": "closed", "on": "close"}],
}


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, round(time.perf_counter() - started, 3)


def _fill(engine: Engine, events: int, per_instance: int) -> list[str]:
    """Sends from many threads, so the group-commit writer batches them."""
    engine.publish(CASE)

    def case(_: int) -> str:
        iid = engine.start("bench-case", {"n": 0})
        for n in range(max(1, per_instance // 2 - 2)):
            engine.send(iid, "note", {"note": f"note {n} of a case", "n": n})
        engine.send(iid, "close")
        return iid

    with ThreadPoolExecutor(FILL_THREADS) as pool:
        return list(pool.map(case, range(max(1, events // per_instance))))


def run(url: str | None = None, instances: int = 5000, per_instance: int = 20) -> dict[str, Any]:
    """Fill `url` (empty; a temporary SQLite file when None) with `instances` cases of
    `per_instance` events each (100,000 events by default) and time the audit work."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        url = url or f"sqlite:///{folder / 'audit.db'}"
        key = Ed25519PrivateKey.generate()
        with Engine(url) as engine:
            ids, fill_s = _timed(lambda: _fill(engine, instances * per_instance, per_instance))
            stored = engine.verify_audit()
            cp, checkpoint_s = _timed(lambda: checkpoints.take(engine.store, key,
                                                               engine.clock.now()))
            checkpoints.write(cp, folder / "cp.json")
            plain, verify_s = _timed(engine.verify_audit)
            report, verify_cp_s = _timed(lambda: checkpoints.verify(
                engine.store, cp, key.public_key()))
            with engine.store.read() as conn:
                lines = list(bundles.lines_of(conn, [ids[0]]))
            _, export_s = _timed(lambda: bundles.write_file(
                folder / "one.jsonl", lines, key, engine.clock.now(), {"export": ids[0]}))
            policies.set_policy(engine.store, policies.DEFAULT, 1, "bench", engine.clock.now())
            with engine.store.write() as conn:
                conn.execute(update(t.instances).values(updated_at=datetime(2000, 1, 1)))
            done, retention_s = _timed(lambda: purge.run(engine.store, key, folder / "archive",
                                                         engine.clock.now()))
            archives = [Path(p) for p in done.archives]
            checked, archive_verify_s = _timed(
                lambda: [bundles.verify(p, key.public_key()) for p in archives])
            after, verify_after_s = _timed(lambda: checkpoints.verify(
                engine.store, cp, key.public_key()))
        return {
            "url": engine.store.display_url, "instances": len(ids), "events": stored.events,
            "fill_s": fill_s, "checkpoint_s": checkpoint_s,
            "checkpoint_bytes": (folder / "cp.json").stat().st_size,
            "verify_s": verify_s, "verify_with_checkpoint_s": verify_cp_s,
            "verified": plain.ok and report.ok, "export_one_s": export_s,
            "retention_run_s": retention_s, "purged": done.purged,
            "archive_files": len(archives),
            "archive_bytes": sum(p.stat().st_size for p in archives),
            "archive_verify_s": archive_verify_s,
            "archives_verified": all(r.ok for r in checked),
            "verify_after_purge_s": verify_after_s, "verified_after_purge": after.ok,
        }
