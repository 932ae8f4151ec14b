"""Out of office over REST: `/users/{username}/out-of-office` (read, set, clear).

Users mark themselves; marking someone else needs `admin.users`. While the mark runs, tasks
delegated to the user go to `delegate_to`, or back to each task's role queue without one
(docs/calendars.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from runtime.api import denials
from runtime.api.auth import Caller
from runtime.api.errors import ApiError, error_responses
from runtime.core.errors import NotFound
from runtime.security.identity import IdentityError, Principal
from runtime.security.identity.users import USERNAME_PATTERN

router = APIRouter(tags=["users"])

Username = Annotated[str, Path(max_length=128, pattern=USERNAME_PATTERN.pattern)]


class OutOfOffice(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={
        "examples": [{"from": "2026-07-01T00:00:00Z", "until": "2026-07-15T00:00:00Z",
                      "delegate_to": "ben"}]})
    starts_at: AwareDatetime | None = Field(
        None, alias="from", description="When the absence begins (default: now).")
    ends_at: AwareDatetime = Field(alias="until", description="When the user is back.")
    delegate_to: str | None = Field(
        None, pattern=USERNAME_PATTERN.pattern,
        description="Who gets the user's tasks meanwhile; none: each task's role queue.")


def _owner(request: Request, username: Username, caller: Caller) -> Principal:
    """The caller, when they may touch `username`'s mark: checked before the body is read,
    so a refused caller learns nothing from validation errors."""
    if caller.username != username and not caller.can("admin.users"):
        message = (f"user {caller.username!r} may not touch the out-of-office mark of "
                   f"{username!r}: only their own (or any, with admin.users)")
        denials.record(request, 403, "forbidden", message)
        raise ApiError(403, "forbidden", message, {"user": username})
    return caller


Owner = Annotated[Principal, Depends(_owner)]


def _known(request: Request, *usernames: str | None) -> None:
    for name in filter(None, usernames):
        try:
            request.app.state.identity.get_user(name)
        except IdentityError:
            raise NotFound(f"no user {name!r}", {"user": name}) from None


def _tasks(request: Request) -> Any:
    return request.app.state.engine.tasks


@router.get("/users/{username}/out-of-office", summary="A user's out-of-office mark",
            responses=error_responses(403, 404))
def read_out_of_office(request: Request, username: Username, caller: Owner) -> dict[str, Any]:
    absence = _tasks(request).out_of_office(username)
    if absence is None:
        raise NotFound(f"{username!r} is not marked out of office", {"user": username})
    return absence.to_json(request.app.state.engine.clock.now())


@router.put("/users/{username}/out-of-office", summary="Mark a user out of office",
            responses=error_responses(400, 403, 404, 422))
def set_out_of_office(request: Request, username: Username, body: OutOfOffice,
                      caller: Owner) -> dict[str, Any]:
    """Replaces an earlier mark. Tasks the user holds are handed over once the period runs."""
    _known(request, username, body.delegate_to)
    engine = request.app.state.engine
    now: datetime = engine.clock.now()
    absence = engine.tasks.set_out_of_office(username, body.starts_at or now, body.ends_at,
                                             body.delegate_to, caller.username)
    request.app.state.identity.record_admin_act(
        caller.username, "user.out-of-office", username,
        f"until {body.ends_at.isoformat()}, to {body.delegate_to or 'role'}")
    return absence.to_json(now)


@router.delete("/users/{username}/out-of-office", status_code=204,
               summary="Clear a user's out-of-office mark", responses=error_responses(403, 404))
def clear_out_of_office(request: Request, username: Username, caller: Owner) -> None:
    _tasks(request).clear_out_of_office(username)
    request.app.state.identity.record_admin_act(caller.username, "user.out-of-office.clear",
                                                username)
