"""Account administration: users, their roles and passwords, disabling, lock-outs, and the
record of administrative acts.

The row helpers at the bottom are how every other part (logins, tokens) reads users, so no
part reaches into another's private methods and all agree on what "unknown user" means.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from runtime.security.identity import admin_log, passwords, web_sessions
from runtime.security.identity.database import writing
from runtime.security.identity.errors import AuthenticationFailed, UnknownUser, UserExists
from runtime.security.identity.permissions import ADMIN
from runtime.security.identity.tables import user_roles, users
from runtime.security.identity.users import User, check_roles, check_username

ADMIN_PASSWORD_ENV = "STATEWRIGHT_ADMIN_PASSWORD"
FIRST_ADMIN = "admin"


class Accounts:
    """What an administrator (or the user, for their password) changes on an account."""

    def __init__(self, db: Engine, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def ensure_first_admin(self, password: str | None = None) -> str | None:
        with self._db.connect() as conn:
            if conn.execute(select(func.count()).select_from(users)).scalar_one():
                return None
        chosen = password or os.environ.get(ADMIN_PASSWORD_ENV) or None
        generated = None if chosen else passwords.generate_password()
        where = "password" if password else ADMIN_PASSWORD_ENV
        if chosen:
            passwords.check_password_policy(chosen, FIRST_ADMIN, where=where)
        try:
            self.create_user(
                FIRST_ADMIN,
                password=chosen or generated,
                roles=[ADMIN],
                display_name="Administrator",
                must_change_password=generated is not None,
            )
        except UserExists:  # another server process created it first
            return None
        return generated

    def create_user(
        self,
        username: str,
        *,
        password: str | None = None,
        roles: Iterable[str] = (),
        display_name: str = "",
        email: str = "",
        must_change_password: bool = False,
        oidc_subject: str | None = None,
    ) -> User:
        check_username(username)
        role_names = check_roles(roles)
        password_hash = None
        if password is not None:
            passwords.check_password_policy(password, username)
            password_hash = passwords.hash_password(password)
        now = self._clock()
        try:
            with writing(self._db) as conn:
                conn.execute(
                    insert(users).values(
                        username=username,
                        display_name=display_name,
                        email=email,
                        disabled=False,
                        password_hash=password_hash,
                        must_change_password=must_change_password,
                        oidc_subject=oidc_subject,
                        failed_logins=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
                write_roles(conn, username, role_names)
        except IntegrityError:
            raise UserExists(f"A user named {username!r} already exists.") from None
        return self.get_user(username)

    def get_user(self, username: str) -> User:
        with self._db.connect() as conn:
            return load_user(conn, username)

    def list_users(self) -> list[User]:
        with self._db.connect() as conn:
            names = conn.execute(select(users.c.username).order_by(users.c.username))
            return [load_user(conn, name) for name in names.scalars()]

    def set_roles(self, username: str, roles: Iterable[str]) -> User:
        role_names = check_roles(roles)
        with writing(self._db) as conn:
            require_row(conn, username)
            write_roles(conn, username, role_names)
            conn.execute(
                update(users).where(users.c.username == username).values(updated_at=self._clock())
            )
        return self.get_user(username)

    def set_disabled(self, username: str, disabled: bool) -> User:
        with writing(self._db) as conn:
            require_row(conn, username)
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(disabled=disabled, updated_at=self._clock())
            )
            if disabled:
                web_sessions.end_all(conn, username)
        return self.get_user(username)

    def change_password(
        self,
        username: str,
        new_password: str,
        *,
        current_password: str | None = None,
        temporary: bool = False,
    ) -> None:
        passwords.check_password_policy(new_password, username, where="new password")
        with writing(self._db) as conn:
            row = require_row(conn, username)
            if current_password is not None and not passwords.verify_password(
                row.password_hash, current_password
            ):
                raise AuthenticationFailed()
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(
                    password_hash=passwords.hash_password(new_password),
                    must_change_password=temporary,
                    failed_logins=0,
                    locked_until=None,
                    updated_at=self._clock(),
                )
            )
            web_sessions.end_all(conn, username)

    def unlock(self, username: str) -> User:
        with writing(self._db) as conn:
            require_row(conn, username)
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(failed_logins=0, locked_until=None, updated_at=self._clock())
            )
        return self.get_user(username)

    def record_admin_act(self, actor: str, action: str, target: str, detail: str = "") -> None:
        with writing(self._db) as conn:
            admin_log.insert_act(conn, self._clock(), actor, action, target, detail)

    def admin_acts(self, limit: int = 50) -> list[admin_log.AdminAct]:
        with self._db.connect() as conn:
            return admin_log.select_acts(conn, limit)


# -- user rows, inside a caller's transaction -----------------------------------------------


def require_row(conn: Connection, username: str) -> Row:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        raise UnknownUser(f"No user named {username!r}.")
    return row


def roles_of(conn: Connection, username: str) -> tuple[str, ...]:
    return tuple(
        conn.execute(
            select(user_roles.c.role)
            .where(user_roles.c.username == username)
            .order_by(user_roles.c.role)
        ).scalars()
    )


def write_roles(conn: Connection, username: str, roles: tuple[str, ...]) -> None:
    """Replace the user's roles; a change ends their web sessions (a privilege change
    is only taken up by a fresh login, with a fresh session id)."""
    if set(roles_of(conn, username)) != set(roles):
        web_sessions.end_all(conn, username)
    conn.execute(delete(user_roles).where(user_roles.c.username == username))
    if roles:
        conn.execute(insert(user_roles), [{"username": username, "role": r} for r in roles])


def load_user(conn: Connection, username: str) -> User:
    row = require_row(conn, username)
    return User(
        username=row.username,
        display_name=row.display_name,
        email=row.email,
        roles=roles_of(conn, username),
        disabled=row.disabled,
        has_password=row.password_hash is not None,
        must_change_password=row.must_change_password,
        oidc_subject=row.oidc_subject,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
