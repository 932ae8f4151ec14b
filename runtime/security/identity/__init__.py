"""Identity and access control (SPEC §7): users and roles, password and OIDC logins, API
tokens, the permission table and rate limits. The API and web app use only these names."""

from runtime.security.identity.api_access import authorize_api_call
from runtime.security.identity.errors import (
    AuthenticationFailed,
    IdentityError,
    InvalidName,
    OidcError,
    PasswordPolicyError,
    PermissionDenied,
    RateLimited,
    TokenInvalid,
    UnknownToken,
    UnknownUser,
    UserExists,
)
from runtime.security.identity.limiter import RateLimiter, RequestLimits, retry_after_header
from runtime.security.identity.oidc import OidcClient, OidcConfig, OidcIdentity, PendingLogin
from runtime.security.identity.passwords import lockout_delay_s
from runtime.security.identity.permissions import (
    API_PERMISSIONS,
    BUILTIN_ROLES,
    PERMISSIONS,
    PUBLIC,
    ROLE_PERMISSIONS,
    SIGNED_IN,
    permission_for_route,
    permissions_for,
)
from runtime.security.identity.principal import Principal
from runtime.security.identity.service import IdentityService
from runtime.security.identity.tokens import NewToken, TokenInfo
from runtime.security.identity.users import User

__all__ = [
    "API_PERMISSIONS",
    "BUILTIN_ROLES",
    "PERMISSIONS",
    "PUBLIC",
    "ROLE_PERMISSIONS",
    "SIGNED_IN",
    "AuthenticationFailed",
    "IdentityError",
    "IdentityService",
    "InvalidName",
    "NewToken",
    "OidcClient",
    "OidcConfig",
    "OidcError",
    "OidcIdentity",
    "PasswordPolicyError",
    "PendingLogin",
    "PermissionDenied",
    "Principal",
    "RateLimited",
    "RateLimiter",
    "RequestLimits",
    "TokenInfo",
    "TokenInvalid",
    "UnknownToken",
    "UnknownUser",
    "User",
    "UserExists",
    "authorize_api_call",
    "lockout_delay_s",
    "permission_for_route",
    "permissions_for",
    "retry_after_header",
]
