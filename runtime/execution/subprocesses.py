"""Subprocess states: a job starts the child instance; the child's end moves the parent on.

The child's id is derived from the parent's id and state visit (`child_instance_id`), so a
job that runs twice starts one child, and a child that ends after its parent has moved on
is recognised and ignored. Both directions run inside one transaction with the other side.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from runtime.core import events as ev
from runtime.core import step as steps
from runtime.core.errors import EngineError
from runtime.instances import InstanceAccess

SYSTEM_ACTOR = "system"


def start_child(ledger: InstanceAccess, conn: Connection, job: Any) -> None:
    """Start the child of a subprocess visit (the caller holds the job's lease)."""
    row = ledger.store.instance_row_locked(conn, job.instance_id)
    parent = ledger.unsealed(row)
    spec = job.payload
    if not parent.visiting(spec["state"], spec["entered_seq"]):
        return
    child_id = steps.child_instance_id(parent.id, spec["entered_seq"])
    if ledger.store.instance_row(conn, child_id) is not None:
        return  # started by an earlier run of this job
    version = ledger.store.version_number(conn, spec["definition"], spec.get("version"))
    if version is None:
        wanted = f"{spec['definition']!r}" + (f" version {spec['version']}" if spec.get(
            "version") else "")
        record(ledger, conn, row, [ev.NewEvent(ev.INCIDENT, {
            "reason": f"subprocess {spec['state']!r}: no definition {wanted} is published"})])
        return
    branch = {"branch": parent.token_at(spec["entered_seq"])} if parent.branches else {}
    record(ledger, conn, row, [ev.NewEvent(ev.SUBPROCESS_STARTED, {
        "child": child_id, "definition": spec["definition"], "version": version, **branch})])
    try:
        ledger.start_in(conn, spec["definition"], version, spec["input"],
                        SYSTEM_ACTOR, parent_id=parent.id, instance_id=child_id)
    except EngineError as exc:  # raised before the child wrote anything
        row = ledger.store.instance_row_locked(conn, job.instance_id)
        record(ledger, conn, row, [ev.NewEvent(ev.INCIDENT, {
            "reason": f"subprocess {spec['state']!r} could not start: {exc.message}"})])


def after_persist(ledger: InstanceAccess, conn: Connection, before: steps.Snapshot,
                  result: steps.StepResult, actor: str | None) -> None:
    """A ledger hook: when a child instance ends, its parent moves on in the same transaction."""
    if before.parent_id and result.snapshot.status in steps.TERMINAL:
        child_ended(ledger, conn, result.snapshot)


def child_ended(ledger: InstanceAccess, conn: Connection, child: steps.Snapshot) -> None:
    """Deliver `done` (child completed) or `error` (failed, cancelled) to the waiting parent."""
    row = ledger.store.instance_row_locked(conn, child.parent_id or "")
    if row is None:
        return
    parent = ledger.unsealed(row)
    visit = next((seq for _, _, seq in parent.visits()
                  if steps.child_instance_id(parent.id, seq) == child.id), None)
    if parent.status != "running" or visit is None:
        return
    ended = ev.NewEvent(ev.SUBPROCESS_ENDED, {"child": child.id, "status": child.status})
    if child.status == "completed":
        deliver = steps.Deliver(steps.DONE, dict(child.variables), internal=True, visit=visit)
    else:
        reason = f"subprocess {child.id} ended {child.status}"
        deliver = steps.Deliver(steps.ERROR, {"error": reason}, internal=True, visit=visit)
    deliver_internal(ledger, conn, row, [ended], deliver)


def deliver_internal(ledger: InstanceAccess, conn: Connection, row: Any, prefix: list[ev.NewEvent],
                     deliver: steps.Deliver) -> None:
    """Append `prefix`, then take `deliver`; a refusal becomes an incident on the instance."""
    before = ledger.unsealed(row)
    middle = steps.apply_all(before, prefix)
    definition = ledger.definition_in(conn, before.definition, before.version)
    try:
        result = steps.step(definition, middle, deliver, ledger.clock.now())
        outcome = steps.StepResult(result.snapshot, [*prefix, *result.events], result.effects)
    except EngineError as exc:
        incident = ev.NewEvent(ev.INCIDENT, {"reason": exc.message, "state": before.state})
        outcome = steps.StepResult(steps.apply_all(middle, [incident]), [*prefix, incident], [])
    ledger.persist(conn, before, outcome, SYSTEM_ACTOR, row)


def record(ledger: InstanceAccess, conn: Connection, row: Any,
           new_events: list[ev.NewEvent]) -> None:
    """Append events that change nothing but the log (and, for an incident, the status)."""
    before = ledger.unsealed(row)
    outcome = steps.StepResult(steps.apply_all(before, new_events), new_events, [])
    ledger.persist(conn, before, outcome, SYSTEM_ACTOR, row)

