"""Circuit breakers: their state over REST and as Prometheus gauges read at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import BaseModel

router = APIRouter(prefix="/breakers", tags=["breakers"])

STATE_VALUES = {"closed": 0, "half-open": 1, "open": 2}


class Breaker(BaseModel):
    name: str
    state: str
    failures: int
    open_until: datetime | None
    changed_at: datetime | None


@router.get("", response_model=list[Breaker], summary="Circuit breakers that have seen failures")
def list_breakers(request: Request) -> list[dict[str, Any]]:
    """Each group's state (closed, open, half-open), its failures in a row, when it half-opens."""
    return [b.to_json() for b in request.app.state.engine.breakers.states()]


class BreakerGauges(Collector):
    """`statewright_breaker_state{group}`: 0 closed, 1 half-open, 2 open (shared database)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily("statewright_breaker_state",
                                   "Circuit breaker per group: 0 closed, 1 half-open, 2 open",
                                   labels=["group"])
        try:
            states = self._engine.breakers.states()
        except Exception:
            states = []  # the database gauges already report the database being down
        for b in states:
            family.add_metric([b.name], STATE_VALUES[b.state])
        yield family
