"""Alert rules over REST (admins): define, list and remove rules, see what fires, export them
for Prometheus; and the alert gauges of `/metrics`, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import PlainTextResponse
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from runtime import alerts
from runtime.alerts import prometheus
from runtime.alerts.rules import RuleInput
from runtime.api.auth import Caller
from runtime.api.errors import error_responses
from runtime.api.models import PLAIN_TEXT

router = APIRouter(prefix="/alerts", tags=["alerts"])
RuleName = Annotated[str, Path(max_length=64, pattern=PLAIN_TEXT, description="Rule name or id")]


def _ledger(request: Request) -> Any:
    return request.app.state.engine.ledger


@router.get("/rules", summary="List alert rules")
def list_rules(request: Request) -> dict[str, Any]:
    """Every rule with its parameters (defaults filled in)."""
    return {"items": [rule.to_json() for rule in alerts.list_rules(_ledger(request))]}


@router.post("/rules", status_code=201, summary="Define an alert rule",
             responses=error_responses(409, 422))
def add_rule(request: Request, body: RuleInput, caller: Caller) -> dict[str, Any]:
    """`kind` is one of sla_breach, error_rate, backlog_growth, stuck, breaker_open; the
    parameters a kind does not take are refused. Alerts go to the notification channels of
    scope `alert` whose target is the rule's name or `*`."""
    rule = alerts.add_rule(_ledger(request), body.model_dump(exclude_none=True),
                           actor=caller.username)
    return rule.to_json()


@router.delete("/rules/{name}", status_code=204, summary="Remove an alert rule",
               responses=error_responses(404))
def remove_rule(request: Request, name: RuleName) -> None:
    alerts.remove_rule(_ledger(request), name)


@router.get("", summary="Alerts firing and resolved")
def alert_status(request: Request, firing: Annotated[bool, Query(
        description="Only the alerts firing now")] = False) -> dict[str, Any]:
    rows = alerts.alert_status(_ledger(request), firing_only=firing)
    return {"items": [{k: v.isoformat() if hasattr(v, "isoformat") else v
                       for k, v in row.items()} for row in rows]}


@router.get("/prometheus", summary="The rules as a Prometheus rule file",
            response_class=PlainTextResponse)
def export_rules(request: Request) -> str:
    return prometheus.export(alerts.list_rules(_ledger(request)))


class AlertGauges(Collector):
    """The gauges of `runtime.alerts.prometheus.GAUGES`; a failing read drops them (the
    database gauges already report the database being down)."""

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            with self._engine.store.read() as conn:
                values = prometheus.gauges(conn, self._engine.clock.now())
        except Exception:
            return
        for name, (text, labels) in prometheus.GAUGES.items():
            family = GaugeMetricFamily(name, text, labels=list(labels))
            for key, value in sorted(values[name].items()):
                family.add_metric(list(key), value)
            yield family
