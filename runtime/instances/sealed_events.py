"""Sensitive values inside events: sealed on the way into the log, unsealed on the way out."""

from __future__ import annotations

from dataclasses import replace

from runtime.core import events as ev
from runtime.core.events import Event, NewEvent
from runtime.security.sealing import Sealer, SealingScope

SEALABLE = {ev.INSTANCE_STARTED: "variables", ev.VARIABLES_SET: "values"}


def sealed_event(scope: SealingScope, names: frozenset[str], event: NewEvent) -> NewEvent:
    field = SEALABLE.get(event.type)
    if field is None:
        return event
    return NewEvent(event.type, {**event.data, field: scope.seal(names, event.data[field])})


def unsealed_event(sealer: Sealer, event: Event) -> Event:
    field = SEALABLE.get(event.type)
    if field is None:
        return event
    return replace(event, data={**event.data, field: sealer.unseal(event.instance_id,
                                                                  event.data[field])})
