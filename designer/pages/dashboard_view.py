"""One dashboard, for a definition or the overview: filters on top, numbers, charts, heat map.

Every control re-reads the aggregates (never the event log) and redraws every chart; the
heat overlay on the process graph follows the same range and version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.components.canvas import ProcessCanvas
from designer.components.dashboard_charts import chart_grid, section_links, tag
from designer.components.dashboard_heat import heat_overlay
from designer.components.dashboard_range import DEFAULT, PRESETS, RangeInvalid, resolve
from designer.draft import Draft
from runtime.analytics import board as boards
from runtime.analytics.figures import charts
from runtime.analytics.queries import CLOCKS
from runtime.analytics.units import unit_for

if TYPE_CHECKING:
    from runtime import Engine
    from runtime.analytics.board import Board
    from runtime.core.views import DefinitionVersion

ALL_VERSIONS = 0
HEAT_CANVAS_PX = 560
FIT_AFTER_OPEN_S = 0.6


class DashboardView:
    """The controls and charts of `/dashboards` (`key` None) or `/dashboards/{key}`."""

    def __init__(self, engine: Engine, may_read: Callable[[], bool], key: str | None = None,
                 versions: list[DefinitionVersion] | None = None, clock: str = "wall") -> None:
        """`may_read` re-checks the permission before every redraw (roles change at once);
        `clock` "business" shows durations in working time when a version has a calendar."""
        self.engine, self.key, self.may_read = engine, key, may_read
        self.versions = {v.version: v for v in versions or []}
        self.calendars = sorted({v.document["calendar"] for v in self.versions.values()
                                 if v.document.get("calendar")})
        self.clock = clock if self.calendars and clock in CLOCKS else "wall"
        self.preset, self.first_day, self.last_day = DEFAULT, "", ""
        self.version = ALL_VERSIONS
        self.canvas: ProcessCanvas | None = None
        self.shown_version: int | None = None
        self.board: Board | None = None
        self.heat: ui.expansion | None = None

    def build(self) -> None:
        self._controls()
        self.sections = tag(ui.row().classes("w-full items-center gap-x-4 gap-y-1 flex-wrap"),
                            "dashboard-sections").props('role="navigation" aria-label="Sections"')
        if self.key is not None:
            self._heat_map()
        self.body()

    def _controls(self) -> None:
        with ui.row().classes("w-full items-center gap-4 flex-wrap"):
            title = f"Dashboard: {self.key}" if self.key else "Dashboards: all processes"
            tag(ui.label(title).classes("text-xl font-semibold mr-4"), "dashboard-title")
            tag(ui.toggle({k: label for k, (label, _) in PRESETS.items()}, value=self.preset,
                          on_change=lambda e: self._set(preset=e.value)), "range")
            with ui.row().classes("items-center gap-2").bind_visibility_from(
                    self, "preset", value="custom"):
                tag(ui.input("From (UTC day)", placeholder="2026-01-01",
                             on_change=lambda e: self._set(first_day=e.value or "")).props(
                    "dense outlined").classes("w-40"), "range-from")
                tag(ui.input("To (UTC day)", placeholder="2026-01-31",
                             on_change=lambda e: self._set(last_day=e.value or "")).props(
                    "dense outlined").classes("w-40"), "range-to")
            if self.key is not None:
                options = {ALL_VERSIONS: "All versions", **{
                    n: f"Version {n}" for n in sorted(self.versions, reverse=True)}}
                tag(ui.select(options, value=ALL_VERSIONS, label="Version",
                              on_change=lambda e: self._set(version=e.value)).props(
                    "dense outlined").classes("w-44"), "version")
                if self.calendars:
                    tag(ui.toggle({"wall": "Wall clock", "business": "Business time"},
                                  value=self.clock, on_change=lambda e: self._set(clock=e.value)
                                  ).tooltip("Business time counts only the working hours of "
                                            f"the calendar {', '.join(self.calendars)}"),
                        "time")
            else:
                ui.label("Pick a process below for its bottlenecks, paths and SLAs.").classes(
                    "text-sm text-slate-600")

    def _set(self, **changes: Any) -> None:
        if not self.may_read():
            ui.notify("You may no longer read dashboards", type="negative")
            return
        for name, value in changes.items():
            setattr(self, name, value)
        if self.preset == "custom" and not (self.first_day and self.last_day):
            return  # wait until both days are typed
        self.body.refresh()

    def _heat_map(self) -> None:
        with tag(ui.expansion("Heat map on the process graph", icon="local_fire_department",
                              on_value_change=lambda e: self._open_heat(e.value)).classes(
                "w-full bg-white rounded shadow-sm"), "heat") as self.heat:
            ui.label("Colour: median time in the state (pale fast, red slow); badge: median; "
                     "hover a state for visits and p90. Edge width and badge: transitions "
                     "taken.").classes("text-xs text-slate-600")

    def _open_heat(self, opened: bool) -> None:
        """Mount the canvas on first opening (hidden, it would have no size), and fit the graph
        again once the expansion has its full height."""
        if not opened or self.canvas is not None:
            return
        # The height sits inline on a wrapper: the canvas takes its parent's height, and a
        # Tailwind class first used after the page loaded may not exist in its stylesheet.
        with self.heat, ui.element("div").classes("w-full").style(
                f"height: {HEAT_CANVAS_PX}px"):
            self.canvas = tag(ProcessCanvas(readonly=True).classes("w-full h-full"),
                              "heat-canvas")
        if self.board is not None:
            self._paint_heat(self.board)
        ui.timer(FIT_AFTER_OPEN_S, self.canvas.fit, once=True)  # the opening animation is over

    @ui.refreshable_method
    def body(self) -> None:
        try:
            span = resolve(self.preset, self.engine.clock.now(), self.first_day, self.last_day)
        except RangeInvalid as exc:
            tag(ui.label(str(exc)).classes("text-red-700"), "range-error")
            return
        version = self.version or None
        with self.engine.store.read() as conn:
            board = boards.load(conn, self.key, version, since=span.since, until=span.until,
                                now=self.engine.clock.now(), clock=self.clock)
        business = f" · business time ({', '.join(self.calendars)})"
        tag(ui.label(f"{span.describe()} · per {board.by}" + (
            f" · version {version}" if version else "") + (
            business if self.clock == "business" else "")).classes(
            "text-xs text-slate-600"), "range-shown")
        self.board = board
        sections: dict[str, ui.element] = {"Numbers": _numbers(board)}
        if self.key is None:
            _process_links(board, [d.key for d in self.engine.definitions()])
        else:
            self._paint_heat(board)
        if self.heat is not None:
            sections["Heat map"] = self.heat
        prefix = f"{self.key or 'all'}{f'-v{version}' if version else ''}"
        sections |= chart_grid(charts(board), prefix)
        section_links(self.sections, sections)

    def _paint_heat(self, board: Board) -> None:
        if self.canvas is None or not self.versions:
            return
        number = board.version or max(self.versions)
        document = self.versions[number].document
        if number != self.shown_version:
            draft = Draft(document)
            self.canvas.set_graph(draft.canvas_nodes(), draft.canvas_edges(),
                                  auto_layout=not draft.laid_out)
            self.shown_version = number
        self.canvas.set_overlay(*heat_overlay(document, board.time_in_state, board.transitions))


def _numbers(board: Board) -> ui.row:
    """The headline figures of the range, above the charts."""
    totals = {k: sum(r[k] for r in board.throughput)
              for k in ("started", "completed", "failed", "cancelled")}
    breaches = sum(r["states"] + r["process"] for r in board.sla_trend)
    waiting = sum(r["open"] for r in board.open_tasks)
    overdue = sum(r["overdue"] for r in board.open_tasks)
    cycle = unit_for([board.cycle["p50"], board.cycle["p90"]])  # both tiles in one unit
    tiles = [("Started", f"{totals['started']:,}"), ("Completed", f"{totals['completed']:,}"),
             ("Failed", f"{totals['failed']:,}"), ("Cancelled", f"{totals['cancelled']:,}"),
             ("Cycle time p50", cycle.show(board.cycle["p50"])),
             ("Cycle time p90", cycle.show(board.cycle["p90"])),
             ("SLA breaches", f"{breaches:,}"),
             ("Open tasks (overdue)", f"{waiting:,} ({overdue:,})")]
    with ui.row().classes("w-full gap-3 flex-wrap") as row:
        for label, value in tiles:
            with tag(ui.card().classes("px-4 py-2 gap-0 min-w-[130px]"),
                     f"number-{label.split()[0].lower()}"):
                ui.label(label).classes("text-xs text-slate-600")
                ui.label(value).classes("text-xl font-semibold")
    return row


def _process_links(board: Board, keys: list[str]) -> None:
    started = {r["definition"]: r["started"] for r in board.processes}
    with ui.row().classes("w-full gap-2 items-center"):
        ui.label("Per process:").classes("text-sm text-slate-600")
        for key in sorted(set(keys) | started.keys()):
            tag(ui.link(f"{key} ({started.get(key, 0):,} started)", f"/dashboards/{key}").classes(
                "text-sm"), f"dashboard-link-{key}")
