"""Alert rules: an operator defines them, the conditions occur in real processes, and each
change (firing, resolved) reaches a real receiver exactly once."""

from __future__ import annotations

from typing import Any

import pytest
from alert_processes import PAYMENT, REVIEW, CardGateway, alert_channel
from webhook_receiver import WebhookReceiver, free_port

from runtime import Engine, ManualClock
from runtime import alerts as al
from runtime.core.errors import NotFound

pytestmark = pytest.mark.usefixtures("allow_local_webhooks")  # receivers on 127.0.0.1


def bodies(receiver: WebhookReceiver) -> list[tuple[str, str, str]]:
    return [(g["body"]["type"], g["body"]["alert"]["rule"], g["body"]["alert"]["subject"])
            for g in receiver.received]


def tick(engine: Engine, clock: ManualClock, seconds: float, times: int = 1) -> None:
    for _ in range(times):
        clock.advance(seconds)
        engine.run_until_idle()


def test_an_open_breaker_fires_once_and_resolves_when_it_closes(
        engine: Engine, clock: ManualClock) -> None:
    engine.breakers.failure_threshold, engine.breakers.open_s = 3, 30
    engine.publish(PAYMENT)
    gateway = CardGateway(engine)
    al.add_rule(engine.ledger, {"name": "gateway-down", "kind": "breaker_open"}, actor="ops")
    with WebhookReceiver(free_port()) as receiver:
        alert_channel(engine, receiver.url)
        gateway.down = True
        engine.start("payment", {})
        engine.run_until_idle()
        assert al.evaluate(engine.ledger).fired == []  # one failure: the breaker is closed
        tick(engine, clock, 1, times=2)  # three failures in a row open it
        changes = al.evaluate(engine.ledger)
        assert changes.fired == [("gateway-down", "card-gateway")]
        assert al.evaluate(engine.ledger).fired == []  # still open: no second message
        [alert] = al.alert_status(engine.ledger)
        assert (alert["status"], alert["subject"]) == ("firing", "card-gateway")
        assert "open after 3 failure(s)" in alert["message"]

        gateway.down = False
        tick(engine, clock, 31)  # half-open: the trial call succeeds and closes it
        assert al.evaluate(engine.ledger).resolved == [("gateway-down", "card-gateway")]
        assert al.evaluate(engine.ledger).resolved == []
    assert bodies(receiver) == [("alert_firing", "gateway-down", "card-gateway"),
                                ("alert_resolved", "gateway-down", "card-gateway")]
    assert receiver.received[1]["body"]["alert"]["status"] == "resolved"
    assert [a["status"] for a in al.alert_status(engine.ledger)] == ["resolved"]


def test_failures_fire_only_as_a_spike_over_the_trailing_baseline(
        engine: Engine, clock: ManualClock) -> None:
    engine.breakers.failure_threshold = 1000  # keep calling: this is about the error rate
    engine.publish(PAYMENT)
    gateway = CardGateway(engine)
    al.add_rule(engine.ledger, {"name": "payment-errors", "kind": "error_rate",
                                "definition": "payment", "window_s": 300, "baseline_s": 3600,
                                "factor": 3, "threshold": 4})
    gateway.down = True
    engine.start("payment", {})
    engine.run_until_idle()
    tick(engine, clock, 1, times=2)  # 3 failures: below the threshold of 4
    assert al.evaluate(engine.ledger).fired == []
    tick(engine, clock, 1, times=3)  # 6 in the window, nothing before: a spike
    assert al.evaluate(engine.ledger).fired == [("payment-errors", "payment")]
    [alert] = al.alert_status(engine.ledger)
    assert alert["value"] == 6 and "against 0.0 expected" in alert["message"]

    tick(engine, clock, 600)  # the window moves past the burst
    assert al.evaluate(engine.ledger).resolved == [("payment-errors", "payment")]
    # A steady rate (one a minute for the last hour) is the baseline, not a spike.
    for _ in range(60):
        tick(engine, clock, 60)
    assert al.evaluate(engine.ledger).fired == []


def test_sla_breaches_of_a_definition_fire_over_the_window(
        engine: Engine, clock: ManualClock) -> None:
    engine.publish(REVIEW)
    al.add_rule(engine.ledger, {"name": "claims-late", "kind": "sla_breach",
                                "definition": "claim-review", "window_s": 3600,
                                "threshold": 2})
    late = [engine.start("claim-review", {}) for _ in range(2)]
    on_time = engine.start("claim-review", {})
    clock.advance(600)
    engine.send(on_time, "approve", actor="ana")
    assert al.evaluate(engine.ledger).fired == []
    clock.advance(3600)  # past the one-hour SLA
    engine.send(late[0], "approve", actor="ana")
    assert al.evaluate(engine.ledger).fired == []  # one breach: below 2
    engine.send(late[1], "approve", actor="ana")
    assert al.evaluate(engine.ledger).fired == [("claims-late", "claim-review")]
    clock.advance(3 * 3600)
    assert al.evaluate(engine.ledger).resolved == [("claims-late", "claim-review")]


