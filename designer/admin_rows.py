"""What the Admin page's tables show: users (and who is out of office), API tokens and
recent admin acts as rows.

Pure functions of the identity records (and absences) and the current time, so they are
tested without a browser; the page only adds buttons.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from runtime.people.tasks.absence import Absence
from runtime.security.identity import BUILTIN_ROLES, TokenInfo, User
from runtime.security.identity.admin_log import AdminAct


def when(moment: datetime | None, never: str = "never") -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else never


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def user_rows(users: Iterable[User], now: datetime,
              away: Mapping[str, Absence] | None = None) -> list[dict[str, Any]]:
    """Table rows; `away` (out-of-office marks by user) adds "away until ... → stand-in"."""
    rows = []
    for user in users:
        locked = is_locked(user, now)
        if user.disabled:
            status = "disabled"
        elif locked:
            status = f"locked until {when(user.locked_until)}"
        else:
            status = "active"
        absence = (away or {}).get(user.username)
        if absence is not None and absence.active(now):
            to = absence.delegate_to or "role queues"
            status += f", away until {when(absence.ends_at)} → {to}"
        rows.append(
            {
                "username": user.username,
                "display_name": user.display_name,
                "roles": list(user.roles),
                "source": "oidc" if user.oidc_subject else "local",
                "status": status,
                "disabled": user.disabled,
                "locked": locked,
                "has_password": user.has_password,
                "last_login": when(user.last_login_at),
            }
        )
    return rows


def token_rows(tokens: Iterable[TokenInfo], now: datetime) -> list[dict[str, Any]]:
    return [
        {
            "token_id": token.token_id,
            "name": token.name,
            "owner": token.username,
            "created": when(token.created_at),
            "last_used": when(token.last_used_at),
            "expires": when(token.expires_at),
            "status": token.status(now)
            + (f" {when(token.revoked_at)}" if token.revoked_at else ""),
            "active": token.status(now) == "active",
        }
        for token in sorted(tokens, key=lambda t: t.created_at, reverse=True)
    ]


def act_rows(acts: Iterable[AdminAct]) -> list[dict[str, Any]]:
    return [
        {
            "key": f"{index}",
            "at": when(act.at),
            "actor": act.actor,
            "action": act.action,
            "target": act.target,
            "detail": act.detail,
        }
        for index, act in enumerate(acts)
    ]


def role_options(users: Iterable[User]) -> list[str]:
    """The built-in roles first, then every task role some user already holds."""
    task_roles = sorted({role for user in users for role in user.roles} - set(BUILTIN_ROLES))
    return [*BUILTIN_ROLES, *task_roles]
