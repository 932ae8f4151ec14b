"""Plotly figures for a `Board`, each with the rows behind it (its CSV download).

Figures are plain plotly data, no web framework: the dashboard page shows them and the
dashboard benchmark times building them. Every chart has a title naming its unit, titled
axes and hover text; a chart's durations share one unit, the one that fits its largest value,
and its CSV names that unit in the column headers (`p50_hours`), values rounded.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from runtime.analytics.board import Board
from runtime.analytics.histogram_bins import Bin, linear_bins
from runtime.analytics.units import Unit, csv_number, unit_for
from runtime.analytics.workload import AGE_BANDS

OUTCOME_COLOURS = {"started": "#64748b", "completed": "#16a34a", "failed": "#dc2626",
                   "cancelled": "#f59e0b"}
HEIGHT_PX = 340
EMPTY = "No data in this range yet<br>the chart fills in as instances run"


@dataclass
class Chart:
    """One dashboard chart: a slug (`name`, for ids and file names), its figure and rows."""

    name: str
    title: str
    figure: dict[str, Any]  # plotly's {"data": [...], "layout": {...}}
    rows: list[dict[str, Any]]

    def csv(self) -> bytes:
        """The chart's rows as CSV (UTF-8), columns in the rows' order, numbers rounded."""
        out = io.StringIO()
        columns = list(dict.fromkeys(k for row in self.rows for k in row)) or ["empty"]
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
        return out.getvalue().encode()


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
    """The sentence instead of ticks: an empty date axis would draw thousands of them."""
    for axis in ("xaxis", "yaxis"):
        figure["layout"][axis] = {**figure["layout"][axis], "showticklabels": False,
                                  "showgrid": False, "dtick": None}
    figure["layout"]["annotations"] = [{
        "text": EMPTY, "showarrow": False, "x": 0.5, "y": 0.5,
        "xref": "paper", "yref": "paper", "font": {"size": 16, "color": "#94a3b8"}}]


def _per(board: Board) -> str:
    return "hour" if board.by == "hour" else "day"


def _duration_axis(unit: Unit) -> dict[str, Any]:
    """Ticks that carry their unit ("12 h"), starting at zero."""
    return {"ticksuffix": f" {unit.symbol}", "rangemode": "tozero"}


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
    unit = unit_for([r["p99"] for r in rows])
    x = [r[board.by].isoformat() for r in rows]
    traces = [dict(type="scatter", name=q, x=x, y=[unit.of(r[q]) for r in rows],
                   mode="lines+markers", customdata=[r["count"] for r in rows],
                         hovertemplate=f"%{{x}}<br>{q}: %{{y:.2f}} {unit.name}"
                                       "<br>%{customdata:,} finished<extra></extra>")
              for q in ("p50", "p90", "p99")]
    title = f"Cycle time p50 / p90 / p99 ({unit.name}), by the {_per(board)} instances finished"
    csv_rows = [{board.by: r[board.by], "finished": r["count"],
                 **{f"{q}_{unit.name}": unit.csv(r[q]) for q in ("p50", "p90", "p99")}}
                for r in rows]
    return Chart("cycle-trend", title, _figure(
        title, f"{_per(board)} (UTC)", f"cycle time ({unit.name})", traces,
        xaxis=_time_axis(board), yaxis=_duration_axis(unit)), csv_rows)


def _cycle_distribution(board: Board) -> Chart:
    """Instances per equal slice of cycle time, on a linear axis in one unit."""
    cycle = board.cycle
    unit = unit_for([cycle["p99"], cycle["p90"]])
    bins = linear_bins(board.cycle_distribution, unit)
    closed = [b for b in bins if b.end is not None]
    width = closed[0].end - closed[0].start if closed else 1.0
    trace = dict(type="bar", x=[b.start + width / 2 for b in bins], y=[b.count for b in bins],
                 width=[width * 0.95] * len(bins),
                 marker={"color": ["#6366f1" if b.end is not None else "#94a3b8" for b in bins]},
                 customdata=[_bin_label(b, unit) for b in bins],
                 hovertemplate="%{customdata}<br>%{y:,} instances<extra></extra>")
    title = (f"Cycle time distribution ({unit.name}): {cycle['count']:,} finished, "
             f"p50 {unit.show(cycle['p50'])}, p90 {unit.show(cycle['p90'])}, "
             f"p99 {unit.show(cycle['p99'])}")
    csv_rows = [{f"cycle_time_from_{unit.name}": b.start,
                 f"cycle_time_to_{unit.name}": b.end, "instances": b.count} for b in bins]
    return Chart("cycle-distribution", title, _figure(
        title, f"cycle time ({unit.name})", "instances", [trace], bargap=0,
        xaxis={**_duration_axis(unit), "range": [0, (bins[-1].start + width) if bins else 1]}),
        csv_rows)


def _bin_label(b: Bin, unit: Unit) -> str:
    if b.end is None:
        return f"{b.start:g} {unit.symbol} or longer"
    return f"{b.start:g} to {b.end:g} {unit.symbol}"


def _bottlenecks(board: Board) -> Chart:
    rows = sorted(board.time_in_state, key=lambda r: (r["p90"] or 0, r["p50"] or 0))
    unit = unit_for([r["p90"] for r in rows] + [r["mean_s"] for r in rows])
    states = [r["state"] for r in rows]
    traces = [dict(type="bar", name=q, y=states, x=[unit.of(r[q]) for r in rows],
                   orientation="h", customdata=[r["count"] for r in rows],
                   marker={"color": colour},
                   hovertemplate=f"%{{y}}<br>{q}: %{{x:.2f}} {unit.name}"
                                 "<br>%{customdata:,} visits<extra></extra>")
              for q, colour in (("p50", "#fb923c"), ("p90", "#b91c1c"))]
    title = f"Bottlenecks: time in each state, median and p90 ({unit.name})"
    csv_rows = [{"state": r["state"], "visits": r["count"],
                 f"mean_{unit.name}": unit.csv(r["mean_s"]),
                 f"p50_{unit.name}": unit.csv(r["p50"]), f"p90_{unit.name}": unit.csv(r["p90"])}
                for r in reversed(rows)]
    return Chart("bottlenecks", title, _figure(
        title, f"time in state ({unit.name})", "state", traces, barmode="group",
        height=max(HEIGHT_PX, 60 + 28 * len(rows)), xaxis=_duration_axis(unit)), csv_rows)


def _variants(board: Board) -> Chart:
    rows = list(reversed(board.variants))
    labels = [f"#{len(rows) - i}: " + _path_label(r["path"] or [r["hash"]])
              for i, r in enumerate(rows)]
    unit = unit_for([r["p90"] for r in rows])
    trace = dict(type="bar", y=labels, x=[r["count"] for r in rows], orientation="h",
                   marker={"color": "#0ea5e9"},
                   customdata=[[_wrapped(r["path"] or [r["hash"]], " → ", 60),
                                unit.of(r["p50"])] for r in rows],
                   hovertemplate="%{customdata[0]}<br>%{x:,} instances<br>median cycle "
                                 f"%{{customdata[1]:.2f}} {unit.name}<extra></extra>")
    title = "Most frequent paths (finished instances), hover for the whole path"
    csv_rows = [{"rank": i + 1, "instances": r["count"],
                 f"median_cycle_{unit.name}": unit.csv(r["p50"]),
                 f"p90_cycle_{unit.name}": unit.csv(r["p90"]),
                 "path": " > ".join(r["path"] or [r["hash"]])}
                for i, r in enumerate(board.variants)]
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return Chart("variants", title, _figure(
        title, "instances", "path", [trace],
        height=max(HEIGHT_PX, 60 + (16 + 14 * lines) * len(rows)),
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
    unit = unit_for([r["p90"] for r in rows])
    csv_rows = [{**{k: v for k, v in r.items() if k not in ("p50", "p90")},
                 f"cycle_p50_{unit.name}": unit.csv(r["p50"]),
                 f"cycle_p90_{unit.name}": unit.csv(r["p90"])} for r in rows]
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
    unit = unit_for([r["done_p90"] for r in rows] + [r["claim_p90"] for r in rows])
    roles = [r["role"] for r in rows]
    traces = [dict(type="bar", name=label, x=roles, y=[unit.of(r[field]) for r in rows],
                     marker={"color": colour},
                     customdata=[[unit.of(r[field.replace("p50", "p90")]), r[count]]
                                 for r in rows],
                     hovertemplate=f"%{{x}}<br>{label}: %{{y:.2f}} {unit.name} (p90 "
                                   f"%{{customdata[0]:.2f}})<br>%{{customdata[1]:,}} tasks"
                                   "<extra></extra>")
              for field, label, count, colour in (
                  ("claim_p50", "median time to claim", "claimed", "#38bdf8"),
                  ("done_p50", "median time to complete", "completed", "#1d4ed8"))]
    title = f"Claim and completion times by role, from task creation ({unit.name})"
    csv_rows = [{"role": r["role"], "created": r["created"], "claimed": r["claimed"],
                 "completed": r["completed"],
                 **{f"{what}_{q}_{unit.name}": unit.csv(r[f"{field}_{q}"])
                    for what, field in (("claim", "claim"), ("complete", "done"))
                    for q in ("p50", "p90")}} for r in rows]
    return Chart("task-times", title, _figure(title, "role", f"time ({unit.name})", traces,
                                              barmode="group", yaxis=_duration_axis(unit)),
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


def _path_label(path: list[str], shown: int = 6) -> str:
    """A path as an axis label: long ones keep their ends, wrapped so no label is cut."""
    kept = path if len(path) <= shown else [*path[:3], "…", *path[-2:]]
    return _wrapped(kept, " > ", 28)


def _wrapped(parts: list[str], joint: str, width: int) -> str:
    """`parts` joined by `joint`, a line break (plotly's `<br>`) before a line gets longer
    than `width` characters."""
    lines = [""]
    for part in parts:
        piece = part if not lines[-1] else joint + part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(joint.lstrip() + part)
        else:
            lines[-1] += piece
    return "<br>".join(lines)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return csv_number(value)
    return "" if value is None else value
