"""The `statewright/v1` definition model: the single source of truth for the format.

Structural rules (types, patterns, required fields) live here; graph rules (reachability,
traps, guards) live in `shared.validation` so that an incomplete draft still loads and the
designer can show every finding at once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "statewright/v1"
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
STATE_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$"
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# `set` and subprocess `input` keys name variables, so they follow the variable-name rule.
VariableName = Annotated[str, Field(pattern=NAME_PATTERN)]

VariableType = Literal[
    "string", "number", "integer", "boolean", "date", "datetime", "object", "array"
]
Priority = Literal["low", "normal", "high", "urgent"]
# Ordered from least to most protected; `sensitive: true` is `restricted` (docs/security.md).
Classification = Literal["public", "internal", "confidential", "restricted"]
# What the DLP scan looks for (`shared.dlp`); a variable's `pii` lists the kinds it may hold.
PiiKind = Literal["card", "iban", "national_id", "email", "phone"]
DlpMode = Literal["block", "mask", "flag"]
Outcome = Literal["completed", "failed", "cancelled"]
StateType = Literal["start", "task", "human", "wait", "timer", "decision", "subprocess", "fork",
                    "join", "end"]
STATE_TYPES: tuple[str, ...] = StateType.__args__

Seconds = Annotated[float, Field(gt=0, le=10 * 365 * 86400)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)


class Variable(_Model):
    """A process variable. Its `classification` decides who sees it (`restricted` ones, also
    written `sensitive: true`, are encrypted at rest and masked in every view); `pii` lists the
    kinds of personal data the DLP scan lets it hold."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    type: VariableType = "string"
    required: bool = False
    sensitive: bool = False
    # None = not given: `internal`, or `restricted` when `sensitive` (kept out of the document
    # so that versions published before classifications keep their content hash).
    classification: Classification | None = None
    pii: list[PiiKind] = []
    default: Any = None
    description: str | None = None
    # A column of the task inbox, and searched there (false: kept out of the document, so
    # versions published before it keep their content hash).
    inbox: bool = False

    @property
    def level(self) -> Classification:
        """The effective classification (a contradiction is the `conflicting-classification`
        finding; until fixed, `sensitive: true` wins, the safer reading)."""
        if self.sensitive:
            return "restricted"
        return self.classification or "internal"


class DlpPolicy(_Model):
    """What the DLP scan does with personal data found where no variable declares it."""

    mode: DlpMode = "flag"


class RetryPolicy(_Model):
    """Backoff for a task's action: delay n is min(initial_s * multiplier**(n-1), max_s) ±jitter."""

    max_attempts: Annotated[int, Field(ge=1, le=1000)] = 3
    initial_s: Annotated[float, Field(ge=0, le=86400)] = 1.0
    multiplier: Annotated[float, Field(ge=1, le=100)] = 2.0
    max_s: Annotated[float, Field(ge=0, le=7 * 86400)] = 60.0
    jitter: Annotated[float, Field(ge=0, le=1)] = 0.2


class FormField(_Model):
    """One input of a human task's form; its value is merged into the variable of that name."""

    name: Annotated[str, Field(pattern=NAME_PATTERN)]
    type: VariableType = "string"
    label: str | None = None
    required: bool = False
    options: list[Any] | None = None
    help: str | None = None


class _State(_Model):
    id: Annotated[str, Field(pattern=STATE_ID_PATTERN)]
    name: str | None = None
    description: str | None = None

    @property
    def label(self) -> str:
        return self.name or self.id


class StartState(_State):
    type: Literal["start"]


class TaskState(_State):
    type: Literal["task"]
    action: str | None = None
    retry: RetryPolicy | None = None
    timeout_s: Seconds | None = None
    compensation: str | None = None
    breaker: str | None = None
    concurrency: Annotated[int, Field(ge=1, le=10_000)] | None = None


class HumanState(_State):
    type: Literal["human"]
    role: str | None = None
    sla_s: Seconds | None = None
    calendar: str | None = None  # a key of `Definition.calendars`; overrides the default
    escalate_to: str | None = None
    priority: Priority = "normal"
    form: list[FormField] = []
    allow_delegation: bool = True


class WaitState(_State):
    type: Literal["wait"]
    timeout_s: Seconds | None = None
    correlate: str | None = None


class TimerState(_State):
    type: Literal["timer"]
    duration_s: Seconds | None = None
    until: str | None = None


class DecisionState(_State):
    type: Literal["decision"]


class SubprocessState(_State):
    type: Literal["subprocess"]
    definition: Annotated[str, Field(pattern=KEY_PATTERN)] | None = None
    version: Annotated[int, Field(ge=1)] | None = None
    input: dict[VariableName, str] = {}


