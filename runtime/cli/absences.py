"""`statewright users out-of-office NAME`: mark a user away, show or clear the mark.

While away, tasks delegated to the user go to `--delegate-to`, or back to the task's role
queue without one (runtime/people/tasks/absence.py, docs/calendars.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from runtime.cli.common import cli_actor, open_engine
from runtime.cli.users import DEFAULT_DB, DbOption, JsonOption, _identity, users_app


def _moment(text: str | None, option: str) -> datetime | None:
    """An ISO date or date-time; without a zone it is UTC."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date or date-time like 2026-07-01 or "
                                 "2026-07-01T09:00+02:00", param_hint=option) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@users_app.command("out-of-office")
def out_of_office(
    username: str,
    since: Annotated[str | None, typer.Option(
        "--from", help="When the absence begins (ISO date or date-time; default now).")] = None,
    until: Annotated[str | None, typer.Option(
        "--until", help="When the user is back (ISO date or date-time; UTC without a zone).")
    ] = None,
    delegate_to: Annotated[str | None, typer.Option(
        "--delegate-to", help="Who gets the user's tasks meanwhile; without it they go back "
        "to each task's role queue.")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the mark.")] = False,
    as_json: JsonOption = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Mark a user out of office (--until), clear the mark (--clear), or show it (neither)."""
    starts, ends = _moment(since, "--from"), _moment(until, "--until")
    if clear and (starts or ends or delegate_to):
        raise typer.BadParameter("--clear takes no --from, --until or --delegate-to")
    if ends is None and (starts or delegate_to):
        raise typer.BadParameter("say when the user is back", param_hint="--until")
    with _identity(db) as identity, open_engine(db) as engine:
        for name in filter(None, (username, delegate_to)):
            identity.get_user(name)  # an unknown user is an error naming them
        now = engine.clock.now()
        if clear:
            engine.tasks.clear_out_of_office(username)
            identity.record_admin_act(cli_actor(), "user.out-of-office.clear", username)
            typer.echo(f"{username} is no longer marked out of office.")
            return
        if ends is not None:
            engine.tasks.set_out_of_office(username, starts or now, ends, delegate_to,
                                           cli_actor())
            identity.record_admin_act(cli_actor(), "user.out-of-office", username,
                                      f"until {ends.isoformat()}, to {delegate_to or 'role'}")
        absence = engine.tasks.out_of_office(username)
    if as_json:
        typer.echo(json.dumps(None if absence is None else absence.to_json(now), indent=2))
    elif absence is None:
        typer.echo(f"{username} is not marked out of office.")
    else:
        to = absence.delegate_to or "each task's role queue"
        state = "away now" if absence.active(now) else "away"
        typer.echo(f"{username}: {state} from {absence.starts_at.isoformat()} until "
                   f"{absence.ends_at.isoformat()}; tasks go to {to}.")
