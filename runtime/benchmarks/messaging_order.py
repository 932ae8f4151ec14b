"""The order process the messaging benchmarks start: one start, a wait, an end."""

ORDER = {
    "schema": "statewright/v1", "key": "bench-order", "name": "Bench order",
    "variables": [{"name": "order_id", "type": "string", "required": True},
                  {"name": "sent_at", "type": "number"}],
    "states": [{"id": "received", "type": "start"},
               {"id": "awaiting_payment", "type": "wait", "timeout_s": 86400},
               {"id": "paid", "type": "end", "outcome": "completed"}],
    "transitions": [{"from": "received", "to": "awaiting_payment"},
                    {"from": "awaiting_payment", "to": "paid", "on": "paid"},
                    {"from": "awaiting_payment", "to": "paid", "on": "timeout"}],
}
