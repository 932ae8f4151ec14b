"""Instances: start, list, read, send events, read the event log.

Operator actions (`POST /instances/{id}/{operation}`) will live in their own router module.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from runtime.api import presenters
from runtime.api.auth import Caller
from runtime.api.errors import error_responses
from runtime.api.models import (
    PLAIN_TEXT,
    Instance,
    InstanceHistory,
    InstancePage,
    InstanceStatus,
    PageOffset,
    SendEvent,
    StartInstance,
)
from runtime.api.task_events import check_task_event
from runtime.api.tracing import traced
from runtime.core.errors import EngineError
from runtime.metrics import Metrics
from shared.definition import KEY_PATTERN, STATE_ID_PATTERN

router = APIRouter(prefix="/instances", tags=["instances"])

MAX_PAGE = 500
InstanceId = Annotated[str, Path(max_length=100, pattern=PLAIN_TEXT, description="Instance id")]


def _engine(request: Request) -> Any:
    return request.app.state.engine


def _metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def _links_to_the_instance(path: str) -> dict[str, Any]:
    """OpenAPI links from an answer carrying an instance to the calls that take its id."""
    return {
        operation: {"operationId": operation, "parameters": {"instance_id": path}}
        for operation in ("get_instance", "send_event", "get_history")
    }


@router.post(
    "",
    response_model=Instance,
    status_code=201,
    summary="Start an instance",
    responses={
        201: {"links": _links_to_the_instance("$response.body#/id")},
        **error_responses(400, 404, 413, 422),
    },
)
def start_instance(request: Request, body: StartInstance, caller: Caller) -> Instance:
    """Starts `definition` (latest version unless `version`) and runs its automatic steps.

    With an `idempotency_key`, repeating the call answers the instance the first call started.
    """
    engine, metrics = _engine(request), _metrics(request)
    began = time.perf_counter()
    with traced(request, "POST /api/v1/instances") as span:
        instance_id = span.instance_id = engine.start(
            body.definition,
            body.variables,
            actor=caller.username,
            version=body.version,
            idempotency_key=body.idempotency_key,
            business_key=body.business_key,
        )
    metrics.start_seconds.observe(time.perf_counter() - began)
    metrics.instances_started.labels(body.definition).inc()
    return presenters.instance(engine, engine.get(instance_id), caller)


@router.get("", response_model=InstancePage, summary="List instances, newest first")
def list_instances(
    request: Request,
    caller: Caller,
    definition: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: InstanceStatus | None = None,
    state: Annotated[str | None, Query(pattern=STATE_ID_PATTERN)] = None,
    business_key: Annotated[str | None, Query(max_length=200, pattern=PLAIN_TEXT)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: PageOffset = 0,
) -> InstancePage:
    engine = _engine(request)
    page = engine.list_instances(
        definition=definition,
        version=version,
        status=status,
        state=state,
        business_key=business_key,
        limit=limit,
        offset=offset,
    )
    return InstancePage(
        items=[presenters.instance(engine, i, caller) for i in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{instance_id}",
    response_model=Instance,
    summary="One instance",
    responses=error_responses(404, 422),
)
def get_instance(request: Request, instance_id: InstanceId, caller: Caller) -> Instance:
    engine = _engine(request)
    return presenters.instance(engine, engine.get(instance_id), caller)


@router.post(
    "/{instance_id}/events",
    response_model=Instance,
    summary="Send an event to an instance",
    responses=error_responses(400, 404, 409, 413, 422),
)
def send_event(
    request: Request,
    instance_id: InstanceId,
    body: SendEvent,
    caller: Caller,
) -> Instance:
    """409 when the instance does not accept the event now: `details.accepted` lists what it
    would accept. 422 when the payload does not fit the declared variable types. A refused
    event changes nothing. With an `idempotency_key`, a repeat answers the first result."""
    engine, metrics = _engine(request), _metrics(request)
    began = time.perf_counter()
    try:
        check_task_event(engine, instance_id, body.event, body.payload, caller.username)
        with traced(request, "POST /api/v1/instances/{instance_id}/events", instance_id):
            after = engine.send(
                instance_id,
                body.event,
                body.payload,
                actor=caller.username,
                idempotency_key=body.idempotency_key,
            )
    except EngineError as exc:
        metrics.events_refused.labels(exc.code).inc()
        raise
    metrics.send_seconds.observe(time.perf_counter() - began)
    metrics.events_accepted.labels(after.definition).inc()
    return presenters.instance(engine, after, caller)


@router.get(
    "/{instance_id}/history",
    response_model=InstanceHistory,
    summary="The instance's event log, oldest first",
    responses=error_responses(404, 422),
)
def get_history(request: Request, instance_id: InstanceId, caller: Caller) -> InstanceHistory:
    engine = _engine(request)
    events = engine.history(instance_id)
    return presenters.history(engine, engine.get(instance_id), events, caller)
