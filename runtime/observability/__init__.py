"""Tracing with the OpenTelemetry SDK, configured by the standard `OTEL_*` variables.

`tracing_from_environment()` decides once, when an engine is built, whether an exporter is
configured; when none is, it returns None and nothing else of this package (nor of
OpenTelemetry) is imported or run. See `docs/observability.md`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from runtime.observability.settings import TracingSettingsError, tracing_on

if TYPE_CHECKING:
    from runtime.observability.tracing import Tracing

__all__ = ["TracingSettingsError", "tracing_from_environment"]


def tracing_from_environment() -> Tracing | None:
    """The engine's tracing, or None (nothing imported, nothing done) when it is off."""
    if not tracing_on(os.environ):
        return None
    from runtime.observability.tracing import Tracing

    return Tracing.from_environment(os.environ)
