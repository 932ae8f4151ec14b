"""Sections drawn from the identity record of admin acts: role grants, user and token
changes, subscriptions, and the reads of sensitive values in the clear (`sensitive.read`,
recorded by whoever reveals them, e.g. `statewright show`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, inspect, select

from runtime.compliance.model import Scope
from runtime.security.identity.tables import admin_acts

SENSITIVE_READ = "sensitive.read"


def acts(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Every admin act in the period, oldest first. Admin acts belong to no definition, so
    the definition filter does not apply (a subscription's act names it in `detail`)."""
    if not inspect(conn).has_table(admin_acts.name):  # no user was ever managed here
        return []
    rows = conn.execute(select(admin_acts).where(
        admin_acts.c.at >= scope.since, admin_acts.c.at < scope.until,
    ).order_by(admin_acts.c.at, admin_acts.c.act_id))
    return [{"at": r.at, "actor": r.actor, "action": r.action, "target": r.target,
             "detail": r.detail} for r in rows]

