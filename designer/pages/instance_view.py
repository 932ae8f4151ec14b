"""The Instance page: the live graph, the history timeline with time travel, variables, pending
work, why it is stuck ("Why?") and operator actions of one instance.

It follows `engine.changes` for this instance, so the graph and the timeline move within a
second of a commit without a reload; clicking an event shows the graph as it was right after
it, computed from the event log (`runtime.core.instance_path`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.auth import WebAuth
from designer.components.instance_actions import (
    DESTRUCTIVE,
    ERASE,
    OPERATE,
    VERBS,
    operation_props,
    reason_dialog,
    run_operation,
)
from designer.components.instance_explain import explain_panel
from designer.components.instance_graph import InstanceGraph
from designer.components.instance_panels import variables_panel, work_panel
from designer.components.instance_status import STATUS_COLOURS, testid
from designer.components.instance_timeline import timeline
from designer.components.shell import page_frame
from designer.components.task_live import follow_changes
from runtime.core import events as ev
from runtime.core.errors import NotFound
from runtime.core.instance_path import path_at
from runtime.operations import OPERATIONS
from shared.classification import CONFIDENTIAL, hidden_names

if TYPE_CHECKING:
    from runtime import Engine

SIMPLE = ("suspend", "resume", "cancel", "retry", "rollback")


def register(engine: Engine, auth: WebAuth) -> None:
    @ui.page("/instances/{instance_id}")
    def page(instance_id: str) -> None:
        with page_frame(
            "Instances", user=auth.username(), full_width=True, title=f"Instance {instance_id}"
        ):
            principal = auth.require("instances.read", f"/instances/{instance_id}")
            if principal is None:
                return
            try:
                engine.get(instance_id)
            except NotFound:
                ui.label(f"There is no instance {instance_id!r}.").classes("text-lg").mark(
                    "missing-instance"
                ).props(testid("missing-instance"))
                ui.link("Back to Instances", "/instances")
                return
            view = InstanceView(
                engine, auth, instance_id, principal.can(OPERATE), principal.can(ERASE),
                principal.can(CONFIDENTIAL),
            )
            follow_changes(engine, lambda change: change.instance_id == instance_id, view.refresh)


class InstanceView:
    """Builds the page once, then `refresh` re-reads the instance after every change."""

    def __init__(
        self, engine: Engine, auth: WebAuth, instance_id: str, may_operate: bool, may_erase: bool,
        sees_confidential: bool,
    ) -> None:
        self.engine, self.auth, self.id, self.may_operate = engine, auth, instance_id, may_operate
        self.may_erase, self.sees_confidential = may_erase, sees_confidential
        self.at_seq: int | None = None  # time travel: show the graph after this event
        self.picked: str | None = None  # a state picked on the graph (the move target)
        self.inst = engine.get(instance_id)
        self.document = engine.version(self.inst.definition, self.inst.version).document
        self.shown_version = self.inst.version
        self.header = ui.row().classes("w-full items-center justify-between")
        self.travel = ui.row().classes("w-full items-center gap-2 bg-blue-50 rounded px-3 py-1")
        # Side by side on a desk; stacked (graph above the history) below 1024 px.
        with ui.row().classes("w-full gap-4 flex-nowrap max-lg:flex-col items-stretch"):
            with ui.card().classes(
                "grow min-w-0 h-[calc(100vh-220px)] max-lg:h-[60vh] max-lg:w-full p-0"
            ):
                self.graph_box = ui.element("div").classes("w-full h-full")
            with ui.card().classes(
                "w-[30rem] shrink-0 h-[calc(100vh-220px)] max-lg:w-full max-lg:h-[80vh] p-2"
            ):
                with ui.tabs().classes("w-full") as tabs:
                    history_tab = ui.tab("History")
                    variables_tab = (
                        ui.tab("Variables").mark("tab-variables").props(testid("tab-variables"))
                    )
                    work_tab = ui.tab("Work").mark("tab-work").props(testid("tab-work"))
                    why_tab = ui.tab("Why?").mark("tab-why").props(testid("tab-why"))
                with ui.tab_panels(tabs, value=history_tab).classes("w-full grow overflow-auto"):
                    with ui.tab_panel(history_tab).classes("p-1"):
                        self.history_box = ui.column().classes("w-full")
                    with ui.tab_panel(variables_tab).classes("p-1"):
                        self.variables_box = ui.column().classes("w-full")
                    with ui.tab_panel(work_tab).classes("p-1"):
                        self.work_box = ui.column().classes("w-full")
                    with ui.tab_panel(why_tab).classes("p-1"):
                        self.why_box = ui.column().classes("w-full")
        self.dialogs = ui.element("div")  # dialogs live here: refreshes redraw the rest
        self._draw_graph()
        self.refresh()

    def _draw_graph(self) -> None:
        self.graph_box.clear()
        with self.graph_box:
            self.graph = InstanceGraph(self.document, on_pick=self._picked)

    def _picked(self, selection: dict[str, Any]) -> None:
        nodes = selection.get("nodes") or []
        self.picked = nodes[0] if nodes else None

    def refresh(self) -> None:
        """Re-read the instance and its log; redraw what depends on them."""
        self.inst = self.engine.get(self.id)
        if self.inst.version != self.shown_version:  # migrated: draw the other version
            self.shown_version = self.inst.version
            self.document = self.engine.version(self.inst.definition, self.inst.version).document
            self._draw_graph()
        self.events = self.engine.history(self.id)
        definition = self.engine.definition(self.inst.definition, self.inst.version)
        self.sensitive = self.engine.sensitive(definition)  # sealed: what erasing destroys
        self.hidden = hidden_names(definition, self.sees_confidential)  # masked on this page
        self._header()
        self._show_path()
        self.history_box.clear()
        with self.history_box:
            timeline(self.events, self.hidden, self.at_seq, self.travel_to)
        self.variables_box.clear()
        with self.variables_box:
            variables_panel(
                self.inst, self.hidden, self.ask_set_variable if self.may_operate else None
            )
        self.work_box.clear()
        with self.work_box:
            work_panel(self.engine, self.inst)
        self.why_box.clear()
        with self.why_box:
            explain_panel(self.engine, self.id)

    def travel_to(self, seq: int | None) -> None:
        """Show the graph as it was right after event `seq` (None: as it is now)."""
        self.at_seq = None if seq is None or seq >= self.events[-1].seq else seq
        self.refresh()

    def _show_path(self) -> None:
        path = path_at(self.document, self.events, self.at_seq)
        self.graph.show(path)
        self.travel.clear()
        self.travel.set_visibility(self.at_seq is not None)
        if self.at_seq is not None:
            event = next(e for e in self.events if e.seq == self.at_seq)
            with self.travel:
                ui.icon("history").classes("text-blue-700")
                ui.label(
                    f"As it was after event #{event.seq} ({event.type}, "
                    f"{event.at:%Y-%m-%d %H:%M:%S}): {path.status}, "
                    f"in {path.state or 'no state yet'}"
                ).mark("travel-banner").props(testid("travel-banner"))
                ui.button("Back to now", on_click=lambda: self.travel_to(None)).props(
                    "flat dense no-caps"
                ).mark("travel-now").props(testid("travel-now"))

    def _header(self) -> None:
        inst = self.inst
        self.header.clear()
        with self.header:
            with ui.column().classes("gap-0"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(f"{inst.definition} v{inst.version}").classes("text-xl font-semibold")
                    ui.badge(inst.status, color=STATUS_COLOURS.get(inst.status, "grey-8")).mark(
                        "instance-status"
                    ).props(testid("instance-status"))
                    ui.label(f"in {', '.join(active_states(inst))}").classes("text-lg").mark(
                        "instance-state"
                    ).props(testid("instance-state"))
                ui.label(
                    f"{inst.id} · business key {inst.business_key or '—'} · started "
                    f"{inst.created_at:%Y-%m-%d %H:%M:%S} by {inst.started_by or '—'}"
                ).classes("text-xs text-slate-600 font-mono break-words")
            if self.may_operate:
                with ui.row().classes("gap-1"):
                    for operation in (o for o in SIMPLE if inst.status in OPERATIONS[o][0]):
                        ui.button(
                            VERBS[operation], on_click=lambda op=operation: self.ask(op)
                        ).props(operation_props(operation)).mark(f"op-{operation}").props(
                            testid(f"op-{operation}")
                        )
                    ui.button("Move…", on_click=self.ask_move).props("outline dense no-caps").mark(
                        "op-move"
                    ).props(testid("op-move"))
                    ui.button("Migrate…", on_click=self.ask_migrate).props(
                        "outline dense no-caps"
                    ).mark("op-migrate").props(testid("op-migrate"))
            if self.may_erase and not any(e.type == ev.ERASED for e in self.events):
                ui.button("Erase…", icon="delete_forever", on_click=self.ask_erase).props(
                    "outline dense no-caps color=negative"
                ).mark("op-erase").props(testid("op-erase"))

    # ---- operator actions ----------------------------------------------------------------

    def _dialog(
        self,
        title: str,
        confirm: Callable[[str], Any],
        fields: Callable[[], Any] | None = None,
        destructive: bool = False,
    ) -> None:
        """A reason dialog that survives live refreshes of the page behind it."""
        self.dialogs.clear()
        with self.dialogs:
            reason_dialog(title, confirm, fields, destructive)

    def ask(self, operation: str) -> None:
        self._dialog(
            f"{VERBS[operation]} this instance",
            lambda reason: self._do(operation, reason),
            destructive=operation in DESTRUCTIVE,
        )

    async def _do(self, operation: str, reason: str, **params: Any) -> None:
        await run_operation(self.engine, self.auth, [self.id], operation, reason, **params)
        self.refresh()

    def ask_erase(self) -> None:
        def warning() -> None:
            names = ", ".join(sorted(self.sensitive)) or "none declared"
            ui.label(
                "This destroys the instance's data key: its sensitive values "
                f"({names}) become unrecoverable, everywhere, for good. A live instance is "
                "cancelled. The audit log keeps who and why."
            ).classes("text-sm text-negative").mark("erase-warning").props(testid("erase-warning"))

        self._dialog(
            "Erase this instance's sensitive values",
            lambda r: self._do("erase", r),
            warning,
            destructive=True,
        )

    def ask_move(self) -> None:
        states = [s["id"] for s in self.document.get("states", [])]
        target: dict[str, Any] = {"to": self.picked if self.picked in states else None}

        def fields() -> None:
            ui.label("Pick the state on the graph before opening this, or choose it here.").classes(
                "text-xs text-slate-600"
            )
            ui.select(
                states,
                label="Move to",
                value=target["to"],
                on_change=lambda e: target.update(to=e.value),
            ).classes("w-full").mark("move-target").props(testid("move-target"))

        self._dialog(
            "Move this instance to another state",
            lambda reason: self._do("move", reason, to=target["to"]),
            fields,
        )

    def ask_migrate(self) -> None:
        versions = [
            v.version
            for v in self.engine.versions(self.inst.definition)
            if v.version != self.inst.version
        ]
        if not versions:
            ui.notify(f"{self.inst.definition} has no other version to migrate to", type="warning")
            return
        choice: dict[str, Any] = {"version": versions[-1], "to": None}

        def fields() -> None:
            mapping_box = ui.column().classes("w-full")

            def mapping_form() -> None:
                target = self.engine.version(self.inst.definition, choice["version"]).document
                states = [s["id"] for s in target.get("states", [])]
                choice["to"] = self.inst.state if self.inst.state in states else None
                mapping_box.clear()
                with mapping_box:
                    ui.label(f"Current state {self.inst.state!r} becomes:").classes("text-sm")
                    ui.select(
                        states, value=choice["to"], on_change=lambda e: choice.update(to=e.value)
                    ).classes("w-full").mark("migrate-state").props(testid("migrate-state"))

            ui.select(
                versions,
                label="To version",
                value=choice["version"],
                on_change=lambda e: (choice.update(version=e.value), mapping_form()),
            ).classes("w-full").mark("migrate-version").props(testid("migrate-version"))
            mapping_form()

        async def confirm(reason: str) -> None:
            mapping = {self.inst.state: choice["to"]} if choice["to"] else {}
            await self._do("migrate", reason, version=choice["version"], mapping=mapping)

        self._dialog("Migrate this instance to another version", confirm, fields)

    def ask_set_variable(self, name: str, value: Any) -> None:
        entered: dict[str, Any] = {"value": value}

        def fields() -> None:
            ui.input(
                f'New value of {name} (JSON: 5000, "text", true)',
                value=_as_json(value),
                on_change=lambda e: entered.update(value=e.value),
            ).classes("w-full font-mono").mark("variable-value").props(testid("variable-value"))

        async def confirm(reason: str) -> None:
            await self._do("set-vars", reason, variables={name: _parsed(entered["value"])})

        self._dialog(f"Set variable {name}", confirm, fields)


# PARALLEL-BRANCHES: where the instance is, one state per running branch.
def active_states(inst: Any) -> list[str]:
    return list(inst.active_states) or [str(inst.state)]


def _as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _parsed(text: Any) -> Any:
    """JSON when it parses (numbers, booleans, quoted text), else the text as typed."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
