"""Sections drawn from the event log: who did what when, operator actions with their
reasons, and the sensitive values people set or erased. No value of a variable is shown:
only what happened, to which instance, and variable names."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from runtime.compliance.log_reads import SensitiveNames, scoped_events
from runtime.compliance.model import Scope, Section, capped
from runtime.core import events as ev
from runtime.people.tasks.model import TASK_COMPLETED

OPERATOR_ACTS = {
    ev.SUSPENDED: "suspend", ev.RESUMED: "resume", ev.RETRIED: "retry", ev.MOVED: "move",
    ev.MIGRATED: "migrate", ev.ROLLBACK_REQUESTED: "rollback", ev.ERASED: "erase",
    ev.CANCELLED: "cancel", ev.VARIABLES_SET: "set-vars",
}
# Keys of event data that say what happened without carrying a variable's value.
DESCRIBING = ("from", "to", "event", "outcome", "assignee", "to_user", "to_role", "status",
              "to_version")


def activity(conn: Connection, scope: Scope) -> Section:
    rows = [{"at": e["at"], "actor": e["actor"], "definition": e["definition"],
             "instance": e["instance"], "event": e["type"], "what": _what(e)}
            for e in scoped_events(conn, scope, with_actor=True)]
    kept, cut = capped(rows)
    return Section("activity", "Activity",
                   "Every event a named actor caused in the period, oldest first",
                   ("at", "actor", "definition", "instance", "event", "what"), kept, cut)


def operator_actions(conn: Connection, scope: Scope) -> Section:
    rows = []
    for e in scoped_events(conn, scope, OPERATOR_ACTS):
        if "reason" not in e["data"]:  # a cancel or set-vars by a step, not by an operator
            continue
        rows.append({"at": e["at"], "actor": e["actor"], "definition": e["definition"],
                     "instance": e["instance"], "action": OPERATOR_ACTS[e["type"]],
                     "reason": e["data"]["reason"], "detail": _operator_detail(e)})
    kept, cut = capped(rows)
    return Section("operator_actions", "Operator actions",
                   "Suspend, resume, cancel, retry, move, set variables, migrate, rollback "
                   "and erase, each with the reason the operator gave",
                   ("at", "actor", "definition", "instance", "action", "reason", "detail"),
                   kept, cut)


def sensitive_changes(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Sensitive values people set (operator set-vars, task forms) or erased."""
    names = SensitiveNames(conn)
    rows = []
    for e in scoped_events(conn, scope, (ev.ERASED, ev.VARIABLES_SET, TASK_COMPLETED)):
        data, sensitive = e["data"], names.of(e["definition"], e["version"])
        if e["type"] == ev.ERASED:
            access, touched = "erase", list(data.get("erased", []))
        elif e["type"] == ev.VARIABLES_SET and "reason" in data:
            access, touched = "set by an operator", sorted(sensitive & set(data["values"]))
        elif e["type"] == TASK_COMPLETED:
            access, touched = "entered in a task form", sorted(sensitive & set(
                data.get("fields", [])))
        else:
            continue
        if touched or e["type"] == ev.ERASED:
            rows.append({"at": e["at"], "actor": e["actor"], "access": access,
                         "definition": e["definition"], "instance": e["instance"],
                         "variables": ", ".join(touched), "reason": data.get("reason", "")})
    return rows


def _what(e: dict[str, Any]) -> str:
    data = e["data"]
    if e["type"] == ev.TRANSITION:
        on = f" on {data['event']}" if data.get("event") else ""
        return f"{data.get('from') or '(new)'} -> {data.get('to')}{on}"
    if e["type"] == ev.INSTANCE_STARTED:
        return f"started (business key {e['business_key']})" if e["business_key"] else "started"
    parts = [f"{k}={data[k]}" for k in DESCRIBING if data.get(k) not in (None, "")]
    if "reason" in data:
        parts.append(f"reason: {data['reason']}")
    return "; ".join(parts)


def _operator_detail(e: dict[str, Any]) -> str:
    data = e["data"]
    if e["type"] == ev.MOVED:
        return f"{data.get('from')} -> {data.get('to')}"
    if e["type"] == ev.VARIABLES_SET:
        return "variables: " + ", ".join(sorted(data.get("values", {})))
    if e["type"] == ev.MIGRATED:
        return f"v{data.get('from_version')} -> v{data.get('to_version')}"
    if e["type"] == ev.ERASED:
        return "erased: " + ", ".join(data.get("erased", []))
    return ""
