"""Storing and listing alert rules and their alerts, through a ledger (CLI, REST, web page)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select

from runtime.alerts.rules import AlertRuleExists, Rule, checked
from runtime.alerts.tables import FIRING, alert_rules, alerts
from runtime.core.clock import from_db, to_db
from runtime.core.errors import NotFound
from runtime.instances import InstanceAccess


def load_rules(conn: Connection) -> list[Rule]:
    return [_rule(row) for row in conn.execute(select(alert_rules).order_by(alert_rules.c.name))]


def list_rules(ledger: InstanceAccess) -> list[Rule]:
    with ledger.store.read() as conn:
        return load_rules(conn)


def add_rule(ledger: InstanceAccess, raw: dict[str, Any], actor: str | None = None) -> Rule:
    """Check and store a rule; `AlertRuleInvalid` or `AlertRuleExists` when it cannot be."""
    name, kind, definition, params = checked(raw)
    now = ledger.clock.now()
    rule = Rule(str(uuid.uuid4()), name, kind, definition, params, now, actor)

    def work(conn: Connection) -> None:
        if conn.execute(select(alert_rules.c.id).where(alert_rules.c.name == name)).first():
            raise AlertRuleExists(f"an alert rule named {name!r} exists; remove it first or "
                                  "choose another name", {"field": "name"})
        conn.execute(insert(alert_rules).values(
            id=rule.id, name=name, kind=kind, definition=definition, params=params,
            created_at=to_db(now), created_by=actor))

    ledger.writer.submit(work)
    return rule


def remove_rule(ledger: InstanceAccess, name_or_id: str) -> None:
    """Drop a rule (by name or id) and its alerts; nothing more is sent about them."""
    def work(conn: Connection) -> None:
        rule_id = conn.execute(select(alert_rules.c.id).where(or_(
            alert_rules.c.name == name_or_id, alert_rules.c.id == name_or_id))).scalar()
        if rule_id is None:
            raise NotFound(f"no alert rule {name_or_id!r}", {"rule": name_or_id})
        conn.execute(delete(alerts).where(alerts.c.rule_id == rule_id))
        conn.execute(delete(alert_rules).where(alert_rules.c.id == rule_id))

    ledger.writer.submit(work)


def alert_rows(conn: Connection, firing_only: bool = False) -> list[dict[str, Any]]:
    """Alerts with their rule: firing first (oldest first), then resolved (latest first)."""
    a, rr = alerts, alert_rules
    query = select(a, rr.c.name, rr.c.kind).join(rr, rr.c.id == a.c.rule_id)
    if firing_only:
        query = query.where(a.c.status == FIRING)
    rows = [{"rule": row.name, "kind": row.kind, "subject": row.subject,
             "status": row.status, "since": from_db(row.since), "value": row.value,
             "message": row.message, "last_notified_at": from_db(row.last_notified_at),
             "resolved_at": from_db(row.resolved_at)} for row in conn.execute(query)]
    firing = sorted((x for x in rows if x["status"] == FIRING),
                    key=lambda x: (x["since"], x["rule"], x["subject"]))
    resolved = sorted((x for x in rows if x["status"] != FIRING),
                      key=lambda x: (x["resolved_at"], x["rule"], x["subject"]), reverse=True)
    return firing + resolved


def alert_status(ledger: InstanceAccess, firing_only: bool = False) -> list[dict[str, Any]]:
    with ledger.store.read() as conn:
        return alert_rows(conn, firing_only)


def _rule(row: Any) -> Rule:
    return Rule(row.id, row.name, row.kind, row.definition, dict(row.params),
                from_db(row.created_at), row.created_by)