def test_an_instance_stuck_past_three_times_its_states_p95_fires(
        engine: Engine, clock: ManualClock) -> None:
    engine.publish(REVIEW)
    al.add_rule(engine.ledger, {"name": "stuck", "kind": "stuck", "factor": 3})
    for _ in range(10):  # reviews usually take two minutes
        iid = engine.start("claim-review", {})
        clock.advance(120)
        engine.send(iid, "approve", actor="ana")
    waiting = engine.start("claim-review", {})
    clock.advance(300)  # 5 min: more than usual, less than 3 x p95
    assert al.evaluate(engine.ledger).fired == []
    clock.advance(180)  # 8 min > 3 x 2 min (and the sketch's 5% error)
    assert al.evaluate(engine.ledger).fired == [("stuck", "claim-review/review")]
    [alert] = al.alert_status(engine.ledger)
    assert "1 instance(s) of claim-review in 'review'" in alert["message"]
    engine.send(waiting, "approve", actor="ana")
    assert al.evaluate(engine.ledger).resolved == [("stuck", "claim-review/review")]


def test_growth_of_the_due_job_backlog_fires(engine: Engine, clock: ManualClock) -> None:
    engine.publish(PAYMENT)  # no runner: each start leaves a due job behind
    al.add_rule(engine.ledger, {"name": "backlog", "kind": "backlog_growth", "window_s": 600,
                                "threshold": 5})
    engine.start("payment", {})
    assert al.evaluate(engine.ledger).fired == []  # the first reading
    clock.advance(60)
    for _ in range(5):
        engine.start("payment", {})
    assert al.evaluate(engine.ledger).fired == [("backlog", "jobs")]
    [alert] = al.alert_status(engine.ledger)
    assert alert["message"] == "due jobs grew from 1 to 6 within 10 min"
    clock.advance(660)  # no further growth within the window
    assert al.evaluate(engine.ledger).resolved == [("backlog", "jobs")]


def test_a_reminder_goes_out_while_an_alert_keeps_firing(
        engine: Engine, clock: ManualClock) -> None:
    engine.breakers.failure_threshold = 1
    engine.publish(PAYMENT)
    CardGateway(engine).down = True
    al.add_rule(engine.ledger, {"name": "gateway", "kind": "breaker_open",
                                "breaker": "card-gateway", "repeat_s": 600})
    engine.start("payment", {})
    engine.run_until_idle()
    assert al.evaluate(engine.ledger).fired
    clock.advance(300)
    assert al.evaluate(engine.ledger).reminded == []
    clock.advance(300)
    assert al.evaluate(engine.ledger).reminded == [("gateway", "card-gateway")]


def test_two_processes_evaluating_at_once_send_one_message(db_url: str) -> None:
    clock = ManualClock()
    with Engine(db_url, clock=clock) as one, Engine(db_url, clock=clock) as two, \
            WebhookReceiver(free_port()) as receiver:
        one.breakers.failure_threshold = 1
        one.publish(PAYMENT)
        CardGateway(one).down = True
        al.add_rule(one.ledger, {"name": "gateway", "kind": "breaker_open"})
        alert_channel(one, receiver.url)
        one.start("payment", {})
        one.run_until_idle()
        # Both evaluate the same condition: the conditional writes let one of them fire.
        fired = al.evaluate(one.ledger).fired + al.evaluate(two.ledger).fired
        assert fired == [("gateway", "card-gateway")]
        # The runners' turns: one process per interval.
        first = al.AlertEvaluator(one.ledger, every_s=15)
        second = al.AlertEvaluator(two.ledger, every_s=15)
        assert first.run_once() is not None and second.run_once() is None
        clock.advance(15)
        assert second.run_once() is not None and first.run_once() is None
    assert bodies(receiver) == [("alert_firing", "gateway", "card-gateway")]


@pytest.mark.parametrize(("rule", "field", "words"), [
    ({"name": "x", "kind": "latency"}, "kind", "use one of sla_breach"),
    ({"name": "Bad Name", "kind": "stuck"}, "name", "lower-case"),
    ({"name": "x", "kind": "breaker_open", "window_s": 60}, "window_s",
     "not a parameter of breaker_open"),
    ({"name": "x", "kind": "stuck", "factor": -1}, "factor", "greater than 0"),
    ({"name": "x", "kind": "backlog_growth", "definition": "payment"}, "definition",
     "not per definition"),
    ({"name": "x", "kind": "stuck", "colour": "red"}, "colour", "not a parameter"),
    ({"kind": "stuck"}, "name", "field required"),
])
def test_a_bad_rule_is_refused_naming_the_field(engine: Engine, rule: dict[str, Any],
                                                field: str, words: str) -> None:
    with pytest.raises(al.AlertRuleInvalid) as refused:
        al.add_rule(engine.ledger, rule)
    assert refused.value.details == {"field": field}
    assert words in refused.value.message
    assert al.list_rules(engine.ledger) == []


def test_rules_are_listed_with_defaults_and_removed_with_their_alerts(engine: Engine) -> None:
    al.add_rule(engine.ledger, {"name": "stuck", "kind": "stuck"}, actor="ops")
    with pytest.raises(al.AlertRuleExists):
        al.add_rule(engine.ledger, {"name": "stuck", "kind": "breaker_open"})
    [rule] = al.list_rules(engine.ledger)
    assert rule.to_json()["factor"] == 3.0 and rule.created_by == "ops"
    al.remove_rule(engine.ledger, "stuck")
    assert al.list_rules(engine.ledger) == []
    with pytest.raises(NotFound):
        al.remove_rule(engine.ledger, "stuck")
