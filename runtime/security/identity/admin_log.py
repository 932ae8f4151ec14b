"""The record of administrative acts on accounts and tokens: who did what to whom, when.

Append-only: rows are inserted by `IdentityService.record_admin_act` and read back newest
first; nothing updates or deletes them. Secrets (passwords, tokens) never go in `detail`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from runtime.security.identity.tables import admin_acts

MAX_DETAIL_LENGTH = 1000


@dataclass(frozen=True)
class AdminAct:
    """One administrative act: `actor` did `action` (e.g. `user.create`) to `target`."""

    at: datetime
    actor: str
    action: str
    target: str
    detail: str


def insert_act(
    conn: Connection, at: datetime, actor: str, action: str, target: str, detail: str
) -> None:
    conn.execute(
        insert(admin_acts).values(
            at=at, actor=actor, action=action, target=target, detail=detail[:MAX_DETAIL_LENGTH]
        )
    )


def select_acts(conn: Connection, limit: int) -> list[AdminAct]:
    rows = conn.execute(select(admin_acts).order_by(admin_acts.c.act_id.desc()).limit(limit))
    return [AdminAct(row.at, row.actor, row.action, row.target, row.detail) for row in rows]
