"""Operator actions over REST: `POST /instances/{id}/{operation}` and the batch form
`POST /instances/batch/{operation}` over a filter, answering one result per instance."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from runtime.api import presenters
from runtime.api.auth import Caller
from runtime.api.errors import error_responses
from runtime.api.models import PLAIN_TEXT, Instance, InstanceStatus
from runtime.operations import acts as operations
from shared.definition import KEY_PATTERN, STATE_ID_PATTERN

router = APIRouter(prefix="/instances", tags=["operations"])

Operation = Literal["suspend", "resume", "cancel", "retry", "move", "set-vars", "migrate",
                    "rollback"]
InstanceId = Annotated[str, Path(max_length=100, pattern=PLAIN_TEXT, description="Instance id")]


class OperationRequest(BaseModel):
    """Why (required, recorded in the audit log) and what the operation needs."""

    reason: str = Field(min_length=1, max_length=2000)
    to: str | None = Field(None, pattern=STATE_ID_PATTERN, description="move: the target state")
    variables: dict[str, Any] | None = Field(None, description="set-vars: the values to set")
    version: int | None = Field(None, ge=1, description="migrate: the target version")
    mapping: dict[str, str] | None = Field(
        None, description="migrate: {state of the old version: state of the new version}")

    def params(self) -> dict[str, Any]:
        return self.model_dump(exclude={"reason"}, exclude_none=True)


class InstanceFilter(BaseModel):
    definition: str | None = Field(None, pattern=KEY_PATTERN)
    version: int | None = Field(None, ge=1)
    status: InstanceStatus | None = None
    state: str | None = Field(None, pattern=STATE_ID_PATTERN)
    business_key: str | None = Field(None, max_length=200, pattern=PLAIN_TEXT)


class BatchRequest(OperationRequest):
    filter: InstanceFilter = Field(default_factory=InstanceFilter)


class BatchResult(BaseModel):
    id: str
    ok: bool
    status: str | None = None
    state: str | None = None
    error: dict[str, Any] | None = None


class BatchAnswer(BaseModel):
    results: list[BatchResult]
    succeeded: int
    failed: int


@router.post("/batch/{operation}", response_model=BatchAnswer,
             summary="An operator action on every instance matching a filter",
             responses=error_responses(404, 422))
def batch_operation(request: Request, operation: Operation, body: BatchRequest,
                    caller: Caller) -> BatchAnswer:
    """Each instance is done on its own: one in the wrong status does not stop the others."""
    results = operations.perform_batch(
        request.app.state.engine, operation, body.filter.model_dump(exclude_none=True),
        body.reason, caller.username, **body.params())
    ok = sum(1 for r in results if r["ok"])
    return BatchAnswer(results=[BatchResult(**r) for r in results], succeeded=ok,
                       failed=len(results) - ok)


class EraseRequest(BaseModel):
    """Why the instance's sensitive values are erased (recorded with the caller)."""

    reason: str = Field(min_length=1, max_length=2000)


@router.post("/{instance_id}/erase", response_model=Instance,
             summary="Crypto-shred an instance: destroy its data key (admin only)",
             responses=error_responses(404, 409, 422))
def erase(request: Request, instance_id: InstanceId, body: EraseRequest,
          caller: Caller) -> Instance:
    """Its sensitive values become unrecoverable; a live instance is cancelled; an `erased`
    event records who and why. Declared before the generic operation route, which it shadows."""
    engine = request.app.state.engine
    inst = operations.perform(engine, instance_id, "erase", body.reason, caller.username)
    return presenters.instance(engine, inst, caller)


@router.post("/{instance_id}/{operation}", response_model=Instance,
             summary="An operator action: suspend, resume, cancel, retry, move, set-vars, "
                     "migrate or rollback", responses=error_responses(404, 409, 422))
def operate(request: Request, instance_id: InstanceId, operation: Operation,
            body: OperationRequest, caller: Caller) -> Instance:
    """Refused with 409 when the instance's status does not allow the operation."""
    engine = request.app.state.engine
    inst = operations.perform(engine, instance_id, operation, body.reason, caller.username,
                              **body.params())
    return presenters.instance(engine, inst, caller)
