"""The Incidents tab of the instances page: instances in incident grouped by cause."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.auth import WebAuth
from designer.components.instance_actions import run_operation
from designer.components.instance_explain import class_badge
from designer.components.instance_status import testid
from runtime.core.error_classes import REMEDIES
from runtime.operations.queries import incident_groups

if TYPE_CHECKING:
    from runtime import Engine


class IncidentList:
    """Instances in incident grouped by cause; one click retries a whole group."""

    def __init__(self, engine: Engine, auth: WebAuth, may_operate: bool) -> None:
        self.engine, self.auth, self.may_operate = engine, auth, may_operate
        self.body = ui.column().classes("w-full gap-3").mark("incidents").props(testid("incidents"))
        self.refresh()

    def refresh(self) -> None:
        self.body.clear()
        groups = incident_groups(self.engine)
        with self.body:
            if not groups:
                ui.label("No instance is in incident.").classes("text-slate-600").mark(
                    "no-incidents"
                ).props(testid("no-incidents"))
            shown_class = None
            for group in groups:
                if group.error_class != shown_class:  # groups come ordered by class
                    shown_class = group.error_class
                    _class_heading(shown_class, groups)
                with (
                    ui.card()
                    .classes("w-full")
                    .mark("incident-group")
                    .props(testid("incident-group"))
                ):
                    with ui.row().classes("w-full items-center justify-between"):
                        with ui.column().classes("gap-0"):
                            with ui.row().classes("items-center gap-2"):
                                class_badge(group.error_class)
                                ui.label(group.cause).classes("font-semibold text-red-700")
                            ui.label(
                                f"{len(group.instance_ids)} instance(s) of "
                                f"{group.definition}, in {group.state or 'no state'}"
                            ).classes("text-sm text-slate-600")
                        if self.may_operate:
                            ui.button(
                                "Retry all", icon="replay", on_click=lambda g=group: self.retry(g)
                            ).mark("incident-retry").props(testid("incident-retry"))
                    with ui.row().classes("gap-2"):
                        for iid in group.instance_ids[:20]:
                            ui.link(iid[:8], f"/instances/{iid}").classes("font-mono text-sm")
                        if len(group.instance_ids) > 20:
                            ui.label(f"and {len(group.instance_ids) - 20} more").classes(
                                "text-sm text-slate-600"
                            )

    async def retry(self, group: Any) -> None:
        reason = f"retried after a fix of: {group.cause}"
        outcomes = await run_operation(
            self.engine, self.auth, group.instance_ids, "retry", reason
        )
        if outcomes is not None:
            self.refresh()


def _class_heading(error_class: str, groups: list[Any]) -> None:
    """The heading over the incident groups of one error class: how many, what to do."""
    count = sum(len(g.instance_ids) for g in groups if g.error_class == error_class)
    with ui.row().classes("w-full items-baseline gap-3 mt-2").mark(
            f"incident-class-{error_class}").props(testid(f"incident-class-{error_class}")):
        ui.label(error_class.replace("_", " ").capitalize()).classes("text-lg font-semibold")
        ui.label(f"{count} instance(s) · {REMEDIES[error_class]}").classes(
            "text-sm text-slate-600")
