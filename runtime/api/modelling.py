"""`POST /drafts/{key}/simulate` and `POST /drafts/{key}/whatif`: a token run of a saved draft
and the replay of the current version's instances against it, as `statewright simulate` and
`statewright whatif --json` print them. Neither stores anything."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from runtime.api.errors import ApiError, error_responses
from runtime.definitions import checked_definition
from runtime.modelling.simulation import run
from runtime.modelling.whatif import DEFAULT_LAST, whatif
from shared.definition import KEY_PATTERN

router = APIRouter(prefix="/drafts", tags=["drafts"])

DraftKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The draft's process key")]


class SimulatedEvent(BaseModel):
    event: str = Field(max_length=200, description="An event, outcome (done, error, timeout) "
                                                   "or elapsed")
    payload: dict[str, Any] = {}


class SimulateRequest(BaseModel):
    variables: dict[str, Any] = {}
    events: list[SimulatedEvent] = Field(default=[], max_length=1000)


class WhatIfRequest(BaseModel):
    against: str | None = Field(default=None, pattern=KEY_PATTERN,
                                description="Published definition (default: the draft's key)")
    last: int = Field(default=DEFAULT_LAST, ge=1, le=10_000)
    since: datetime | None = Field(default=None, description="Replay those started since")


def _draft(request: Request, key: str) -> dict[str, Any]:
    saved = request.app.state.engine.draft(key)
    if saved is None:
        raise ApiError(404, "not-found", f"There is no draft of {key!r}.", {"key": key})
    return saved.document


@router.post("/{key}/simulate", summary="Run a draft as a token, storing nothing",
             responses=error_responses(404, 409, 422))
def simulate_draft(request: Request, key: DraftKey, body: SimulateRequest) -> dict[str, Any]:
    """Start the draft with `variables`, let `events` happen in order; the path, the steps
    with their guards and values, the variables and what may happen next."""
    definition = checked_definition(_draft(request, key))
    sim = run(definition, body.variables, [(e.event, e.payload) for e in body.events],
              datetime.now(UTC))
    return sim.to_json()


@router.post("/{key}/whatif", summary="Replay recorded instances against a draft",
             responses=error_responses(404, 422))
def whatif_draft(request: Request, key: DraftKey, body: WhatIfRequest) -> dict[str, Any]:
    """How many of the current version's instances (the last N, or those since a date)
    would take another path under the draft, and which would get stuck and why."""
    since = body.since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    engine = request.app.state.engine
    return whatif(engine, _draft(request, key), body.against or key, body.last, since)
