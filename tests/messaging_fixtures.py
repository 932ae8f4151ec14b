"""An order process moved by messages, shared by the messaging tests."""

from __future__ import annotations

import copy
from typing import Any

ORDER: dict[str, Any] = {
    "schema": "statewright/v1",
    "key": "order-fulfilment",
    "name": "Order fulfilment",
    "variables": [
        {"name": "order_id", "type": "string", "required": True},
        {"name": "amount", "type": "number"},
        {"name": "paid_by", "type": "string"},
    ],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "awaiting_payment", "type": "wait", "timeout_s": 86400},
        {"id": "paid", "type": "end", "outcome": "completed"},
        {"id": "expired", "type": "end", "outcome": "cancelled"},
    ],
    "transitions": [
        {"from": "received", "to": "awaiting_payment"},
        {"from": "awaiting_payment", "to": "paid", "on": "paid"},
        {"from": "awaiting_payment", "to": "expired", "on": "timeout"},
    ],
}


def order_definition() -> dict[str, Any]:
    return copy.deepcopy(ORDER)
