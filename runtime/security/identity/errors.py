"""The identity errors: each says what was refused and why, in words an operator can act on.

Every class derives from `IdentityError`, so a caller can catch the family; the API maps
`AuthenticationFailed`/`TokenInvalid`/`OidcError` to 401, `PermissionDenied` to 403,
`RateLimited` to 429 (with `Retry-After`), `UnknownUser`/`UnknownToken` to 404 and the
rest to 400/409.
"""

from __future__ import annotations


class IdentityError(Exception):
    """Base of every error of `runtime.security.identity`; `code` is a stable machine name."""

    code = "identity-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthenticationFailed(IdentityError):
    """A login was refused. The message is the same whether the user is unknown, disabled,
    locked out or gave a wrong password, so a caller cannot probe which accounts exist."""

    code = "authentication-failed"

    def __init__(self) -> None:
        super().__init__(
            "Invalid username or password, or the account is temporarily locked; try again later."
        )


class TokenInvalid(IdentityError):
    """A bearer token was refused: malformed, unknown, wrong secret, revoked, expired,
    or its owner is disabled."""

    code = "token-invalid"


class RateLimited(IdentityError):
    """Too many attempts from one client; `retry_after_s` says when to try again."""

    code = "rate-limited"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class PermissionDenied(IdentityError):
    """An authenticated principal lacks the permission an action needs."""

    code = "permission-denied"


class PasswordPolicyError(IdentityError):
    """A new password does not meet the policy (length, not the username)."""

    code = "password-policy"


class InvalidName(IdentityError):
    """A username or role name does not match the allowed pattern."""

    code = "invalid-name"


class UnknownUser(IdentityError):
    """An administrative call named a user that does not exist."""

    code = "unknown-user"


class UserExists(IdentityError):
    """`create_user` was given a username that is already taken."""

    code = "user-exists"


class UnknownToken(IdentityError):
    """`revoke_token` was given a token id that does not exist."""

    code = "unknown-token"


class OidcError(IdentityError):
    """An OpenID Connect login failed: configuration, provider response or ID token checks."""

    code = "oidc-error"
