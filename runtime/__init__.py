"""The embedded Statewright runtime: `Engine`, the action context, and the error types."""

from runtime.actions import ActionContext
from runtime.clock import Clock, ManualClock, SystemClock
from runtime.engine import Engine
from runtime.errors import (
    ConcurrencyError,
    DefinitionInvalid,
    EngineError,
    EventRefused,
    NotFound,
    StoreUnavailable,
    VariablesInvalid,
)
from runtime.runner import Runner

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
    "StoreUnavailable",
    "SystemClock",
    "VariablesInvalid",
]
