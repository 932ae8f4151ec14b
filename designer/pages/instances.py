"""The Instances page: filter, sort and page through instances; act on a selection; incidents.

Paging and sorting happen in the store (`runtime.operations.queries.search`), one page at a
time, so the page stays fast with many thousands of instances; committed changes redraw the
shown page (at most about once a second), keeping the operator's selection.
The applied filters live in the URL (`?state=review&q=LN-7`): a reload keeps them, links share.
`?status=incident` opens the incidents view: instances in incident grouped by error class
and cause, each group retried with one click. Below 768 px each instance is a card.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from nicegui import ui

from designer.auth import WebAuth
from designer.components.empty_state import calm_when_empty
from designer.components.instance_actions import (
    DESTRUCTIVE,
    OPERATE,
    operation_props,
    reason_dialog,
    run_operation,
)
from designer.components.instance_status import STATUS_COLOURS, STATUSES, testid
from designer.components.shell import page_frame
from designer.components.table_cards import cards_on_phones
from designer.components.task_live import follow_changes
from designer.pages import instance_view
from designer.pages.incident_list import IncidentList
from runtime.core.views import Instance
from runtime.operations.queries import InstanceQuery, QueryInvalid, search

if TYPE_CHECKING:
    from runtime import Engine

_JS_COLOURS = json.dumps(STATUS_COLOURS).replace('"', "'")  # inside a Vue attribute
PAGE_SIZE = 25
LIVE_SETTLE_S = 1.0  # a busy engine redraws the list at most about once a second
BATCH = ("suspend", "resume", "cancel", "retry")
COLUMNS = [
    {"name": name, "label": label, "field": name, "align": "left", "sortable": True}
    for name, label in (("id", "Instance"), ("definition", "Process"), ("state", "State"),
                        ("status", "Status"), ("business_key", "Business key"),
                        ("started", "Started"), ("updated", "Updated"))
]


def register(engine: Engine, auth: WebAuth) -> None:
    instance_view.register(engine, auth)  # /instances/{id}

    @ui.page("/instances")
    def page(
        status: str | None = None,
        definition: str | None = None,
        state: str | None = None,
        q: str | None = None,
        variable: str | None = None,
    ) -> None:
        with page_frame("Instances", user=auth.username()):
            principal = auth.require("instances.read", "/instances")
            if principal is None:
                return
            may_operate = principal.can(OPERATE)
            with ui.tabs().classes("w-full") as tabs:
                all_tab = ui.tab("All instances").mark("tab-all").props(testid("tab-all"))
                incident_tab = (
                    ui.tab("Incidents").mark("tab-incidents").props(testid("tab-incidents"))
                )
            start = incident_tab if status == "incident" else all_tab
            panels = ui.tab_panels(tabs, value=start).classes("w-full bg-transparent")
            with panels:
                with ui.tab_panel(all_tab).classes("p-0"):
                    listing = InstanceList(
                        engine,
                        auth,
                        may_operate,
                        InstanceQuery(
                            definition=definition,
                            state=state,
                            status=status if status in STATUSES else None,
                            text=q,
                            variable=variable,
                        ),
                    )
                with ui.tab_panel(incident_tab).classes("p-0"):
                    incidents = IncidentList(engine, auth, may_operate)
            follow_changes(
                engine,
                lambda change: listing.query.definition in (None, change.definition),
                listing.reload,
                settle_s=LIVE_SETTLE_S,
            )
            # each tab shows the store as it is when opened (the other tab may have acted)
            panels.on_value_change(
                lambda e: incidents.refresh() if e.value == "Incidents" else listing.reload()
            )


def row_of(inst: Instance) -> dict[str, Any]:
    return {
        "id": inst.id,
        "definition": f"{inst.definition} v{inst.version}",
        "state": inst.state or "",
        "status": inst.status,
        "business_key": inst.business_key or "",
        "started": _when(inst.created_at),
        "updated": _when(inst.updated_at),
    }


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else ""


class InstanceList:
    """The filter bar, the server-paged table and the batch actions on its selection."""

    def __init__(
        self, engine: Engine, auth: WebAuth, may_operate: bool, query: InstanceQuery
    ) -> None:
        self.engine, self.auth, self.may_operate = engine, auth, may_operate
        self.query, self.total = query, 0
        self._filters(query)
        self.error = ui.label().classes("text-negative").mark("filter-error")
        self.error.props(testid("filter-error"))
        with ui.row().classes("items-center gap-2"):
            self.selected_label = ui.label("").classes("text-sm text-slate-600")
            self.batch_buttons = [
                ui.button(
                    operation.capitalize(), on_click=lambda op=operation: self.ask_batch(op)
                ).props(operation_props(operation)).mark(f"batch-{operation}").props(
                    testid(f"batch-{operation}")
                )
                for operation in (BATCH if may_operate else ())
            ]
        self.table = (
            ui.table(
                rows=[],
                columns=COLUMNS,
                row_key="id",
                selection="multiple" if may_operate else None,
                pagination={
                    "rowsPerPage": PAGE_SIZE,
                    "page": 1,
                    "sortBy": "started",
                    "descending": True,
                    "rowsNumber": 0,
                },
                on_select=lambda _: self._show_selection(),
            )
            .classes("w-full")
            .props("flat bordered dense")
            .mark("instances-table")
            .props(testid("instances-table"))
        )
        cards_on_phones(self.table)
        calm_when_empty(self.table, "No instances match. Start one from Processes, or widen "
                                    "the filters above.")
        self.table.add_slot(
            "body-cell-id",
            r"""
            <q-td :props="props" :data-label="props.col.label"><a
               :href="'/instances/' + props.value"
               class="text-primary font-mono">{{ props.value.slice(0, 8) }}</a></q-td>""",
        )
        self.table.add_slot(
            "body-cell-status",
            f"""
            <q-td :props="props" :data-label="props.col.label"><q-badge
              :color="({_JS_COLOURS})[props.value]
              || 'grey'" :label="props.value" /></q-td>""",
        )
        self.table.on("request", lambda e: self.load(e.args.get("pagination") or {}))
        self.load({})

    def _filters(self, query: InstanceQuery) -> None:
        keys = [d.key for d in self.engine.definitions()]
        with ui.row().classes("w-full items-end gap-2"):
            self.definition = (
                ui.select(
                    keys,
                    label="Process",
                    clearable=True,
                    value=query.definition if query.definition in keys else None,
                )
                .classes("w-48 max-sm:w-full")
                .mark("filter-definition")
                .props(testid("filter-definition"))
            )
            self.version = (
                ui.number("Version", min=1, precision=0)
                .classes("w-24 max-sm:w-full")
                .mark("filter-version")
                .props(testid("filter-version"))
            )
            self.status = (
                ui.select(STATUSES, label="Status", clearable=True, value=query.status)
                .classes("w-36 max-sm:w-full")
                .mark("filter-status")
                .props(testid("filter-status"))
            )
            self.state = (
                ui.input("State", value=query.state or "")
                .classes("w-36 max-sm:w-full")
                .mark("filter-state")
                .props(testid("filter-state"))
            )
            self.started_from = (
                ui.input("Started from")
                .props("type=date")
                .classes("w-40 max-sm:w-full")
                .mark("filter-from")
                .props(testid("filter-from"))
            )
            self.started_to = (
                ui.input("Started to")
                .props("type=date")
                .classes("w-40 max-sm:w-full")
                .mark("filter-to")
                .props(testid("filter-to"))
            )
            self.variable = (
                ui.input("Variable", value=query.variable or "", placeholder="amount > 10000")
                .classes("w-40 max-sm:w-full")
                .mark("filter-variable")
                .props(testid("filter-variable"))
            )
            self.text = (
                ui.input("Id or business key", value=query.text or "")
                .classes("w-48 max-sm:w-full")
                .mark("filter-text")
                .props(testid("filter-text"))
            )
            ui.button("Search", icon="search", on_click=lambda: self.load({"page": 1})).mark(
                "filter-apply"
            ).props(testid("filter-apply"))
            for field in (self.state, self.variable, self.text):
                field.on("keydown.enter", lambda: self.load({"page": 1}))

    def _query(self, pagination: dict[str, Any]) -> InstanceQuery:
        merged = {**self.table.pagination, **pagination}
        page = max(1, int(merged.get("page") or 1))
        size = int(merged.get("rowsPerPage") or PAGE_SIZE) or PAGE_SIZE
        return InstanceQuery(
            definition=self.definition.value or None,
            version=int(self.version.value) if self.version.value else None,
            status=self.status.value or None,
            state=(self.state.value or "").strip() or None,
            started_from=_day(self.started_from.value, time.min, "Started from"),
            started_to=_day(self.started_to.value, time.max, "Started to"),
            variable=(self.variable.value or "").strip() or None,
            text=(self.text.value or "").strip() or None,
            sort=merged.get("sortBy") or "started",
            descending=bool(merged.get("descending")),
            limit=size,
            offset=(page - 1) * size,
        )

    def load(self, pagination: dict[str, Any]) -> None:
        """Query the store for the page `pagination` asks for, with the filters as entered."""
        try:
            query = self._query(pagination)
        except QueryInvalid as exc:
            self.error.set_text(exc.message)
            return
        self._show(query)

    def reload(self) -> None:
        """The shown page again, as last applied (not half-typed filters), keeping the
        selected rows that are still on it: for live updates and tab switches."""
        self._show(self.query, keep_selection=True)

    def _show(self, query: InstanceQuery, keep_selection: bool = False) -> None:
        kept = {row["id"] for row in self.table.selected} if keep_selection else set()
        try:
            result = search(self.engine, query)
        except QueryInvalid as exc:
            self.error.set_text(exc.message)
            return
        if query != self.query or not keep_selection:
            self._in_url(query)
        self.query = query
        self.error.set_text("")
        self.total = result.total
        self.table.rows = [row_of(i) for i in result.items]
        self.table.pagination = {
            "rowsPerPage": query.limit,
            "page": query.offset // query.limit + 1,
            "sortBy": query.sort,
            "descending": query.descending,
            "rowsNumber": result.total,
        }
        self.table.selected = [row for row in self.table.rows if row["id"] in kept]
        self._show_selection()

    @staticmethod
    def _in_url(q: InstanceQuery) -> None:
        """The applied filters in the address bar: a reload restores them, a link shares them."""
        wanted = {"status": q.status, "definition": q.definition, "state": q.state, "q": q.text,
                  "variable": q.variable}
        params = urlencode({k: v for k, v in wanted.items() if v})
        ui.navigate.history.replace(f"/instances?{params}".rstrip("?"))

    def _show_selection(self) -> None:
        count = len(self.table.selected)
        for button in self.batch_buttons:
            button.set_enabled(count > 0)
        hint = "; select some to act on them" if self.may_operate else ""
        self.selected_label.set_text(
            f"{count} selected" if count else f"{self.total} instance(s){hint}"
        )

    def ask_batch(self, operation: str) -> None:
        ids = [row["id"] for row in self.table.selected]
        if not ids:
            ui.notify("Select instances first", type="warning")
            return
        reason_dialog(
            f"{operation.capitalize()} {len(ids)} instance(s)",
            lambda reason: self._batch(operation, ids, reason),
            destructive=operation in DESTRUCTIVE,
        )

    async def _batch(self, operation: str, ids: list[str], reason: str) -> None:
        if await run_operation(self.engine, self.auth, ids, operation, reason) is not None:
            self._show(self.query)


def _day(text: str | None, at: time, label: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(datetime.strptime(text, "%Y-%m-%d").date(), at, UTC)
    except ValueError:
        raise QueryInvalid(
            f"{label}: {text!r} is not a date (YYYY-MM-DD)", {"field": label}
        ) from None
