"""A grid of dashboard charts: each a card with its plotly figure and a CSV download."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from nicegui import ui

from runtime.analytics.figures import Chart

E = TypeVar("E", bound=ui.element)
WIDE = frozenset({"throughput", "sankey", "variants", "bottlenecks", "processes"})


def tag(element: E, name: str) -> E:
    """Name an element for page tests (marker) and browser tests (`data-testid`)."""
    return element.mark(name).props(f'data-testid="{name}"')


def chart_grid(charts: Sequence[Chart], file_prefix: str) -> None:
    """Two charts a row (wide ones take the whole row); download names `<prefix>-<chart>.csv`."""
    with ui.element("div").classes("w-full grid grid-cols-1 xl:grid-cols-2 gap-4"):
        for chart in charts:
            _card(chart, file_prefix)


def _card(chart: Chart, file_prefix: str) -> None:
    span = "xl:col-span-2" if chart.name in WIDE else ""
    with tag(ui.card().classes(f"w-full p-2 gap-0 {span}"), f"chart-{chart.name}"):
        with ui.row().classes("w-full justify-end items-center -mb-10 z-10"):
            tag(ui.button(icon="download", on_click=lambda c=chart: ui.download.content(
                c.csv(), f"{file_prefix}-{c.name}.csv", "text/csv")).props(
                f'flat dense size=sm aria-label="Download {chart.title} as CSV"'),
                f"csv-{chart.name}").tooltip(
                f"Download the data of '{chart.title}' as CSV")
        tag(ui.plotly(chart.figure).classes("w-full"), f"plot-{chart.name}")
