"""The out-of-office control of the inbox: a button saying whether I am marked away, and a
dialog to mark myself away (from, back on, who gets my tasks) or clear the mark.

Days are whole UTC days: away from the start of `From` until the start of `Back on`. The
task service applies the rule (runtime/people/tasks/absence.py); this only sets it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from nicegui import ui

from designer.components.task_delegate import known_people
from runtime.core.errors import EngineError

if TYPE_CHECKING:
    from runtime import Engine
    from runtime.people.tasks.absence import Absence
    from runtime.security.identity import IdentityService

QUEUE = "queue"
PERSON = "person"


def _day(text: str | None) -> datetime | None:
    try:
        return datetime.combine(date.fromisoformat(text or ""), datetime.min.time(), UTC)
    except ValueError:
        return None


def describe(absence: Absence | None, now: datetime) -> str:
    """The button's text: the mark as a sentence fragment."""
    if absence is None or absence.ends_at <= now:
        return "Out of office: off"
    to = absence.delegate_to or "my roles' queues"
    when = "away" if absence.active(now) else f"away from {absence.starts_at:%d %b}"
    return f"Out of office: {when} until {absence.ends_at:%d %b} → {to}"


def out_of_office_control(engine: Engine, identity: IdentityService,
                          username: Callable[[], str | None]) -> None:
    """The button and its dialog, for the signed-in user (`username()` re-read per act)."""
    with ui.dialog() as dialog, ui.card().classes("w-[28rem]"):
        ui.label("Out of office").classes("text-lg font-semibold")
        ui.label("While you are away, tasks given to you go to your stand-in, or back to "
                 "your roles' queues for your colleagues to claim.").classes(
            "text-sm text-slate-600")
        with ui.row().classes("w-full gap-4 no-wrap"):
            since = ui.input("From").props('type=date dense outlined '
                                           'data-testid="ooo-from"').classes("grow")
            until = ui.input("Back on").props('type=date dense outlined '
                                              'data-testid="ooo-until"').classes("grow")
        rule = ui.toggle({QUEUE: "Roles' queues", PERSON: "A stand-in"},
                         value=QUEUE).props('data-testid="ooo-rule"')
        person = ui.select([], label="Stand-in", with_input=True).classes("w-full").props(
            'data-testid="ooo-delegate"')
        person.bind_visibility_from(rule, "value", value=PERSON)
        problem = ui.label().classes("text-negative text-sm").props(
            'data-testid="ooo-problem"')
        for field in (since, until, rule, person):
            field.on_value_change(lambda: problem.set_text(""))
        with ui.row().classes("w-full justify-end"):
            clear = ui.button("Clear mark", icon="event_available", on_click=lambda: _clear())
            clear.props('flat color=negative data-testid="ooo-clear"').classes("mr-auto")
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Save", icon="event_busy", on_click=lambda: _save()).props(
                'data-testid="ooo-save"')
    button = ui.button(icon="beach_access", on_click=lambda: _open()).props(
        'outline no-caps data-testid="ooo-button"')

    def _show() -> None:
        name = username()
        mark = engine.tasks.out_of_office(name) if name else None
        button.set_text(describe(mark, engine.clock.now()))

    def _open() -> None:
        name = username()
        if name is None:
            return
        mark, now = engine.tasks.out_of_office(name), engine.clock.now()
        people = [u for u in known_people(identity)[0] if u != name]
        person.set_options(people, value=mark.delegate_to if mark else None)
        rule.value = PERSON if mark and mark.delegate_to else QUEUE
        since.value = f"{(mark.starts_at if mark else now):%Y-%m-%d}"
        until.value = f"{mark.ends_at:%Y-%m-%d}" if mark else ""
        clear.set_visibility(mark is not None)
        problem.set_text("")
        dialog.open()

    def _save() -> None:
        name = username()
        starts, ends = _day(since.value), _day(until.value)
        if name is None:
            return
        if starts is None or ends is None:
            problem.set_text("Pick the day you leave and the day you are back")
            return
        stand_in = person.value if rule.value == PERSON else None
        if rule.value == PERSON and not stand_in:
            problem.set_text("Pick who gets your tasks, or send them back to the queues")
            return
        try:
            engine.tasks.set_out_of_office(name, starts, ends, stand_in, name)
        except EngineError as exc:
            problem.set_text(exc.message.removeprefix("out of office: "))
            return
        identity.record_admin_act(name, "user.out-of-office", name,
                                  f"until {ends.isoformat()}, to {stand_in or 'role'}")
        dialog.close()
        _show()
        ui.notify(f"Marked out of office until {ends:%d %b %Y}", type="positive")

    def _clear() -> None:
        name = username()
        if name is None:
            return
        try:
            engine.tasks.clear_out_of_office(name)
        except EngineError as exc:
            problem.set_text(exc.message)
            return
        identity.record_admin_act(name, "user.out-of-office.clear", name)
        dialog.close()
        _show()
        ui.notify("Out-of-office mark cleared", type="info")

    _show()