class ForkState(_State):
    """Every outgoing transition is taken at once, each starting a parallel branch."""

    type: Literal["fork"]


class JoinState(_State):
    """Waits until every branch of its fork has arrived, then leaves by its one transition."""

    type: Literal["join"]


class EndState(_State):
    type: Literal["end"]
    outcome: Outcome = "completed"


State = Annotated[
    StartState
    | TaskState
    | HumanState
    | WaitState
    | TimerState
    | DecisionState
    | SubprocessState
    | ForkState
    | JoinState
    | EndState,
    Field(discriminator="type"),
]


class Transition(_Model):
    """An edge; `on` names the event that takes it, `when` is a CEL guard, `set` CEL assignments."""

    id: Annotated[str, Field(pattern=STATE_ID_PATTERN)] | None = None
    source: str = Field(alias="from")
    target: str = Field(alias="to")
    on: str | None = None
    when: str | None = None
    default: bool = False
    set: dict[VariableName, str] = {}
    label: str | None = None

    def ref(self, index: int) -> str:
        """The id findings use for this transition: its own id, else its position."""
        return self.id or f"t{index}"


class Trigger(_Model):
    """A broker subscription the definition brings along; publishing replaces its triggers'
    subscriptions (runtime/messaging, docs/messaging.md). Expressions are CEL on `message`."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")] | None = None
    broker: str  # nats://, amqp://, redis://, mqtt:// or kafka:// URL
    source: str  # subject, queue, stream or topic
    action: Literal["start", "send"] = "start"
    event: str | None = None
    correlate: str | None = None
    match: str = "business_key"  # or "variable:<name>"
    variables: str | None = None
    business_key: str | None = None
    payload: str | None = None
    idempotency: str | None = None  # "header:<name>" or CEL; default the broker's message id
    group: str | None = None


class SegregationRule(_Model):
    """States one person may not both do in one instance ("four eyes": who submits does not
    approve). Who did a state is the actor of the transition that left it: for a human
    state, whoever completed its task; for the start state, whoever started the instance."""

    name: str | None = None
    states: Annotated[list[Annotated[str, Field(pattern=STATE_ID_PATTERN)]],
                      Field(min_length=2, max_length=16)]


class HolidaySource(_Model):
    """Public holidays from the `holidays` package: an ISO 3166 country, and optionally one
    of its subdivisions (a state, province or region)."""

    country: str
    subdivision: str | None = None


class Calendar(_Model):
    """Working time: `hours` maps days (`mon`, `mon-fri`, `sat,sun`) to time ranges
    (`09:00-17:00`, `09:00-12:00,13:00-17:00`) in the local time of `timezone`; holidays and
    `extra_holidays` are days off. Checked by `shared.calendar_checks`."""

    timezone: str = "UTC"
    hours: dict[str, str] = {}
    holidays: HolidaySource | None = None
    extra_holidays: list[date] = []


class Position(_Model):
    x: float
    y: float


class Definition(_Model):
    """A whole process. `layout` is canvas positions only and never changes meaning."""

    schema_: Literal["statewright/v1"] = Field(default=SCHEMA_ID, alias="schema")
    key: Annotated[str, Field(pattern=KEY_PATTERN)]
    name: str | None = None
    description: str | None = None
    variables: list[Variable] = []
    states: list[State] = []
    transitions: list[Transition] = []
    schedule: str | None = None
    sla_s: Seconds | None = None
    triggers: list[Trigger] = []
    segregation: list[SegregationRule] = []
    dlp: DlpPolicy | None = None
    calendars: dict[Annotated[str, Field(pattern=KEY_PATTERN)], Calendar] = {}
    calendar: str | None = None  # the default calendar of SLAs and business-time durations
    layout: dict[str, Position] = {}

    def state(self, state_id: str) -> State | None:
        return next((s for s in self.states if s.id == state_id), None)

    def outgoing(self, state_id: str) -> list[Transition]:
        return [t for t in self.transitions if t.source == state_id]

    def to_document(self, *, layout: bool = True) -> dict[str, Any]:
        """The JSON document form (aliases, defaults left out) as users write it."""
        exclude = None if layout else {"layout"}
        body = self.model_dump(by_alias=True, exclude_defaults=True, exclude=exclude, mode="json")
        return {"schema": SCHEMA_ID, **body}

    def content_hash(self) -> str:
        """sha256 of the canonical document without layout: equal hashes mean the same version."""
        document = self.to_document(layout=False)
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def json_schema() -> dict[str, Any]:
    """The JSON Schema that `statewright schema` prints."""
    schema = Definition.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    return schema
