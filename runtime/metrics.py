"""Prometheus metrics: what this process did, plus a scrape-time view of the shared database.

Counters and histograms count the work of this process (API calls, starts, sends). Gauges that
must agree across several `serve`/`worker` processes (instances by status, jobs due) are read
from the database when scraped, so any replica reports the same totals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("statewright.metrics")

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class DatabaseGauges(Collector):
    """Reads gauges from the database at scrape time; a failing read drops them, not the scrape."""

    def __init__(self, read: Callable[[], Mapping[str, Mapping[tuple[str, ...], float]]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        try:
            values = self._read()
        except Exception:
            log.warning("Could not read database gauges for /metrics", exc_info=True)
            up = GaugeMetricFamily("statewright_database_up", "1 when the database answered")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily("statewright_database_up", "1 when the database answered")
        up.add_metric([], 1)
        yield up
        for name, series in values.items():
            spec = DATABASE_GAUGES[name]
            family = GaugeMetricFamily(name, spec[0], labels=list(spec[1]))
            for labels, value in series.items():
                family.add_metric(list(labels), value)
            yield family


# name -> (help, label names) of the gauges `DatabaseGauges` reports.
DATABASE_GAUGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "statewright_instances": ("Instances by status, over all processes", ("status",)),
    "statewright_definitions": ("Published definition keys", ()),
    "statewright_jobs_due": ("Runnable work (actions, timers) due now", ()),
}


class Metrics:
    """One registry per app, so several apps in one process (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "statewright_http_requests",
            "API requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.instances_started = Counter(
            "statewright_instances_started",
            "Instances started by this process",
            ["definition"],
            registry=self.registry,
        )
        self.events_accepted = Counter(
            "statewright_events_accepted",
            "Events sent through this process that moved an instance on",
            ["definition"],
            registry=self.registry,
        )
        self.events_refused = Counter(
            "statewright_events_refused",
            "Events refused (unknown event, bad payload, unknown instance), by error code",
            ["code"],
            registry=self.registry,
        )
        self.send_seconds = Histogram(
            "statewright_send_seconds",
            "Time to deliver an event and commit its transition",
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.start_seconds = Histogram(
            "statewright_start_seconds",
            "Time to start an instance",
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )

    def watch_database(
        self, read: Callable[[], Mapping[str, Mapping[tuple[str, ...], float]]]
    ) -> None:
        self.registry.register(DatabaseGauges(read))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
