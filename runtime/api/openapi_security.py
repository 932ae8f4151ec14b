"""The permission table, written into the OpenAPI document.

Each operation gets the bearer security requirement (none for public ones), an
`x-permission` naming what it needs, and the 401/403/429 answers the check can give, so the
document is the contract generated clients, schemathesis and the access-matrix test read.
"""

from __future__ import annotations

from typing import Any

from runtime.security.identity import PUBLIC, permission_for_route

SCHEME = "bearerAuth"
_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
_REFUSALS = {
    "401": "No valid bearer token (missing, malformed, unknown, revoked or expired)",
    "403": "The token's user lacks the permission named in `details.permission`",
    "429": "Too many requests from this address or token; see `Retry-After`",
}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def document_security(schema: dict[str, Any], prefix: str) -> None:
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "swt_<id>_<secret>",
        "description": "A token from `POST /api/v1/auth/token`, `statewright tokens create` "
        "or the admin page.",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            needed = permission_for_route(method, path.removeprefix(prefix))
            operation["x-permission"] = needed
            if needed == PUBLIC:
                operation["security"] = []
                continue
            operation["security"] = [{SCHEME: []}]
            responses = operation.setdefault("responses", {})
            for status, description in _REFUSALS.items():
                responses.setdefault(status, {"description": description, "content": _ERROR})
