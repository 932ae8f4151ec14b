"""Where each role starts: the page of the work its permissions are for.

Task roles work their inbox, managers and auditors read, operators run instances, analysts
and admins design; `/` sends a user there instead of showing everyone the process list.
"""

from __future__ import annotations

PROCESSES_PATH = "/processes"

# First match wins: a user with several roles lands where the broadest of them works.
LANDINGS: list[tuple[str, str]] = [
    ("definitions.publish", PROCESSES_PATH),
    ("admin.users", PROCESSES_PATH),
    ("instances.operate", "/instances"),
    ("compliance.read", "/compliance"),
    ("dashboards.read", "/dashboards"),
    ("definitions.read", PROCESSES_PATH),
    ("tasks.work", "/tasks"),
]


def landing_path(permissions: frozenset[str]) -> str:
    """The first page a user with `permissions` should see."""
    return next((path for needed, path in LANDINGS if needed in permissions), PROCESSES_PATH)
