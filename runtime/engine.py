"""The `Engine`: publish definitions, start instances, send events, read them back.

A thin shell around the pure `step`: each call reads the instance inside a write
transaction, lets `step` decide, then appends the events, writes the projection and carries
out the effects (jobs) in that same transaction, through the group-commit writer.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Connection

from runtime import audit, subprocesses
from runtime import events as ev
from runtime import step as steps
from runtime.actions import ActionRegistry, Handler
from runtime.breakers import BreakerBoard
from runtime.changes import Change, ChangeHub, stage
from runtime.clock import Clock, SystemClock
from runtime.errors import DefinitionInvalid, EngineError, NotFound
from runtime.events import GENESIS_HASH, Event, NewEvent
from runtime.saga import needs_saga, start_saga
from runtime.sealing import Sealer, secret_from_environment
from runtime.store import open_store
from runtime.store.base import event_of, snapshot_of
from runtime.tasks import HumanTasks
from runtime.variables import check_start_variables
from runtime.views import (
    DefinitionSummary,
    DefinitionVersion,
    Draft,
    Instance,
    InstancePage,
    PublishedVersion,
)
from runtime.writer import GroupCommitWriter
from shared.definition import Definition
from shared.errors import DocumentError, SchemaError
from shared.loading import load_document, parse_definition

MAX_PAGE = 500


class Engine:
    """The durable runtime over one database (`sqlite:///file.db` or `postgresql://...`)."""

    def __init__(self, url: str, clock: Clock | None = None, *, worker_id: str | None = None,
                 action_threads: int = 8, lease_s: float = 60.0) -> None:
        self.url = url
        self.clock: Clock = clock or SystemClock()
        self.store = open_store(url)
        self.actions = ActionRegistry(action_threads)
        self.breakers = BreakerBoard(self)  # circuit breakers per action group
        self.lease_s = lease_s  # how long a leased job is ours before others may take it
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.changes = ChangeHub()  # committed changes, for live pages and inboxes
        self.writer = GroupCommitWriter(self.store, on_commit=self.changes.publish)
        self.job_scheduled = threading.Event()  # wakes a sleeping runner
        self._definitions: dict[tuple[str, int], Definition] = {}
        self._sensitive: dict[int, frozenset[str]] = {}  # by id() of a cached Definition
        self.sealer = Sealer(secret_from_environment() or self.store.ensure_secret(
            "sealing-key", Fernet.generate_key().decode(), self.clock.now()))
        self.tasks = HumanTasks(self)  # the human-task inbox (runtime/tasks)

    def close(self) -> None:
        self.writer.close()
        self.actions.close()
        self.store.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

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
        definition = _checked_definition(source)
        document = definition.to_document()
        content_hash = definition.content_hash()
        now = self.clock.now()

        def work(conn: Connection) -> tuple[int, bool]:
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
            raise NotFound(f"no definition {key!r} is published", {"definition": key})
        return [DefinitionVersion.from_row(r) for r in rows]

    def version(self, key: str, version: int | None = None) -> DefinitionVersion:
        """One published version (the latest when `version` is None)."""
        with self.store.read() as conn:
            row = self.store.version_row(conn, key, version)
        if row is None:
            raise _missing_version(key, version)
        return DefinitionVersion.from_row(row)

    def definition(self, key: str, version: int) -> Definition:
        """The parsed model of a published version (cached: versions are immutable)."""
        cached = self._definitions.get((key, version))
        if cached is None:
            cached = Definition.model_validate(self.version(key, version).document)
            self._definitions[(key, version)] = cached
        return cached

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

    # ---- instances ---------------------------------------------------------------------

    def start(self, key: str, variables: dict[str, Any] | None = None, actor: str | None = None,
              version: int | None = None, idempotency_key: str | None = None,
              business_key: str | None = None) -> str:
        """Start an instance of `key` (latest version unless `version`); returns its id."""
        def work(conn: Connection) -> str:
            if idempotency_key is not None:
                earlier = self.store.remembered(conn, "start", idempotency_key)
                if earlier is not None:
                    return earlier["instance_id"]
            iid = self.start_in(conn, key, version, variables or {}, actor, business_key)
            if idempotency_key is not None:
                self.store.remember(conn, "start", idempotency_key, {"instance_id": iid},
                                    self.clock.now())
            return iid

        return self.writer.submit(work)

    def start_in(self, conn: Connection, key: str, version: int | None,
                 variables: dict[str, Any], actor: str | None, business_key: str | None = None,
                 parent_id: str | None = None, instance_id: str | None = None) -> str:
        """Start an instance inside the caller's transaction; raises before writing anything."""
        row = self.store.version_row(conn, key, version)
        if row is None:
            raise _missing_version(key, version)
        definition = self._parsed(row)
        values = check_start_variables(definition, variables)
        now = self.clock.now()
        fresh = steps.Snapshot(id=instance_id or str(uuid.uuid4()), definition=key,
                               version=row.version, business_key=business_key,
                               parent_id=parent_id)
        result = steps.step(definition, fresh, steps.Start(values, business_key, parent_id), now)
        self.store.insert_instance(conn, fresh, actor, now)
        self.persist(conn, fresh, result, actor)
        return fresh.id

    def send(self, instance_id: str, event: str, payload: dict[str, Any] | None = None,
             actor: str | None = None, idempotency_key: str | None = None) -> Instance:
        """Deliver `event`; returns the instance after it. Refused events change nothing."""
        scope = f"send:{instance_id}"

        def work(conn: Connection) -> Instance:
            if idempotency_key is not None:
                earlier = self.store.remembered(conn, scope, idempotency_key)
                if earlier is not None:
                    first = Instance.from_json(earlier)
                    return replace(first, variables=self.sealer.unseal(first.variables))
            row = self.store.instance_row_locked(conn, instance_id)
            if row is None:
                raise _missing_instance(instance_id)
            before = self.unsealed(row)
            now = self.clock.now()
            definition = self.definition_in(conn, before.definition, before.version)
            result = steps.step(definition, before, steps.Deliver(event, payload or {}), now)
            self.persist(conn, before, result, actor, row)
            after = _instance_after(row, result.snapshot, now)
            if idempotency_key is not None:
                sealed = self.sealer.seal(self.sensitive(definition), after.variables, {})
                self.store.remember(conn, scope, idempotency_key,
                                    {**after.to_json(), "variables": sealed}, now)
            return after

        return self.writer.submit(work, instance_id)

    def persist(self, conn: Connection, before: steps.Snapshot, result: steps.StepResult,
                actor: str | None, row: Any = None) -> None:
        """Append the step's events, write its projection and carry out its effects.

        `row` is the stored instance row `before` was read from (None for a new instance);
        sensitive values are sealed here, re-using the tokens of values that did not change.
        """
        now = self.clock.now()
        events, after = result.events, result.snapshot
        names = self.sensitive(self.definition_in(conn, before.definition, before.version))
        if names:
            tokens: dict[tuple[str, str], str] = {}
            if row is not None:
                self.sealer.unseal(dict(row.variables or {}), tokens)
            events = [_sealed_event(self.sealer, names, e, tokens) for e in events]
            after = replace(after, variables=self.sealer.seal(names, after.variables, tokens))
        prev_hash = row.last_hash if row is not None else GENESIS_HASH
        row_version = row.row_version if row is not None else 0
        self.store.append(conn, before, prev_hash, row_version, after, events, actor, now)
        if events:
            stage(conn, Change(before.id, before.definition, after.version, after.state,
                               after.status, tuple(e.type for e in events), after.seq))
        for effect in result.effects:
            if isinstance(effect, steps.ScheduleJob):
                self.store.schedule_job(conn, effect.job_id, before.id, effect.kind,
                                        effect.run_at, effect.payload, now)
                if effect.run_at <= now:
                    self.job_scheduled.set()
            else:
                self.store.cancel_job(conn, effect.job_id)
        if before.parent_id and result.snapshot.status in steps.TERMINAL:
            subprocesses.child_ended(self, conn, result.snapshot)
        self.tasks.record(conn, before, result, actor)
        if result.snapshot.status == "failed" and before.status != "failed" and needs_saga(
                self.definition_in(conn, before.definition, before.version)):
            start_saga(self, conn, before.id, result.snapshot.seq)  # undo what was done

    def unsealed(self, row: Any) -> steps.Snapshot:
        """The snapshot of a stored instance row, sensitive values in the clear."""
        snap = snapshot_of(row)
        return replace(snap, variables=self.sealer.unseal(snap.variables))

    def sensitive(self, definition: Definition) -> frozenset[str]:
        """Names of the definition's sensitive variables (cached: versions are immutable)."""
        names = self._sensitive.get(id(definition))
        if names is None:
            names = frozenset(v.name for v in definition.variables if v.sensitive)
            self._sensitive[id(definition)] = names
        return names

    def _view(self, row: Any) -> Instance:
        inst = Instance.from_row(row)
        return replace(inst, variables=self.sealer.unseal(inst.variables))

    def get(self, instance_id: str) -> Instance:
        with self.store.read() as conn:
            row = self.store.instance_row(conn, instance_id)
        if row is None:
            raise _missing_instance(instance_id)
        return self._view(row)

    def history(self, instance_id: str) -> list[Event]:
        with self.store.read() as conn:
            if self.store.instance_row(conn, instance_id) is None:
                raise _missing_instance(instance_id)
            return [_unsealed_event(self.sealer, event_of(r))
                    for r in self.store.event_rows(conn, instance_id)]

    def accepted_events(self, instance_id: str) -> list[str]:
        """The events `send` would accept now (the buttons an operator sees)."""
        inst = self.get(instance_id)
        snapshot = steps.Snapshot(id=inst.id, definition=inst.definition, version=inst.version,
                                  state=inst.state, status=inst.status)
        return steps.accepted_events(self.definition(inst.definition, inst.version), snapshot)

    def list_instances(self, definition: str | None = None, status: str | None = None,
                       state: str | None = None, business_key: str | None = None,
                       version: int | None = None, limit: int = 50, offset: int = 0
                       ) -> InstancePage:
        """Instances matching every given filter, newest first."""
        limit = max(1, min(limit, MAX_PAGE))
        offset = max(0, offset)
        filters = {"definition_key": definition, "status": status, "state": state,
                   "business_key": business_key, "version": version}
        with self.store.read() as conn:
            rows, total = self.store.instance_page(conn, filters, limit, offset)
        return InstancePage([self._view(r) for r in rows], total, limit, offset)

    # ---- work and audit ----------------------------------------------------------------

    def run_until_idle(self, timeout_s: float = 10.0) -> int:
        """Run every job already due (actions, timers) until none is left; returns how many ran."""
        from runtime.runner import drain

        return drain(self, timeout_s)

    def verify_audit(self) -> audit.AuditReport:
        """Re-check every instance's hash chain and projection; names the first break."""
        return audit.verify(self.store)

    def definition_in(self, conn: Connection, key: str, version: int) -> Definition:
        """Like `definition`, reading through the caller's transaction on a cache miss."""
        cached = self._definitions.get((key, version))
        if cached is not None:
            return cached
        row = self.store.version_row(conn, key, version)
        if row is None:
            raise _missing_version(key, version)
        return self._parsed(row)

    def _parsed(self, row: Any) -> Definition:
        key = (row.key, row.version)
        if key not in self._definitions:
            self._definitions[key] = Definition.model_validate(row.document)
        return self._definitions[key]


