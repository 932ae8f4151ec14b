"""Human tasks over REST: the inbox, claim/unclaim/complete/delegate, metrics, channels.

The permission table lets task workers, managers (metrics) and admins (channels) in; which
task a caller may see or work is decided by `engine.tasks` from their roles. A task the caller
may not see answers 404 exactly like a missing one, so task ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from runtime.api import denials
from runtime.api.auth import Caller
from runtime.api.errors import error_responses
from runtime.api.models import PLAIN_TEXT, PageOffset
from runtime.core.errors import NotFound
from runtime.people import notifications
from runtime.people.tasks import Task, TaskForbidden, TaskPage
from runtime.security.identity import Principal
from runtime.security.identity.users import ROLE_PATTERN, USERNAME_PATTERN

router = APIRouter(tags=["tasks"])

TaskId = Annotated[str, Path(max_length=100, pattern=PLAIN_TEXT, description="Task id")]
# Filters end up in SQL parameters: no control characters (PostgreSQL refuses NUL).
Filter = Annotated[str | None, Query(max_length=200, pattern=PLAIN_TEXT)]


class CompleteTask(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"outcome": "approve", "data": {"comment": "income verified"}}]})
    outcome: str = Field(description="One of the task's outcomes (the events of its state).")
    data: dict[str, Any] = Field(default_factory=dict,
                                 description="Form values; merged into the instance variables.")


class DelegateTask(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"to_user": "ben"}, {"to_role": "senior-underwriter"}]})
    to_user: str | None = Field(None, pattern=USERNAME_PATTERN.pattern)
    to_role: str | None = Field(None, pattern=ROLE_PATTERN.pattern)


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scope": "role", "target": "underwriter", "format": "slack",
         "url": "https://hooks.example.com/services/T000/B000/XXXX"}]})
    scope: Literal["role", "definition", "alert"]
    target: str = Field(min_length=1, max_length=128, pattern=PLAIN_TEXT,
                        description="The role, definition key, or alert rule name (`*`: all)")
    format: Literal["webhook", "slack", "teams", "email"] = "webhook"
    url: str = Field(max_length=2000, pattern=PLAIN_TEXT,
                     description="An http(s) URL; for `email` mailto:name@host[,name@host]")


def _tasks(request: Request) -> Any:
    return request.app.state.engine.tasks


def _page(page: TaskPage) -> dict[str, Any]:
    return {"items": [t.to_json() for t in page.items], "total": page.total,
            "limit": page.limit, "offset": page.offset}


def _unless_hidden(request: Request, task_id: str, caller: Principal,
                   act: Callable[[], Task]) -> dict[str, Any]:
    """Run `act`; a refusal for a task the caller may not even see becomes a 404 (logged
    as a denial), while a refusal for a visible task stays a 403."""
    try:
        return act().to_json()
    except TaskForbidden as refused:
        try:
            _tasks(request).get(task_id, caller)
        except TaskForbidden:
            denials.record(request, 404, "task-hidden", refused.message)
            raise NotFound(f"no task {task_id!r}", {"task": task_id}) from None
        raise


@router.get("/tasks", summary="List the caller's tasks", responses=error_responses(400, 422))
def list_tasks(
    request: Request, caller: Caller,
    role: Filter = None, assignee: Filter = None,
    state: Annotated[str | None, Query(
        description="open, unclaimed, claimed, completed or cancelled")] = None,
    definition: Filter = None, overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Tasks the caller may see (their roles' and their own), most urgent first: priority,
    then due time, then age."""
    return _page(_tasks(request).list(caller, role=role, assignee=assignee, state=state,
                                      definition=definition, overdue=overdue, limit=limit,
                                      offset=offset))


@router.get("/tasks/metrics", summary="Human task metrics")
def task_metrics(request: Request, definition: Filter = None) -> dict[str, Any]:
    """Time to claim and to complete, by definition, human state and role (as they happen).
    Needs `dashboards.read` (manager, admin)."""
    return {"items": _tasks(request).metrics(definition)}


@router.get("/tasks/{task_id}", summary="Read a task", responses=error_responses(404))
def get_task(request: Request, task_id: TaskId, caller: Caller) -> dict[str, Any]:
    return _unless_hidden(request, task_id, caller,
                          lambda: _tasks(request).get(task_id, caller))


@router.post("/tasks/{task_id}/claim", summary="Claim a task",
             responses=error_responses(403, 404, 409))
def claim_task(request: Request, task_id: TaskId, caller: Caller) -> dict[str, Any]:
    """Assigns the task to the caller; 409 when someone else claimed it first."""
    return _unless_hidden(request, task_id, caller,
                          lambda: _tasks(request).claim(task_id, caller))


@router.post("/tasks/{task_id}/unclaim", summary="Give a task back",
             responses=error_responses(403, 404, 409))
def unclaim_task(request: Request, task_id: TaskId, caller: Caller) -> dict[str, Any]:
    return _unless_hidden(request, task_id, caller,
                          lambda: _tasks(request).unclaim(task_id, caller))


@router.post("/tasks/{task_id}/complete", summary="Complete a task",
             responses=error_responses(403, 404, 409, 422))
def complete_task(request: Request, task_id: TaskId, body: CompleteTask,
                  caller: Caller) -> dict[str, Any]:
    """Checks `data` against the form (422 with `details.fields` naming each problem, nothing
    changed), then moves the instance along the outcome's transition."""
    return _unless_hidden(request, task_id, caller, lambda: _tasks(request).complete(
        task_id, caller, body.outcome, body.data))


@router.post("/tasks/{task_id}/delegate", summary="Delegate a task",
             responses=error_responses(400, 403, 404, 409))
def delegate_task(request: Request, task_id: TaskId, body: DelegateTask,
                  caller: Caller) -> dict[str, Any]:
    return _unless_hidden(request, task_id, caller, lambda: _tasks(request).delegate(
        task_id, caller, to_user=body.to_user, to_role=body.to_role))


@router.get("/notification-channels", summary="List notification channels")
def list_channels(request: Request) -> dict[str, Any]:
    return {"items": notifications.list_channels(request.app.state.engine)}


@router.post("/notification-channels", status_code=201, summary="Add a notification channel",
             responses=error_responses(400, 422))
def add_channel(request: Request, body: Channel) -> dict[str, Any]:
    """Task notifications of a role (or a definition) go to `url` as a generic JSON webhook,
    a Slack or a Microsoft Teams incoming-webhook message."""
    return notifications.add_channel(request.app.state.engine, body.scope, body.target,
                                     body.format, body.url)


@router.delete("/notification-channels/{channel_id}", status_code=204,
               summary="Remove a notification channel", responses=error_responses(404))
def remove_channel(request: Request, channel_id: Annotated[str, Path(max_length=36)]) -> None:
    notifications.remove_channel(request.app.state.engine, channel_id)
