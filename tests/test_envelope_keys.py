"""Envelope encryption: a data key per instance, wrapped by a KEK of the ring; rotating the
ring, reading values sealed the old way, and refusing to store without keys."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import insert, select
from typer.testing import CliRunner

from runtime import Engine, EngineError
from runtime.cli import app
from runtime.core.clock import to_db
from runtime.security.keys import KeyRing, KeyRingInvalid, LocalKek, ring_from_environment
from runtime.security.keys.ring import parse_keys
from runtime.store import schema as t

SSN = "078-05-1120"
KYC = {
    "key": "kyc-check",
    "variables": [{"name": "ssn", "type": "string", "sensitive": True},
                  {"name": "name", "type": "string"}],
    "states": [{"id": "received", "type": "start"}, {"id": "correct", "type": "wait"},
               {"id": "verified", "type": "end"}],
    "transitions": [{"from": "received", "to": "correct"},
                    {"from": "correct", "to": "verified", "on": "corrected"}],
}


def kek(kek_id: str, fill: bytes) -> str:
    return f"{kek_id}:{base64.b64encode(fill * 32).decode()}"


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def start_kyc(db_url: str, count: int = 1) -> list[str]:
    with Engine(db_url) as engine:
        engine.publish(KYC)
        return [engine.start("kyc-check", {"ssn": f"{SSN}-{n}", "name": "Ada"})
                for n in range(count)]


def test_each_instance_gets_its_own_data_key_wrapped_by_the_active_kek(db_url, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_KEYS", f"{kek('blue', b'b')},{kek('green', b'g')}")
    first, second = start_kyc(db_url, 2)
    with Engine(db_url) as engine:
        with engine.store.read() as conn:
            rows = conn.execute(select(t.data_keys)).all()
            stored = json.dumps([list(r) for r in conn.execute(select(t.events.c.data))])
        assert {r.instance_id for r in rows} == {first, second}
        assert {r.kek_id for r in rows} == {"blue"}
        assert len({r.wrapped for r in rows}) == 2 and SSN not in stored
        assert engine.get(second).variables["ssn"] == f"{SSN}-1"
        engine.send(first, "corrected", {"ssn": "219-09-9999"})
        assert engine.history(first)[-2].data["values"] == {"ssn": "219-09-9999"}
        assert engine.verify_audit().ok


def test_rotation_rewraps_every_key_so_the_old_kek_can_leave_the_ring(db_url, monkeypatch):
    old, new = kek("old", b"o"), kek("new", b"n")
    monkeypatch.setenv("STATEWRIGHT_KEYS", old)
    ids = start_kyc(db_url, 7)
    monkeypatch.setenv("STATEWRIGHT_KEYS", f"{new},{old}")
    before = json.loads(cli("keys", "status", "--db", db_url, "--json").output)
    assert before["keks"] == {"old": 7, "new": 0} and before["active"] == "new"
    rotated = cli("keys", "rotate", "--db", db_url, "--batch", "3", "--json")
    assert rotated.exit_code == 0, rotated.output
    assert json.loads(rotated.stdout)["rewrapped"] == 7
    assert "re-wrapped 7/7" in rotated.stderr
    again = json.loads(cli("keys", "rotate", "--db", db_url, "--json").stdout)
    assert again["total"] == 0  # resumable: what is done is not done twice
    monkeypatch.setenv("STATEWRIGHT_KEYS", new)  # the old KEK is gone for good
    after = cli("keys", "status", "--db", db_url)
    assert "new" in after.output and "7 data keys" in after.output
    with Engine(db_url) as engine:
        assert [engine.get(i).variables["ssn"] for i in ids] == [f"{SSN}-{n}" for n in range(7)]
        assert engine.verify_audit().ok


def test_rotation_reports_keys_it_cannot_unwrap_and_exits_1(sqlite_url, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_KEYS", kek("lost", b"l"))
    (iid,) = start_kyc(sqlite_url)
    monkeypatch.setenv("STATEWRIGHT_KEYS", kek("new", b"n"))
    status = json.loads(cli("keys", "status", "--db", sqlite_url, "--json").output)
    assert status["missing"] == ["lost"]
    rotated = cli("keys", "rotate", "--db", sqlite_url)
    assert rotated.exit_code == 1
    assert iid in rotated.stderr and "'lost'" in rotated.stderr


def test_a_value_sealed_the_old_way_still_reads_and_its_key_leaves_the_database(
        db_url, monkeypatch):
    legacy = Fernet.generate_key()  # the generated secret; the old sealer derived its key:
    derived = base64.urlsafe_b64encode(hashlib.sha256(legacy).digest())
    with Engine(db_url) as engine:
        engine.publish(KYC)
        iid = engine.start("kyc-check", {"name": "Ada"})
        old_token = Fernet(derived).encrypt(json.dumps(SSN).encode()).decode()
        engine.send(iid, "corrected", {})
        with engine.store.write() as conn:  # what the Fernet sealer of old left behind
            conn.execute(insert(t.secrets).values(name="sealing-key", value=legacy.decode(),
                                                  created_at=to_db(engine.clock.now())))
            conn.execute(t.instances.update().where(t.instances.c.id == iid).values(
                variables={"name": "Ada", "ssn": {"$sealed": old_token}}))
    monkeypatch.setenv("STATEWRIGHT_KEYS", kek("k1", b"1"))
    with Engine(db_url) as engine:
        assert engine.get(iid).variables["ssn"] == SSN
        with engine.store.read() as conn:
            assert conn.execute(select(t.secrets)).all() == []
            row = conn.execute(select(t.data_keys).where(
                t.data_keys.c.instance_id == t.LEGACY_DATA_KEY)).one()
        assert row.kek_id == "k1" and derived.decode() not in row.wrapped
    monkeypatch.setenv("STATEWRIGHT_KEYS", f"{kek('k2', b'2')},{kek('k1', b'1')}")
    assert cli("keys", "rotate", "--db", db_url).exit_code == 0
    monkeypatch.setenv("STATEWRIGHT_KEYS", kek("k2", b"2"))
    with Engine(db_url) as engine:
        assert engine.get(iid).variables["ssn"] == SSN


def test_without_a_key_ring_production_refuses_to_store_sensitive_values(db_url, monkeypatch):
    monkeypatch.setenv("STATEWRIGHT_ENV", "production")
    with Engine(db_url) as engine:
        engine.publish(KYC)
        with pytest.raises(EngineError, match="STATEWRIGHT_KEYS") as refused:
            engine.start("kyc-check", {"ssn": SSN})
        assert SSN not in refused.value.message
        assert engine.get(engine.start("kyc-check", {"name": "Bo"})).variables == {"name": "Bo"}


def test_serve_is_strict_on_postgresql_and_lenient_on_sqlite(monkeypatch, caplog):
    for name in ("STATEWRIGHT_KEYS", "STATEWRIGHT_KEYS_FILE", "STATEWRIGHT_DEV_KEYS"):
        monkeypatch.delenv(name, raising=False)
    assert list(ring_from_environment("sqlite:///x.db", strict=True).keks) == ["dev"]
    assert not ring_from_environment("postgresql://db/x", strict=True).keks
    assert "No key ring configured" in caplog.text
    monkeypatch.setenv("STATEWRIGHT_DEV_KEYS", "1")
    assert list(ring_from_environment("postgresql://db/x", strict=True).keks) == ["dev"]


def test_a_key_file_and_bad_entries_are_named(tmp_path, monkeypatch):
    path = tmp_path / "keys"
    path.write_text(f"# rotated 2025-01\n{kek('a', b'a')}\n{kek('b', b'b')}\n")
    monkeypatch.setenv("STATEWRIGHT_KEYS_FILE", str(path))
    assert list(ring_from_environment("sqlite:///x.db").keks) == ["a", "b"]
    with pytest.raises(KeyRingInvalid, match="entry 2: KEK 'short' must be 32 bytes"):
        parse_keys(f"{kek('a', b'a')},short:{base64.b64encode(b'x').decode()}", "KEYS")
    with pytest.raises(KeyRingInvalid, match="entry 1 must look like"):
        parse_keys("no-colon", "KEYS")
    monkeypatch.setenv("STATEWRIGHT_KEYS", "a:!!!")
    bad = cli("keys", "status", "--db", f"sqlite:///{tmp_path}/x.db")
    assert bad.exit_code == 2 and "not valid base64" in bad.output
    generated = cli("keys", "generate", "next").output.strip()
    assert [k.id for k in parse_keys(generated, "x")] == ["next"]


def test_a_wrapped_key_moved_to_another_instance_does_not_unwrap():
    ring = KeyRing([LocalKek("k", b"k" * 32)])
    kek_id, wrapped = ring.wrap(b"d" * 32, b"instance-a")
    assert ring.unwrap(kek_id, wrapped, b"instance-a") == b"d" * 32
    with pytest.raises(EngineError, match="does not unwrap"):
        ring.unwrap(kek_id, wrapped, b"instance-b")
