"""The user record as callers see it, and the rules for user and role names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from runtime.security.identity.errors import InvalidName

# Same shape as the API's actor names, so a username is always a valid event actor.
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
ROLE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class User:
    """A stored account, without its password hash."""

    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    disabled: bool
    has_password: bool
    must_change_password: bool
    oidc_subject: str | None
    failed_logins: int
    locked_until: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime


def check_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME_PATTERN.match(username):
        raise InvalidName(
            f"Invalid username {username!r}: use 1-128 letters, digits or . _ @ + -, "
            "starting with a letter or digit."
        )
    return username


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Validate role names and return them sorted without duplicates."""
    checked = set()
    for role in roles:
        if not isinstance(role, str) or not ROLE_PATTERN.match(role):
            raise InvalidName(
                f"Invalid role name {role!r}: use 1-64 letters, digits or . _ -, "
                "starting with a letter or digit."
            )
        checked.add(role)
    return tuple(sorted(checked))
