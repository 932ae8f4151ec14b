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
    "tasks.work": "see, claim, complete and delegate human tasks",
    "dashboards.read": "read bottleneck and SLA dashboards",
    "audit.read": "read and verify the audit log",
    "admin.users": "manage users, their roles and their API tokens",
    "admin.keys": "manage encryption and signing keys",
    "admin.retention": "configure data retention and purge",
}

ADMIN, ANALYST, OPERATOR, MANAGER = "admin", "analyst", "operator", "manager"
BUILTIN_ROLES: tuple[str, ...] = (ADMIN, ANALYST, OPERATOR, MANAGER)

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
        }
    ),
    MANAGER: frozenset({"definitions.read", "instances.read", "dashboards.read", "audit.read"}),
}

TASK_ROLE_PERMISSIONS: frozenset[str] = frozenset({"tasks.work"})

# The REST routes of SPEC §5 and the permission each needs; routes not listed here
# (`/healthz`, `/readyz`, `/metrics`) are public. Task routes need `tasks.work` and, in
# the task layer, the caller must also hold the role the task is assigned to.
API_PERMISSIONS: dict[tuple[str, str], str] = {
    ("GET", "/definitions"): "definitions.read",
    ("POST", "/definitions"): "definitions.publish",
    ("GET", "/definitions/{key}"): "definitions.read",
    ("POST", "/definitions/{key}/versions"): "definitions.publish",
    ("GET", "/definitions/{key}/versions/{n}"): "definitions.read",
    ("POST", "/instances"): "instances.start",
    ("GET", "/instances"): "instances.read",
    ("GET", "/instances/{id}"): "instances.read",
    ("POST", "/instances/{id}/events"): "instances.send",
    ("GET", "/instances/{id}/history"): "instances.read",
    ("POST", "/instances/{id}/{operation}"): "instances.operate",
    ("POST", "/instances/batch/{operation}"): "instances.operate",
    ("GET", "/breakers"): "instances.read",
    ("GET", "/tasks"): "tasks.work",
    ("POST", "/tasks/{id}/{action}"): "tasks.work",
    ("GET", "/audit/verify"): "audit.read",
}


_PATH_PARAMETER = re.compile(r"\{[^}]*\}")


def _route_shape(path: str) -> str:
    return _PATH_PARAMETER.sub("{}", path.rstrip("/") or "/")


_PERMISSION_BY_ROUTE_SHAPE = {
    (method, _route_shape(path)): permission
    for (method, path), permission in API_PERMISSIONS.items()
}


def permission_for_route(method: str, path_template: str) -> str | None:
    """The permission a REST route needs, from its method and path template relative to
    `/api/v1` (parameter names do not matter: `/instances/{instance_id}` matches
    `/instances/{id}`), and a literal last segment matches a parameter, so a route written
    as `/instances/{instance_id}/suspend` needs what `/instances/{id}/{operation}` needs.
    None for a route not in the table: callers should fail closed."""
    shape = _route_shape(path_template)
    key = (method.upper(), shape)
    if key not in _PERMISSION_BY_ROUTE_SHAPE and "/" in shape.lstrip("/"):
        key = (key[0], shape.rsplit("/", 1)[0] + "/{}")
    return _PERMISSION_BY_ROUTE_SHAPE.get(key)


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
