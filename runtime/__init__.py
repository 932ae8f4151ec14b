"""The embedded Statewright runtime: `Engine`, the action context, and the error types.

Names are resolved on first use (PEP 562), so `import runtime.cli` for `statewright validate`
does not pay for the engine, SQLAlchemy or the web stack.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

_WHERE = {
    "ActionContext": "runtime.execution.actions",
    "Clock": "runtime.core.clock",
    "ConcurrencyError": "runtime.core.errors",
    "DefinitionInvalid": "runtime.core.errors",
    "Engine": "runtime.engine",
    "EngineError": "runtime.core.errors",
    "EventRefused": "runtime.core.errors",
    "ManualClock": "runtime.core.clock",
    "NotFound": "runtime.core.errors",
    "Runner": "runtime.execution.runner",
    "SchemaOutdated": "runtime.core.errors",
    "StoreUnavailable": "runtime.core.errors",
    "SystemClock": "runtime.core.clock",
    "VariablesInvalid": "runtime.core.errors",
}

__all__ = [
    "ActionContext",
    "Clock",
    "ConcurrencyError",
    "DefinitionInvalid",
    "Engine",
    "EngineError",
    "EventRefused",
    "ManualClock",
    "NotFound",
    "Runner",
    "SchemaOutdated",
    "StoreUnavailable",
    "SystemClock",
    "VariablesInvalid",
]

if TYPE_CHECKING:
    from runtime.core.clock import Clock, ManualClock, SystemClock
    from runtime.core.errors import (
        ConcurrencyError,
        DefinitionInvalid,
        EngineError,
        EventRefused,
        NotFound,
        SchemaOutdated,
        StoreUnavailable,
        VariablesInvalid,
    )
    from runtime.engine import Engine
    from runtime.execution.actions import ActionContext
    from runtime.execution.runner import Runner


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'runtime' has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*globals(), *__all__]
