"""Human tasks over REST: the inbox, claim/unclaim/complete/delegate, metrics, channels.

Who may see or work a task is decided by `engine.tasks` from the caller's roles (the
`Actor` from `current_actor`); this router only translates HTTP to those calls.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from runtime import notifications
from runtime.api.auth import Actor, current_actor
from runtime.api.errors import ApiError, error_responses
from runtime.api.models import PLAIN_TEXT
from runtime.identity.permissions import permissions_for
from runtime.tasks import TaskPage

router = APIRouter(tags=["tasks"], dependencies=[Depends(current_actor)])

TaskId = Annotated[str, Path(max_length=100, pattern=PLAIN_TEXT, description="Task id")]
CallerDep = Annotated[Actor, Depends(current_actor)]


class CompleteTask(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"outcome": "approve", "data": {"comment": "income verified"}}]})
    outcome: str = Field(description="One of the task's outcomes (the events of its state).")
    data: dict[str, Any] = Field(default_factory=dict,
                                 description="Form values; merged into the instance variables.")


class DelegateTask(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"to_user": "ben"}, {"to_role": "senior-underwriter"}]})
    to_user: str | None = Field(None, max_length=128)
    to_role: str | None = Field(None, max_length=128)


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scope": "role", "target": "underwriter", "format": "slack",
         "url": "https://hooks.example.com/services/T000/B000/XXXX"}]})
    scope: Literal["role", "definition"]
    target: str = Field(min_length=1, max_length=128)
    format: Literal["webhook", "slack", "teams"] = "webhook"
    url: str = Field(max_length=2000)


def _tasks(request: Request) -> Any:
    return request.app.state.engine.tasks


def _page(page: TaskPage) -> dict[str, Any]:
    return {"items": [t.to_json() for t in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


@router.get("/tasks", summary="List the caller's tasks", responses=error_responses(400, 422))
def list_tasks(
    request: Request, actor: CallerDep,
    role: str | None = None, assignee: str | None = None,
    state: Annotated[str | None, Query(
        description="open, unclaimed, claimed, completed or cancelled")] = None,
    definition: str | None = None, overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Tasks the caller may see (their roles' and their own), most urgent first: priority,
    then due time, then age."""
    return _page(_tasks(request).list(actor, role=role, assignee=assignee, state=state,
                                      definition=definition, overdue=overdue, limit=limit,
                                      offset=offset))


@router.get("/tasks/metrics", summary="Human task metrics", responses=error_responses(403))
def task_metrics(request: Request, actor: CallerDep,
                 definition: str | None = None) -> dict[str, Any]:
    """Time to claim and to complete, by definition, human state and role (as they happen).
    Needs `dashboards.read` (manager, admin)."""
    if "dashboards.read" not in permissions_for(actor.roles):
        raise ApiError(403, "forbidden", f"{actor.name!r} may not read task metrics; that "
                       "needs the manager or admin role")
    return {"items": _tasks(request).metrics(definition)}


@router.get("/tasks/{task_id}", summary="Read a task", responses=error_responses(403, 404))
def get_task(request: Request, task_id: TaskId, actor: CallerDep) -> dict[str, Any]:
    return _tasks(request).get(task_id, actor).to_json()


@router.post("/tasks/{task_id}/claim", summary="Claim a task",
             responses=error_responses(403, 404, 409))
def claim_task(request: Request, task_id: TaskId, actor: CallerDep) -> dict[str, Any]:
    """Assigns the task to the caller; 409 when someone else claimed it first."""
    return _tasks(request).claim(task_id, actor).to_json()


@router.post("/tasks/{task_id}/unclaim", summary="Give a task back",
             responses=error_responses(403, 404, 409))
def unclaim_task(request: Request, task_id: TaskId, actor: CallerDep) -> dict[str, Any]:
    return _tasks(request).unclaim(task_id, actor).to_json()


@router.post("/tasks/{task_id}/complete", summary="Complete a task",
             responses=error_responses(403, 404, 409, 422))
def complete_task(request: Request, task_id: TaskId, body: CompleteTask,
                  actor: CallerDep) -> dict[str, Any]:
    """Checks `data` against the form (422 with `details.fields` naming each problem, nothing
    changed), then moves the instance along the outcome's transition."""
    return _tasks(request).complete(task_id, actor, body.outcome, body.data).to_json()


@router.post("/tasks/{task_id}/delegate", summary="Delegate a task",
             responses=error_responses(400, 403, 404, 409))
def delegate_task(request: Request, task_id: TaskId, body: DelegateTask,
                  actor: CallerDep) -> dict[str, Any]:
    return _tasks(request).delegate(task_id, actor, to_user=body.to_user,
                                    to_role=body.to_role).to_json()


def _admin(actor: Actor) -> None:
    if "admin" not in actor.roles:
        raise ApiError(403, "forbidden", f"{actor.name!r} may not configure notification "
                       "channels; that needs the admin role")


@router.get("/notification-channels", summary="List notification channels",
            responses=error_responses(403))
def list_channels(request: Request, actor: CallerDep) -> dict[str, Any]:
    _admin(actor)
    return {"items": notifications.list_channels(request.app.state.engine)}


@router.post("/notification-channels", status_code=201, summary="Add a notification channel",
             responses=error_responses(400, 403, 422))
def add_channel(request: Request, body: Channel, actor: CallerDep) -> dict[str, Any]:
    """Task notifications of a role (or a definition) go to `url` as a generic JSON webhook,
    a Slack or a Microsoft Teams incoming-webhook message."""
    _admin(actor)
    return notifications.add_channel(request.app.state.engine, body.scope, body.target,
                                     body.format, body.url)


@router.delete("/notification-channels/{channel_id}", status_code=204,
               summary="Remove a notification channel", responses=error_responses(403, 404))
def remove_channel(request: Request, channel_id: Annotated[str, Path(max_length=36)],
                   actor: CallerDep) -> None:
    _admin(actor)
    notifications.remove_channel(request.app.state.engine, channel_id)
