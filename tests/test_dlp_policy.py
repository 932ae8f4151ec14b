"""The DLP policy where values enter an instance: a clerk pastes a card number into a note
at start, in an event, in a task form, or an action returns one; block, mask and flag."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from runtime import Engine
from runtime.core.errors import EngineError
from runtime.people.tasks import Caller
from runtime.security.dlp import DlpBlocked, DlpConfigInvalid

ANA = Caller("ana", frozenset({"clerk"}))
ADMIN = Caller("root", frozenset({"admin"}))
CARD = "4111 1111 1111 1111"

REFUND: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "refund",
    "name": "Refund request",
    "variables": [
        {"name": "note", "type": "string"},
        {"name": "contact", "type": "string", "pii": ["email", "phone"]},
        {"name": "card", "type": "string", "classification": "restricted"},
        {"name": "receipt", "type": "string"},
    ],
    "states": [
        {"id": "filed", "type": "start"},
        {"id": "lookup", "type": "task", "action": "find_receipt"},
        {"id": "check", "type": "human", "role": "clerk",
         "form": [{"name": "note", "type": "string"}]},
        {"id": "wait", "type": "wait", "timeout_s": 3600},
        {"id": "paid", "type": "end", "outcome": "completed"},
        {"id": "failed", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "filed", "to": "lookup"},
        {"from": "lookup", "to": "check", "on": "done"},
        {"from": "lookup", "to": "failed", "on": "error"},
        {"from": "check", "to": "wait", "on": "approve"},
        {"from": "wait", "to": "paid", "on": "refunded"},
        {"from": "wait", "to": "failed", "on": "timeout"},
    ],
}


def _refund(engine: Engine, mode: str | None, receipt: str = "receipt R-1") -> None:
    document = copy.deepcopy(REFUND)
    if mode is not None:
        document["dlp"] = {"mode": mode}
    engine.publish(document)

    @engine.action("find_receipt")
    def find_receipt(ctx: Any) -> dict[str, Any]:
        return {"receipt": receipt}


def _findings(engine: Engine, iid: str) -> list[dict[str, Any]]:
    return [{**e.data, "actor": e.actor} for e in engine.history(iid) if e.type == "dlp_flagged"]


def _at_check(engine: Engine) -> str:
    iid = engine.start("refund", {"note": "late parcel"}, actor="ana")
    engine.run_until_idle(timeout_s=10)
    assert engine.get(iid).state == "check"
    return iid


def test_block_refuses_a_start_naming_variable_and_kind_but_not_the_value(engine: Engine
                                                                         ) -> None:
    _refund(engine, "block")
    with pytest.raises(DlpBlocked) as refused:
        engine.start("refund", {"note": f"customer card {CARD}"}, actor="ana")
    assert refused.value.status == 422
    assert "'note' holds a card number" in refused.value.message
    assert "4111" not in refused.value.message and "4111" not in str(refused.value.details)
    assert engine.list_instances().total == 0


def test_what_a_variable_declares_or_a_restricted_one_may_hold_passes_even_under_block(
        engine: Engine) -> None:
    _refund(engine, "block")
    iid = engine.start("refund", {"contact": "jane@example.com, +44 20 7946 0958",
                                  "card": CARD}, actor="ana")
    assert _findings(engine, iid) == []
    assert engine.get(iid).variables["card"] == CARD  # sealed at rest, clear to the engine


def test_mask_stores_the_masked_form_and_logs_a_finding(engine: Engine) -> None:
    _refund(engine, "mask")
    iid = engine.start("refund", {"note": f"card {CARD}, mail jane@example.com"}, actor="ana")
    assert engine.get(iid).variables["note"] == "card **** **** **** 1111, mail j***@example.com"
    assert _findings(engine, iid) == [{
        "source": "start", "action": "masked", "actor": "ana",
        "findings": [{"variable": "note", "kind": "card"}, {"variable": "note", "kind": "email"}],
    }]
    assert not any(CARD in str(e.data) for e in engine.history(iid))


def test_flag_stores_the_value_and_logs_who_sent_it(engine: Engine) -> None:
    _refund(engine, None)  # flag is the default
    iid = engine.start("refund", {"note": f"card {CARD}"}, actor="ana")
    assert engine.get(iid).variables["note"] == f"card {CARD}"
    assert _findings(engine, iid)[0]["action"] == "flagged"
    assert engine.verify_audit().ok


def test_send_under_block_is_refused_and_the_instance_does_not_move(engine: Engine) -> None:
    _refund(engine, "block")
    iid = _at_check(engine)
    engine.tasks.complete(_task(engine, iid), ADMIN, "approve", {"note": "ok"})
    seq = len(engine.history(iid))
    with pytest.raises(DlpBlocked, match="'iban' holds an IBAN"):
        engine.send(iid, "refunded", {"iban": "DE89 3704 0044 0532 0130 00"}, actor="bank")
    assert (engine.get(iid).state, len(engine.history(iid))) == ("wait", seq)


def test_send_under_mask_logs_the_finding_before_the_transition(engine: Engine) -> None:
    _refund(engine, "mask")
    iid = _at_check(engine)
    engine.tasks.complete(_task(engine, iid), ADMIN, "approve", {"note": "ok"})
    after = engine.send(iid, "refunded", {"note": "to NL91ABNA0417164300"}, actor="bank")
    assert after.variables["note"] == "to NL** **** 4300" and after.state == "paid"
    types = [e.type for e in engine.history(iid)]
    assert types.index("dlp_flagged") < len(types) - 1
    assert _findings(engine, iid)[-1]["source"] == "send"


def _task(engine: Engine, iid: str) -> str:
    page = engine.tasks.list(ADMIN, state="open")
    return next(t.id for t in page.items if t.instance_id == iid)


def test_a_task_form_under_block_is_refused_and_the_task_stays_open(engine: Engine) -> None:
    _refund(engine, "block")
    iid = _at_check(engine)
    task_id = _task(engine, iid)
    engine.tasks.claim(task_id, ANA)
    with pytest.raises(DlpBlocked, match="national id"):
        engine.tasks.complete(task_id, ANA, "approve", {"note": "SSN 123-45-6789"})
    assert engine.get(iid).state == "check"
    engine.tasks.complete(task_id, ANA, "approve", {"note": "checked"})
    assert engine.get(iid).state == "wait"


def test_a_task_form_under_flag_records_the_clerk_as_actor(engine: Engine) -> None:
    _refund(engine, "flag")
    iid = _at_check(engine)
    task_id = _task(engine, iid)
    engine.tasks.claim(task_id, ANA)
    engine.tasks.complete(task_id, ANA, "approve", {"note": "call +44 20 7946 0958"})
    assert _findings(engine, iid) == [{"source": "task", "action": "flagged", "actor": "ana",
                                       "findings": [{"variable": "note", "kind": "phone"}]}]


def test_an_action_result_under_block_becomes_an_incident_without_the_value(engine: Engine
                                                                            ) -> None:
    _refund(engine, "block", receipt=f"paid by {CARD}")
    iid = engine.start("refund", {}, actor="ana")
    engine.run_until_idle(timeout_s=10)
    inst = engine.get(iid)
    assert inst.status == "incident" and "receipt" not in inst.variables
    incident = next(e for e in engine.history(iid) if e.type == "incident")
    assert "'receipt' holds a card number" in incident.data["reason"]
    assert "4111" not in str([e.data for e in engine.history(iid)])


def test_an_action_result_under_mask_is_stored_masked(engine: Engine) -> None:
    _refund(engine, "mask", receipt=f"paid by {CARD}")
    iid = engine.start("refund", {}, actor="ana")
    engine.run_until_idle(timeout_s=10)
    assert engine.get(iid).variables["receipt"] == "paid by **** **** **** 1111"
    assert _findings(engine, iid)[0]["source"] == "action"


@pytest.mark.parametrize(("server", "flagged"), [("off", False), ("block", None)])
def test_the_server_default_applies_where_a_definition_sets_no_mode(
        engine: Engine, monkeypatch: pytest.MonkeyPatch, server: str, flagged: bool | None
) -> None:
    monkeypatch.setenv("STATEWRIGHT_DLP", server)
    _refund(engine, None)
    if flagged is None:
        with pytest.raises(DlpBlocked):
            engine.start("refund", {"note": CARD}, actor="ana")
    else:
        iid = engine.start("refund", {"note": CARD}, actor="ana")
        assert _findings(engine, iid) == []


def test_a_misspelt_server_default_is_a_clear_error(engine: Engine,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATEWRIGHT_DLP", "blok")
    _refund(engine, None)
    with pytest.raises(DlpConfigInvalid, match="STATEWRIGHT_DLP='blok'"):
        engine.start("refund", {"note": CARD}, actor="ana")
    assert issubclass(DlpConfigInvalid, EngineError) and engine.list_instances().total == 0
