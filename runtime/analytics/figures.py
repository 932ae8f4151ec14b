"""Plotly figures for a `Board`, each with the rows behind it (its CSV download).

Figures are plain plotly data, no web framework: the dashboard page shows them and the
dashboard benchmark times building them. Every chart has a title naming its unit, titled
axes and hover text; durations are shown in the unit that fits the largest value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.analytics.board import Board
from runtime.analytics.workload import AGE_BANDS

OUTCOME_COLOURS = {"started": "#64748b", "completed": "#16a34a", "failed": "#dc2626",
                   "cancelled": "#f59e0b"}
HEIGHT_PX = 340
_UNITS = ((120, "seconds", 1), (2 * 3600, "minutes", 60), (3 * 86400, "hours", 3600),
          (float("inf"), "days", 86400))


@dataclass
class Chart:
    """One dashboard chart: a slug (`name`, for ids and file names), its figure and rows."""

    name: str
    title: str
    figure: dict[str, Any]  # plotly's {"data": [...], "layout": {...}}
    rows: list[dict[str, Any]]

    def csv(self) -> bytes:
        """The chart's rows as CSV (UTF-8), columns in the rows' order."""
        out = io.StringIO()
        columns = list(dict.fromkeys(k for row in self.rows for k in row)) or ["empty"]
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        return out.getvalue().encode()


def unit_for(seconds: Sequence[float | None]) -> tuple[str, float]:
    """The unit name and its length in seconds that suit the largest of `seconds`."""
    largest = max((s for s in seconds if s is not None), default=0.0)
    return next((name, size) for limit, name, size in _UNITS if largest < limit)


def short_duration(seconds: float | None) -> str:
    """`42s`, `7.5m`, `2.1h`, `3.0d`: badges and hover text."""
    if seconds is None:
        return "-"
    name, size = unit_for([seconds])
    return f"{seconds / size:.{0 if size == 1 else 1}f}{name[0]}"


def charts(board: Board) -> list[Chart]:
    """The charts of a definition's dashboard, or of the overview when `board.key` is None."""
    common = [_throughput(board), _cycle_trend(board), _cycle_distribution(board)]
    workload = [_open_tasks(board), _task_times(board), _overdue(board)]
    if board.key is None:
        return [*common, _processes(board), _sla_by_process(board), _sla_trend(board),
                *workload]
    return [*common, _bottlenecks(board), _variants(board), _sankey(board), _sla_by_state(board),
            _sla_trend(board), *workload]


