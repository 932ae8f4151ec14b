"""Continuing a caller's trace: the server span of a start or send that sent `traceparent`.

The instance keeps its own trace (one per instance, `runtime/observability`); the caller's
trace gets this span, a child of the caller's, linked to the instance's trace.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request

from runtime.core.errors import EngineError


class Traced:
    """What the span learns while the call runs: the instance it concerns."""

    instance_id: str | None = None


@contextmanager
def traced(request: Request, name: str, instance_id: str | None = None) -> Iterator[Traced]:
    """Around a call: a span named `name` when tracing is on and the caller sent a
    `traceparent`; an answer refused with an `EngineError` marks it as an error."""
    seen = Traced()
    seen.instance_id = instance_id
    tracing: Any = request.app.state.engine.tracing
    if tracing is None or "traceparent" not in request.headers:
        yield seen
        return
    began, error = time.time_ns(), None
    try:
        yield seen
    except EngineError as exc:
        error = exc.message
        raise
    finally:
        tracing.request_span(name, request.headers, began, seen.instance_id, error)
