"""The SPEC §7 role table: what each built-in role may and may not do."""

from __future__ import annotations

import pytest

from runtime.security.identity import (
    API_PERMISSIONS,
    PERMISSIONS,
    PUBLIC,
    SIGNED_IN,
    PermissionDenied,
    Principal,
    permission_for_route,
)

ALLOWED = {
    "admin": set(PERMISSIONS),
    "analyst": {"definitions.read", "definitions.publish", "instances.read"},
    "operator": {
        "definitions.read",
        "instances.read",
        "instances.start",
        "instances.send",
        "instances.operate",
        "variables.confidential",
    },
    "manager": {"definitions.read", "instances.read", "dashboards.read", "audit.read"},
    "underwriter": {"tasks.work"},
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_each_role_is_allowed_exactly_its_permissions(role):
    principal = Principal("someone", frozenset({role}), "password")
    for permission in PERMISSIONS:
        assert principal.can(permission) == (permission in ALLOWED[role]), permission


def test_several_roles_add_up():
    principal = Principal("mia", frozenset({"manager", "claims-handler"}), "oidc")
    assert principal.can("audit.read") and principal.can("tasks.work")
    assert principal.task_roles == {"claims-handler"}
    assert not principal.can("definitions.publish")


def test_a_refusal_names_the_user_the_permission_and_the_roles():
    analyst = Principal("ana", frozenset({"analyst"}), "token")
    with pytest.raises(PermissionDenied, match=r"'ana' \(analyst\) may not do 'instances.start'"):
        analyst.require("instances.start")
    analyst.require("definitions.publish")


def test_a_misspelt_permission_is_an_error_not_a_silent_denial():
    with pytest.raises(ValueError, match=r"Unknown permission 'instance\.read'"):
        Principal("ana", frozenset({"admin"}), "password").can("instance.read")


def test_every_api_route_needs_a_known_permission_or_is_marked_public():
    assert set(API_PERMISSIONS.values()) <= set(PERMISSIONS) | {PUBLIC, SIGNED_IN}
    assert API_PERMISSIONS[("POST", "/definitions/{key}/versions")] == "definitions.publish"
    public = {route for route, needed in API_PERMISSIONS.items() if needed == PUBLIC}
    assert public == {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"),
                      ("POST", "/auth/token")}


def test_routes_are_matched_whatever_their_parameter_names():
    assert permission_for_route("get", "/instances/{id}/history") == "instances.read"
    assert permission_for_route("POST", "/instances/{id}/{op}/") == "instances.operate"
    assert permission_for_route("POST", "/tasks/{id}/claim") == "tasks.work"
    assert permission_for_route("POST", "/instances/{id}/events") == "instances.send"
    assert permission_for_route("GET", "/definitions/{key}/versions/{n}") == (
        "definitions.read"
    )


def test_a_route_missing_from_the_table_needs_something_nobody_has():
    assert permission_for_route("DELETE", "/definitions/{key}") is None
    assert permission_for_route("GET", "/users") is None
    # A literal segment is not taken for a parameter: a new `/instances/{id}/purge` route
    # does not silently inherit what `/instances/{id}/{operation}` needs.
    assert permission_for_route("POST", "/instances/{id}/purge") is None
