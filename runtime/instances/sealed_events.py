"""Sensitive values inside events: sealed on the way into the log, unsealed on the way out."""

from __future__ import annotations

from dataclasses import replace

from runtime.core import events as ev
from runtime.core.events import Event, NewEvent
from runtime.security.sealing import Sealer

SEALABLE = {ev.INSTANCE_STARTED: "variables", ev.VARIABLES_SET: "values"}


def sealed_event(sealer: Sealer, names: frozenset[str], event: NewEvent,
                 tokens: dict[tuple[str, str], str]) -> NewEvent:
    field = SEALABLE.get(event.type)
    if field is None:
        return event
    return NewEvent(event.type, {**event.data,
                                 field: sealer.seal(names, event.data[field], tokens)})


def unsealed_event(sealer: Sealer, event: Event) -> Event:
    field = SEALABLE.get(event.type)
    if field is None:
        return event
    return replace(event, data={**event.data, field: sealer.unseal(event.data[field])})
