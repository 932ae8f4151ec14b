"""Every REST endpoint x every role (and anonymous), read from the OpenAPI document.

The expectations below are SPEC §7 written out independently of the server's permission
table; an endpoint the document lists but this table does not fails the test, so nobody can
add a route without deciding who may call it.
"""

from __future__ import annotations

from typing import Any

import pytest
from api_callers import Callers
from fastapi.testclient import TestClient
from test_tasks import CLAIM_REVIEW

from runtime import Engine
from runtime.api import create_app
from runtime.api.tasks import router as tasks_router
from runtime.people.tasks import Caller
from runtime.security.identity import RateLimiter, RequestLimits

API = "/api/v1"
EVERYONE = "everyone"  # anonymous too
SIGNED_IN = "signed-in"
ANONYMOUS = "anonymous"
ROLES = ("admin", "analyst", "operator", "manager", "auditor", "underwriter")
READERS = {"admin", "analyst", "operator", "manager", "auditor"}

ALLOWED: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/healthz"): EVERYONE,
    ("GET", "/readyz"): EVERYONE,
    ("GET", "/metrics"): EVERYONE,
    ("POST", "/auth/token"): EVERYONE,
    ("GET", "/auth/me"): SIGNED_IN,
    ("DELETE", "/auth/token"): SIGNED_IN,
    ("GET", "/definitions"): READERS,
    ("POST", "/definitions"): {"admin", "analyst"},
    ("GET", "/definitions/{key}"): READERS,
    ("POST", "/definitions/{key}/versions"): {"admin", "analyst"},
    ("GET", "/definitions/{key}/versions/{version}"): READERS,
    ("POST", "/drafts/{key}/simulate"): {"admin", "analyst"},
    ("POST", "/drafts/{key}/whatif"): {"admin", "analyst"},
    ("POST", "/instances"): {"admin", "operator"},
    ("GET", "/instances"): READERS,
    ("GET", "/instances/{instance_id}"): READERS,
    ("GET", "/instances/{instance_id}/history"): READERS,
    ("GET", "/instances/{instance_id}/explain"): READERS,
    ("POST", "/instances/{instance_id}/events"): {"admin", "operator"},
    ("POST", "/instances/{instance_id}/erase"): {"admin"},
    ("POST", "/instances/{instance_id}/{operation}"): {"admin", "operator"},
    ("POST", "/instances/batch/{operation}"): {"admin", "operator"},
    ("GET", "/breakers"): READERS,
    ("GET", "/tasks"): {"admin", "underwriter"},
    ("GET", "/tasks/metrics"): {"admin", "manager", "auditor"},
    ("GET", "/tasks/{task_id}"): {"admin", "underwriter"},
    ("POST", "/tasks/{task_id}/claim"): {"admin", "underwriter"},
    ("POST", "/tasks/{task_id}/unclaim"): {"admin", "underwriter"},
    ("POST", "/tasks/{task_id}/complete"): {"admin", "underwriter"},
    ("POST", "/tasks/{task_id}/delegate"): {"admin", "underwriter"},
    ("GET", "/notification-channels"): {"admin"},
    ("POST", "/notification-channels"): {"admin"},
    ("DELETE", "/notification-channels/{channel_id}"): {"admin"},
    ("GET", "/alerts"): {"admin"},
    ("GET", "/alerts/rules"): {"admin"},
    ("POST", "/alerts/rules"): {"admin"},
    ("DELETE", "/alerts/rules/{name}"): {"admin"},
    ("GET", "/alerts/prometheus"): {"admin"},
    ("GET", "/audit/verify"): {"admin", "manager", "auditor"},
    ("GET", "/compliance/report"): {"admin", "auditor"},
    # the user named in the path (here admin-user), or anyone with admin.users
    ("GET", "/users/{username}/out-of-office"): {"admin"},
    ("PUT", "/users/{username}/out-of-office"): {"admin"},
    ("DELETE", "/users/{username}/out-of-office"): {"admin"},
}


def _may(caller: str, allowed: set[str] | str) -> bool:
    if allowed == EVERYONE:
        return True
    if allowed == SIGNED_IN:
        return caller != ANONYMOUS
    return caller in allowed


def _expected(caller: str, allowed: set[str] | str) -> str:
    if _may(caller, allowed):
        return "allowed"
    return "401" if caller == ANONYMOUS else "403"


def _outcome(status: int) -> str:
    return str(status) if status in (401, 403) else "allowed" if status < 500 else "5xx"


@pytest.fixture
def world(engine: Engine) -> dict[str, str]:
    """A claim waiting for an underwriter: the ids the matrix fills into paths."""
    engine.publish(CLAIM_REVIEW)
    iid = engine.start("claim-review", {"amount": 900}, actor="intake")
    task = engine.tasks.list(Caller("matrix", frozenset({"admin"})), state="open").items[0]
    return {"key": "claim-review", "version": "1", "instance_id": iid, "task_id": task.id,
            "operation": "suspend", "channel_id": "no-such-channel", "name": "no-such-rule",
            "username": "admin-user"}


def test_every_endpoint_answers_each_role_as_the_role_table_says(engine, world):
    generous = RequestLimits(RateLimiter(100_000, 1000.0), RateLimiter(100_000, 1000.0))
    app = create_app(engine, limits=generous)
    identity = app.state.identity
    for role in ROLES:
        identity.create_user(f"{role}-user", roles=[role])
    mismatches = []
    with TestClient(app) as client:
        spec = client.get("/api/openapi.json").json()
        operations = [(method.upper(), path) for path, item in spec["paths"].items()
                      for method in item]
        assert len(operations) >= len(ALLOWED)
        for method, path in operations:
            route = path.removeprefix(API)
            allowed = ALLOWED.get((method, route))
            if allowed is None:
                mismatches.append(f"{method} {path}: not in ALLOWED; decide who may call it")
                continue
            url = API + route.format(**world)
            for caller in (*ROLES, ANONYMOUS):
                headers = {}
                if caller != ANONYMOUS:
                    _, secret = identity.create_token(f"{caller}-user", "matrix")
                    headers = {"Authorization": f"Bearer {secret}"}
                body = {} if method == "POST" else None
                response = client.request(method, url, headers=headers, json=body)
                got, wanted = _outcome(response.status_code), _expected(caller, allowed)
                if got != wanted:
                    mismatches.append(f"{method} {path} as {caller}: {response.status_code}, "
                                      f"expected {wanted}: {response.text[:160]}")
    assert not mismatches, "\n".join(mismatches)


def test_the_openapi_document_states_each_operations_permission_and_security(engine):
    with TestClient(create_app(engine)) as client:
        spec = client.get("/api/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            permission = operation["x-permission"]
            assert permission, f"{method.upper()} {path} has no permission"
            if permission == "public":
                assert operation["security"] == []
            else:
                assert operation["security"] == [{"bearerAuth": []}]
                assert {"401", "403", "429"} <= set(operation["responses"])


def test_a_route_the_permission_table_lacks_is_refused_even_to_an_admin(engine):
    """A developer adds a route to a router but not to API_PERMISSIONS: it fails closed."""
    before = list(tasks_router.routes)

    @tasks_router.post("/tasks/{task_id}/purge")
    def purge(task_id: str) -> dict[str, Any]:
        return {"purged": task_id}

    try:
        app = create_app(engine)
        with TestClient(app, headers=Callers(app).bearer("root", "admin")) as client:
            refused = client.post(f"{API}/tasks/t-1/purge")
    finally:
        tasks_router.routes[:] = before
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"permission": None}
    assert "declares no permission" in refused.json()["error"]["message"]
