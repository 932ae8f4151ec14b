"""A parent process hands work to a child process and moves on when the child ends."""

from __future__ import annotations

import pytest

from runtime.core.step import replay

ORDER = {
    "key": "purchase-order",
    "variables": [{"name": "total", "type": "number"}, {"name": "carrier", "type": "string"}],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "ship", "type": "subprocess", "definition": "shipping",
         "input": {"weight_kg": "double(total) / 10.0"}},
        {"id": "delivered", "type": "end"},
        {"id": "undeliverable", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "received", "to": "ship"},
        {"from": "ship", "to": "delivered", "on": "done"},
        {"from": "ship", "to": "undeliverable", "on": "error"},
    ],
}
SHIPPING = {
    "key": "shipping",
    "variables": [{"name": "weight_kg", "type": "number"}, {"name": "carrier", "type": "string"}],
    "states": [
        {"id": "booked", "type": "start"},
        {"id": "route", "type": "decision"},
        {"id": "in_transit", "type": "wait"},
        {"id": "arrived", "type": "end"},
        {"id": "lost", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "booked", "to": "route"},
        {"from": "route", "to": "arrived", "when": "weight_kg < 1.0", "set": {"carrier": "'post'"}},
        {"from": "route", "to": "in_transit", "default": True},
        {"from": "in_transit", "to": "arrived", "on": "arrive", "set": {"carrier": "'truck'"}},
        {"from": "in_transit", "to": "lost", "on": "lose"},
    ],
}


@pytest.fixture
def published(engine):
    engine.publish(SHIPPING)
    engine.publish(ORDER)
    return engine


def _child(engine, parent_id):
    (child,) = [i for i in engine.list_instances(definition="shipping").items
                if i.parent_id == parent_id]
    return child


def test_the_order_ships_through_the_shipping_process(published):
    engine = published
    order = engine.start("purchase-order", {"total": 250}, actor="buyer")
    engine.run_until_idle()
    child = _child(engine, order)
    assert (child.state, child.variables["weight_kg"]) == ("in_transit", 25.0)
    assert engine.get(order).state == "ship"
    engine.send(child.id, "arrive", actor="driver")
    parent = engine.get(order)
    assert (parent.state, parent.status, parent.variables["carrier"]) == (
        "delivered", "completed", "truck")
    types = [e.type for e in engine.history(order)]
    assert "subprocess_started" in types and "subprocess_ended" in types
    for iid in (order, child.id):
        log = engine.history(iid)
        assert replay(iid, [(e.seq, e.type, e.data) for e in log]).state == engine.get(iid).state
    assert engine.verify_audit().ok


def test_a_child_that_ends_at_once_moves_the_parent_in_the_same_step(published):
    order = published.start("purchase-order", {"total": 5}, actor="buyer")
    published.run_until_idle()
    assert published.get(order).state == "delivered"
    assert published.get(order).variables["carrier"] == "post"


def test_a_failed_child_takes_the_parents_error_path(published):
    order = published.start("purchase-order", {"total": 250}, actor="buyer")
    published.run_until_idle()
    published.send(_child(published, order).id, "lose", actor="driver")
    assert published.get(order).status == "failed"


def test_a_missing_child_definition_is_an_incident(engine):
    engine.publish(ORDER)
    order = engine.start("purchase-order", {"total": 250}, actor="buyer")
    engine.run_until_idle()
    inst = engine.get(order)
    assert (inst.state, inst.status) == ("ship", "incident")
    assert "no definition 'shipping'" in engine.history(order)[-1].data["reason"]
