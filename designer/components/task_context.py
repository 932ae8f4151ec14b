"""Beside a task's form: what the worker needs to know about its instance.

The instance's variables (sensitive ones masked, as in every view: SPEC §2) other than the
form's own fields, and a short history: the latest events as sentences (`event_sentences`).
Built only after the task service has let the user see the task, so it shows nothing a user
may not see.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.components.event_sentences import sentence
from runtime.people.tasks import Task
from shared.classification import hidden_names
from shared.sensitivity import masked

if TYPE_CHECKING:
    from runtime import Engine

RECENT = 8


def context_variables(engine: Engine, task: Task, sees_confidential: bool = False
                      ) -> list[dict[str, str]]:
    """The instance's variables as (name, value, description) rows, declared ones first in
    their declared order; the form's fields are left out (they are in the form). Masked by
    classification: restricted always, confidential unless `sees_confidential`."""
    definition = engine.definition(task.definition, task.version)
    declared = {v.name: v for v in definition.variables}
    sensitive = hidden_names(definition, sees_confidential)
    values = masked(engine.get(task.instance_id).variables, sensitive)
    in_form = {f["name"] for f in task.form}
    names = [n for n in declared if n in values] + sorted(set(values) - set(declared))
    rows = []
    for name in names:
        if name in in_form:
            continue
        variable = declared.get(name)
        rows.append({"name": name, "value": _shown(values[name]),
                     "description": (variable.description or "") if variable else "",
                     "sensitive": name in sensitive})
    return rows


def history_summary(engine: Engine, task: Task, recent: int = RECENT,
                    sees_confidential: bool = False) -> tuple[list[str], int]:
    """(the latest `recent` events as sentences, newest first, values the viewer may not
    see masked; how many events in all)."""
    events = engine.history(task.instance_id)
    hidden = hidden_names(engine.definition(task.definition, task.version), sees_confidential)
    return [f"{_when(e.at)} · {sentence(e, hidden)}" for e in reversed(events[-recent:])], \
        len(events)


def instance_context(engine: Engine, task: Task, sees_confidential: bool = False) -> None:
    """The context card: variables, then the history summary."""
    variables = context_variables(engine, task, sees_confidential)
    lines, total = history_summary(engine, task, sees_confidential=sees_confidential)
    with ui.card().classes("w-full").mark("task-context"):
        ui.label("Instance").classes("text-base font-semibold")
        ui.label(f"{task.definition} v{task.version} · {task.instance_id}").classes(
            "font-mono text-xs text-slate-600")
        if variables:
            with ui.grid(columns="auto 1fr").classes("w-full gap-x-4 gap-y-1 text-sm"):
                for row in variables:
                    ui.label(row["name"]).classes("font-mono text-slate-600").tooltip(
                        row["description"] or row["name"])
                    value = ui.label(row["value"]).classes("break-all")
                    value.mark(f"variable-{row['name']}")
                    if row["sensitive"]:
                        value.classes("text-slate-500 italic").tooltip("classified: masked")
        else:
            ui.label("No other variables.").classes("text-slate-600 text-sm")
        ui.separator()
        ui.label(f"History ({total} events, latest first)").classes("text-base font-semibold")
        with ui.column().classes("gap-0 text-sm").mark("task-history"):
            for line in lines:
                ui.label(line)


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _when(moment: datetime) -> str:
    return moment.strftime("%m-%d %H:%M:%S")
