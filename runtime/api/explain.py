"""`GET /instances/{id}/explain`: "why is it stuck?", the same data `statewright explain --json`
prints (`runtime.operations.explain`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from runtime.api.errors import error_responses
from runtime.api.models import PLAIN_TEXT
from runtime.core.error_classes import CLASSES
from runtime.operations.explain import explain

router = APIRouter(prefix="/instances", tags=["instances"])

InstanceId = Annotated[str, Path(max_length=100, pattern=PLAIN_TEXT, description="Instance id")]


class ExplainedInstance(BaseModel):
    id: str
    definition: str
    version: int
    state: str | None
    status: str
    business_key: str | None


class UsualTime(BaseModel):
    visits: int = Field(description="Visits of the state the percentiles are taken over")
    p50_s: float | None
    p95_s: float | None
    scope: str = Field(description='"version N", or "all versions" when N has few visits')


class ExplainedState(BaseModel):
    id: str | None
    type: str | None
    since: str | None = Field(description="When the instance entered the state (ISO 8601)")
    for_s: float | None = Field(description="Seconds in the state so far")
    usual: UsualTime | None
    verdict: str


class Waiting(BaseModel):
    kind: str = Field(description="event, task, timer, job, breaker, bulkhead, child, operator")
    summary: str
    details: dict[str, Any]


class LastError(BaseModel):
    message: str
    class_: str = Field(alias="class", description=f"One of: {', '.join(CLASSES)}")
    type: str | None = Field(description="The exception's class name (actions)")
    remedy: str
    at: str
    action: str | None
    attempt: int | None
    final: bool


class Explanation(BaseModel):
    instance: ExplainedInstance
    state: ExplainedState
    waits_for: list[Waiting]
    last_error: LastError | None
    summary: str


@router.get("/{instance_id}/explain", response_model=Explanation, response_model_by_alias=True,
            summary="Why is it stuck? State and time there, what it waits for, last error",
            responses=error_responses(404, 422))
def explain_instance(request: Request, instance_id: InstanceId) -> dict[str, Any]:
    """The state and how long against its usual p50/p95, what the instance waits for (an
    event and who may send it, a task and who holds it, a timer, a job and its attempts, an
    open breaker, a full bulkhead, a child instance) and its last error with its class."""
    engine = request.app.state.engine
    return explain(engine, instance_id, engine.breakers).to_json()
