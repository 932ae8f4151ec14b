"""Signed checkpoints catch what a recomputed chain hides: deleted tails, rebuilt instances,
deleted instances; bundles verify offline."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from runtime import Engine
from runtime.core.events import GENESIS_HASH, canonical, chain_hash
from runtime.security import bundles, checkpoints
from runtime.security.signing import parse_signing_key
from runtime.store import schema as t

SEED = base64.b64encode(bytes(range(32))).decode()
KEY = parse_signing_key(SEED)


def _reviewed_loans(engine: Engine, process: dict[str, Any], count: int = 2) -> list[str]:
    engine.publish(process)
    engine.action("credit_score")(lambda ctx: {"score": 640})
    ids = [engine.start("loan-approval", {"amount": 50000}, actor="ana") for _ in range(count)]
    engine.run_until_idle()
    for iid in ids:
        engine.send(iid, "request_docs", actor="uma")
    return sorted(ids)


def _rechain(engine: Engine, iid: str) -> None:
    """What an attacker with write access does: recompute the chain and the instance's tail."""
    with engine.store.sql.begin() as conn:
        rows = list(conn.execute(select(t.events).where(t.events.c.instance_id == iid)
                                 .order_by(t.events.c.seq)))
        prev = GENESIS_HASH
        for seq, row in enumerate(rows, start=1):
            digest = chain_hash(prev, canonical(iid, seq, row.type, row.data, row.actor, row.at))
            conn.execute(update(t.events).where(t.events.c.instance_id == iid,
                                                t.events.c.seq == row.seq)
                         .values(seq=seq, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(t.instances).where(t.instances.c.id == iid)
                     .values(last_seq=len(rows), last_hash=prev))


def _verify(engine: Engine, checkpoint: dict[str, Any]) -> Any:
    return checkpoints.verify(engine.store, checkpoint, KEY.public_key())


def test_an_intact_log_extends_its_checkpoint_as_it_grows(engine, loan_approval):
    ids = _reviewed_loans(engine, loan_approval)
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    assert checkpoint["instances"] == 2 and _verify(engine, checkpoint).ok
    engine.send(ids[0], "docs_received", actor="uma")
    engine.start("loan-approval", {"amount": 5}, actor="ana")
    engine.run_until_idle()
    assert _verify(engine, checkpoint).ok


def test_a_deleted_tail_with_a_fixed_up_instance_row_is_caught(engine, loan_approval):
    iid = _reviewed_loans(engine, loan_approval)[0]
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    last = engine.history(iid)[-1].seq
    with engine.store.sql.begin() as conn:
        conn.execute(delete(t.events).where(t.events.c.instance_id == iid,
                                            t.events.c.seq == last))
    _rechain(engine, iid)
    report = _verify(engine, checkpoint)
    assert (report.ok, report.instance_id, report.seq) == (False, iid, last)
    assert "deleted" in report.problem


def test_an_instance_rebuilt_with_a_recomputed_chain_is_caught(engine, loan_approval):
    iid = _reviewed_loans(engine, loan_approval)[1]
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    with engine.store.sql.begin() as conn:
        conn.execute(update(t.events).where(t.events.c.instance_id == iid, t.events.c.seq == 1)
                     .values(actor="mallory"))
    _rechain(engine, iid)
    assert engine.verify_audit().ok  # the chain alone cannot tell
    report = _verify(engine, checkpoint)
    assert (report.ok, report.instance_id) == (False, iid) and "recomputed" in report.problem


def test_reordered_events_are_caught(engine, loan_approval):
    iid = _reviewed_loans(engine, loan_approval)[0]
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    with engine.store.sql.begin() as conn:
        for old, new in ((2, -1), (3, 2), (-1, 3)):
            conn.execute(update(t.events).where(t.events.c.instance_id == iid,
                                                t.events.c.seq == old).values(seq=new))
    assert not _verify(engine, checkpoint).ok


def test_a_whole_deleted_instance_is_caught(engine, loan_approval):
    ids = _reviewed_loans(engine, loan_approval)
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    with engine.store.sql.begin() as conn:
        for table in (t.jobs, t.events):
            conn.execute(delete(table).where(table.c.instance_id == ids[1]))
        for table in t.metadata.sorted_tables:
            if "instance_id" in table.c and table not in (t.jobs, t.events):
                conn.execute(delete(table).where(table.c.instance_id == ids[1]))
        conn.execute(delete(t.instances).where(t.instances.c.id == ids[1]))
    assert engine.verify_audit().ok
    report = _verify(engine, checkpoint)
    assert (report.ok, report.instance_id) == (False, ids[1]) and "gone" in report.problem


def test_a_checkpoint_altered_or_signed_by_another_key_is_not_trusted(engine, loan_approval):
    _reviewed_loans(engine, loan_approval)
    checkpoint = checkpoints.take(engine.store, KEY, engine.clock.now())
    altered = {**checkpoint, "instances": 1}
    assert "altered or forged" in _verify(engine, altered).problem
    other = checkpoints.take(engine.store, Ed25519PrivateKey.generate(), engine.clock.now())
    assert "another key" in _verify(engine, other).problem


def test_an_exported_bundle_verifies_offline_and_an_edit_is_caught(engine, loan_approval,
                                                                    tmp_path):
    iid = _reviewed_loans(engine, loan_approval)[0]
    with engine.store.read() as conn:
        lines = list(bundles.lines_of(conn, [iid]))
    for name in ("bundle.jsonl", "bundle.jsonl.zst"):
        path = tmp_path / name
        bundles.write_file(path, lines, KEY, engine.clock.now(), {"export": iid})
        report = bundles.verify(path, KEY.public_key())
        assert (report.ok, report.instances, report.events) == (True, 1, len(lines) - 1)
    plain = tmp_path / "bundle.jsonl"
    text = plain.read_text().replace('"actor":"uma"', '"actor":"eve"')
    plain.write_text(text)
    assert not bundles.verify(plain, KEY.public_key()).ok
    assert not bundles.verify(tmp_path / "bundle.jsonl.zst",
                              Ed25519PrivateKey.generate().public_key()).ok


def _cli(*args: str, key: str | None = SEED) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "STATEWRIGHT_SIGNING_KEY"}
    if key is not None:
        env["STATEWRIGHT_SIGNING_KEY"] = key
    return subprocess.run([sys.executable, "-m", "runtime.cli", *args], capture_output=True,
                          text=True, timeout=60, env=env)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_commands(engine, loan_approval, db_url, tmp_path):
    ids = _reviewed_loans(engine, loan_approval)
    out = tmp_path / "cp.json"
    made = _cli("audit", "checkpoint", "--db", db_url, "--out", str(out))
    assert made.returncode == 0, made.stderr
    assert json.loads(out.read_text())["instances"] == 2
    assert _cli("audit", "verify", "--db", db_url, "--checkpoint", str(out)).returncode == 0
    public = _cli("audit", "public-key").stdout.strip()
    bundle = tmp_path / "b.jsonl"
    assert _cli("audit", "export", "--instance", ids[0], "--db", db_url, "--out",
                str(bundle)).returncode == 0
    checked = _cli("audit", "verify-bundle", str(bundle), "--public-key", public, key=None)
    assert checked.returncode == 0 and checked.stdout.startswith("ok, 1 instances")
    last = engine.history(ids[1])[-1].seq
    with engine.store.sql.begin() as conn:
        conn.execute(delete(t.events).where(t.events.c.instance_id == ids[1],
                                            t.events.c.seq == last))
    _rechain(engine, ids[1])
    broken = _cli("audit", "verify", "--db", db_url, "--checkpoint", str(out))
    assert broken.returncode == 1 and ids[1] in broken.stdout


