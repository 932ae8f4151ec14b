"""`keys rotate` and `keys status`: re-wrapping data keys under the active KEK.

Rotation runs online beside serving processes: each batch is one short transaction, and a
row is only updated while it still holds the wrapped key that was read (an erasure or an
earlier rotation in between wins). It is resumable by construction: a row already under the
active KEK is never selected again, so a stopped rotation continues where it stopped. DEKs
themselves do not change, so the values they seal and every cached DEK stay valid.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from runtime.core.clock import to_db
from runtime.core.errors import EngineError
from runtime.security.keys.ring import KeyRing
from runtime.store import schema as t
from runtime.store.base import Store

Progress = Callable[[int, int], None]  # (re-wrapped so far, total to do)


@dataclass
class RotationReport:
    active: str
    total: int
    rewrapped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # instance id -> why

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "active": self.active, "total": self.total,
                "rewrapped": self.rewrapped, "failed": self.failed}


def rotate(store: Store, ring: KeyRing, now: Callable[[], datetime], batch: int = 500,
           progress: Progress | None = None) -> RotationReport:
    """Re-wrap every DEK not under the active KEK; failures are reported, not fatal."""
    d = t.data_keys
    active = ring.active.id
    pending = (d.c.wrapped.is_not(None), d.c.kek_id != active)
    with store.read() as conn:
        total = conn.execute(select(func.count()).select_from(d).where(*pending)).scalar_one()
    report = RotationReport(active, total)
    after = ""
    while True:
        with store.read() as conn:
            rows = conn.execute(select(d.c.instance_id, d.c.kek_id, d.c.wrapped)
                                .where(*pending, d.c.instance_id > after)
                                .order_by(d.c.instance_id).limit(batch)).all()
        if not rows:
            return report
        after = rows[-1].instance_id
        updates = []
        for row in rows:
            context = row.instance_id.encode()
            try:
                dek = ring.unwrap(row.kek_id, base64.b64decode(row.wrapped), context)
            except EngineError as exc:
                report.failed[row.instance_id] = exc.message
                continue
            _, wrapped = ring.wrap(dek, context)
            updates.append((row, base64.b64encode(wrapped).decode()))
        with store.write() as conn:
            for row, wrapped in updates:
                report.rewrapped += conn.execute(update(d).where(
                    d.c.instance_id == row.instance_id, d.c.wrapped == row.wrapped,
                ).values(kek_id=active, wrapped=wrapped, rewrapped_at=to_db(now()))).rowcount
        if progress is not None:
            progress(report.rewrapped, total)


def status(store: Store, ring: KeyRing) -> dict[str, Any]:
    """How many DEKs each KEK wraps, how many were erased, and which KEKs are missing."""
    d = t.data_keys
    with store.read() as conn:
        counts = conn.execute(select(d.c.kek_id, func.count()).where(
            d.c.wrapped.is_not(None), d.c.instance_id != t.LEGACY_DATA_KEY)
            .group_by(d.c.kek_id)).all()
        erased = conn.execute(select(func.count()).select_from(d).where(
            d.c.erased_at.is_not(None))).scalar_one()
        legacy = conn.execute(select(d.c.kek_id).where(
            d.c.instance_id == t.LEGACY_DATA_KEY)).scalar()
    wraps = {kek: n for kek, n in sorted(counts)}
    for kek in ring.keks:
        wraps.setdefault(kek, 0)
    return {"active": next(iter(ring.keks), None), "ring": list(ring.keks), "keks": wraps,
            "erased": erased, "legacy_keys_wrapped_by": legacy,
            "missing": sorted(k for k in wraps if k not in ring.keks)}
