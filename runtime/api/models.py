"""Request and response bodies of the REST API (pydantic), so the OpenAPI document is exact."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from runtime.api.errors import UNSTORABLE
from runtime.core.variables import unstorable
from shared.definition import KEY_PATTERN
from shared.errors import DocumentError
from shared.loading import check_shape

InstanceStatus = Literal["running", "suspended", "completed", "failed", "cancelled", "incident"]
# Text that ends up in indexed columns: no control characters (PostgreSQL refuses NUL).
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]+$"

DefinitionKey = Annotated[str, Field(pattern=KEY_PATTERN, description="A definition key")]
IdempotencyKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=PLAIN_TEXT,
        description="Repeating a call with the same key returns the first call's result.",
    ),
]


# How far into a list a page starts; bounded so the database never sees an integer it
# cannot store (SQLite's are 64-bit), which would be a 500 instead of a 422 naming `offset`.
PageOffset = Annotated[int, Query(ge=0, le=2**31 - 1)]


def storable_json(value: Any) -> Any:
    """Refuse NaN, what no store can hold or hash (NUL, lone surrogates, numbers out of range:
    `unstorable`, answered 400 `bad-request`), and hostile nesting or size."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float) and math.isnan(node):
            raise ValueError(f"{where or 'value'} is NaN, which JSON cannot carry")
        if isinstance(node, dict):
            stack.extend((v, f"{where}.{k}".lstrip(".")) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(node))
    if problem := unstorable(value):
        raise PydanticCustomError(UNSTORABLE, "{problem}", {"problem": problem})
    try:
        check_shape(value, "the value")
    except DocumentError as exc:
        raise ValueError(str(exc)) from None
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(storable_json)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartInstance(_Request):
    """Start an instance of a published definition (latest version unless `version`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "definition": "loan-approval",
                    "variables": {
                        "applicant_name": "Ada Lovelace",
                        "application_id": "LN-2024-0042",
                        "amount": 5000,
                    },
                    "business_key": "LN-2024-0042",
                }
            ]
        }
    )
    definition: DefinitionKey
    version: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = None
    variables: JsonObject = {}
    idempotency_key: IdempotencyKey | None = None
    business_key: Annotated[str, Field(max_length=200, pattern=PLAIN_TEXT)] | None = None


class SendEvent(_Request):
    """Deliver an event to an instance; `payload` is validated and merged into its variables."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"event": "approve", "payload": {"comment": "ok"}}]}
    )
    event: Annotated[str, Field(max_length=200, pattern=PLAIN_TEXT)]
    payload: JsonObject = {}
    idempotency_key: IdempotencyKey | None = None


class VersionSummary(BaseModel):
    version: int
    content_hash: str | None = None
    published_at: datetime | None = None


class DefinitionSummary(BaseModel):
    key: str
    name: str | None = None
    latest_version: int
    version_count: int


class DefinitionList(BaseModel):
    items: list[DefinitionSummary]
    total: int


class DefinitionVersion(BaseModel):
    """One immutable published version and its document."""

    key: str
    version: int
    name: str | None = None
    content_hash: str | None = None
    published_at: datetime | None = None
    definition: dict[str, Any]


class PublishedVersion(DefinitionVersion):
    existed: bool = Field(
        description="True when identical content (ignoring layout) was already published "
        "as this version; nothing new was stored."
    )


class DefinitionDetail(BaseModel):
    """A definition key: its latest document and the list of its versions."""

    key: str
    name: str | None = None
    latest_version: int
    versions: list[VersionSummary]
    definition: dict[str, Any]


class Instance(BaseModel):
    """An instance as its log projects it; sensitive variables are masked."""

    id: str
    definition: str
    version: int
    state: str | None
    status: str = Field(description="running, suspended, completed, failed, cancelled or incident")
    active_states: list[str] = Field(
        default_factory=list,
        description="Where its parallel branches are (between a fork and its join); otherwise "
                    "just its state")
    variables: dict[str, Any]
    business_key: str | None = None
    parent_id: str | None = None
    started_by: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    incident: str | None = Field(None, description="Why it is in incident (status incident)")


class InstancePage(BaseModel):
    items: list[Instance]
    total: int = Field(description="Instances matching the filters, over all pages.")
    limit: int
    offset: int


class HistoryEvent(BaseModel):
    seq: int
    type: str
    data: dict[str, Any]
    actor: str | None = None
    at: datetime
    hash: str


class InstanceHistory(BaseModel):
    instance_id: str
    events: list[HistoryEvent]


class AuditReport(BaseModel):
    """The hash-chain check over every instance; names the first break when not `ok`."""

    ok: bool
    instances: int
    events: int
    instance_id: str | None = None
    seq: int | None = None
    problem: str | None = None
    message: str


class Health(BaseModel):
    status: Literal["ok"]
