"""The role table of SPEC §7 as data: which permission each built-in role grants.

This is the only place that says what a role may do; `Principal.can` reads it, and the API
and web pages ask `can(...)` rather than testing role names. Any role name that is not
built in is a task role: it grants `tasks.work` (see and work the human tasks assigned to
that role); which tasks a task role sees is decided by the task's assignment, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PERMISSIONS: dict[str, str] = {
    "definitions.read": "list and read definitions and their versions",
    "definitions.publish": "draw, validate and publish definitions",
    "instances.read": "list and read instances, their graphs and histories",
    "instances.start": "start instances",
    "instances.send": "send events to instances",
    "instances.operate": "operator actions: suspend, resume, cancel, retry, move, "
    "set variables, migrate, rollback",
    "variables.confidential": "see the values of `confidential` variables (others see them "
    "masked; `restricted` ones are masked for everyone)",
    "instances.erase": "erase an instance's sensitive values for good (crypto-shredding)",
    "tasks.work": "see, claim, complete and delegate human tasks",
    "dashboards.read": "read bottleneck and SLA dashboards",
    "audit.read": "read and verify the audit log",
    "compliance.read": "read and export compliance reports (who did what, admin acts, "
    "sensitive access, segregation of duties, SLA adherence)",
    "admin.users": "manage users, their roles and their API tokens",
    "admin.notifications": "configure where task notifications are sent",
    "admin.alerts": "define alert rules and see the alerts firing",
    "admin.keys": "manage encryption and signing keys",
    "admin.retention": "configure data retention and purge",
}

ADMIN, ANALYST, OPERATOR, MANAGER = "admin", "analyst", "operator", "manager"
AUDITOR = "auditor"
BUILTIN_ROLES: tuple[str, ...] = (ADMIN, ANALYST, OPERATOR, MANAGER, AUDITOR)

# Reading definitions is granted wherever instances are read: an instance graph is drawn
# from its definition, so an operator or manager who can see one must see the other.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(PERMISSIONS),
    ANALYST: frozenset({"definitions.read", "definitions.publish", "instances.read"}),
    OPERATOR: frozenset(
        {
            "definitions.read",
            "instances.read",
            "instances.start",
            "instances.send",
            "instances.operate",
            "variables.confidential",
        }
    ),
    MANAGER: frozenset({"definitions.read", "instances.read", "dashboards.read", "audit.read"}),
    # Reads everything a compliance review needs and changes nothing.
    AUDITOR: frozenset(
        {"definitions.read", "instances.read", "dashboards.read", "audit.read", "compliance.read"}
    ),
}

TASK_ROLE_PERMISSIONS: frozenset[str] = frozenset({"tasks.work"})

# Two markers the API table uses besides permissions: anyone may call a PUBLIC route (probes,
# getting a token); a SIGNED_IN route needs a valid token but no particular permission.
PUBLIC = "public"
SIGNED_IN = "signed-in"

# Every REST route under `/api/v1`, as its router declares it, and what it needs. The API
# refuses a route missing here (fail closed), and a test derived from the OpenAPI document
# checks that none is missing. Task routes need `tasks.work`; the task layer then lets a
# caller see only tasks of their roles, assigned or delegated to them.
API_PERMISSIONS: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("DELETE", "/auth/token"): SIGNED_IN,
    ("GET", "/auth/me"): SIGNED_IN,
    ("GET", "/definitions"): "definitions.read",
    ("POST", "/definitions"): "definitions.publish",
    ("GET", "/definitions/{key}"): "definitions.read",
    ("POST", "/definitions/{key}/versions"): "definitions.publish",
    ("GET", "/definitions/{key}/versions/{version}"): "definitions.read",
    ("POST", "/drafts/{key}/simulate"): "definitions.publish",
    ("POST", "/drafts/{key}/whatif"): "definitions.publish",
    ("POST", "/instances"): "instances.start",
    ("GET", "/instances"): "instances.read",
    ("GET", "/instances/{instance_id}"): "instances.read",
    ("POST", "/instances/{instance_id}/events"): "instances.send",
    ("GET", "/instances/{instance_id}/history"): "instances.read",
    ("POST", "/instances/{instance_id}/erase"): "instances.erase",
    ("GET", "/instances/{instance_id}/explain"): "instances.read",
    ("POST", "/instances/{instance_id}/{operation}"): "instances.operate",
    ("POST", "/instances/batch/{operation}"): "instances.operate",
    ("GET", "/breakers"): "instances.read",
    ("GET", "/tasks"): "tasks.work",
    ("GET", "/tasks/metrics"): "dashboards.read",
    ("GET", "/tasks/{task_id}"): "tasks.work",
    ("POST", "/tasks/{task_id}/claim"): "tasks.work",
    ("POST", "/tasks/{task_id}/unclaim"): "tasks.work",
    ("POST", "/tasks/{task_id}/complete"): "tasks.work",
    ("POST", "/tasks/{task_id}/delegate"): "tasks.work",
    ("GET", "/notification-channels"): "admin.notifications",
    ("POST", "/notification-channels"): "admin.notifications",
    ("DELETE", "/notification-channels/{channel_id}"): "admin.notifications",
    ("GET", "/audit/verify"): "audit.read",
    ("GET", "/compliance/report"): "compliance.read",
    ("GET", "/alerts"): "admin.alerts",
    ("GET", "/alerts/rules"): "admin.alerts",
    ("POST", "/alerts/rules"): "admin.alerts",
    ("DELETE", "/alerts/rules/{name}"): "admin.alerts",
    ("GET", "/alerts/prometheus"): "admin.alerts",
    # One's own mark, or anyone's with `admin.users` (checked by the route).
    ("GET", "/users/{username}/out-of-office"): SIGNED_IN,
    ("PUT", "/users/{username}/out-of-office"): SIGNED_IN,
    ("DELETE", "/users/{username}/out-of-office"): SIGNED_IN,
}


_PATH_PARAMETER = re.compile(r"\{[^}]*\}")


def _route_shape(path: str) -> str:
    return _PATH_PARAMETER.sub("{}", path.rstrip("/") or "/")


_PERMISSION_BY_ROUTE_SHAPE = {
    (method, _route_shape(path)): permission
    for (method, path), permission in API_PERMISSIONS.items()
}


def permission_for_route(method: str, path_template: str) -> str | None:
    """What a REST route needs (a permission, `PUBLIC` or `SIGNED_IN`), from its method and
    path template relative to `/api/v1`; parameter names do not matter (`/instances/{id}`
    matches `/instances/{instance_id}`). None for a route not in the table: refuse it."""
    return _PERMISSION_BY_ROUTE_SHAPE.get((method.upper(), _route_shape(path_template)))


def is_task_role(role: str) -> bool:
    """A role that is not built in names a group of people who work human tasks."""
    return role not in BUILTIN_ROLES


def permissions_for(roles: Iterable[str]) -> frozenset[str]:
    """The union of what each role grants."""
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, TASK_ROLE_PERMISSIONS)
    return frozenset(granted)


def check_permission_name(permission: str) -> str:
    """Refuse a misspelt permission loudly instead of silently denying it forever."""
    if permission not in PERMISSIONS:
        known = ", ".join(sorted(PERMISSIONS))
        raise ValueError(f"Unknown permission {permission!r}; known permissions: {known}.")
    return permission
