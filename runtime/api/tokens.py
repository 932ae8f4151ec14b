"""Getting an API token with a password, seeing who a token is, and revoking it.

`POST /auth/token` is how a script or a test gets a bearer token without the CLI. It goes
through the same login as the web app: one refusal message for every failure, the per-account
lock-out and the per-address login limit; the token is shown once and expires (12 h unless
asked otherwise, at most 30 days). Long-lived tokens for services come from
`statewright tokens create` or the admin page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from runtime.api.auth import CHALLENGE, Caller, client_ip, too_many
from runtime.api.errors import ApiError, error_responses
from runtime.api.models import PLAIN_TEXT
from runtime.security.identity import AuthenticationFailed, IdentityService, RateLimited
from runtime.security.identity.passwords import MAX_PASSWORD_LENGTH
from runtime.security.identity.users import USERNAME_PATTERN

router = APIRouter(prefix="/auth", tags=["auth"])

DEFAULT_TOKEN_LIFETIME_S = 12 * 3600
MAX_TOKEN_LIFETIME_S = 30 * 86400


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"username": "olga", "password": "correct horse battery staple", "name": "nightly import"}
    ]})
    username: str = Field(pattern=USERNAME_PATTERN.pattern)
    password: Annotated[str, Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
    name: str = Field("api login", min_length=1, max_length=200, pattern=PLAIN_TEXT,
                      description="What the token is for; shown in token lists.")
    expires_in_s: int = Field(DEFAULT_TOKEN_LIFETIME_S, ge=60, le=MAX_TOKEN_LIFETIME_S)


class IssuedToken(BaseModel):
    token: str = Field(description="The bearer token; shown only in this answer.")
    token_type: str = "bearer"
    token_id: str
    username: str
    roles: list[str]
    expires_at: datetime


class Me(BaseModel):
    username: str
    roles: list[str]
    permissions: list[str]
    token_id: str | None


def _identity(request: Request) -> IdentityService:
    return request.app.state.identity


@router.post("/token", response_model=IssuedToken, status_code=201,
             summary="Exchange a username and password for a bearer token",
             responses=error_responses(401, 403, 422, 429))
def issue_token(request: Request, response: Response, body: TokenRequest) -> IssuedToken:
    """401 for any wrong username, password, disabled or locked account (one message);
    403 when the password is a one-time one that must be changed first; 429 with
    `Retry-After` after too many attempts from one address."""
    request.state.login_name = body.username
    ip = client_ip(request)
    identity = _identity(request)
    try:
        wait = request.app.state.limits.check_ip(ip)
        if wait:
            raise RateLimited(f"Too many requests from {ip}; retry in {wait:.1f} s.", wait)
        principal = identity.authenticate(body.username, body.password, ip)
    except RateLimited as exc:
        raise too_many(exc) from None
    except AuthenticationFailed as exc:
        raise ApiError(401, "unauthorized", exc.message, None,
                       {"WWW-Authenticate": CHALLENGE}) from None
    request.state.principal = principal
    if principal.must_change_password:
        raise ApiError(403, "password-change-required",
                       f"User {principal.username!r} must change the one-time password first "
                       "(web app, or `statewright users passwd`).")
    issued = identity.create_token(principal.username, body.name, body.expires_in_s)
    response.headers["Cache-Control"] = "no-store"
    stored = identity.get_token(issued.token_id)
    return IssuedToken(token=issued.secret, token_id=issued.token_id,
                       username=principal.username, roles=sorted(principal.roles),
                       expires_at=stored.expires_at)


@router.get("/me", response_model=Me, summary="Who the bearer token belongs to",
            responses=error_responses(401, 429))
def who_am_i(principal: Caller) -> Me:
    return Me(username=principal.username, roles=sorted(principal.roles),
              permissions=sorted(principal.permissions), token_id=principal.token_id)


@router.delete("/token", status_code=204, summary="Revoke the token used for this call",
               responses=error_responses(401, 429))
def revoke_own_token(request: Request, principal: Caller) -> None:
    """The token stops working at once, on every server sharing the database."""
    if principal.token_id is not None:
        _identity(request).revoke_token(principal.token_id, principal.username)
