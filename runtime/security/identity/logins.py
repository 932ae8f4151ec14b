"""Logins: turning a password, HTTP Basic credentials or a verified OIDC identity into a
`Principal`.

Kept apart from account administration because this is the attacker-facing side: the
per-address limit, the per-account lock-out and equal-cost refusals all live here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine, Row

from runtime.security.identity import passwords
from runtime.security.identity.accounts import Accounts, require_row, roles_of, write_roles
from runtime.security.identity.basic_auth import VerifiedPasswords, parse_basic
from runtime.security.identity.database import writing
from runtime.security.identity.errors import (
    AuthenticationFailed,
    OidcError,
    RateLimited,
    TokenInvalid,
    UserExists,
)
from runtime.security.identity.limiter import PER_LOGIN_IP, Limiter, RateLimiter
from runtime.security.identity.principal import Principal, Via
from runtime.security.identity.tables import users
from runtime.security.identity.users import check_roles

if TYPE_CHECKING:
    from runtime.security.identity.oidc import OidcIdentity


class Logins:
    """Checks credentials and reloads logged-in users; OIDC users are provisioned here
    because the provider, not an administrator, is the source of their account."""

    def __init__(
        self,
        db: Engine,
        clock: Callable[[], datetime],
        accounts: Accounts,
        login_limiter: Limiter | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._accounts = accounts
        # Password guessing from one address across many accounts is slowed here; the
        # per-account lock-out handles guessing one account from many addresses.
        self._login_limiter = login_limiter or RateLimiter(
            *PER_LOGIN_IP, clock=lambda: clock().timestamp()
        )
        self._verified = VerifiedPasswords()

    def authenticate(self, username: str, password: str, ip: str | None = None) -> Principal:
        wait = self._login_limiter.acquire(f"login-ip:{ip or 'unknown'}")
        if wait:
            raise RateLimited(
                f"Too many login attempts from {ip or 'this client'}; try again in {wait:.0f} s.",
                wait,
            )
        now = self._clock()
        with writing(self._db) as conn:
            row = conn.execute(
                select(users).where(users.c.username == username).with_for_update()
            ).first()
            locked = row is not None and (row.locked_until or now) > now
            if row is None or row.disabled or row.password_hash is None or locked:
                passwords.spend_verification_time(password)
                accepted = False
            else:
                accepted = passwords.verify_password(row.password_hash, password)
                _record_login(conn, row, accepted, now, ip, password)
            roles = roles_of(conn, username) if accepted else ()
        if not accepted:
            raise AuthenticationFailed()
        return Principal(
            username,
            frozenset(roles),
            "password",
            must_change_password=row.must_change_password,
        )

    def principal_for(self, username: str, via: Via) -> Principal:
        with self._db.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            if row is None or row.disabled:
                raise AuthenticationFailed()
            roles = roles_of(conn, username)
        return Principal(
            username, frozenset(roles), via, must_change_password=row.must_change_password
        )

    def verify_basic(self, authorization: str, ip: str | None = None) -> Principal:
        username, password = parse_basic(authorization)
        with self._db.connect() as conn:
            row = conn.execute(
                select(users.c.password_hash, users.c.disabled).where(users.c.username == username)
            ).first()
        stored = row.password_hash if row is not None and not row.disabled else None
        if stored is None or not self._verified.known(username, password, stored):
            try:
                principal = self.authenticate(username, password, ip)
            except AuthenticationFailed:
                raise TokenInvalid("Wrong username or password.") from None
            if stored is not None and not principal.must_change_password:
                self._verified.remember(username, password, stored)
        principal = self.principal_for(username, "password")
        if principal.must_change_password:
            raise TokenInvalid(
                f"{username} must change the one-time password first (log in to the web app)."
            )
        return principal

    def provision_oidc_user(self, identity: OidcIdentity) -> Principal:
        subject_key = f"{identity.issuer}|{identity.subject}"
        with self._db.connect() as conn:
            linked = conn.execute(
                select(users.c.username).where(users.c.oidc_subject == subject_key)
            ).scalar_one_or_none()
        if linked is None:
            try:
                self._accounts.create_user(
                    identity.username,
                    roles=identity.roles,
                    display_name=identity.display_name,
                    email=identity.email,
                    oidc_subject=subject_key,
                )
            except UserExists:
                raise OidcError(
                    f"The username {identity.username!r} from the identity provider is "
                    "already used by another account; an administrator must rename one."
                ) from None
            linked = identity.username
        now = self._clock()
        with writing(self._db) as conn:
            if require_row(conn, linked).disabled:
                raise OidcError(f"The account {linked!r} is disabled; ask an administrator.")
            conn.execute(
                update(users)
                .where(users.c.username == linked)
                .values(
                    display_name=identity.display_name,
                    email=identity.email,
                    last_login_at=now,
                    updated_at=now,
                )
            )
            write_roles(conn, linked, check_roles(identity.roles))
        return self.principal_for(linked, "oidc")


def _record_login(
    conn: Connection,
    row: Row,
    accepted: bool,
    now: datetime,
    ip: str | None,
    password: str,
) -> None:
    """A success clears the lock-out and upgrades an outdated hash while the password is
    at hand; a failure counts towards the next, longer lock-out."""
    if accepted:
        values: dict = {
            "failed_logins": 0,
            "locked_until": None,
            "last_login_at": now,
            "last_login_ip": ip,
        }
        if passwords.needs_rehash(row.password_hash):
            values["password_hash"] = passwords.hash_password(password)
    else:
        failures = row.failed_logins + 1
        delay = passwords.lockout_delay_s(failures)
        values = {
            "failed_logins": failures,
            "locked_until": now + timedelta(seconds=delay) if delay else None,
        }
    conn.execute(update(users).where(users.c.username == row.username).values(**values))
