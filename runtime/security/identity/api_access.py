"""The API's one check per request, framework-free: limit, authenticate, authorize.

`runtime/api/auth.py` calls `authorize_api_call` with the raw `Authorization` header and the
client address and turns the errors into responses (429 + `Retry-After`, 401, 403). The
address is limited before the token is looked at, so guessing tokens is slow too.
"""

from __future__ import annotations

from runtime.security.identity.errors import RateLimited, TokenInvalid
from runtime.security.identity.limiter import RequestLimits
from runtime.security.identity.principal import Principal
from runtime.security.identity.service import IdentityService


def authorize_api_call(
    identity: IdentityService,
    limits: RequestLimits,
    authorization: str | None,
    client_ip: str | None,
    permission: str | None = None,
) -> Principal:
    """The caller of an API request, checked to hold `permission` (when given).

    Raises `RateLimited` (429), `TokenInvalid` (401) or `PermissionDenied` (403)."""
    wait = limits.check_ip(client_ip)
    if wait:
        raise RateLimited(f"Too many requests from {client_ip}; retry in {wait:.1f} s.", wait)
    if not authorization or not authorization.strip():
        raise TokenInvalid(
            "This call needs an API token: send 'Authorization: Bearer swt_...' "
            "(create one with `statewright tokens create` or POST /api/v1/auth/token), "
            "or HTTP Basic username and password."
        )
    scheme = authorization.strip().split(" ", 1)[0].lower()
    if scheme == "basic":
        principal = identity.verify_basic(authorization, client_ip)
        credential = f"user {principal.username}"
        wait = limits.check_token(f"user:{principal.username}")
    elif scheme == "bearer":
        principal = identity.verify_token(authorization)
        credential = f"token {principal.token_id}"
        wait = limits.check_token(str(principal.token_id))
    else:
        raise TokenInvalid(
            f"Unsupported authorization scheme {scheme!r}: use Bearer (or Basic for scripts)."
        )
    if wait:
        raise RateLimited(f"Too many requests with {credential}; retry in {wait:.1f} s.", wait)
    if permission is not None:
        principal.require(permission)
    return principal
