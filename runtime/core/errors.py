"""The errors the runtime raises: each has a stable `code`, a message naming the thing, `details`.

The REST layer maps them onto 4xx answers by `code` and `status`; the CLI prints `message`.
"""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base of every runtime error; `status` is the fitting HTTP status for the REST layer."""

    code = "engine-error"
    status = 400

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class DefinitionInvalid(EngineError):
    """Raised by `publish` when validation finds errors; `findings` holds every finding."""

    code = "definition-invalid"
    status = 422

    def __init__(self, message: str, findings: list[Any]) -> None:
        self.findings = findings
        super().__init__(message, {"findings": [_finding_json(f) for f in findings]})


class NotFound(EngineError):
    """A definition, version or instance that does not exist was asked for."""

    code = "not-found"
    status = 404


class EventRefused(EngineError):
    """The instance does not accept this event now; `details["accepted"]` lists what it would.

    Nothing was changed.
    """

    code = "event-refused"
    status = 409


class VariablesInvalid(EngineError):
    """Start variables or an event payload do not fit the declared variable types."""

    code = "variables-invalid"
    status = 422


class ConcurrencyError(EngineError):
    """Another writer changed the instance first (its row version or event seq moved on)."""

    code = "concurrency-conflict"
    status = 409


class StoreUnavailable(EngineError):
    """The database cannot be reached or opened; the message names the URL (without password)."""

    code = "store-unavailable"
    status = 503


class SchemaOutdated(StoreUnavailable):
    """The database's schema is at another revision than this release's: `statewright db
    upgrade` moves an older one on; `details` holds `revision` and `head`."""

    code = "schema-outdated"


def _finding_json(finding: Any) -> Any:
    return finding.to_json() if hasattr(finding, "to_json") else finding
