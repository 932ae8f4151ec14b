"""Processes and helpers the alert tests share: a claims review with an SLA, a payment
service call that fails on demand, and a receiver channel for every alert."""

from __future__ import annotations

from typing import Any

from runtime import Engine
from runtime.people import notifications as notes

REVIEW = {
    "schema": "statewright/v1", "key": "claim-review", "name": "Claim review",
    "states": [
        {"id": "begin", "type": "start"},
        {"id": "review", "type": "human", "role": "adjuster", "sla_s": 3600},
        {"id": "paid", "type": "end", "outcome": "completed"},
    ],
    "transitions": [{"from": "begin", "to": "review"},
                    {"from": "review", "to": "paid", "on": "approve"}],
}

PAYMENT = {
    "schema": "statewright/v1", "key": "payment", "name": "Payment",
    "states": [
        {"id": "begin", "type": "start"},
        {"id": "charge", "type": "task", "action": "charge_card", "breaker": "card-gateway",
         "retry": {"max_attempts": 50, "initial_s": 1, "multiplier": 1, "jitter": 0}},
        {"id": "done", "type": "end", "outcome": "completed"},
        {"id": "declined", "type": "end", "outcome": "failed"},
    ],
    "transitions": [{"from": "begin", "to": "charge"},
                    {"from": "charge", "to": "done", "on": "done"},
                    {"from": "charge", "to": "declined", "on": "error"}],
}


class CardGateway:
    """The action `charge_card`: fails while `down`, like a payment gateway in an outage."""

    def __init__(self, engine: Engine) -> None:
        self.down = False
        self.calls = 0

        @engine.action("charge_card")
        def charge_card(_ctx: Any) -> dict[str, Any]:
            self.calls += 1
            if self.down:
                raise ConnectionError("card gateway unreachable")
            return {}


def alert_channel(engine: Engine, url: str, target: str = "*", fmt: str = "webhook") -> None:
    notes.add_channel(engine, "alert", target, fmt, url)
