"""An operator follows an instance in Jaeger: one trace per instance, exported over OTLP
(HTTP/protobuf and gRPC) to a real receiver in this process, whichever worker ran the step."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_engine_subprocess import ORDER, SHIPPING
from test_saga import booking, register

from runtime import Engine, ManualClock
from runtime.benchmarks.otlp_receiver import OtlpReceiver
from runtime.execution import jobs
from runtime.observability import ids

ERROR = 2  # OTLP status code


@pytest.fixture(params=["http/protobuf", "grpc"])
def receiver(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
             ) -> Iterator[OtlpReceiver]:
    """A receiver the engines built in the test export to, through the OTEL_* variables."""
    with OtlpReceiver(request.param) as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", request.param)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "loan-service")
        yield receiver


@pytest.fixture
def traced(db_url: str, clock: ManualClock, receiver: OtlpReceiver) -> Iterator[Engine]:
    with Engine(db_url, clock=clock) as engine:
        yield engine


def exported(engine: Engine, receiver: OtlpReceiver) -> list[dict[str, Any]]:
    assert engine.tracing is not None and engine.tracing.flush()
    spans = list(receiver.spans)
    assert len({s["span_id"] for s in spans}) == len(spans), "a span was exported twice"
    return spans


def named(spans: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [s for s in spans if s["name"] == name]


def test_a_small_loan_is_one_trace_of_its_transitions_and_its_scoring(traced, receiver,
                                                                       loan_approval):
    seen: list[dict[str, str]] = []

    @traced.action("credit_score")
    def credit_score(ctx: Any) -> dict[str, Any]:
        seen.append(dict(ctx.trace_headers))
        return {"score": 712}

    traced.publish(loan_approval)
    iid = traced.start("loan-approval", {"amount": 5000}, actor="ana")
    traced.run_until_idle()
    spans = exported(traced, receiver)

    trace = f"{ids.trace_id(iid):032x}"
    assert {s["trace_id"] for s in spans} == {trace}
    assert {s["service"] for s in spans} == {"loan-service"}
    [root] = named(spans, "instance loan-approval")
    assert root["parent_span_id"] == ""
    assert root["attributes"]["statewright.instance.id"] == iid
    moves = [s for s in spans if "->" in s["name"]]
    assert [s["name"] for s in sorted(moves, key=lambda s: s["start_ns"])] == [
        "-> received", "received -> score", "score -> route", "route -> approved"]
    assert all(s["parent_span_id"] == root["span_id"] for s in moves)
    [done] = named(spans, "score -> route")
    assert done["attributes"] == {
        "statewright.instance.id": iid, "statewright.definition.key": "loan-approval",
        "statewright.definition.version": 1, "statewright.state.from": "score",
        "statewright.state.to": "route", "statewright.event": "done"}

    [scoring] = named(spans, "credit_score")
    [entered] = named(spans, "received -> score")
    assert scoring["parent_span_id"] == entered["span_id"]
    assert scoring["attributes"]["statewright.action.attempt"] == 1
    assert seen == [{"traceparent": f"00-{trace}-{scoring['span_id']}-01"}]


def test_a_retried_action_leaves_a_failed_span_then_a_good_one(traced, receiver, clock,
                                                                loan_approval):
    attempts: list[int] = []

    @traced.action("credit_score")
    def flaky(ctx: Any) -> dict[str, Any]:
        attempts.append(ctx.attempt)
        if ctx.attempt == 1:
            raise ConnectionError("the bureau is down")
        return {"score": 700}

    traced.publish(loan_approval)
    traced.start("loan-approval", {"amount": 5000})
    traced.run_until_idle()
    clock.advance(2)
    traced.run_until_idle()
    assert attempts == [1, 2]
    runs = sorted(named(exported(traced, receiver), "credit_score"),
                  key=lambda s: s["attributes"]["statewright.action.attempt"])
    assert [(s["attributes"]["statewright.action.attempt"], s["status"]) for s in runs] == [
        (1, ERROR), (2, 0)]
    assert "the bureau is down" in runs[0]["status_message"]
    assert runs[0]["parent_span_id"] == runs[1]["parent_span_id"]  # both under the transition


def test_a_job_re_leased_to_another_worker_is_traced_once_by_the_one_that_recorded_it(
        db_url, receiver, loan_approval):
    clock = ManualClock()
    with Engine(db_url, clock=clock, lease_s=30) as slow, Engine(db_url, clock=clock) as peer:
        calls: list[str] = []
        for engine, name in ((slow, "slow"), (peer, "peer")):
            engine.action("credit_score")(lambda ctx, name=name: calls.append(name) or {})
        slow.publish(loan_approval)
        iid = slow.start("loan-approval", {"amount": 5000})
        [job] = jobs.lease(slow)
        clock.advance(31)  # the slow worker's lease runs out before it ran the action
        [again] = jobs.lease(peer)
        assert again.id == job.id
        late = jobs.run_job(slow, job)  # runs the action, cannot record: the lease is gone
        assert late is not None
        late.result()
        done = jobs.run_job(peer, again)
        assert done is not None
        done.result()
        peer.run_until_idle()
        assert calls == ["slow", "peer"] and peer.get(iid).state == "approved"
        spans = exported(slow, receiver) and exported(peer, receiver)
    [scoring] = named(spans, "credit_score")
    assert scoring["attributes"]["statewright.action.attempt"] == 2
    assert len(named(spans, "received -> score")) == 1


def test_the_shipping_child_has_its_own_trace_linked_to_the_order(traced, receiver):
    traced.publish(SHIPPING)
    traced.publish(ORDER)
    order = traced.start("purchase-order", {"total": 250})
    traced.run_until_idle()
    spans = exported(traced, receiver)
    [start] = named(spans, "subprocess shipping")
    [entered] = named(spans, "received -> ship")
    assert start["parent_span_id"] == entered["span_id"]
    child = start["attributes"]["statewright.child.id"]
    [child_root] = named(spans, "instance shipping")
    assert child_root["trace_id"] == f"{ids.trace_id(child):032x}" != start["trace_id"]
    assert child_root["links"] == [(start["trace_id"], start["span_id"])]
    assert child_root["attributes"]["statewright.parent.id"] == order


def test_a_failed_booking_traces_each_compensation_by_its_action(traced, receiver):
    traced.publish(booking())
    register(traced, [])
    traced.start("booking", {"fail_at": "car"})
    traced.run_until_idle()
    spans = exported(traced, receiver)
    [failed] = named(spans, "book_car")
    assert failed["status"] == ERROR
    cancels = sorted(named(spans, "cancel_hotel") + named(spans, "cancel_flight"),
                     key=lambda s: s["start_ns"])
    assert [s["name"] for s in cancels] == ["cancel_hotel", "cancel_flight"]  # newest first
    assert [s["attributes"]["statewright.compensation"] for s in cancels] == [True, True]
    [root] = named(spans, "instance booking")
    assert {s["parent_span_id"] for s in cancels} == {root["span_id"]}


def test_a_sampler_that_keeps_nothing_exports_nothing_and_says_so_downstream(
        db_url, receiver, monkeypatch, loan_approval):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    seen: list[str] = []
    with Engine(db_url) as engine:
        engine.action("credit_score")(lambda ctx: seen.append(ctx.trace_headers["traceparent"])
                                      or {})
        engine.publish(loan_approval)
        engine.start("loan-approval", {"amount": 5000})
        engine.run_until_idle()
        assert exported(engine, receiver) == []
    assert seen[0].endswith("-00")
