"""An auditor verifies the hash-chained log; edits, deletions and reorderings in SQL are caught."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from sqlalchemy import delete, update

from runtime import Engine
from runtime.store import schema as t


def _two_reviewed_loans(engine: Engine, process: dict[str, Any]) -> list[str]:
    engine.publish(process)
    engine.action("credit_score")(lambda ctx: {"score": 640})
    ids = [engine.start("loan-approval", {"amount": 50000}, actor="ana") for _ in range(2)]
    engine.run_until_idle()
    for iid in ids:
        engine.send(iid, "request_docs", actor="uma")
        engine.send(iid, "docs_received", {"comment": "payslips"}, actor="uma")
    return sorted(ids)


def _tamper(engine: Engine, *statements: Any) -> None:
    with engine.store.sql.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def _event(iid: str, seq: int) -> Any:
    return (t.events.c.instance_id == iid) & (t.events.c.seq == seq)


def test_an_untouched_log_verifies(engine, loan_approval):
    ids = _two_reviewed_loans(engine, loan_approval)
    report = engine.verify_audit()
    events = sum(len(engine.history(i)) for i in ids)
    assert report.ok and report.summary() == f"ok, 2 instances, {events} events verified"


def test_an_edited_payload_is_caught_at_its_seq(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[1]
    seq = next(e.seq for e in engine.history(iid) if e.type == "variables_set")
    _tamper(engine, update(t.events).where(_event(iid, seq)).values(
        data={"values": {"comment": "forged", "score": 900}}))
    report = engine.verify_audit()
    assert (report.ok, report.instance_id, report.seq) == (False, iid, seq)
    assert "does not match its hash" in report.problem


def test_an_edited_actor_is_caught(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[0]
    _tamper(engine, update(t.events).where(_event(iid, 2)).values(actor="mallory"))
    assert (engine.verify_audit().instance_id, engine.verify_audit().seq) == (iid, 2)


def test_a_deleted_event_is_caught(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[0]
    _tamper(engine, delete(t.events).where(_event(iid, 4)))
    report = engine.verify_audit()
    assert (report.ok, report.instance_id, report.seq) == (False, iid, 4)
    assert "missing" in report.problem


def test_deleting_the_newest_events_is_caught(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[1]
    last = engine.history(iid)[-1].seq
    _tamper(engine, delete(t.events).where(_event(iid, last)))
    report = engine.verify_audit()
    assert (report.ok, report.instance_id, report.seq) == (False, iid, last)


def test_reordered_events_are_caught(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[0]
    _tamper(
        engine,
        update(t.events).where(_event(iid, 5)).values(seq=-1),
        update(t.events).where(_event(iid, 6)).values(seq=5),
        update(t.events).where(_event(iid, -1)).values(seq=6),
    )
    report = engine.verify_audit()
    assert (report.ok, report.instance_id, report.seq) == (False, iid, 5)


def test_a_projection_edited_behind_the_log_is_caught(engine, loan_approval):
    iid = _two_reviewed_loans(engine, loan_approval)[0]
    _tamper(engine, update(t.instances).where(t.instances.c.id == iid).values(state="approved"))
    report = engine.verify_audit()
    assert (report.ok, report.instance_id) == (False, iid)
    assert "replay" in report.problem


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "runtime.cli", *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_audit_verify_command_exits_1_naming_the_break(engine, loan_approval, db_url):
    ids = _two_reviewed_loans(engine, loan_approval)
    ok = _cli("audit", "verify", "--db", db_url)
    assert ok.returncode == 0 and ok.stdout.startswith("ok, 2 instances, ")
    _tamper(engine, delete(t.events).where(_event(ids[1], 3)))
    broken = _cli("audit", "verify", "--db", db_url)
    assert broken.returncode == 1
    assert f"instance {ids[1]} at seq 3" in broken.stdout
