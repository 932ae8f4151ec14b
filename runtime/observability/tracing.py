"""The engine's tracing: spans of committed steps, action runs and API calls, over the SDK.

One trace per instance, its ids derived from the instance (`ids`), so every worker and every
restart continues it without storing anything. Steps are traced from what their transaction
wrote (`spans.plan`, a ledger `after_persist` hook) once it committed; a span is created with
the SDK's tracer, its id chosen by `_ChosenIds` (the SDK's id-generator extension point), and
leaves through the SDK's batch processor and OTLP exporter. Built only when tracing is on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import Connection

from runtime.core import step as steps
from runtime.observability import ids, spans
from runtime.observability.exporters import service_resource, span_exporters
from runtime.store.writer import after_commit

log = logging.getLogger("statewright.tracing")
SCOPE = "statewright"
MAX_TIMED_RUNS = 10_000  # runs whose outcome was never recorded (lease lost) are forgotten
SAMPLED = trace.TraceFlags(trace.TraceFlags.SAMPLED)


@dataclass
class Run:
    """An action or compensation run about to start: the `traceparent` its handler gets
    (`ActionContext.trace_headers`), and its timing, kept until its outcome is recorded."""

    tracing: Tracing
    span: int
    headers: Mapping[str, str]
    began_ns: int = field(default_factory=time.time_ns)

    def finished(self) -> None:
        self.tracing.ran(self.span, self.began_ns, time.time_ns())


class Tracing:
    """Spans for one engine; `after_persist` is the ledger hook the engine installs."""

    def __init__(self, exporters: list[SpanExporter], resource: Resource | None = None) -> None:
        self._ids = _ChosenIds()
        self.provider = TracerProvider(resource=resource, id_generator=self._ids)
        for exporter in exporters:
            self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self._tracer = self.provider.get_tracer(SCOPE)
        self._sampler = self.provider.sampler  # from OTEL_TRACES_SAMPLER(_ARG)
        self._runs: dict[int, tuple[int, int]] = {}
        self._runs_lock = threading.Lock()
        self._children: dict[str, spans.Link] = {}  # writer thread only
        self._propagator = TraceContextTextMapPropagator()
        # committed steps wait here for the emitter thread, so building their spans costs
        # the writer (and the callers it answers) no more than a queue put
        self._committed: queue.Queue[tuple[str, list[spans.SpanPlan], int, int] | None] = (
            queue.Queue())
        self._emitter = threading.Thread(target=self._emit_loop, name="statewright-tracing",
                                         daemon=True)
        self._emitter.start()

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> Tracing:
        return cls(span_exporters(env), service_resource(env))

    def flush(self, timeout_ms: int = 30_000) -> bool:
        """Export every span of what committed so far; False if that took over `timeout_ms`."""
        self._committed.join()
        return self.provider.force_flush(timeout_ms)

    def shutdown(self) -> None:
        self._committed.put(None)
        self._emitter.join(timeout=10)
        self.provider.shutdown()

    # ---- context handed on: actions, notifications ----------------------------------------

    def sampled(self, instance_id: str) -> bool:
        """The sampler's decision for the instance's trace: the same in every process."""
        decision = self._sampler.should_sample(None, ids.trace_id(instance_id), "instance")
        return decision.decision.is_sampled()

    def headers(self, instance_id: str, span: int) -> dict[str, str]:
        """The `traceparent` naming `span` of the instance's trace."""
        return {"traceparent": ids.traceparent(ids.trace_id(instance_id), span,
                                               self.sampled(instance_id))}

    def run(self, instance_id: str, kind: str, of_seq: int, attempt: int) -> Run:
        """Start timing a run (`ids.run_span`'s `kind`, `of_seq`, `attempt`)."""
        span = ids.run_span(instance_id, kind, of_seq, attempt)
        return Run(self, span, self.headers(instance_id, span))

    def ran(self, span: int, began_ns: int, ended_ns: int) -> None:
        with self._runs_lock:
            self._runs[span] = (began_ns, ended_ns)
            if len(self._runs) > MAX_TIMED_RUNS:
                del self._runs[next(iter(self._runs))]

    def task_headers(self, task_id: str) -> dict[str, str]:
        """For a notification about a task (`<instance id>:<seq it was entered at>`): the
        span of the transition that created it."""
        instance_id, _, seq = task_id.rpartition(":")
        if not instance_id or not seq.isdigit():
            return {}
        return self.headers(instance_id, ids.event_span(instance_id, int(seq)))

    # ---- spans -----------------------------------------------------------------------------

    def after_persist(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
                      actor: str | None) -> None:
        """The ledger hook: plan the step's spans now, emit them once the write committed."""
        if not result.events or not self.sampled(before.id):
            return
        plans = spans.plan(before, result.events, self._children)
        if plans:
            committed = partial(self._queue, before.id, plans, time.time_ns())
            if not after_commit(conn, committed):
                committed()

    def _queue(self, instance_id: str, plans: list[spans.SpanPlan], began_ns: int) -> None:
        self._committed.put((instance_id, plans, began_ns, time.time_ns()))

    def _emit_loop(self) -> None:
        while (item := self._committed.get()) is not None:
            try:
                self._emit(*item)
            except Exception:
                log.exception("tracing the step of instance %s failed", item[0])
            finally:
                self._committed.task_done()
        self._committed.task_done()

    def request_span(self, name: str, carrier: Mapping[str, str], began_ns: int,
                     instance_id: str | None, error: str | None = None) -> None:
        """A server span continuing the caller's trace (its `traceparent`), linked to the
        instance's trace; nothing when the caller sent no valid `traceparent`."""
        parent = self._propagator.extract(carrier, context=Context())
        if not trace.get_current_span(parent).get_span_context().is_valid:
            return
        links, attributes = [], {"http.request.method": "POST"}
        if instance_id is not None:
            links.append(Link(_remote(ids.trace_id(instance_id), ids.root_span(instance_id))))
            attributes[spans.INSTANCE_ID] = instance_id
        span = self._tracer.start_span(name, parent, SpanKind.SERVER, attributes, links,
                                       start_time=began_ns)
        if error is not None:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end()

    def _emit(self, instance_id: str, plans: list[spans.SpanPlan], began_ns: int,
              ended_ns: int) -> None:
        trace_id = ids.trace_id(instance_id)
        for plan in plans:
            start, end = began_ns, ended_ns
            if plan.run:
                with self._runs_lock:
                    start, end = self._runs.pop(plan.span, (start, end))
            parent = Context() if plan.parent is None else trace.set_span_in_context(
                NonRecordingSpan(_remote(trace_id, plan.parent)), Context())
            links = [Link(_remote(t, s)) for t, s in plan.links]
            with self._ids.chosen(trace_id, plan.span):
                span = self._tracer.start_span(plan.name, parent, attributes=plan.attributes,
                                               links=links, start_time=start)
            if plan.error is not None:
                span.set_status(Status(StatusCode.ERROR, plan.error))
            span.end(end_time=end)


def _remote(trace_id: int, span_id: int) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=SAMPLED)


class _ChosenIds(IdGenerator):
    """Random ids, unless the calling thread chose the next ones (`chosen`)."""

    def __init__(self) -> None:
        self._random = RandomIdGenerator()
        self._local = threading.local()

    @contextmanager
    def chosen(self, trace_id: int, span_id: int) -> Iterator[None]:
        self._local.ids = (trace_id, span_id)
        try:
            yield
        finally:
            self._local.ids = None

    def generate_span_id(self) -> int:
        chosen: Any = getattr(self._local, "ids", None)
        return chosen[1] if chosen else self._random.generate_span_id()

    def generate_trace_id(self) -> int:
        chosen: Any = getattr(self._local, "ids", None)
        return chosen[0] if chosen else self._random.generate_trace_id()
