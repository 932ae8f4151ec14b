"""The `Ledger`: instances and their event log, the one place events are written.

Every change to an instance reads it inside a write transaction, lets the pure `step`
decide, then `persist` appends the events, writes the projection and carries out the
effects (jobs) in that same transaction, through the group-commit writer. What other
concerns must do in that transaction (task rows, a parent's subprocess state, a saga) they
register as `after_persist` hooks, so the ledger knows none of them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from runtime.core import step as steps
from runtime.core.clock import Clock
from runtime.core.events import GENESIS_HASH, Event
from runtime.core.variables import check_start_variables
from runtime.core.views import Instance, InstancePage
from runtime.instances.definition_cache import DefinitionCache
from runtime.instances.local_jobs import Dispatch, LocalJob
from runtime.instances.missing import missing_instance, missing_version
from runtime.instances.sealed_events import sealed_event, unsealed_event
from runtime.security.dlp import screen
from runtime.security.sealing import Sealer
from runtime.store.base import Store, event_of, snapshot_of
from runtime.store.changes import Change, ChangeHub, stage
from runtime.store.writer import GroupCommitWriter, after_commit
from shared.definition import Definition
from shared.sensitivity import sensitive_names

MAX_PAGE = 500
LIVE_WORKERS: set[str] = set()  # worker ids of this process's open ledgers
PersistHook = Callable[[Connection, steps.Snapshot, steps.StepResult, str | None], None]


class Ledger:
    """Reads and durable writes of instances over one store; shared by every service."""

    def __init__(self, store: Store, clock: Clock, sealer: Sealer, worker_id: str,
                 lease_s: float, definitions: DefinitionCache | None = None) -> None:
        self.store = store
        self.clock = clock
        self.sealer = sealer
        self.worker_id = worker_id
        self.lease_s = lease_s  # how long a leased job is ours before others may take it
        self.changes = ChangeHub()  # committed changes, for live pages and inboxes
        self.writer = GroupCommitWriter(store, on_commit=self.changes.publish)
        self.job_scheduled = threading.Event()  # wakes a sleeping runner
        self.definitions = definitions or DefinitionCache()
        self.after_persist: list[PersistHook] = []
        self.dispatch: Dispatch | None = None  # the local runner's intake, while one runs
        LIVE_WORKERS.add(worker_id)

    def close(self) -> None:
        LIVE_WORKERS.discard(self.worker_id)
        self.writer.close()

    # ---- definitions ---------------------------------------------------------------------

    def definition(self, key: str, version: int) -> Definition:
        """The parsed model of a published version (cached: versions are immutable)."""
        cached = self.definitions.get(key, version)
        if cached is not None:
            return cached
        with self.store.read() as conn:
            return self.definition_in(conn, key, version)

    def definition_in(self, conn: Connection, key: str, version: int) -> Definition:
        """Like `definition`, reading through the caller's transaction on a cache miss."""
        cached = self.definitions.get(key, version)
        if cached is not None:
            return cached
        row = self.store.version_row(conn, key, version)
        if row is None:
            raise missing_version(key, version)
        return self.parsed(row)

    def parsed(self, row: Any) -> Definition:
        """The model of a stored version row, through the cache."""
        cached = self.definitions.get(row.key, row.version)
        if cached is not None:
            return cached
        return self.definitions.put(row.key, row.version, Definition.model_validate(row.document))

    @staticmethod
    def sensitive(definition: Definition) -> frozenset[str]:
        """Names of the definition's sensitive variables, with those a `set` derives from one
        (`shared.sensitivity`): both are sealed at rest and masked in every view."""
        return sensitive_names(definition)

    # ---- writing -------------------------------------------------------------------------

    def start_in(self, conn: Connection, key: str, version: int | None,
                 variables: dict[str, Any], actor: str | None, business_key: str | None = None,
                 parent_id: str | None = None, instance_id: str | None = None) -> str:
        """Start an instance inside the caller's transaction; raises before writing anything."""
        number = self.store.version_number(conn, key, version)
        if number is None:
            raise missing_version(key, version)
        definition = self.definition_in(conn, key, number)
        values, flagged = screen(definition, check_start_variables(definition, variables),
                                 "start")
        now = self.clock.now()
        fresh = steps.Snapshot(id=instance_id or str(uuid.uuid4()), definition=key,
                               version=number, business_key=business_key,
                               parent_id=parent_id)
        result = steps.step(definition, fresh, steps.Start(values, business_key, parent_id), now)
        if flagged is not None:  # after the start, which must open the log
            result = steps.StepResult(steps.apply_all(result.snapshot, [flagged]),
                                      [*result.events, flagged], result.effects)
        self.store.insert_instance(conn, fresh, actor, now)
        self.persist(conn, fresh, result, actor)
        return fresh.id

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

    def send(self, instance_id: str, event: str, payload: dict[str, Any] | None = None,
             actor: str | None = None, idempotency_key: str | None = None) -> Instance:
        """Deliver `event`; returns the instance after it. Refused events change nothing."""
        scope = f"send:{instance_id}"

        def work(conn: Connection) -> Instance:
            if idempotency_key is not None:
                earlier = self.store.remembered(conn, scope, idempotency_key)
                if earlier is not None:
                    first = Instance.from_json(earlier)
                    return replace(first, variables=self.sealer.unseal(instance_id,
                                                                       first.variables))
            row = self.store.instance_row_locked(conn, instance_id)
            if row is None:
                raise missing_instance(instance_id)
            before = self.unsealed(row)
            now = self.clock.now()
            definition = self.definition_in(conn, before.definition, before.version)
            result = screened_step(definition, before, event, payload or {}, "send", now)
            self.persist(conn, before, result, actor, row)
            after = _instance_after(row, result.snapshot, now)
            if idempotency_key is not None:
                sealed = self.sealer.scope(conn, instance_id).seal(self.sensitive(definition),
                                                                   after.variables)
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
            scope = self.sealer.scope(conn, before.id, new=row is None)
            if row is not None:
                scope.learn(dict(row.variables or {}))
            events = [sealed_event(scope, names, e) for e in events]
            after = replace(after, variables=scope.seal(names, after.variables))
        prev_hash = row.last_hash if row is not None else GENESIS_HASH
        row_version = row.row_version if row is not None else 0
        self.store.append(conn, before, prev_hash, row_version, after, events, actor, now)
        if events:
            stage(conn, Change(before.id, before.definition, after.version, after.state,
                               after.status, tuple(e.type for e in events), after.seq))
        for effect in result.effects:
            if isinstance(effect, steps.ScheduleJob):
                self._schedule(conn, before, result.snapshot, effect, now)
            else:
                self.store.cancel_job(conn, effect.job_id)
        for hook in self.after_persist:
            hook(conn, before, result, actor)

    def _schedule(self, conn: Connection, before: steps.Snapshot, after: steps.Snapshot,
                  effect: steps.ScheduleJob, now: datetime) -> None:
        """Insert the job; a due action goes straight to the local runner when it has room."""
        dispatch = self.dispatch
        if (dispatch is not None and effect.kind == "action" and effect.run_at <= now
                and dispatch.accepts()):
            job = LocalJob(effect.job_id, before.id, effect.kind, effect.payload,
                           before.definition, after.version, dict(after.variables))
            if after_commit(conn, lambda: dispatch.put(job)):
                until = now + timedelta(seconds=self.lease_s)
                self.store.schedule_job(conn, effect.job_id, before.id, effect.kind,
                                        effect.run_at, effect.payload, now,
                                        leased_to=(self.worker_id, until))
                return
        self.store.schedule_job(conn, effect.job_id, before.id, effect.kind, effect.run_at,
                                effect.payload, now)
        if effect.run_at <= now:
            self.job_scheduled.set()

    # ---- reading -------------------------------------------------------------------------

    def unsealed(self, row: Any) -> steps.Snapshot:
        """The snapshot of a stored instance row, sensitive values in the clear."""
        snap = snapshot_of(row)
        return replace(snap, variables=self.sealer.unseal(snap.id, snap.variables))

    def view(self, row: Any) -> Instance:
        inst = Instance.from_row(row)
        return replace(inst, variables=self.sealer.unseal(inst.id, inst.variables))

    def get(self, instance_id: str) -> Instance:
        with self.store.read() as conn:
            row = self.store.instance_row(conn, instance_id)
        if row is None:
            raise missing_instance(instance_id)
        return self.view(row)

    def history(self, instance_id: str) -> list[Event]:
        with self.store.read() as conn:
            if self.store.instance_row(conn, instance_id) is None:
                raise missing_instance(instance_id)
            return [unsealed_event(self.sealer, event_of(r))
                    for r in self.store.event_rows(conn, instance_id)]

    def accepted_events(self, instance_id: str) -> list[str]:
        """The events `send` would accept now (the buttons an operator sees)."""
        with self.store.read() as conn:
            row = self.store.instance_row(conn, instance_id)
        if row is None:
            raise missing_instance(instance_id)
        snapshot = snapshot_of(row)
        return steps.accepted_events(self.definition(snapshot.definition, snapshot.version),
                                     snapshot)

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
        return InstancePage([self.view(r) for r in rows], total, limit, offset)


def screened_step(definition: Definition, before: steps.Snapshot, event: str,
                  payload: dict[str, Any], source: str, now: datetime,
                  internal: bool = False, visit: int | None = None) -> steps.StepResult:
    """`step` delivering `payload` after the DLP scan (`runtime.security.dlp`): a finding is
    logged just before the event it came with; under `block` this raises and nothing moves."""
    payload, flagged = screen(definition, payload, source)
    prefix = [flagged] if flagged is not None else []
    middle = steps.apply_all(before, prefix)
    result = steps.step(definition, middle, steps.Deliver(event, payload, internal, visit), now)
    return steps.StepResult(result.snapshot, [*prefix, *result.events], result.effects)


def _instance_after(row: Any, snap: steps.Snapshot, now: Any) -> Instance:
    base = Instance.from_row(row)
    return Instance(**{**base.__dict__, "state": snap.state, "status": snap.status,
                       "variables": snap.variables, "updated_at": now, "last_seq": snap.seq,
                       "active_states": snap.active_states})
