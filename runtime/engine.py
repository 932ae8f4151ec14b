"""The `Engine`: the composition root of the embedded runtime.

It opens the store, builds the services (the instance ledger, actions, breakers, the task
inbox) and wires what they must do inside one write transaction as the ledger's
`after_persist` hooks. Nothing in `runtime` imports it back: each service is given the
narrow things it needs. Its methods are the embedded API of SPEC §5.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from runtime.alerts import AlertEvaluator, count_failures
from runtime.analytics.updater import AnalyticsUpdater
from runtime.core import step as steps
from runtime.core.clock import Clock, SystemClock
from runtime.core.errors import EngineError
from runtime.core.events import Event
from runtime.core.views import (
    DefinitionSummary,
    DefinitionVersion,
    Draft,
    Instance,
    InstancePage,
    PublishedVersion,
)
from runtime.definitions import checked_definition
from runtime.execution import saga, subprocesses
from runtime.execution.actions import ActionRegistry, Handler
from runtime.execution.breakers import BreakerBoard
from runtime.execution.jobs import drain
from runtime.execution.periodic import PeriodicWork
from runtime.instances import Ledger
from runtime.instances.missing import missing_version
from runtime.messaging import subscriptions
from runtime.messaging.outbox import OutboxHook
from runtime.observability import tracing_from_environment
from runtime.people.tasks import HumanTasks
from runtime.security import audit
from runtime.security.keys import DataKeys, KeyRing, ring_from_environment
from runtime.security.keys.legacy import legacy_fernet
from runtime.security.sealing import Sealer
from runtime.store import open_store
from runtime.store.change_feed import open_change_feed
from shared.definition import Definition


class Engine:
    """The durable runtime over one database (`sqlite:///file.db` or `postgresql://...`)."""

    def __init__(self, url: str, clock: Clock | None = None, *, worker_id: str | None = None,
                 action_threads: int = 8, lease_s: float = 60.0,
                 key_ring: KeyRing | None = None) -> None:
        # OpenTelemetry spans, only when an `OTEL_*` variable names an exporter: else None and
        # nothing on any path (docs/observability.md); read first, so bad settings open nothing
        self.tracing = tracing_from_environment()
        self.url = url
        self.clock: Clock = clock or SystemClock()
        self.store = open_store(url)
        self.store.event_hooks.append(AnalyticsUpdater())  # dashboards, same transaction
        self.store.event_hooks.append(count_failures)  # the error-rate alerts' counts
        # KEKs for the per-instance data keys; None: from the environment (docs/security.md)
        ring = key_ring if key_ring is not None else ring_from_environment(url)
        self.sealer = Sealer(DataKeys(self.store, ring, self.clock),
                             legacy_fernet(self.store, ring, self.clock.now()))
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.ledger = Ledger(self.store, self.clock, self.sealer, self.worker_id, lease_s)
        self.lease_s = lease_s
        self.writer = self.ledger.writer
        self.changes = self.ledger.changes  # committed changes, for live pages and inboxes
        # ... of other processes too: starts hearing them at the first subscriber
        self.change_feed = open_change_feed(self.store, self.changes, self.worker_id)
        self.job_scheduled = self.ledger.job_scheduled  # wakes a sleeping runner
        self.actions = ActionRegistry(action_threads)
        self.breakers = BreakerBoard(self.ledger)  # circuit breakers per action group
        self.tasks = HumanTasks(self.ledger)  # the human-task inbox
        self.alerts = AlertEvaluator(self.ledger)  # alert rules, evaluated by the runner
        self.periodic: list[PeriodicWork] = [self.alerts]  # what a `Runner` runs besides jobs
        self.ledger.after_persist += [partial(subprocesses.after_persist, self.ledger),
                                      self.tasks.record, partial(saga.after_persist, self.ledger),
                                      OutboxHook(self.clock)]  # events routed to brokers
        if self.tracing is not None:
            self.ledger.after_persist.append(self.tracing.after_persist)

    def close(self) -> None:
        self.ledger.close()
        self.change_feed.close()
        self.actions.close()
        self.store.close()
        if self.tracing is not None:
            self.tracing.shutdown()  # exports the spans still queued

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def follow_other_processes(self, wait_s: float = 5.0) -> bool:
        """Have `changes` publish what other processes commit from now on, without waiting
        for a first subscriber (`serve` does); False if that is not in effect after `wait_s`."""
        self.change_feed.start()
        return self.change_feed.wait_ready(wait_s)

    # ---- actions -----------------------------------------------------------------------

    def action(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator registering a task handler: `@engine.action("credit_score")`."""
        def register(handler: Handler) -> Handler:
            self.actions.register(name, handler)
            return handler
        return register

    # ---- definitions -------------------------------------------------------------------

    def publish(self, source: dict[str, Any] | str | Path | Definition, actor: str | None = None
                ) -> PublishedVersion:
        """Publish a definition; identical content (ignoring layout) returns the existing version.

        Raises `DefinitionInvalid` carrying every finding when validation finds errors.
        """
        definition = checked_definition(source)
        document = definition.to_document()
        content_hash = definition.content_hash()
        now = self.clock.now()

        def work(conn: Connection) -> tuple[int, bool]:
            # its `triggers` become its subscriptions (a bad one refuses the publish)
            subscriptions.replace_from_definition(conn, definition.key,
                                                  subscriptions.from_triggers(definition), now)
            return self.store.save_version(conn, definition.key, definition.name, document,
                                           content_hash, actor, now)

        version, existed = self.writer.submit(work)
        return PublishedVersion(version, definition.key, content_hash, existed)

    def definitions(self) -> list[DefinitionSummary]:
        with self.store.read() as conn:
            return [DefinitionSummary(r.key, r.name, r.latest_version, r.version_count,
                                      r.created_at) for r in self.store.definition_rows(conn)]

    def versions(self, key: str) -> list[DefinitionVersion]:
        with self.store.read() as conn:
            rows = self.store.version_rows(conn, key)
        if not rows:
            raise missing_version(key, None)
        return [DefinitionVersion.from_row(r) for r in rows]

    def version(self, key: str, version: int | None = None) -> DefinitionVersion:
        """One published version (the latest when `version` is None)."""
        with self.store.read() as conn:
            row = self.store.version_row(conn, key, version)
        if row is None:
            raise missing_version(key, version)
        return DefinitionVersion.from_row(row)

    def definition(self, key: str, version: int) -> Definition:
        """The parsed model of a published version (cached: versions are immutable)."""
        return self.ledger.definition(key, version)

    def definition_in(self, conn: Connection, key: str, version: int) -> Definition:
        return self.ledger.definition_in(conn, key, version)

    # ---- drafts (the designer's unpublished work) -----------------------------------------

    def save_draft(self, key: str, document: dict[str, Any], actor: str | None = None) -> Draft:
        """Keep an unpublished document under `key`, replacing the previous draft."""
        if not isinstance(document, dict):
            raise EngineError(f"the draft of {key!r} must be a JSON object")
        now = self.clock.now()
        self.writer.submit(lambda conn: self.store.save_draft(conn, key, document, actor, now))
        return Draft(key, document, now, actor)

    def draft(self, key: str) -> Draft | None:
        with self.store.read() as conn:
            rows = self.store.draft_rows(conn, key)
        return Draft.from_row(rows[0]) if rows else None

    def drafts(self) -> list[Draft]:
        with self.store.read() as conn:
            return [Draft.from_row(r) for r in self.store.draft_rows(conn)]

    def delete_draft(self, key: str) -> bool:
        """Drop the draft of `key` (e.g. after publishing it); True when there was one."""
        return self.writer.submit(lambda conn: self.store.delete_draft(conn, key))

    # ---- instances (the ledger's) ----------------------------------------------------------

    def start(self, key: str, variables: dict[str, Any] | None = None, actor: str | None = None,
              version: int | None = None, idempotency_key: str | None = None,
              business_key: str | None = None) -> str:
        """Start an instance of `key` (latest version unless `version`); returns its id."""
        return self.ledger.start(key, variables, actor, version, idempotency_key, business_key)

    def start_in(self, conn: Connection, key: str, version: int | None,
                 variables: dict[str, Any], actor: str | None, business_key: str | None = None,
                 parent_id: str | None = None, instance_id: str | None = None) -> str:
        """Start an instance inside the caller's transaction; raises before writing anything."""
        return self.ledger.start_in(conn, key, version, variables, actor, business_key,
                                    parent_id, instance_id)

    def send(self, instance_id: str, event: str, payload: dict[str, Any] | None = None,
             actor: str | None = None, idempotency_key: str | None = None) -> Instance:
        """Deliver `event`; returns the instance after it. Refused events change nothing."""
        return self.ledger.send(instance_id, event, payload, actor, idempotency_key)

    def persist(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
                actor: str | None, row: Any = None) -> None:
        self.ledger.persist(conn, before, result, actor, row)

    def unsealed(self, row: Any) -> steps.Snapshot:
        return self.ledger.unsealed(row)

    sensitive = staticmethod(Ledger.sensitive)

    def get(self, instance_id: str) -> Instance:
        return self.ledger.get(instance_id)

    def history(self, instance_id: str) -> list[Event]:
        return self.ledger.history(instance_id)

    def accepted_events(self, instance_id: str) -> list[str]:
        """The events `send` would accept now (the buttons an operator sees)."""
        return self.ledger.accepted_events(instance_id)

    def list_instances(self, definition: str | None = None, status: str | None = None,
                       state: str | None = None, business_key: str | None = None,
                       version: int | None = None, limit: int = 50, offset: int = 0
                       ) -> InstancePage:
        """Instances matching every given filter, newest first."""
        return self.ledger.list_instances(definition, status, state, business_key, version,
                                          limit, offset)

    # ---- work and audit ----------------------------------------------------------------

    def run_until_idle(self, timeout_s: float = 10.0) -> int:
        """Run every job already due (actions, timers) until none is left; returns how many ran."""
        return drain(self, timeout_s)

    def verify_audit(self) -> audit.AuditReport:
        """Re-check every instance's hash chain and projection; names the first break."""
        return audit.verify(self.store)
