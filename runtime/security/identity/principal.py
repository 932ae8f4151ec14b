"""Who is acting: the answer every login path (password, token, OIDC) produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from runtime.security.identity.errors import PermissionDenied
from runtime.security.identity.permissions import (
    check_permission_name,
    is_task_role,
    permissions_for,
)

Via = Literal["password", "token", "oidc", "cli"]


@dataclass(frozen=True)
class Principal:
    """An authenticated user: `username` is the actor recorded in events, `via` how they
    proved it, `token_id` the API token used (for per-token rate limits), if any."""

    username: str
    roles: frozenset[str]
    via: Via
    token_id: str | None = None
    must_change_password: bool = False
    permissions: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "permissions", permissions_for(self.roles))

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def task_roles(self) -> frozenset[str]:
        """The task roles held: the human tasks assigned to any of them are this user's."""
        return frozenset(role for role in self.roles if is_task_role(role))

    def can(self, permission: str) -> bool:
        return check_permission_name(permission) in self.permissions

    def require(self, permission: str) -> None:
        """Raise `PermissionDenied` naming the user, the permission and the roles held."""
        if not self.can(permission):
            held = ", ".join(sorted(self.roles)) or "no roles"
            raise PermissionDenied(f"User {self.username!r} ({held}) may not do {permission!r}.")
