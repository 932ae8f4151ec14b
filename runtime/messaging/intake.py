"""Applying one message: start an instance or send an event, exactly once per message key.

The message key (a header, a CEL expression, or the broker's own message id) becomes the
engine's idempotency key, so a redelivered message returns the first result instead of
acting twice. What cannot be applied becomes a dead letter with the reason. Either way the
outcome is durable when `apply` returns, and only then may the adapter acknowledge.
Errors of the store itself propagate: the message stays unacknowledged and comes again.
"""

from __future__ import annotations

from typing import Any

from runtime.core.errors import EngineError, NotFound, StoreUnavailable
from runtime.instances import Ledger
from runtime.messaging import deadletters, subscriptions
from runtime.messaging.message import Malformed, Message, ledger_key
from runtime.messaging.subscriptions import HEADER_PREFIX, Subscription
from runtime.messaging.tables import START
from shared.errors import GuardError
from shared.guards import evaluate

APPLIED, DEAD_LETTERED = "applied", "dead-lettered"
SCAN_PAGE = 500


def apply(ledger: Ledger, sub: Subscription, message: Message,
          letter_id: str | None = None) -> str:
    """`applied` or `dead-lettered`; `letter_id` is the dead letter being replayed."""
    key = message.broker_id
    try:
        key = message_key(sub, message)
        scope = message.scope(sub.source)
        if sub.action == START:
            _start(ledger, sub, scope, key)
        else:
            _send(ledger, sub, scope, key)
    except (Malformed, GuardError) as exc:
        return _dead(ledger, sub, key, message, deadletters.MALFORMED, str(exc), letter_id)
    except _Uncorrelated as exc:
        return _dead(ledger, sub, key, message, deadletters.UNKNOWN_CORRELATION, str(exc),
                     letter_id)
    except StoreUnavailable:
        raise
    except EngineError as exc:  # refused event, invalid variables, unknown definition
        return _dead(ledger, sub, key, message, deadletters.REFUSED, exc.message, letter_id)
    return APPLIED


def message_key(sub: Subscription, message: Message) -> str | None:
    """The message's idempotency key; None when neither it nor the broker names one."""
    spec = sub.idempotency
    if spec is None:
        return message.broker_id
    if spec.startswith(HEADER_PREFIX):
        name = spec[len(HEADER_PREFIX):]
        value = message.headers.get(name)
        if not value:
            raise Malformed(f"the idempotency header {name!r} is missing")
        return value
    value = evaluate(spec, message.scope(sub.source))
    if value is None or value == "":
        raise Malformed(f"the idempotency expression `{spec}` gave no value")
    return str(value)


class _Uncorrelated(Exception):
    pass


def _start(ledger: Ledger, sub: Subscription, scope: dict[str, Any], key: str | None) -> None:
    variables = evaluate(sub.variables or "message", scope)
    if not isinstance(variables, dict):
        raise Malformed(f"the start variables must be an object, not {type(variables).__name__}")
    business_key = None
    if sub.business_key:
        business_key = str(evaluate(sub.business_key, scope))
    ledger.start(sub.definition, dict(variables), actor=f"message:{sub.name}",
                 idempotency_key=ledger_key(sub.name, key) if key else None,
                 business_key=business_key)


def _send(ledger: Ledger, sub: Subscription, scope: dict[str, Any], key: str | None) -> None:
    value = evaluate(sub.correlate or "", scope)
    instance_id = find_instance(ledger, sub, value)
    if instance_id is None:
        raise _Uncorrelated(f"no instance of {sub.definition!r} has {sub.match} = {value!r}")
    payload = evaluate(sub.payload, scope) if sub.payload else scope["message"]
    if not isinstance(payload, dict):
        payload = {"message": payload}
    ledger.send(instance_id, sub.event or "", dict(payload), actor=f"message:{sub.name}",
                idempotency_key=ledger_key(sub.name, key) if key else None)


def find_instance(ledger: Ledger, sub: Subscription, value: Any) -> str | None:
    """The instance `value` names: a running one first, else the newest (whose idempotency
    record answers a message redelivered after the instance moved on)."""
    kind, _, variable = sub.match.partition(":")
    if kind == "business_key":
        found = ledger.list_instances(definition=sub.definition, business_key=str(value),
                                      limit=50).items
        running = [i for i in found if i.status == "running"]
        chosen = running or found
        return chosen[0].id if chosen else None
    offset = 0
    while True:  # a variable is not indexed: scan the running instances of the definition
        page = ledger.list_instances(definition=sub.definition, status="running",
                                     limit=SCAN_PAGE, offset=offset)
        for inst in page.items:
            if inst.variables.get(variable) == value:
                return inst.id
        offset += SCAN_PAGE
        if offset >= page.total:
            return None


def _dead(ledger: Ledger, sub: Subscription, key: str | None, message: Message, reason: str,
          detail: str, letter_id: str | None) -> str:
    deadletters.record(ledger, sub.name, key, message, reason, detail, letter_id)
    return DEAD_LETTERED


def replay(ledger: Ledger, letter_id: str) -> str:
    """Apply a dead letter again through its subscription; `applied` marks it replayed, a new
    failure updates its reason and counts an attempt."""
    with ledger.store.read() as conn:
        letter = deadletters.letter(conn, letter_id)
        sub = subscriptions.get(conn, letter["subscription"])
    if sub is None:
        raise NotFound(f"dead letter {letter_id} names subscription {letter['subscription']!r}, "
                       "which no longer exists", {"dead_letter": letter_id})
    message = Message.from_stored(letter["body"], letter["headers"], letter["message_key"])
    outcome = apply(ledger, sub, message, letter_id)
    if outcome == APPLIED:
        deadletters.mark_replayed(ledger, letter_id)
    return outcome
