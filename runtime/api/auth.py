"""Who is calling, and may they: the one check every `/api/v1` route goes through.

`authorize` is a dependency of every API router (see `app.py`). It finds what the matched
route needs in the table `runtime.security.identity.permissions.API_PERMISSIONS` (a route missing
there is refused: fail closed), limits the client address, resolves the bearer token to a
`Principal` and checks the permission. Routers that record who did something take the
principal with `Depends(caller)`; its username is the actor of every event the call causes.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request

from runtime.api.errors import ApiError
from runtime.security.identity import (
    PUBLIC,
    SIGNED_IN,
    IdentityService,
    PermissionDenied,
    Principal,
    RateLimited,
    RequestLimits,
    TokenInvalid,
    authorize_api_call,
    permission_for_route,
    retry_after_header,
)

log = logging.getLogger("statewright.security")

API_PREFIX = "/api/v1"
CHALLENGE = 'Bearer realm="statewright"'


def client_ip(request: Request) -> str | None:
    """The peer address; behind a proxy, uvicorn's `--proxy-headers` makes it the client's."""
    return request.client.host if request.client else None


def route_template(request: Request) -> str:
    """The matched route's path template relative to `/api/v1` (e.g. `/tasks/{task_id}`)."""
    route = request.scope.get("route")
    template = getattr(route, "path", None) or request.url.path
    return template.removeprefix(API_PREFIX) or "/"


def authorize(request: Request) -> Principal | None:
    """The authenticated caller (None on a public route), or an `ApiError`: 401 without a
    valid token, 403 naming the missing permission, 429 with `Retry-After`."""
    template = route_template(request)
    needed = permission_for_route(request.method, template)
    if needed == PUBLIC:
        return None
    if needed is None:
        log.error("Route %s %s has no entry in API_PERMISSIONS; refused", request.method,
                  template)
        raise ApiError(403, "forbidden",
                       f"{request.method} {API_PREFIX}{template} declares no permission, so "
                       "nobody may call it (the server's permission table lacks it).",
                       {"permission": None})
    identity: IdentityService = request.app.state.identity
    limits: RequestLimits = request.app.state.limits
    header = request.headers.get("authorization")
    try:
        principal = authorize_api_call(identity, limits, header, client_ip(request))
    except RateLimited as exc:
        raise too_many(exc) from None
    except TokenInvalid as exc:
        challenge = CHALLENGE + (', error="invalid_token"' if header else "")
        raise ApiError(401, "unauthorized", exc.message, None,
                       {"WWW-Authenticate": challenge}) from None
    request.state.principal = principal
    if needed != SIGNED_IN:
        try:
            principal.require(needed)
        except PermissionDenied as exc:
            raise ApiError(403, "forbidden", exc.message,
                           {"permission": needed, "roles": sorted(principal.roles)}) from None
    return principal


def too_many(exc: RateLimited) -> ApiError:
    return ApiError(429, "rate-limited", exc.message,
                    {"retry_after_s": round(exc.retry_after_s, 1)},
                    {"Retry-After": retry_after_header(exc.retry_after_s)})


def caller(principal: Annotated[Principal | None, Depends(authorize)]) -> Principal:
    """The signed-in caller of a route that is not public."""
    if principal is None:  # only if a public route asks for a caller: a programming error
        raise RuntimeError("caller() used on a public route")
    return principal


Caller = Annotated[Principal, Depends(caller)]
