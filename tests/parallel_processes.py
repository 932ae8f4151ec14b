"""Definitions with parallel branches, shared by the fork/join tests."""

from __future__ import annotations

from typing import Any


def shipping() -> dict[str, Any]:
    """Pack the goods while waiting for the payment; ship once both are done."""
    return {
        "schema": "statewright/v1", "key": "shipping",
        "variables": [{"name": "packed", "type": "boolean"}],
        "states": [
            {"id": "received", "type": "start"},
            {"id": "split", "type": "fork"},
            {"id": "pack", "type": "task", "action": "pack", "retry": {"max_attempts": 1}},
            {"id": "payment", "type": "wait", "timeout_s": 3600},
            {"id": "merge", "type": "join"},
            {"id": "ship", "type": "task", "action": "ship"},
            {"id": "shipped", "type": "end"},
            {"id": "stuck", "type": "end", "outcome": "failed"},
        ],
        "transitions": [
            {"from": "received", "to": "split"},
            {"from": "split", "to": "pack"},
            {"from": "split", "to": "payment"},
            {"from": "pack", "to": "merge", "on": "done"},
            {"from": "payment", "to": "merge", "on": "paid"},
            {"from": "payment", "to": "merge", "on": "timeout"},
            {"from": "merge", "to": "ship"},
            {"from": "ship", "to": "shipped", "on": "done"},
            {"from": "ship", "to": "stuck", "on": "error"},
        ],
    }


def many_waits(count: int) -> dict[str, Any]:
    """One fork of `count` branches, branch n waiting for the event `e<n>`."""
    states: list[dict[str, Any]] = [{"id": "begin", "type": "start"},
                                    {"id": "split", "type": "fork"},
                                    {"id": "merge", "type": "join"},
                                    {"id": "finished", "type": "end"}]
    transitions: list[dict[str, Any]] = [{"from": "begin", "to": "split"},
                                         {"from": "merge", "to": "finished"}]
    for n in range(count):
        states.append({"id": f"w{n}", "type": "wait", "timeout_s": 86400})
        transitions += [{"from": "split", "to": f"w{n}"},
                        {"from": f"w{n}", "to": "merge", "on": f"e{n}"},
                        {"from": f"w{n}", "to": "merge", "on": "timeout"}]
    return {"schema": "statewright/v1", "key": f"waits-{count}", "states": states,
            "transitions": transitions}


def nested() -> dict[str, Any]:
    """A fork whose second branch forks again: a human approval beside a timer."""
    return {
        "schema": "statewright/v1", "key": "nested",
        "states": [
            {"id": "begin", "type": "start"},
            {"id": "outer", "type": "fork"},
            {"id": "check", "type": "task", "action": "check"},
            {"id": "inner", "type": "fork"},
            {"id": "approve", "type": "human", "role": "approver", "sla_s": 3600},
            {"id": "cool_off", "type": "timer", "duration_s": 60},
            {"id": "inner_join", "type": "join"},
            {"id": "outer_join", "type": "join"},
            {"id": "done", "type": "end"},
        ],
        "transitions": [
            {"from": "begin", "to": "outer"},
            {"from": "outer", "to": "check"},
            {"from": "outer", "to": "inner"},
            {"from": "check", "to": "outer_join", "on": "done"},
            {"from": "check", "to": "outer_join", "on": "error"},
            {"from": "inner", "to": "approve"},
            {"from": "inner", "to": "cool_off"},
            {"from": "approve", "to": "inner_join", "on": "approve"},
            {"from": "cool_off", "to": "inner_join", "on": "elapsed"},
            {"from": "inner_join", "to": "outer_join"},
            {"from": "outer_join", "to": "done"},
        ],
    }


def bookings() -> dict[str, Any]:
    """Book a flight and a hotel side by side, then charge; a failed charge rolls back."""
    return {
        "schema": "statewright/v1", "key": "trip",
        "states": [
            {"id": "begin", "type": "start"},
            {"id": "split", "type": "fork"},
            {"id": "flight", "type": "task", "action": "book_flight",
             "compensation": "cancel_flight"},
            {"id": "hotel", "type": "task", "action": "book_hotel",
             "compensation": "cancel_hotel"},
            {"id": "merge", "type": "join"},
            {"id": "charge", "type": "task", "action": "charge", "retry": {"max_attempts": 1}},
            {"id": "booked", "type": "end"},
            {"id": "rolled_back", "type": "end", "outcome": "failed"},
        ],
        "transitions": [
            {"from": "begin", "to": "split"},
            {"from": "split", "to": "flight"},
            {"from": "split", "to": "hotel"},
            {"from": "flight", "to": "merge", "on": "done"},
            {"from": "flight", "to": "merge", "on": "error"},
            {"from": "hotel", "to": "merge", "on": "done"},
            {"from": "hotel", "to": "merge", "on": "error"},
            {"from": "merge", "to": "charge"},
            {"from": "charge", "to": "booked", "on": "done"},
            {"from": "charge", "to": "rolled_back", "on": "error"},
        ],
    }
