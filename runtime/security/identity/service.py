"""`IdentityService`: accounts, password logins with lock-out, API tokens, OIDC provisioning.

One object per process, built from the same database URL as the engine; every method is a
short transaction, so several server processes can share the tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError

from runtime.security.identity import admin_log, passwords, tokens
from runtime.security.identity.basic_auth import VerifiedPasswords, parse_basic
from runtime.security.identity.database import create_identity_engine, writing
from runtime.security.identity.errors import (
    AuthenticationFailed,
    OidcError,
    RateLimited,
    TokenInvalid,
    UnknownToken,
    UnknownUser,
    UserExists,
)
from runtime.security.identity.limiter import RateLimiter
from runtime.security.identity.permissions import ADMIN
from runtime.security.identity.principal import Principal, Via
from runtime.security.identity.tables import metadata, user_roles, users
from runtime.security.identity.tokens import NewToken, TokenInfo
from runtime.security.identity.users import User, check_roles, check_username

if TYPE_CHECKING:
    from runtime.security.identity.oidc import OidcIdentity

ADMIN_PASSWORD_ENV = "STATEWRIGHT_ADMIN_PASSWORD"
FIRST_ADMIN = "admin"


class IdentityService:
    """Users, roles, logins and API tokens stored in the engine's database."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], datetime] | Any = None,
        login_limiter: RateLimiter | None = None,
    ) -> None:
        # A callable, or an object with `now()` such as the engine's `runtime.core.clock` clocks.
        now = getattr(clock, "now", None)
        self._clock = now if callable(now) else clock or (lambda: datetime.now(UTC))
        self._db = create_identity_engine(url)
        metadata.create_all(self._db)
        # Password guessing from one address across many accounts is slowed here; the
        # per-account lock-out handles guessing one account from many addresses.
        self._login_limiter = login_limiter or RateLimiter(
            capacity=20, refill_per_s=20 / 60, clock=lambda: self._clock().timestamp()
        )
        self._verified = VerifiedPasswords()

    def close(self) -> None:
        self._db.dispose()

    def __enter__(self) -> IdentityService:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- accounts -----------------------------------------------------------------------

    def ensure_first_admin(self, password: str | None = None) -> str | None:
        """On a database without users, create `admin` with role admin.

        The password is `password`, else `$STATEWRIGHT_ADMIN_PASSWORD`, else a generated
        one-time password that is returned (for the server to print once) and must be
        changed at first login. Returns None when nothing was generated.
        """
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
        """Create an account; without `password` it can log in only through OIDC until
        one is set."""
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
                self._write_roles(conn, username, role_names)
        except IntegrityError:
            raise UserExists(f"A user named {username!r} already exists.") from None
        return self.get_user(username)

    def get_user(self, username: str) -> User:
        with self._db.connect() as conn:
            return self._load_user(conn, username)

    def list_users(self) -> list[User]:
        with self._db.connect() as conn:
            names = conn.execute(select(users.c.username).order_by(users.c.username))
            return [self._load_user(conn, name) for name in names.scalars()]

    def set_roles(self, username: str, roles: Iterable[str]) -> User:
        """Replace the user's roles; takes effect on their next request."""
        role_names = check_roles(roles)
        with writing(self._db) as conn:
            self._require_row(conn, username)
            self._write_roles(conn, username, role_names)
            conn.execute(
                update(users).where(users.c.username == username).values(updated_at=self._clock())
            )
        return self.get_user(username)

    def disable(self, username: str) -> User:
        """Refuse the user's logins and API tokens from now on (nothing is deleted)."""
        return self._set_disabled(username, True)

    def enable(self, username: str) -> User:
        return self._set_disabled(username, False)

    def change_password(
        self,
        username: str,
        new_password: str,
        *,
        current_password: str | None = None,
        temporary: bool = False,
    ) -> None:
        """Set a password. Self-service passes `current_password`, which must match; an
        admin reset omits it. `temporary` makes the user change it at next login. A reset
        also lifts any lock-out."""
        passwords.check_password_policy(new_password, username, where="new password")
        with writing(self._db) as conn:
            row = self._require_row(conn, username)
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

    def unlock(self, username: str) -> User:
        """Lift a lock-out and forget counted failures, without changing the password."""
        with writing(self._db) as conn:
            self._require_row(conn, username)
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(failed_logins=0, locked_until=None, updated_at=self._clock())
            )
        return self.get_user(username)

    # -- record of administrative acts --------------------------------------------------

    def record_admin_act(self, actor: str, action: str, target: str, detail: str = "") -> None:
        """Append who (`actor`) did `action` (e.g. `user.disable`) to `target`; never pass
        a secret in `detail`."""
        with writing(self._db) as conn:
            admin_log.insert_act(conn, self._clock(), actor, action, target, detail)

    def admin_acts(self, limit: int = 50) -> list[admin_log.AdminAct]:
        """The latest administrative acts, newest first."""
        with self._db.connect() as conn:
            return admin_log.select_acts(conn, limit)

    # -- logins -------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, ip: str | None = None) -> Principal:
        """Check a password login. Every refusal is the same `AuthenticationFailed`,
        costing the same argon2 work, whether the user is unknown, disabled, locked or
        mistyped; too many attempts from one `ip` raise `RateLimited` first."""
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
                self._record_login(conn, row, accepted, now, ip, password)
            roles = self._roles(conn, username) if accepted else ()
        if not accepted:
            raise AuthenticationFailed()
        return Principal(
            username,
            frozenset(roles),
            "password",
            must_change_password=row.must_change_password,
        )

    def principal_for(self, username: str, via: Via) -> Principal:
        """Reload a logged-in user (e.g. per web request from the session), so that
        role changes and disabling take effect at once."""
        with self._db.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            if row is None or row.disabled:
                raise AuthenticationFailed()
            roles = self._roles(conn, username)
        return Principal(
            username, frozenset(roles), via, must_change_password=row.must_change_password
        )

    def _record_login(
        self,
        conn: Connection,
        row: Row,
        accepted: bool,
        now: datetime,
        ip: str | None,
        password: str,
    ) -> None:
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

    # -- API tokens ---------------------------------------------------------------------

    def create_token(self, username: str, name: str, expires_in_s: float | None = None) -> NewToken:
        """Issue a token for `username`; the returned `secret` (`swt_<id>_<secret>`) is
        shown once and cannot be recovered, only revoked."""
        with writing(self._db) as conn:
            self._require_row(conn, username)
            return tokens.insert_token(conn, username, name, expires_in_s, self._clock())

    def verify_basic(self, authorization: str, ip: str | None = None) -> Principal:
        """Resolve `Basic` API credentials to their user. A pair verified recently (and the
        same stored hash) skips argon2 and the login limit; anything else is a full login
        with lock-out. Accounts that must still change their one-time password are refused."""
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

    def verify_token(self, bearer: str) -> Principal:
        """Resolve a bearer token to its user. Revocation, expiry and disabling take
        effect on the very next call: nothing is cached."""
        now = self._clock()
        with self._db.connect() as conn:
            token = tokens.resolve_token(conn, bearer, now)
        if token.last_use_stale:
            with writing(self._db) as conn:
                tokens.touch_token(conn, token.token_id, now)
        return Principal(token.username, frozenset(token.roles), "token", token_id=token.token_id)

    def revoke_token(self, token_id: str, username: str | None = None) -> None:
        """Revoke at once. With `username`, only that user's own token may be revoked."""
        with writing(self._db) as conn:
            tokens.revoke_token(conn, token_id, username, self._clock())

    def get_token(self, token_id: str) -> TokenInfo:
        with self._db.connect() as conn:
            found = tokens.select_tokens(conn, None, token_id)
        if not found:
            raise UnknownToken(f"No token {token_id!r} exists.")
        return found[0]

    def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        with self._db.connect() as conn:
            if username is not None:
                self._require_row(conn, username)
            return tokens.select_tokens(conn, username)

    # -- OpenID Connect -----------------------------------------------------------------

    def provision_oidc_user(self, identity: OidcIdentity) -> Principal:
        """Create or update the local user of a verified OIDC identity; its roles are
        replaced by the mapped ones at every login, as the provider is their source.
        A local account is never taken over by a provider user of the same name."""
        subject_key = f"{identity.issuer}|{identity.subject}"
        with self._db.connect() as conn:
            linked = conn.execute(
                select(users.c.username).where(users.c.oidc_subject == subject_key)
            ).scalar_one_or_none()
        if linked is None:
            try:
                self.create_user(
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
            if self._require_row(conn, linked).disabled:
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
            self._write_roles(conn, linked, check_roles(identity.roles))
        return self.principal_for(linked, "oidc")

    # -- helpers ------------------------------------------------------------------------

    def _set_disabled(self, username: str, disabled: bool) -> User:
        with writing(self._db) as conn:
            self._require_row(conn, username)
            conn.execute(
                update(users)
                .where(users.c.username == username)
                .values(disabled=disabled, updated_at=self._clock())
            )
        return self.get_user(username)

    @staticmethod
    def _require_row(conn: Connection, username: str) -> Row:
        row = conn.execute(select(users).where(users.c.username == username)).first()
        if row is None:
            raise UnknownUser(f"No user named {username!r}.")
        return row

    @staticmethod
    def _roles(conn: Connection, username: str) -> tuple[str, ...]:
        return tuple(
            conn.execute(
                select(user_roles.c.role)
                .where(user_roles.c.username == username)
                .order_by(user_roles.c.role)
            ).scalars()
        )

    @staticmethod
    def _write_roles(conn: Connection, username: str, roles: tuple[str, ...]) -> None:
        conn.execute(delete(user_roles).where(user_roles.c.username == username))
        if roles:
            conn.execute(insert(user_roles), [{"username": username, "role": r} for r in roles])

    def _load_user(self, conn: Connection, username: str) -> User:
        row = self._require_row(conn, username)
        return User(
            username=row.username,
            display_name=row.display_name,
            email=row.email,
            roles=self._roles(conn, username),
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
