"""`statewright tasks ...`: work the human-task inbox from a shell, as a named user.

`--user` names an account of the identity database (`statewright users add`); its roles
decide what the user may see and do, exactly as over REST.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runtime.cli.app import app
from runtime.cli.common import DEFAULT_DB, DbOption, JsonOption, open_engine, parse_json_object

if TYPE_CHECKING:
    from runtime.people.tasks import Task
    from runtime.security.identity.principal import Principal

tasks_app = typer.Typer(help="Work human tasks: list, claim, unclaim, complete, delegate.",
                        no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")

UserOption = Annotated[str, typer.Option("--user", help="The account acting (its roles count).")]


def _principal(db: str, username: str) -> Principal:
    from runtime.security.identity import IdentityError, IdentityService

    try:
        with IdentityService(db) as identity:
            return identity.principal_for(username, "cli")
    except ValueError as exc:  # a bad database URL or pool setting
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except IdentityError:
        typer.echo(f"error: no enabled user {username!r} in {db}; add one with "
                   "`statewright users add`", err=True)
        raise typer.Exit(1) from None


def _print_task(task: Task, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(task.to_json(), indent=2))
        return
    due = task.due_at.isoformat(timespec="minutes") if task.due_at else "-"
    flag = " OVERDUE" if task.overdue else ""
    typer.echo(f"{task.id}  {task.name}  [{task.priority}]  role={task.role}  "
               f"assignee={task.assignee or '-'}  state={task.state}  due={due}{flag}  "
               f"outcomes={','.join(task.outcomes)}")


@tasks_app.command("list")
def list_tasks(
    user: UserOption, db: DbOption = DEFAULT_DB,
    role: Annotated[str | None, typer.Option(help="Only tasks of this role.")] = None,
    assignee: Annotated[str | None, typer.Option(help="Only tasks assigned to this user.")] = None,
    state: Annotated[str, typer.Option(
        help="open, unclaimed, claimed, completed or cancelled.")] = "open",
    definition: Annotated[str | None, typer.Option(help="Only tasks of this process.")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only tasks past due.")] = False,
    limit: int = 50, offset: int = 0, as_json: JsonOption = False,
) -> None:
    """The user's tasks, most urgent first (priority, then due time, then age)."""
    who = _principal(db, user)
    with open_engine(db) as engine:
        page = engine.tasks.list(who, role=role, assignee=assignee, state=state,
                                 definition=definition, overdue=True if overdue else None,
                                 limit=limit, offset=offset)
    if as_json:
        typer.echo(json.dumps({"items": [t.to_json() for t in page.items], "total": page.total},
                              indent=2))
        return
    for task in page.items:
        _print_task(task, False)
    typer.echo(f"{len(page.items)} of {page.total} task(s)")


@tasks_app.command()
def claim(task_id: str, user: UserOption, db: DbOption = DEFAULT_DB,
          as_json: JsonOption = False) -> None:
    """Take a task; refused when someone else has it."""
    who = _principal(db, user)
    with open_engine(db) as engine:
        _print_task(engine.tasks.claim(task_id, who), as_json)


@tasks_app.command()
def unclaim(task_id: str, user: UserOption, db: DbOption = DEFAULT_DB,
            as_json: JsonOption = False) -> None:
    """Give a claimed task back to its role's queue."""
    who = _principal(db, user)
    with open_engine(db) as engine:
        _print_task(engine.tasks.unclaim(task_id, who), as_json)


@tasks_app.command()
def complete(
    task_id: str, outcome: Annotated[str, typer.Argument(help="One of the task's outcomes.")],
    user: UserOption, db: DbOption = DEFAULT_DB,
    data: Annotated[str | None, typer.Option(help="Form values as a JSON object.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Finish a task; the form values are checked, then merged into the instance."""
    who = _principal(db, user)
    values = parse_json_object(data, "--data")
    with open_engine(db) as engine:
        _print_task(engine.tasks.complete(task_id, who, outcome, values), as_json)


@tasks_app.command()
def delegate(
    task_id: str, user: UserOption, db: DbOption = DEFAULT_DB,
    to_user: Annotated[str | None, typer.Option("--to-user", help="Hand it to this user.")] = None,
    to_role: Annotated[str | None, typer.Option("--to-role", help="Offer it to this role.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Hand a task to a named user or to another role."""
    who = _principal(db, user)
    with open_engine(db) as engine:
        _print_task(engine.tasks.delegate(task_id, who, to_user=to_user, to_role=to_role),
                    as_json)


@tasks_app.command()
def metrics(db: DbOption = DEFAULT_DB,
            definition: Annotated[str | None, typer.Option()] = None) -> None:
    """Time to claim and to complete, by process, human state and role (JSON)."""
    with open_engine(db) as engine:
        typer.echo(json.dumps(engine.tasks.metrics(definition), indent=2))


@tasks_app.command("channel-add")
def channel_add(
    scope: Annotated[str, typer.Argument(help="role or definition")],
    target: Annotated[str, typer.Argument(help="The role name or definition key.")],
    url: Annotated[str, typer.Argument(help="The incoming-webhook URL.")],
    fmt: Annotated[str, typer.Option("--format", help="webhook, slack or teams")] = "webhook",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Send task notifications of a role or a process to a webhook."""
    from runtime.people import notifications

    with open_engine(db) as engine:
        channel = notifications.add_channel(engine, scope, target, fmt, url)
    typer.echo(json.dumps(channel))


@tasks_app.command("channel-list")
def channel_list(db: DbOption = DEFAULT_DB) -> None:
    from runtime.people import notifications

    with open_engine(db) as engine:
        for channel in notifications.list_channels(engine):
            typer.echo(json.dumps(channel))


@tasks_app.command("channel-remove")
def channel_remove(channel_id: str, db: DbOption = DEFAULT_DB) -> None:
    from runtime.people import notifications

    with open_engine(db) as engine:
        notifications.remove_channel(engine, channel_id)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in row.items()}


@tasks_app.command()
def outbox(db: DbOption = DEFAULT_DB,
           task: Annotated[str | None, typer.Option(help="Only this task's.")] = None) -> None:
    """Notifications and their delivery state (pending, delivered, dead)."""
    from runtime.people import notifications

    with open_engine(db) as engine:
        for row in notifications.list_outbox(engine, task):
            typer.echo(json.dumps(_jsonable(row)))
