"""A grid of dashboard charts: each a card with its plotly figure and a CSV download, and the
row of links to each of them at the top of a long dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from nicegui import ui

from runtime.analytics.figures import Chart

E = TypeVar("E", bound=ui.element)
WIDE = frozenset({"throughput", "sankey", "variants", "bottlenecks", "processes"})
SECTION_NAMES = {
    "cycle-trend": "Cycle time trend", "cycle-distribution": "Cycle time distribution",
    "variants": "Paths", "sankey": "Transitions", "sla-by-state": "SLA by state",
    "sla-by-process": "SLA by process", "sla-trend": "SLA trend", "open-tasks": "Open tasks",
    "task-times": "Task times", "overdue": "Overdue tasks",
}
BELOW_HEADER = "scroll-margin-top: 72px"  # a section jumped to is not hidden by the header


def tag(element: E, name: str) -> E:
    """Name an element for page tests (marker) and browser tests (`data-testid`)."""
    return element.mark(name).props(f'data-testid="{name}"')


def chart_grid(charts: Sequence[Chart], file_prefix: str) -> dict[str, ui.card]:
    """Two charts a row (wide ones take the whole row); download names `<prefix>-<chart>.csv`.
    Returns each chart's card by its title for `section_links`."""
    with ui.element("div").classes("w-full grid grid-cols-1 xl:grid-cols-2 gap-4"):
        return {section_name(chart.name): _card(chart, file_prefix) for chart in charts}


def section_name(chart_name: str) -> str:
    return SECTION_NAMES.get(chart_name, chart_name.replace("-", " ").capitalize())


def section_links(into: ui.element, sections: dict[str, ui.element]) -> None:
    """Links to each section in `into` (emptied first): a long dashboard is read in parts."""
    into.clear()
    with into:
        ui.label("Jump to:").classes("text-sm text-slate-600")
        for name, element in sections.items():
            element.style(BELOW_HEADER)
            ui.link(name, element).classes("text-sm")


def _card(chart: Chart, file_prefix: str) -> ui.card:
    span = "xl:col-span-2" if chart.name in WIDE else ""
    with tag(ui.card().classes(f"w-full p-2 gap-0 {span}"), f"chart-{chart.name}") as card:
        with ui.row().classes("w-full items-start no-wrap gap-2 px-2"):
            tag(ui.label(chart.title).classes("grow min-w-0 text-[15px] font-semibold"),
                f"title-{chart.name}")
            tag(ui.button(icon="download", on_click=lambda c=chart: ui.download.content(
                c.csv(), f"{file_prefix}-{c.name}.csv", "text/csv")).props(
                f'flat dense size=sm aria-label="Download {chart.title} as CSV"'),
                f"csv-{chart.name}").tooltip(
                f"Download the data of '{chart.title}' as CSV")
        tag(ui.plotly(untitled(chart.figure)).classes("w-full"), f"plot-{chart.name}")
    return card


def untitled(figure: dict[str, Any]) -> dict[str, Any]:
    """The figure without its own title: the card shows it as text that wraps, where plotly's
    one-line SVG title would be cut off on a phone."""
    layout = {k: v for k, v in figure["layout"].items() if k != "title"}
    layout["margin"] = {**layout.get("margin", {}), "t": 16}
    return {**figure, "layout": layout}
