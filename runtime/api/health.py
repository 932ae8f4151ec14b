"""Liveness, readiness and Prometheus metrics, served at the root (for probes) and under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runtime.api.errors import ApiError, error_responses
from runtime.api.models import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness: the process answers")
def healthz() -> Health:
    """Never touches the database, so a slow database does not get the process restarted."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    summary="Readiness: the database is reachable",
    responses=error_responses(503),
)
def readyz(request: Request) -> Health:
    try:
        request.app.state.probe.ping()
    except Exception as exc:
        raise ApiError(503, "unavailable", f"The database is not reachable: {exc}") from exc
    return Health(status="ok")


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def metrics(request: Request) -> Response:
    body, content_type = request.app.state.metrics.render()
    return Response(body, media_type=content_type)
