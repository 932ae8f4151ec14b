"""Retention archives and purges finished instances past their policy, leaves held ones,
records each purge signed, and the archives verify offline against their own seal."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from runtime import Engine, Runner
from runtime.security import bundles, checkpoints
from runtime.security.retention import policies, purge
from runtime.security.signing import parse_signing_key
from runtime.store import schema as t

SEED = base64.b64encode(bytes(range(1, 33))).decode()
KEY = parse_signing_key(SEED)
DAY_S = 86400


def _finished_loans(engine: Engine, process: dict[str, Any], count: int) -> list[str]:
    engine.publish(process)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    ids = [engine.start("loan-approval", {"amount": 500}, actor="ana") for _ in range(count)]
    engine.run_until_idle()
    assert {engine.get(i).status for i in ids} == {"completed"}
    return ids


def _ids(engine: Engine) -> set[str]:
    with engine.store.read() as conn:
        return set(engine.store.all_instance_ids(conn))


def test_due_instances_are_archived_and_purged_but_held_ones_stay(engine, loan_approval, clock,
                                                                   tmp_path):
    tmp_path = tmp_path / "archive"
    ids = _finished_loans(engine, loan_approval, 4)
    running = engine.start("loan-approval", {"amount": 50000}, actor="ana")
    before = checkpoints.take(engine.store, KEY, clock.now())
    policies.set_policy(engine.store, policies.DEFAULT, 30, "ops", clock.now())
    policies.add_hold(engine.store, "instance", ids[0], "litigation 17", "legal", clock.now())
    clock.advance(29 * DAY_S)
    assert purge.run(engine.store, KEY, tmp_path, clock.now()).purged == 0
    clock.advance(2 * DAY_S)
    done = purge.run(engine.store, KEY, tmp_path, clock.now(), batch=2)
    assert (done.purged, len(done.archives)) == (3, 2)
    assert _ids(engine) == {ids[0], running}
    archived = [bundles.verify(tmp_path / p, KEY.public_key()) for p in os.listdir(tmp_path)]
    assert [r.problem for r in archived if not r.ok] == []
    assert sum(r.instances for r in archived) == 3
    # the checkpoint from before the purge still holds: each purge left a signed record
    assert checkpoints.verify(engine.store, before, KEY.public_key()).ok
    after = checkpoints.take(engine.store, KEY, clock.now())
    assert after["purges"]["count"] == 3
    assert checkpoints.verify(engine.store, after, KEY.public_key()).ok
    with engine.store.sql.begin() as conn:
        conn.execute(delete(t.purges).where(t.purges.c.seq == 3))
    report = checkpoints.verify(engine.store, after, KEY.public_key())
    assert not report.ok and "purge records deleted" in report.problem


def test_a_forged_purge_record_does_not_excuse_a_deleted_instance(engine, loan_approval, clock):
    ids = _finished_loans(engine, loan_approval, 2)
    before = checkpoints.take(engine.store, KEY, clock.now())
    row = engine.get(ids[1])
    with engine.store.sql.begin() as conn:
        for table in reversed(t.metadata.sorted_tables):
            if "instance_id" in table.c and table is not t.purges:
                conn.execute(delete(table).where(table.c.instance_id == ids[1]))
        conn.execute(delete(t.instances).where(t.instances.c.id == ids[1]))
        conn.execute(insert(t.purges).values(
            seq=1, instance_id=ids[1], definition_key="loan-approval", last_seq=99,
            last_hash="f" * 64, archive="none", reason="forged", actor="mallory",
            purged_at=clock.now().replace(tzinfo=None), prev_hash="0" * 64, hash="a" * 64,
            signature=base64.b64encode(b"x" * 64).decode()))
    assert row.status == "completed"
    report = checkpoints.verify(engine.store, before, KEY.public_key())
    assert not report.ok and "purge record 1" in report.problem


def test_definition_policies_and_holds(engine, loan_approval, clock, tmp_path):
    ids = _finished_loans(engine, loan_approval, 2)
    policies.set_policy(engine.store, policies.DEFAULT, 1, "ops", clock.now())
    policies.set_policy(engine.store, "loan-approval", 3650, "ops", clock.now())
    clock.advance(10 * DAY_S)
    assert purge.run(engine.store, KEY, tmp_path, clock.now()).purged == 0
    policies.set_policy(engine.store, "loan-approval", 5, "ops", clock.now())
    policies.add_hold(engine.store, "definition", "loan-approval", "audit 2026", "legal",
                      clock.now())
    assert purge.run(engine.store, KEY, tmp_path, clock.now()).purged == 0
    assert policies.remove_hold(engine.store, "definition", "loan-approval")
    assert purge.run(engine.store, KEY, tmp_path, clock.now()).purged == 2
    assert not _ids(engine) & set(ids)
    with engine.store.read() as conn:
        reasons = set(conn.execute(select(t.purges.c.reason)).scalars())
    assert reasons == {"retention: loan-approval policy keeps 5 days"}


def test_an_instance_that_moved_on_after_archiving_is_kept(engine, loan_approval, clock,
                                                           tmp_path):
    ids = _finished_loans(engine, loan_approval, 1)
    policies.set_policy(engine.store, policies.DEFAULT, 1, "ops", clock.now())
    clock.advance(2 * DAY_S)
    with engine.store.read() as conn:
        due = policies.due(conn, clock.now(), 10)
    with engine.store.sql.begin() as conn:  # as if it changed between archive and purge
        conn.execute(update(t.instances).where(t.instances.c.id == ids[0]).values(last_seq=99))
    with engine.store.write() as conn:
        assert purge._purge(conn, KEY, due, "a", "retention", clock.now()) == []
    assert _ids(engine) == set(ids)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_runner_writes_checkpoints_and_applies_retention(db_url, loan_approval, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_SIGNING_KEY", SEED)
    monkeypatch.setenv("STATEWRIGHT_CHECKPOINT_DIR", str(tmp_path / "cp"))
    monkeypatch.setenv("STATEWRIGHT_CHECKPOINT_EVERY_S", "0.2")
    monkeypatch.setenv("STATEWRIGHT_ARCHIVE_DIR", str(tmp_path / "archive"))
    with Engine(db_url) as engine:
        _finished_loans(engine, loan_approval, 1)
        policies.set_policy(engine.store, policies.DEFAULT, 1, "ops", engine.clock.now())
        with engine.store.sql.begin() as conn:
            conn.execute(update(t.instances).values(updated_at=engine.clock.now().replace(
                tzinfo=None, year=2020)))
        runner = Runner(engine).start()
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and (
                    len(list((tmp_path / "cp").glob("checkpoint-*.json"))) < 2
                    or _ids(engine)):
                time.sleep(0.1)
        finally:
            runner.stop()
        assert not _ids(engine)
        files = sorted((tmp_path / "cp").glob("checkpoint-*.json"))
        assert len(files) >= 2 and len(list((tmp_path / "archive").iterdir())) == 1
        for path in files:
            assert checkpoints.verify(engine.store, checkpoints.load(path), KEY.public_key()).ok


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STATEWRIGHT_SIGNING_KEY": SEED}
    return subprocess.run([sys.executable, "-m", "runtime.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_commands(engine, loan_approval, db_url, tmp_path):
    ids = _finished_loans(engine, loan_approval, 2)
    assert _cli("retention", "set", "--days", "0", "--default", "--db", db_url).returncode == 2
    assert _cli("retention", "set", "--days", "3", "--db", db_url).returncode == 2
    assert _cli("retention", "set", "--default", "--days", "1", "--db", db_url).returncode == 0
    held = _cli("hold", "add", "--instance", ids[0], "--reason", "case 9", "--db", db_url)
    assert held.returncode == 0, held.stderr
    assert _cli("hold", "add", "--instance", "nope", "--reason", "x", "--db",
                db_url).returncode == 2
    with engine.store.sql.begin() as conn:
        conn.execute(update(t.instances).values(updated_at=engine.clock.now().replace(
            tzinfo=None, year=2020)))
    status = _cli("retention", "status", "--db", db_url)
    assert "policy default: 1 days" in status.stdout and "1 finished instances due" in status.stdout
    ran = _cli("retention", "run", "--archive-dir", str(tmp_path / "a"), "--db", db_url)
    assert ran.returncode == 0 and ran.stdout.startswith("purged 1 instances into 1 archives")
    archive = next((tmp_path / "a").iterdir())
    public = _cli("audit", "public-key").stdout.strip()
    checked = _cli("audit", "verify-bundle", str(archive), "--public-key", public)
    assert checked.returncode == 0, checked.stdout
    assert _ids(engine) == {ids[0]}
    assert _cli("hold", "remove", "--instance", ids[0], "--db", db_url).returncode == 0
