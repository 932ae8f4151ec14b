"""Alert rules as data: the five kinds, their parameters with defaults, and their checks.

A rule is a name, a kind and the few numbers that kind reads (seconds carry `_s`). Checking
happens here once, for the CLI, the REST API and the web page alike; a refusal names the
field and says what would be accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from runtime.core.errors import EngineError

SLA_BREACH, ERROR_RATE, BACKLOG_GROWTH, STUCK, BREAKER_OPEN = (
    "sla_breach", "error_rate", "backlog_growth", "stuck", "breaker_open")

# kind -> (what it watches, its parameters and their defaults)
KINDS: dict[str, tuple[str, dict[str, float | str | None]]] = {
    SLA_BREACH: ("SLA breaches of a definition's human states or whole instances in the "
                 "last window_s reach threshold",
                 {"window_s": 3600.0, "threshold": 1.0}),
    ERROR_RATE: ("failed action attempts in the last window_s reach threshold and exceed "
                 "factor times the trailing baseline_s rate",
                 {"window_s": 300.0, "baseline_s": 86400.0, "factor": 3.0, "threshold": 5.0}),
    BACKLOG_GROWTH: ("due jobs grew by threshold or more within window_s",
                     {"window_s": 600.0, "threshold": 100.0}),
    STUCK: ("threshold or more instances have been in one state longer than factor times "
            "that state's p95 time (over the last baseline_s)",
            {"factor": 3.0, "baseline_s": 7 * 86400.0, "threshold": 1.0}),
    BREAKER_OPEN: ("a circuit breaker (breaker, or any) is open or half-open",
                   {"breaker": None}),
}
PER_DEFINITION = (SLA_BREACH, ERROR_RATE, STUCK)
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"  # stored and used in SQL: no control characters


class AlertRuleInvalid(EngineError):
    """A rule that cannot be stored: an unknown kind, a bad number, a parameter of another
    kind; `details["field"]` names the field."""

    code = "alert-rule-invalid"
    status = 422


class AlertRuleExists(EngineError):
    """A rule of that name is already defined (names are how people refer to rules)."""

    code = "alert-rule-exists"
    status = 409


class RuleInput(BaseModel):
    """What a caller may send; everything but `name` and `kind` is optional."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=64)
    kind: str
    definition: str | None = Field(default=None, min_length=1, max_length=64, pattern=PRINTABLE)
    breaker: str | None = Field(default=None, min_length=1, max_length=128, pattern=PRINTABLE)
    window_s: float | None = Field(default=None, gt=0, le=31 * 86400)
    baseline_s: float | None = Field(default=None, gt=0, le=366 * 86400)
    factor: float | None = Field(default=None, gt=0, le=1000)
    threshold: float | None = Field(default=None, ge=0, le=1e9)
    repeat_s: float | None = Field(default=None, ge=60, le=31 * 86400)


@dataclass(frozen=True)
class Rule:
    """A checked rule: its kind's parameters all set (defaults filled in)."""

    id: str
    name: str
    kind: str
    definition: str | None
    params: dict[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None
    created_by: str | None = None

    def param(self, name: str) -> Any:
        return self.params.get(name)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind,
                "definition": self.definition, **self.params,
                "created_at": self.created_at.isoformat() if self.created_at else None,
                "created_by": self.created_by}


def checked(raw: dict[str, Any]) -> tuple[str, str, str | None, dict[str, Any]]:
    """(name, kind, definition, params) of a rule given as a dict; `AlertRuleInvalid` names
    the first field that is wrong."""
    try:
        given = RuleInput.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "rule"
        message = ("is not a parameter of alert rules" if error["type"] == "extra_forbidden"
                   else error["msg"].lower())
        raise AlertRuleInvalid(f"alert rule field {where!r}: {message}", {"field": where}
                               ) from None
    if given.kind not in KINDS:
        raise AlertRuleInvalid(f"alert rule kind {given.kind!r} is unknown; use one of "
                               f"{', '.join(KINDS)}", {"field": "kind"})
    if not NAME.match(given.name):
        raise AlertRuleInvalid(f"alert rule name {given.name!r} must be lower-case letters, "
                               "digits, '.', '_' or '-' (at most 64)", {"field": "name"})
    defaults = KINDS[given.kind][1]
    values = given.model_dump(exclude={"name", "kind", "definition"}, exclude_none=True)
    for name in values:
        if name not in defaults and name != "repeat_s":
            raise AlertRuleInvalid(
                f"{name} is not a parameter of {given.kind} rules; they take "
                f"{', '.join([*defaults, 'repeat_s'])}", {"field": name})
    if given.definition is not None and given.kind not in PER_DEFINITION:
        raise AlertRuleInvalid(f"{given.kind} rules are not per definition; leave out "
                               "definition", {"field": "definition"})
    params = {**defaults, **values}
    params.setdefault("repeat_s", None)
    return given.name, given.kind, given.definition, params
