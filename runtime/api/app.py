"""Builds the FastAPI app: REST under /api/v1, OpenAPI at /api/openapi.json, probes at the root.

The app claims only `/api/...`, `/healthz`, `/readyz` and `/metrics`, so the web UI can be
mounted at `/` on the same app (NiceGUI's `ui.run_with`); the security headers and the body
limit wrap the web UI too. Every router is included with the `authorize` dependency, which
checks each route against the one permission table.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import Match, Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from runtime.api import (
    absences,
    alerts,
    audit,
    breakers,
    compliance,
    definitions,
    explain,
    health,
    instances,
    modelling,
    operations,
    tasks,
    tokens,
)
from runtime.api.auth import API_PREFIX, authorize
from runtime.api.breakers import BreakerGauges
from runtime.api.denials import denial_counter
from runtime.api.errors import ApiError, RequestIdAndCatchAll, install_error_handlers
from runtime.api.limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from runtime.api.openapi_security import document_security
from runtime.api.probes import DatabaseProbe
from runtime.api.security_headers import SecurityHeaders
from runtime.metrics import Metrics
from runtime.security.identity import IdentityService, RequestLimits
from shared.definition import Definition

ROUTERS = (definitions.router, instances.router, operations.router, breakers.router,
           explain.router, tasks.router, audit.router, compliance.router, tokens.router,
           alerts.router, modelling.router, absences.router, health.router)


def create_app(
    engine: Any,
    *,
    identity: IdentityService | None = None,
    limits: RequestLimits | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The REST API over `engine`; the caller owns the engine's lifecycle (runner, close).

    Users and tokens live in the engine's database: without `identity` the app opens an
    `IdentityService` on `engine.url` and closes it on shutdown. `limits` are the per-address
    and per-token rate limits (default: the identity service's, in the configured store).
    """
    owned = identity is None
    identity = identity or IdentityService(engine.url, clock=engine.clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            identity.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Statewright",
        version="1",
        description="Publish workflow definitions, start instances and send them events.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        # JSON in: a body sent without a Content-Type is read as JSON rather than refused.
        strict_content_type=False,
        # Operation ids are the endpoint functions' names: stable for generated clients.
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.engine = engine
    app.state.identity = identity
    app.state.limits = limits or identity.request_limits()
    app.state.probe = DatabaseProbe(engine)
    app.state.metrics = Metrics()
    app.state.metrics.watch_database(app.state.probe.gauges)
    app.state.denied = denial_counter(app.state.metrics.registry)

    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    app.add_middleware(RequestCounter, metrics=app.state.metrics)
    app.add_middleware(RequestIdAndCatchAll)
    app.add_middleware(SecurityHeaders)

    app.state.metrics.registry.register(BreakerGauges(engine))
    app.state.metrics.registry.register(alerts.AlertGauges(engine))
    guarded = [Depends(authorize)]
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX, dependencies=guarded)
    app.include_router(health.router, include_in_schema=False, dependencies=guarded)
    app.add_api_route(
        "/api/{path:path}", unknown_api_path, methods=ANY_METHOD, include_in_schema=False
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def unknown_api_path(request: Request, path: str) -> None:
    """Unknown `/api/...` paths answer 404 (405 for a known path) in the error shape, also when
    a web UI mounted at `/` would otherwise answer them with an HTML page."""
    allowed = sorted(
        method
        for method in ANY_METHOD
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
            if not isinstance(route, Mount)  # a UI mounted at `/` matches every path
            and getattr(route, "endpoint", None) is not unknown_api_path
        )
    )
    where = f"{request.method} {request.url.path}"
    if allowed:
        raise ApiError(
            405,
            "method-not-allowed",
            f"{where} is not allowed; use {', '.join(allowed)}",
            {"allowed": allowed},
            {"Allow": ", ".join(allowed)},
        )
    raise ApiError(404, "not-found", f"No such endpoint: {where}")


class RequestCounter:
    """Counts API requests by route template (not raw path, which would explode the labels)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            route = scope.get("route")
            if isinstance(route, APIRoute):
                # Routes of included routers carry their path without the include prefix.
                template = route.path
                if scope["path"].startswith(API_PREFIX) and not template.startswith("/api"):
                    template = API_PREFIX + template
                self.metrics.http_requests.labels(scope["method"], template, str(status)).inc()


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus the `statewright/v1` Definition model for publish bodies."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        model = Definition.model_json_schema(
            by_alias=True, ref_template="#/components/schemas/{model}"
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.update(model.pop("$defs", {}))
        components["Definition"] = model
        document_security(schema, API_PREFIX)
        app.openapi_schema = schema
    return app.openapi_schema
