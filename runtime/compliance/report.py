"""The compliance report: every section for one scope, from one read transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from runtime.compliance import activity, admin_acts, dlp_findings, segregation, sla
from runtime.compliance.model import ComplianceReport, Scope, Section, capped
from runtime.core.errors import NotFound
from runtime.store import schema as t

TITLES = {
    "activity": "Activity",
    "operator_actions": "Operator actions",
    "admin_acts": "Admin acts",
    "sensitive_access": "Sensitive access",
    "dlp_findings": "DLP findings",
    "segregation": "Segregation of duties",
    "sla_adherence": "SLA adherence",
    "sla_late_tasks": "Late tasks",
}


def build_report(conn: Connection, scope: Scope, now: datetime) -> ComplianceReport:
    """Raises `NotFound` when the scope names a definition that was never published."""
    if scope.definition and conn.execute(select(t.definitions.c.key).where(
            t.definitions.c.key == scope.definition)).first() is None:
        raise NotFound(f"definition {scope.definition!r} is not published",
                       {"definition": scope.definition})
    acts = admin_acts.acts(conn, scope)
    reads = [{"at": a["at"], "actor": a["actor"], "access": "read in the clear",
              "definition": "", "instance": a["target"], "variables": a["detail"],
              "reason": ""} for a in acts if a["action"] == admin_acts.SENSITIVE_READ]
    sensitive = sorted([*activity.sensitive_changes(conn, scope), *reads],
                       key=lambda r: r["at"])
    return ComplianceReport(scope, now, [
        activity.activity(conn, scope),
        activity.operator_actions(conn, scope),
        _section("admin_acts", "Role grants, users, API tokens and subscriptions changed by "
                 "admins (all definitions)", ("at", "actor", "action", "target", "detail"),
                 [a for a in acts if a["action"] != admin_acts.SENSITIVE_READ]),
        _section("sensitive_access", "Sensitive values read in the clear, set by operators "
                 "or in task forms, and erased (names only, never values)",
                 ("at", "actor", "access", "definition", "instance", "variables", "reason"),
                 sensitive),
        _section("dlp_findings", "Personal data found by the DLP scan in variables not "
                 "declared for it, and whether it was masked or stored as sent (names and "
                 "kinds only, never values)", dlp_findings.COLUMNS,
                 dlp_findings.dlp_findings(conn, scope)),
        _section("segregation", "Instances in which one person did two states of a "
                 "segregation rule", ("at", "definition", "version", "instance",
                                      "business_key", "rule", "states", "actor", "first_at"),
                 segregation.violations(conn, scope)),
        _section("sla_adherence", "Share of human-state visits and instances finished within "
                 "their sla_s (as the dashboards count them)",
                 ("definition", "state", "sla_s", "finished", "breaches", "adherence_pct"),
                 sla.adherence(conn, scope)),
        _section("sla_late_tasks", "Tasks that fell due in the period and were done late or "
                 "are still open", ("due_at", "definition", "instance", "state", "role",
                                    "status", "done_by", "done_at"),
                 sla.late_tasks(conn, scope, now)),
    ])


def _section(key: str, description: str, columns: tuple[str, ...], rows: list) -> Section:
    kept, cut = capped(rows)
    return Section(key, TITLES[key], description, columns, kept, cut)
