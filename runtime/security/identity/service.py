"""`IdentityService`: accounts, password logins with lock-out, API tokens, OIDC provisioning.

One object per process, built from the same database URL as the engine; every method is a
short transaction, so several server processes can share the tables.

The work is done by three parts sharing one engine and clock: `accounts.Accounts`
(administration), `logins.Logins` (credentials to principals) and
`token_registry.TokenRegistry` (API tokens). This facade is the one name callers use, and
where the contract of each method is written down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from runtime.security.identity import admin_log
from runtime.security.identity.accounts import ADMIN_PASSWORD_ENV, FIRST_ADMIN, Accounts
from runtime.security.identity.database import create_identity_engine, writing
from runtime.security.identity.limiter import (
    PER_IP,
    PER_LOGIN_IP,
    PER_TOKEN,
    Limiter,
    RequestLimits,
)
from runtime.security.identity.logins import Logins
from runtime.security.identity.principal import Principal, Via
from runtime.security.identity.shared_limits import LimiterFactory
from runtime.security.identity.tables import metadata
from runtime.security.identity.token_registry import TokenRegistry
from runtime.security.identity.tokens import NewToken, TokenInfo
from runtime.security.identity.users import User
from runtime.security.identity.web_sessions import WebSession, WebSessions

if TYPE_CHECKING:
    from runtime.security.identity.oidc import OidcIdentity

# Re-exported: the server CLI imports the variable's name from here.
__all__ = ["ADMIN_PASSWORD_ENV", "FIRST_ADMIN", "IdentityService"]


class IdentityService:
    """Users, roles, logins and API tokens stored in the engine's database."""

    def __init__(
        self,
        url: str,
        clock: Callable[[], datetime] | Any = None,
        login_limiter: Limiter | None = None,
    ) -> None:
        # A callable, or an object with `now()` such as the engine's `runtime.core.clock` clocks.
        now = getattr(clock, "now", None)
        self._clock = now if callable(now) else clock or (lambda: datetime.now(UTC))
        self._db = create_identity_engine(url)
        with writing(self._db) as conn:  # SQLite: hold the write lock from the first check
            metadata.create_all(conn)
        self._accounts = Accounts(self._db, self._clock)
        # Rate limits in the store `STATEWRIGHT_RATE_LIMITS` names (see `shared_limits`).
        self.limiters = LimiterFactory(self._db)
        login_limiter = login_limiter or self.limiters(
            *PER_LOGIN_IP, clock=lambda: self._clock().timestamp()
        )
        self._logins = Logins(self._db, self._clock, self._accounts, login_limiter)
        self._tokens = TokenRegistry(self._db, self._clock)
        self._web_sessions = WebSessions(self._db, self._clock)

    def close(self) -> None:
        self.limiters.close()
        self._db.dispose()

    def request_limits(self) -> RequestLimits:
        """The API's per-address and per-token limits, shared like the login limit."""
        return RequestLimits(per_ip=self.limiters(*PER_IP), per_token=self.limiters(*PER_TOKEN))

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
        return self._accounts.ensure_first_admin(password)

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
        return self._accounts.create_user(
            username,
            password=password,
            roles=roles,
            display_name=display_name,
            email=email,
            must_change_password=must_change_password,
            oidc_subject=oidc_subject,
        )

    def get_user(self, username: str) -> User:
        return self._accounts.get_user(username)

    def list_users(self) -> list[User]:
        return self._accounts.list_users()

    def set_roles(self, username: str, roles: Iterable[str]) -> User:
        """Replace the user's roles; takes effect on their next request, and a change
        ends their web sessions."""
        return self._accounts.set_roles(username, roles)

    def disable(self, username: str) -> User:
        """Refuse the user's logins and API tokens from now on (nothing is deleted)."""
        return self._accounts.set_disabled(username, True)

    def enable(self, username: str) -> User:
        return self._accounts.set_disabled(username, False)

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
        also lifts any lock-out. Every web session of the user ends."""
        self._accounts.change_password(
            username, new_password, current_password=current_password, temporary=temporary
        )

    def unlock(self, username: str) -> User:
        """Lift a lock-out and forget counted failures, without changing the password."""
        return self._accounts.unlock(username)

    # -- record of administrative acts --------------------------------------------------

    def record_admin_act(self, actor: str, action: str, target: str, detail: str = "") -> None:
        """Append who (`actor`) did `action` (e.g. `user.disable`) to `target`; never pass
        a secret in `detail`."""
        self._accounts.record_admin_act(actor, action, target, detail)

    def admin_acts(self, limit: int = 50) -> list[admin_log.AdminAct]:
        """The latest administrative acts, newest first."""
        return self._accounts.admin_acts(limit)

    # -- logins -------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, ip: str | None = None) -> Principal:
        """Check a password login. Every refusal is the same `AuthenticationFailed`,
        costing the same argon2 work, whether the user is unknown, disabled, locked or
        mistyped; too many attempts from one `ip` raise `RateLimited` first."""
        return self._logins.authenticate(username, password, ip)

    def principal_for(self, username: str, via: Via) -> Principal:
        """Reload a logged-in user (e.g. per web request from the session), so that
        role changes and disabling take effect at once."""
        return self._logins.principal_for(username, via)

    def verify_basic(self, authorization: str, ip: str | None = None) -> Principal:
        """Resolve `Basic` API credentials to their user. A pair verified recently (and the
        same stored hash) skips argon2 and the login limit; anything else is a full login
        with lock-out. Accounts that must still change their one-time password are refused."""
        return self._logins.verify_basic(authorization, ip)

    # -- web sessions -------------------------------------------------------------------

    def issue_web_ticket(self, principal: Principal, browser: str) -> str:
        """After a login: a one-time ticket that `browser` (its pre-login cookie's id)
        redeems over HTTP for a new session; see `web_sessions`."""
        return self._web_sessions.issue_ticket(principal.username, principal.via, browser)

    def redeem_web_ticket(self, ticket: str, browser: str) -> str | None:
        """The new session's secret for the cookie, or None for a ticket not good here."""
        return self._web_sessions.redeem(ticket, browser)

    def web_session(self, secret: str) -> WebSession | None:
        """The live session of that secret; None once logged out, expired, or ended by a
        password or role change of its user."""
        return self._web_sessions.resolve(secret)

    def end_web_session(self, secret: str) -> None:
        self._web_sessions.end(secret)

    def web_session_count(self, username: str) -> int:
        """Sessions (and pending logins) the user has open."""
        return self._web_sessions.count(username)

    # -- API tokens ---------------------------------------------------------------------

    def create_token(self, username: str, name: str, expires_in_s: float | None = None) -> NewToken:
        """Issue a token for `username`; the returned `secret` (`swt_<id>_<secret>`) is
        shown once and cannot be recovered, only revoked."""
        return self._tokens.create_token(username, name, expires_in_s)

    def verify_token(self, bearer: str) -> Principal:
        """Resolve a bearer token to its user. Revocation, expiry and disabling take
        effect on the very next call: nothing is cached."""
        return self._tokens.verify_token(bearer)

    def revoke_token(self, token_id: str, username: str | None = None) -> None:
        """Revoke at once. With `username`, only that user's own token may be revoked."""
        self._tokens.revoke_token(token_id, username)

    def get_token(self, token_id: str) -> TokenInfo:
        return self._tokens.get_token(token_id)

    def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        return self._tokens.list_tokens(username)

    # -- OpenID Connect -----------------------------------------------------------------

    def provision_oidc_user(self, identity: OidcIdentity) -> Principal:
        """Create or update the local user of a verified OIDC identity; its roles are
        replaced by the mapped ones at every login, as the provider is their source.
        A local account is never taken over by a provider user of the same name."""
        return self._logins.provision_oidc_user(identity)