def _checked_definition(source: dict[str, Any] | str | Path | Definition) -> Definition:
    """The validated model of `source`, or `DefinitionInvalid` with every finding."""
    from shared.validation import validate

    try:
        if isinstance(source, Definition):
            definition = source
        else:
            doc = source if isinstance(source, dict) else load_document(
                str(source) if isinstance(source, Path) else source)
            definition = parse_definition(doc)
    except SchemaError as exc:
        raise DefinitionInvalid(str(exc), exc.findings) from None
    except DocumentError as exc:
        raise DefinitionInvalid(str(exc), []) from None
    report = validate(definition)
    if not report.ok:
        lines = "; ".join(f"{f.code}: {f.message}" for f in report.errors)
        raise DefinitionInvalid(
            f"definition {definition.key!r} has {len(report.errors)} error(s): {lines}",
            list(report.findings))
    return definition


_SEALABLE = {ev.INSTANCE_STARTED: "variables", ev.VARIABLES_SET: "values"}


def _sealed_event(sealer: Sealer, names: frozenset[str], event: NewEvent,
                  tokens: dict[tuple[str, str], str]) -> NewEvent:
    field = _SEALABLE.get(event.type)
    if field is None:
        return event
    return NewEvent(event.type, {**event.data,
                                 field: sealer.seal(names, event.data[field], tokens)})


def _unsealed_event(sealer: Sealer, event: Event) -> Event:
    field = _SEALABLE.get(event.type)
    if field is None:
        return event
    return replace(event, data={**event.data, field: sealer.unseal(event.data[field])})


def _instance_after(row: Any, snap: steps.Snapshot, now: Any) -> Instance:
    base = Instance.from_row(row)
    return Instance(**{**base.__dict__, "state": snap.state, "status": snap.status,
                       "variables": snap.variables, "updated_at": now, "last_seq": snap.seq})


def _missing_instance(instance_id: str) -> NotFound:
    return NotFound(f"no instance {instance_id!r}", {"instance": instance_id})


def _missing_version(key: str, version: int | None) -> NotFound:
    if version is None:
        return NotFound(f"no definition {key!r} is published", {"definition": key})
    return NotFound(f"definition {key!r} has no version {version}",
                    {"definition": key, "version": version})
