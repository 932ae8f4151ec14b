"""The DLP policy: what happens when personal data arrives in a variable not declared for it.

Values entering an instance (start variables, a sent event's payload, an action's result, a
task form) are scanned by `shared.dlp`. A variable may hold the kinds its `pii` lists, and a
`restricted` one any kind (it is sealed and masked everywhere). For anything else the mode
decides: the definition's `dlp.mode`, else the server default `STATEWRIGHT_DLP`, else `flag`:
- `block`: refuse the whole change (`DlpBlocked`, 422); nothing is stored.
- `mask`: store the masked form (`**** **** **** 1234`) instead, and record a finding.
- `flag`: store the value as sent, and record a finding.
- `off` (server default only): no scan.
A finding is a `dlp_flagged` event in the instance's hash-chained log naming variable, kind
and what was done, never the value; the compliance report lists them.
"""

from __future__ import annotations

import os
from typing import Any

from runtime.core import events as ev
from runtime.core.errors import EngineError
from shared import dlp
from shared.definition import Definition

ENV = "STATEWRIGHT_DLP"
MODES: tuple[str, ...] = ("block", "mask", "flag", "off")
_DONE = {"mask": "masked", "flag": "flagged"}
_KIND_NAMES = {"card": "a card number", "iban": "an IBAN", "national_id": "a national id",
               "email": "an e-mail address", "phone": "a phone number"}


class DlpBlocked(EngineError):
    """Personal data arrived in a variable not declared for it under the `block` mode;
    `details["findings"]` names each variable and kind (never the value). Nothing changed."""

    code = "dlp-blocked"
    status = 422


class DlpConfigInvalid(EngineError):
    """`STATEWRIGHT_DLP` holds something other than block, mask, flag or off."""

    code = "dlp-config-invalid"
    status = 500


def server_mode() -> str:
    value = os.environ.get(ENV, "").strip().lower() or "flag"
    if value not in MODES:
        raise DlpConfigInvalid(f"{ENV}={value!r} is not one of {', '.join(MODES)}",
                               {"variable": ENV})
    return value


def mode_for(definition: Definition) -> str:
    """The definition's own `dlp.mode` wins; otherwise the server default."""
    return definition.dlp.mode if definition.dlp is not None else server_mode()


def allowed_kinds(definition: Definition) -> dlp.Allowed:
    """The kinds each variable may hold; an undeclared name (a stray payload key) none."""
    kinds = {v.name: frozenset(dlp.KINDS) if v.level == "restricted" else frozenset(v.pii)
             for v in definition.variables}
    return lambda name: kinds.get(name, frozenset())


def screen(definition: Definition, values: dict[str, Any], source: str
           ) -> tuple[dict[str, Any], ev.NewEvent | None]:
    """The values to store and the `dlp_flagged` event to log with them (None when clean).

    `source` says where the values came from: start, send, task or action. Raises
    `DlpBlocked` under the `block` mode.
    """
    if not values:
        return values, None
    mode = mode_for(definition)
    if mode == "off":
        return values, None
    cleaned, hits = dlp.scan(values, allowed_kinds(definition))
    if not hits:
        return values, None
    findings = [{"variable": h.variable, "kind": h.kind} for h in hits]
    if mode == "block":
        named = "; ".join(f"'{h.variable}' holds {_KIND_NAMES[h.kind]}" for h in hits)
        raise DlpBlocked(f"refused by the DLP policy ({source}): {named}, and no variable "
                         "declares it in `pii`; nothing was stored",
                         {"source": source, "findings": findings})
    event = ev.NewEvent(ev.DLP_FLAGGED, {"source": source, "action": _DONE[mode],
                                         "findings": findings})
    return (cleaned if mode == "mask" else values), event