def _figure(title: str, x_title: str, y_title: str, traces: list[dict[str, Any]],
            **layout: Any) -> dict[str, Any]:
    """A figure as plain plotly JSON: building `go.Figure` objects validates every property
    and costs more than reading the numbers."""
    axis = {"automargin": True, "gridcolor": "#e2e8f0", "zerolinecolor": "#cbd5e1"}
    figure = {"data": traces, "layout": {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "height": HEIGHT_PX, "margin": {"l": 60, "r": 20, "t": 50, "b": 90},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "hovermode": "closest",
        "legend": {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom"},
        "xaxis": {**axis, "title": {"text": x_title}, **layout.pop("xaxis", {})},
        "yaxis": {**axis, "title": {"text": y_title}, **layout.pop("yaxis", {})},
        **layout}}
    if not any(t.get("x") or t.get("y") for t in traces):
        _say_empty(figure)
    return figure


def _say_empty(figure: dict[str, Any]) -> None:
    figure["layout"]["annotations"] = [{
        "text": "No data in this range", "showarrow": False, "x": 0.5, "y": 0.5,
        "xref": "paper", "yref": "paper", "font": {"size": 16, "color": "#94a3b8"}}]


def _per(board: Board) -> str:
    return "hour" if board.by == "hour" else "day"


def _time_axis(board: Board) -> dict[str, Any]:
    """Dates on a daily axis, hours and dates on an hourly one."""
    if board.by == "day":
        return {"type": "date", "tickformat": "%b %d", "dtick": 86_400_000}
    return {"type": "date", "tickformat": "%H:%M<br>%b %d"}


def _throughput(board: Board) -> Chart:
    rows = board.throughput
    x = [r[board.by].isoformat() for r in rows]
    traces = [dict(type="bar", name=kind, x=x, y=[r[kind] for r in rows],
                   marker={"color": colour},
                     hovertemplate=f"%{{x}}<br>{kind}: %{{y:,}} instances<extra></extra>")
              for kind, colour in OUTCOME_COLOURS.items()]
    title = f"Throughput (instances per {_per(board)})"
    return Chart("throughput", title, _figure(
        title, f"{_per(board)} (UTC)", "instances", traces, barmode="group",
        xaxis=_time_axis(board)), rows)


def _cycle_trend(board: Board) -> Chart:
    rows = board.cycle_trend
    name, size = unit_for([r["p99"] for r in rows])
    x = [r[board.by].isoformat() for r in rows]
    traces = [dict(type="scatter", name=q, x=x, y=[_in(r[q], size) for r in rows],
                   mode="lines+markers", customdata=[r["count"] for r in rows],
                         hovertemplate=f"%{{x}}<br>{q}: %{{y:.2f}} {name}"
                                       "<br>%{customdata:,} finished<extra></extra>")
              for q in ("p50", "p90", "p99")]
    title = f"Cycle time p50 / p90 / p99 ({name}), by the {_per(board)} instances finished"
    csv_rows = [{board.by: r[board.by], "finished": r["count"], "p50_s": r["p50"],
                 "p90_s": r["p90"], "p99_s": r["p99"]} for r in rows]
    return Chart("cycle-trend", title, _figure(title, f"{_per(board)} (UTC)", name, traces,
                                               xaxis=_time_axis(board)), csv_rows)


def _cycle_distribution(board: Board) -> Chart:
    rows = board.cycle_distribution
    name, size = unit_for([r["seconds"] for r in rows])
    trace = dict(type="scatter", mode="lines+markers", fill="tozeroy", line={"shape": "hvh"},
                 x=[_in(r["seconds"], size) for r in rows], y=[r["count"] for r in rows],
                 marker={"color": "#6366f1"},
                   hovertemplate=f"about %{{x:.2f}} {name}<br>%{{y:,}} instances<extra></extra>")
    cycle = board.cycle
    title = (f"Cycle time distribution ({name}): {cycle['count']:,} finished, "
             f"p50 {short_duration(cycle['p50'])}, p90 {short_duration(cycle['p90'])}, "
             f"p99 {short_duration(cycle['p99'])}")
    csv_rows = [{"cycle_time_s": round(r["seconds"], 3), "instances": r["count"]} for r in rows]
    return Chart("cycle-distribution", title, _figure(
        title, f"cycle time ({name}, log scale)", "instances", [trace], xaxis={"type": "log"}),
        csv_rows)


def _bottlenecks(board: Board) -> Chart:
    rows = sorted(board.time_in_state, key=lambda r: (r["p90"] or 0, r["p50"] or 0))
    name, size = unit_for([r["p90"] for r in rows])
    states = [r["state"] for r in rows]
    traces = [dict(type="bar", name=q, y=states, x=[_in(r[q], size) for r in rows], orientation="h",
                     customdata=[r["count"] for r in rows], marker={"color": colour},
                     hovertemplate=f"%{{y}}<br>{q}: %{{x:.2f}} {name}"
                                   "<br>%{customdata:,} visits<extra></extra>")
              for q, colour in (("p50", "#fb923c"), ("p90", "#b91c1c"))]
    title = f"Bottlenecks: time in each state, median and p90 ({name})"
    csv_rows = [{"state": r["state"], "visits": r["count"], "mean_s": r["mean_s"],
                 "p50_s": r["p50"], "p90_s": r["p90"]} for r in reversed(rows)]
    return Chart("bottlenecks", title, _figure(
        title, name, "state", traces, barmode="group",
        height=max(HEIGHT_PX, 60 + 28 * len(rows))), csv_rows)


def _variants(board: Board) -> Chart:
    rows = list(reversed(board.variants))
    labels = [f"#{len(rows) - i}: " + _path_label(r["path"] or [r["hash"]])
              for i, r in enumerate(rows)]
    name, size = unit_for([r["p50"] for r in rows])
    trace = dict(type="bar", y=labels, x=[r["count"] for r in rows], orientation="h",
                   marker={"color": "#0ea5e9"},
                   customdata=[[" → ".join(r["path"] or []), _in(r["p50"], size)] for r in rows],
                   hovertemplate="%{customdata[0]}<br>%{x:,} instances<br>median cycle "
                                 f"%{{customdata[1]:.2f}} {name}<extra></extra>")
    title = "Most frequent paths (finished instances), hover for the median cycle time"
    csv_rows = [{"rank": i + 1, "instances": r["count"], "median_cycle_s": r["p50"],
                 "p90_cycle_s": r["p90"], "path": " > ".join(r["path"] or [r["hash"]])}
                for i, r in enumerate(board.variants)]
    return Chart("variants", title, _figure(
        title, "instances", "path", [trace], height=max(HEIGHT_PX, 60 + 30 * len(rows)),
        yaxis={"tickfont": {"size": 10}}), csv_rows)


def _sankey(board: Board) -> Chart:
    rows = [r for r in board.transitions if r["from"]]
    nodes = list(dict.fromkeys(s for r in rows for s in (r["from"], r["to"])))
    index = {s: i for i, s in enumerate(nodes)}
    trace = dict(type="sankey",
        node={"label": nodes, "pad": 12, "thickness": 14,
              "hovertemplate": "%{label}<br>%{value:,} transitions<extra></extra>"},
        link={"source": [index[r["from"]] for r in rows], "target": [index[r["to"]] for r in rows],
              "value": [r["count"] for r in rows],
              "customdata": [r["event"] or "(automatic)" for r in rows],
              "hovertemplate": "%{source.label} → %{target.label} on %{customdata}"
                               "<br>%{value:,} transitions<extra></extra>"})
    title = "Transitions taken (flow width = number of transitions)"
    figure = _figure(title, "", "", [])
    figure["data"] = [trace]
    if rows:
        figure["layout"].pop("annotations")
    csv_rows = [{"from": r["from"], "to": r["to"], "event": r["event"] or "",
                 "transitions": r["count"]} for r in rows]
    return Chart("sankey", title, figure, csv_rows)


def _sla_by_state(board: Board) -> Chart:
    rows = [{"scope": state or "(whole process)", "breaches": n}
            for state, n in sorted(board.sla_by_state.items(), key=lambda kv: -kv[1])]
    title = "SLA breaches by state (instances that left a state, or finished, late)"
    return _breach_bars("sla-by-state", title, "state", rows, "scope")


def _sla_by_process(board: Board) -> Chart:
    rows = [{"definition": r["definition"], "breaches": r["sla_breach"]} for r in board.processes]
    title = "SLA breaches by process (states and whole processes late)"
    return _breach_bars("sla-by-process", title, "process", rows, "definition")


def _breach_bars(name: str, title: str, axis: str, rows: list[dict[str, Any]], label: str
                 ) -> Chart:
    """A red bar of `breaches` per row, labelled by the row's `label` column."""
    trace = dict(type="bar", x=[r[label] for r in rows], y=[r["breaches"] for r in rows],
                 marker={"color": "#e11d48"},
                 hovertemplate="%{x}<br>%{y:,} breaches<extra></extra>")
    return Chart(name, title, _figure(title, axis, "breaches", [trace]), rows)


def _sla_trend(board: Board) -> Chart:
    rows = board.sla_trend
    x = [r[board.by].isoformat() for r in rows]
    traces = [dict(type="scatter", name=label, x=x, y=[r[part] for r in rows], mode="lines+markers",
                         hovertemplate=f"%{{x}}<br>{label}: %{{y:,}} breaches<extra></extra>")
              for part, label in (("states", "human states"), ("process", "whole process"))]
    title = f"SLA breaches per {_per(board)}"
    return Chart("sla-trend", title, _figure(title, f"{_per(board)} (UTC)", "breaches", traces,
                                             xaxis=_time_axis(board)), rows)


def _processes(board: Board) -> Chart:
    rows = board.processes
    keys = [r["definition"] for r in rows]
    traces = [dict(type="bar", name=kind, x=keys, y=[r[kind] for r in rows],
                   marker={"color": colour},
                     hovertemplate=f"%{{x}}<br>{kind}: %{{y:,}} instances<extra></extra>")
              for kind, colour in OUTCOME_COLOURS.items()]
    title = "Instances by process and outcome"
    csv_rows = [{**{k: v for k, v in r.items() if k not in ("p50", "p90")},
                 "cycle_p50_s": r["p50"], "cycle_p90_s": r["p90"]} for r in rows]
    return Chart("processes", title, _figure(title, "process", "instances", traces,
                                             barmode="group"), csv_rows)


def _open_tasks(board: Board) -> Chart:
    rows = board.open_tasks
    roles = [r["role"] for r in rows]
    shades = ("#bbf7d0", "#86efac", "#fde047", "#fb923c", "#ef4444", "#7f1d1d")
    traces = [dict(type="bar", name=band, x=roles, y=[r[band] for r in rows],
                   marker={"color": shade},
                     hovertemplate=f"%{{x}}<br>open for {band}: %{{y:,}} tasks<extra></extra>")
              for (band, _), shade in zip(AGE_BANDS, shades, strict=True)]
    title = "Open tasks now by role and age"
    return Chart("open-tasks", title, _figure(title, "role", "open tasks", traces,
                                              barmode="stack"), rows)


def _task_times(board: Board) -> Chart:
    rows = board.task_times
    name, size = unit_for([r["done_p90"] for r in rows])
    roles = [r["role"] for r in rows]
    traces = [dict(type="bar", name=label, x=roles, y=[_in(r[field], size) for r in rows],
                     marker={"color": colour},
                     customdata=[[_in(r[field.replace("p50", "p90")], size), r[count]]
                                 for r in rows],
                     hovertemplate=f"%{{x}}<br>{label}: %{{y:.2f}} {name} (p90 "
                                   f"%{{customdata[0]:.2f}})<br>%{{customdata[1]:,}} tasks"
                                   "<extra></extra>")
              for field, label, count, colour in (
                  ("claim_p50", "median time to claim", "claimed", "#38bdf8"),
                  ("done_p50", "median time to complete", "completed", "#1d4ed8"))]
    title = f"Claim and completion times by role, from task creation ({name})"
    csv_rows = [{"role": r["role"], "created": r["created"], "claimed": r["claimed"],
                 "completed": r["completed"], "claim_p50_s": r["claim_p50"],
                 "claim_p90_s": r["claim_p90"], "complete_p50_s": r["done_p50"],
                 "complete_p90_s": r["done_p90"]} for r in rows]
    return Chart("task-times", title, _figure(title, "role", name, traces, barmode="group"),
                 csv_rows)


def _overdue(board: Board) -> Chart:
    late = {r["role"]: r["late"] for r in board.task_times}
    waiting = {r["role"]: r["overdue"] for r in board.open_tasks}
    rows = [{"role": role, "open_overdue": waiting.get(role, 0),
             "finished_late": late.get(role, 0)} for role in sorted(late.keys() | waiting.keys())]
    roles = [r["role"] for r in rows]
    traces = [dict(type="bar", name=label, x=roles, y=[r[field] for r in rows],
                   marker={"color": colour},
                     hovertemplate=f"%{{x}}<br>{label}: %{{y:,}} tasks<extra></extra>")
              for field, label, colour in (("open_overdue", "open and overdue now", "#dc2626"),
                                           ("finished_late", "finished past SLA", "#fca5a5"))]
    title = "Overdue tasks by role (open now, and finished late in the range)"
    return Chart("overdue", title, _figure(title, "role", "tasks", traces, barmode="group"),
                 rows)


def _in(seconds: float | None, size: float) -> float | None:
    return None if seconds is None else seconds / size


def _path_label(path: list[str], shown: int = 6) -> str:
    if len(path) <= shown:
        return " > ".join(path)
    return " > ".join([*path[:3], "…", *path[-2:]])


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return "" if value is None else value
