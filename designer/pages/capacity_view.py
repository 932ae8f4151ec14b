"""The Capacity tab of `/dashboards` and the Versions tab of `/dashboards/{key}`.

Capacity: throughput against the capacity the workers measured, the due backlog and where
the current arrival rate takes it, and when the backlog or an SLA breaks
(`runtime.analytics.capacity`). Versions: each version against the one before it, cycle time
and time per state, with a Mann-Whitney U test, a slower version flagged
(`runtime.analytics.regressions`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from nicegui import ui

from designer.components.dashboard_charts import chart_grid, tag
from designer.components.empty_state import calm_when_empty
from designer.components.table_cards import cards_on_phones
from runtime.analytics import capacity as capacities
from runtime.analytics.capacity_figures import capacity_charts, version_chart
from runtime.analytics.regressions import ALPHA, MIN_SAMPLES, compare_versions
from runtime.analytics.units import short_duration, unit_for

if TYPE_CHECKING:
    from runtime import Engine

WINDOWS = {1: "Last hour", 6: "6 hours", 24: "24 hours", 168: "7 days"}


class CapacityView:
    def __init__(self, engine: Engine, may_read: Callable[[], bool]) -> None:
        self.engine, self.may_read, self.hours = engine, may_read, 24

    def build(self) -> None:
        with ui.row().classes("w-full items-center gap-4"):
            tag(ui.label("Capacity: all workers").classes("text-xl font-semibold mr-4"),
                "capacity-title")
            tag(ui.toggle(WINDOWS, value=self.hours, on_change=lambda e: self._set(e.value)),
                "capacity-window")
        self.body()

    def _set(self, hours: int) -> None:
        if not self.may_read():
            ui.notify("You may no longer read dashboards", type="negative")
            return
        self.hours = hours
        self.body.refresh()

    @ui.refreshable_method
    def body(self) -> None:
        with self.engine.store.read() as conn:
            cap = capacities.load(conn, self.engine.clock.now(), timedelta(hours=self.hours))
        live = [w for w in cap.workers if w.live]
        util = cap.utilisation
        tiles = [
            ("workers", "Workers (live)", f"{len(live)} of {len(cap.workers)}"),
            ("capacity", "Capacity", _rate(cap.capacity_per_s)),
            ("throughput", "Throughput", _rate(cap.throughput_per_s)),
            ("utilisation", "Utilisation", "—" if util is None else f"{util:.0%}"),
            ("arrivals", "Arrivals", f"{cap.arrivals_per_h:,.1f} instances/h"),
            ("demand", "Demand", _rate(cap.demand_per_s)),
            ("backlog", "Due backlog", f"{cap.backlog:,} jobs"),
        ]
        with ui.row().classes("w-full gap-3 flex-wrap"):
            for name, label, value in tiles:
                with tag(ui.card().classes("px-4 py-2 gap-0 min-w-[130px]"), f"cap-{name}"):
                    ui.label(label).classes("text-xs text-slate-600")
                    ui.label(value).classes("text-xl font-semibold")
        _forecast(cap)
        _workers(cap)
        chart_grid(capacity_charts(cap), f"capacity-{self.hours}h")


def _rate(per_s: float | None) -> str:
    return "—" if per_s is None else f"{per_s:,.2f} steps/s"


def _forecast(cap: capacities.Capacity) -> None:
    f = cap.forecast
    with tag(ui.card().classes("w-full p-3 gap-1"), "forecast"):
        ui.label("Forecast at the current arrival rate").classes("text-sm font-semibold")
        if f.growth_per_s is None:
            ui.label("Not enough measurements yet: workers report their load every minute.")
            return
        trend = ("grows" if f.growth_per_s > 0 else "shrinks or holds")
        ui.label(f"The backlog {trend} by {abs(f.growth_per_s):,.2f} steps/s ({f.basis}).")
        if f.backlog_limit is not None:
            tag(ui.label(_breaks("The backlog", f.backlog_breaks_in_s,
                                 f"more than {f.backlog_limit:,.0f} jobs (15 min of work)")),
                "forecast-backlog")
        for sla in f.slas:
            unit = unit_for([sla["sla_s"], sla["p90_s"]])
            what = (f"The SLA of {sla['definition']} ({unit.show(sla['sla_s'])}, "
                    f"p90 now {unit.show(sla['p90_s'])})")
            tag(ui.label(_breaks(what, sla["breaks_in_s"], "broken")),
                f"forecast-sla-{sla['definition']}")


def _breaks(what: str, in_s: float | None, how: str) -> str:
    if in_s is None:
        return f"{what}: does not break at this rate."
    if in_s == 0:
        return f"{what}: broken now ({how})."
    return f"{what}: {how} in about {short_duration(in_s)}."


def _workers(cap: capacities.Capacity) -> None:
    columns = [{"name": n, "label": label, "field": n, "align": "left"} for n, label in (
        ("worker", "Worker"), ("threads", "Threads"), ("jobs", "Jobs"),
        ("rate", "Steps/s"), ("capacity", "Capacity (steps/s)"), ("seen", "Last seen"))]
    rows = [{"worker": w.worker_id, "threads": w.threads, "jobs": w.jobs,
             "rate": f"{w.steps_per_s:.2f}",
             "capacity": "—" if w.capacity_per_s is None else f"{w.capacity_per_s:.1f}",
             "seen": f"{w.last_seen:%H:%M:%S}" + ("" if w.live else " (gone)")}
            for w in cap.workers]
    calm_when_empty(cards_on_phones(tag(ui.table(columns=columns, rows=rows, row_key="worker")
                                        .props("dense flat").classes("w-full"), "workers")),
        "No worker has reported yet. Each worker reports its load every minute.")


class VersionsView:
    """Version over version for one definition; flags a version that made things slower."""

    def __init__(self, engine: Engine, key: str, versions: list[int]) -> None:
        self.engine, self.key, self.versions = engine, key, versions

    def build(self) -> None:
        tag(ui.label(f"Versions of {self.key}: each against the one before").classes(
            "text-xl font-semibold"), "versions-title")
        ui.label(f"Mann-Whitney U on the durations of finished visits (Holm-adjusted, "
                 f"p < {ALPHA}); slower means the median grew more than 10%.").classes(
            "text-xs text-slate-600")
        with self.engine.store.read() as conn:
            comparisons = compare_versions(conn, self.key, self.versions)
        if not comparisons:
            tag(ui.label("Only one version is published: nothing to compare yet.").classes(
                "text-slate-600"), "versions-none")
        for comparison in comparisons:
            _comparison(comparison)


def _p(change: Any) -> str:
    if change.p_adjusted is not None:
        return f"{change.p_adjusted:.3g}"
    few = min(change.n_before, change.n_after) < MIN_SAMPLES
    return f"too few visits (< {MIN_SAMPLES})" if few else "no difference (all equal)"


def _comparison(comparison: Any) -> None:
    name = f"versions-{comparison.before}-{comparison.after}"
    with tag(ui.card().classes("w-full p-3 gap-2"), name):
        with ui.row().classes("items-center gap-2"):
            ui.label(f"Version {comparison.after} against {comparison.before}").classes(
                "text-lg font-semibold")
            if comparison.slower:
                tag(ui.badge("slower", color="red-9"), f"{name}-slower")
            else:
                ui.badge("no slowdown found", color="green-9")
        unit = unit_for([c.p50_before for c in comparison.changes]
                        + [c.p50_after for c in comparison.changes])
        columns = [{"name": n, "label": label, "field": n, "align": "left"} for n, label in (
            ("subject", "Measure"), ("n", "Visits (before → after)"),
            ("p50", f"Median, {unit.name} (before → after)"), ("ratio", "Ratio"),
            ("p", "p (adjusted)"),
            ("verdict", "Verdict"))]
        rows = [{"subject": c.subject, "n": f"{c.n_before:,} → {c.n_after:,}",
                 "p50": f"{unit.show(c.p50_before)} → {unit.show(c.p50_after)}",
                 "ratio": "—" if c.ratio is None else f"x{c.ratio:.2f}",
                 "p": _p(c),
                 "verdict": "slower" if c.slower else "faster" if c.faster else "—"}
                for c in comparison.changes]
        cards_on_phones(tag(ui.table(columns=columns, rows=rows, row_key="subject")
                            .props("dense flat").classes("w-full"), f"{name}-table"))
        chart_grid([version_chart(comparison)], f"{comparison.key}-{name}")