@pytest.mark.parametrize("key", [None, "", "not-base64!", base64.b64encode(b"short").decode(),
                                 "/nonexistent/key.pem"])
def test_a_missing_or_malformed_signing_key_exits_2(key, tmp_path):
    done = _cli("audit", "checkpoint", "--db", f"sqlite:///{tmp_path}/x.db", "--out",
                str(tmp_path / "cp.json"), key=key)
    assert done.returncode == 2 and "STATEWRIGHT_SIGNING_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_pem_key_file_works_and_an_unreadable_checkpoint_exits_2(tmp_path):
    from cryptography.hazmat.primitives import serialization

    pem = tmp_path / "key.pem"
    pem.write_bytes(KEY.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    assert _cli("audit", "public-key", key=str(pem)).stdout == _cli("audit", "public-key").stdout
    (tmp_path / "bad.json").write_text("{")
    done = _cli("audit", "verify", "--db", f"sqlite:///{tmp_path}/x.db",
                "--checkpoint", str(tmp_path / "bad.json"))
    assert done.returncode == 2 and "not JSON" in done.stderr


def test_checkpoint_files_are_written_whole(tmp_path: Path):
    checkpoints.write({"format": checkpoints.FORMAT}, tmp_path / "d" / "cp.json")
    assert [p.name for p in (tmp_path / "d").iterdir()] == ["cp.json"]
