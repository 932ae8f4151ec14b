"""Plotly figures of the capacity tab and of the version-over-version view (plain plotly data,
each a `figures.Chart` with the rows behind it for its CSV download)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from runtime.analytics.capacity import Capacity
from runtime.analytics.figures import HEIGHT_PX, Chart
from runtime.analytics.regressions import VersionComparison
from runtime.analytics.units import Unit, unit_for

_AXIS = {"automargin": True, "gridcolor": "#e2e8f0", "zerolinecolor": "#cbd5e1"}


def _figure(title: str, x_title: str, y_title: str, traces: list[dict[str, Any]],
            **layout: Any) -> dict[str, Any]:
    figure = {"data": traces, "layout": {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}}, "height": HEIGHT_PX,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 90}, "paper_bgcolor": "white",
        "plot_bgcolor": "white", "hovermode": "x unified",
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        "xaxis": {**_AXIS, "title": {"text": x_title}, **layout.pop("xaxis", {})},
        "yaxis": {**_AXIS, "title": {"text": y_title}, "rangemode": "tozero"}, **layout}}
    if not any(t.get("x") for t in traces):
        figure["layout"]["annotations"] = [{
            "text": "No worker has reported its load in this range", "showarrow": False,
            "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
            "font": {"size": 16, "color": "#94a3b8"}}]
    return figure


def capacity_charts(cap: Capacity) -> list[Chart]:
    return [_throughput(cap), _backlog(cap), _in_progress(cap)]


def _window(cap: Capacity, until: datetime | None = None) -> dict[str, Any]:
    """A date axis over the whole window (a lone sample would otherwise span milliseconds)."""
    return {"type": "date", "range": [cap.since.isoformat(), (until or cap.until).isoformat()]}


def _throughput(cap: Capacity) -> Chart:
    rows = cap.series
    x = [r["at"].isoformat() for r in rows]
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": "throughput (steps/s)", "x": x,
         "y": [r["steps_per_s"] for r in rows], "fill": "tozeroy", "line": {"color": "#2563eb"}},
        {"type": "scatter", "mode": "lines+markers", "name": "capacity (steps/s)", "x": x,
         "y": [r["capacity_per_s"] for r in rows], "line": {"color": "#16a34a", "dash": "dash"}},
    ]
    if cap.demand_per_s is not None and x:
        traces.append({"type": "scatter", "mode": "lines", "name": "demand at the arrival rate",
                       "x": [cap.since.isoformat(), cap.until.isoformat()],
                       "y": [cap.demand_per_s] * 2,
                       "line": {"color": "#f59e0b", "dash": "dot"}})
    title = "Throughput against capacity (steps/s, all workers)"
    return Chart("capacity", title, _figure(title, "time (UTC)", "steps/s", traces,
                                            xaxis=_window(cap)), rows)


def _backlog(cap: Capacity) -> Chart:
    rows = cap.series
    x = [r["at"].isoformat() for r in rows]
    traces = [{"type": "scatter", "mode": "lines+markers", "name": "due backlog (jobs)", "x": x,
               "y": [r["due"] for r in rows], "line": {"color": "#7c3aed"}}]
    forecast = cap.forecast
    if x and forecast.growth_per_s is not None and forecast.growth_per_s > 0:
        horizon_s = min(forecast.backlog_breaks_in_s or 6 * 3600, 6 * 3600)
        end = rows[-1]["at"].timestamp() + horizon_s
        traces.append({"type": "scatter", "mode": "lines", "name": "forecast",
                       "x": [x[-1], _iso(end)],
                       "y": [cap.backlog, cap.backlog + forecast.growth_per_s * horizon_s],
                       "line": {"color": "#dc2626", "dash": "dot"}})
    if forecast.backlog_limit is not None and x:
        traces.append({"type": "scatter", "mode": "lines", "name": "limit (15 min of work)",
                       "x": [cap.since.isoformat(), traces[-1]["x"][-1]],
                       "y": [forecast.backlog_limit] * 2,
                       "line": {"color": "#94a3b8", "dash": "dash"}})
    title = "Backlog of due jobs, and where the current rate takes it"
    end = datetime.fromisoformat(traces[-1]["x"][-1]) if x else None
    return Chart("backlog", title, _figure(title, "time (UTC)", "jobs due", traces,
                                           xaxis=_window(cap, end)), rows)


def _in_progress(cap: Capacity) -> Chart:
    rows = cap.in_progress
    x = [r["hour"].isoformat() for r in rows]
    bar_ms = 0.4 * 3_600_000  # two bars fill most of their hour (a lone bar has no spacing)
    traces = [
        {"type": "bar", "name": "started", "x": x, "y": [r["started"] for r in rows],
         "marker": {"color": "#64748b"}, "width": bar_ms},
        {"type": "bar", "name": "finished", "x": x, "y": [r["finished"] for r in rows],
         "marker": {"color": "#16a34a"}, "width": bar_ms},
        {"type": "scatter", "mode": "lines+markers", "name": "in progress", "x": x,
         "y": [r["in_progress"] for r in rows], "line": {"color": "#2563eb"}},
    ]
    title = "Arrivals, completions and instances in progress (per hour)"
    return Chart("in-progress", title, _figure(title, "hour (UTC)", "instances", traces,
                                               xaxis=_window(cap), barmode="group"), rows)


def version_chart(comparison: VersionComparison) -> Chart:
    """Median before and after, per measure; a measure flagged slower is drawn red."""
    changes = comparison.changes
    unit = unit_for([c.p50_before for c in changes] + [c.p50_after for c in changes])
    x = [c.subject for c in changes]
    traces = [
        {"type": "bar", "name": f"v{comparison.before} median", "x": x,
         "y": [unit.of(c.p50_before) for c in changes], "marker": {"color": "#94a3b8"}},
        {"type": "bar", "name": f"v{comparison.after} median", "x": x,
         "y": [unit.of(c.p50_after) for c in changes],
         "marker": {"color": ["#dc2626" if c.slower else "#16a34a" if c.faster else "#2563eb"
                              for c in changes]}},
    ]
    title = (f"Version {comparison.after} against {comparison.before}: median cycle time and "
             f"time per state ({unit.name})")
    figure = _figure(title, "measure", f"median ({unit.name})", traces, barmode="group",
                     hovermode="closest")
    figure["layout"]["yaxis"]["ticksuffix"] = f" {unit.symbol}"
    return Chart(f"versions-{comparison.before}-{comparison.after}", title, figure,
                 [_version_row(c.to_json(), unit) for c in changes])


def _version_row(change: dict[str, Any], unit: Unit) -> dict[str, Any]:
    """A change for the CSV: the medians in the chart's unit, named so."""
    medians = {f"{k}_{unit.name}": unit.csv(change.pop(k)) for k in ("p50_before", "p50_after")}
    return {"subject": change.pop("subject"), **medians, **change}


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat()
