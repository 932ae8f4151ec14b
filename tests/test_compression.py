"""Large JSON values are stored zstd-compressed and read back unchanged (both databases);
small ones are stored as before; the variable filter, idempotent results and the audit work
on compressed rows, and tampering inside a compressed value is still caught."""

from __future__ import annotations

import base64
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from sqlalchemy import JSON, Text, bindparam, cast, select, update

from runtime import Engine
from runtime.benchmarks.compression import ORDER_REVIEW, large_order, line_items, notes
from runtime.operations.queries import InstanceQuery, search
from runtime.store import compression
from runtime.store import schema as t
from runtime.store.compression import ENVELOPE, decode, encode


@pytest.fixture(autouse=True)
def default_threshold() -> Iterator[None]:
    before = compression.over_bytes()
    compression.configure(compression.DEFAULT_OVER_BYTES)
    yield
    compression.configure(before)


@pytest.fixture
def orders(engine: Engine) -> Engine:
    engine.publish(ORDER_REVIEW, actor="ana")
    return engine


def _stored_by(engine: Engine, key: Any, column: Any, *where: Any) -> dict[Any, Any]:
    """key -> the JSON of `column` exactly as the database holds it (not decoded)."""
    with engine.store.read() as conn:
        rows = conn.execute(select(key, cast(column, Text)).where(*where)).all()
    return {k: orjson.loads(raw) for k, raw in rows}


def _stored(engine: Engine, column: Any, *where: Any) -> list[Any]:
    with engine.store.read() as conn:
        rows = conn.execute(select(cast(column, Text)).where(*where)).scalars().all()
    return [orjson.loads(raw) for raw in rows]


def _events(engine: Engine, iid: str) -> dict[int, Any]:
    """seq -> data as stored."""
    return _stored_by(engine, t.events.c.seq, t.events.c.data, t.events.c.instance_id == iid)


# ---- the codec ----------------------------------------------------------------------------

def test_small_values_stay_as_they_are_and_large_ones_become_an_envelope():
    small = {"amount": 5000, "applicant": "Ana"}
    assert encode(small) is small
    order = large_order(random.Random(1), 1)
    packed = encode(order, peek=True)
    assert set(packed) == {ENVELOPE, "order_id", "customer", "total"}, "scalars peeked"
    assert len(orjson.dumps(packed)) < len(orjson.dumps(order)) * 0.3
    assert decode(packed) == order
    assert set(encode(order)) == {ENVELOPE}, "no peek outside the variables column"


def test_the_threshold_is_the_json_length_and_can_be_turned_off():
    value = {"text": "x" * 3000}
    compression.configure(4000)
    assert encode(value) is value
    compression.configure(2000)
    assert set(encode(value)) == {ENVELOPE}
    packed = encode(value)
    compression.configure(None)
    assert encode(value) is value
    assert decode(packed) == value, "compressed rows still read with compression off"


@pytest.mark.parametrize(("raw", "expected"), [
    ("", 2048), ("4096", 4096), ("0", None), ("-1", None), ("lots", 2048)])
def test_the_threshold_comes_from_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("STATEWRIGHT_COMPRESS_OVER_BYTES", raw)
    assert compression._over_from_env() == expected


def test_values_that_would_not_shrink_or_that_orjson_refuses_are_stored_plain():
    random_text = {"b64": base64.b64encode(random.Random(4).randbytes(6000)).decode()}
    assert encode(random_text) is random_text, "random data does not shrink"
    huge_int = {"n": 2**70, "pad": "y" * 4000}
    assert encode(huge_int) is huge_int, "left to json's fallback, uncompressed"


def test_data_that_has_the_envelope_key_is_always_wrapped_and_reads_back_as_itself():
    tricky = {ENVELOPE: "not compressed", "a": 1}
    assert decode(encode(tricky)) == tricky
    compression.configure(None)
    assert decode(encode(tricky)) == tricky
    assert decode({ENVELOPE: "!!! not base64"}) == {ENVELOPE: "!!! not base64"}, "old rows"


def test_threads_each_use_their_own_compressor():
    values = [large_order(random.Random(n), n) for n in range(8)]
    failures: list[BaseException] = []

    def churn(value: dict[str, Any]) -> None:
        try:
            for _ in range(30):
                assert decode(encode(value)) == value
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=churn, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


# ---- through the engine, on SQLite and PostgreSQL ------------------------------------------

def test_large_and_small_values_round_trip_through_start_send_get_and_history(orders):
    order = large_order(random.Random(5), 7)
    big = orders.start("order-review", order, actor="buyer", business_key="PO-7")
    small = orders.start("order-review", {"order_id": "PO-8", "total": 12.5}, actor="buyer")
    assert orders.get(big).variables == order
    assert orders.get(small).variables == {"order_id": "PO-8", "total": 12.5}

    stored = _stored_by(orders, t.instances.c.id, t.instances.c.variables)
    assert set(stored[big]) == {ENVELOPE, "order_id", "customer", "total"}
    assert stored[small] == {"order_id": "PO-8", "total": 12.5}, "small: stored as before"

    amended = {"items": line_items(random.Random(6)), "notes": notes(random.Random(6))}
    after = orders.send(big, "amend", amended, actor="supplier")
    assert after.variables == {**order, **amended} == orders.get(big).variables
    history = orders.history(big)
    assert history[0].data["variables"] == order
    assert [e.data["values"] for e in history if e.type == "variables_set"] == [amended]
    assert any(ENVELOPE in data for data in _events(orders, big).values())
    assert not any(ENVELOPE in data for data in _events(orders, small).values())
    orders.send(big, "accept", actor="buyer")
    assert orders.get(big).status == "completed"


def test_an_idempotent_send_with_a_large_result_is_done_once(orders):
    iid = orders.start("order-review", large_order(random.Random(7), 9))
    amended = {"items": line_items(random.Random(8)), "notes": "revised"}
    first = orders.send(iid, "amend", amended, idempotency_key="amend-9")
    again = orders.send(iid, "amend", amended, idempotency_key="amend-9")
    assert again == first and again.variables["items"] == amended["items"]
    assert [e.type for e in orders.history(iid)].count("variables_set") == 1, "sent once"
    results = _stored(orders, t.idempotency_keys.c.result)
    assert len(results) == 1 and set(results[0]) == {ENVELOPE}


def test_large_job_payloads_are_stored_compressed(orders):
    iid = orders.start("order-review", {"order_id": "PO-1"})
    payload = {"variables": large_order(random.Random(9), 1)}
    with orders.store.write() as conn:
        orders.store.schedule_job(conn, "job-big", iid, "action", orders.clock.now(), payload,
                                  orders.clock.now())
    [raw] = _stored(orders, t.jobs.c.payload, t.jobs.c.id == "job-big")
    assert set(raw) == {ENVELOPE}
    with orders.store.read() as conn:
        assert conn.execute(select(t.jobs.c.payload).where(t.jobs.c.id == "job-big")
                            ).scalar() == payload


def test_instances_are_listed_and_filtered_on_variables_of_compressed_rows(orders):
    rng = random.Random(10)
    long_note = notes(rng, 60)
    assert len(long_note) > compression.PEEK_CHARS
    big = [orders.start("order-review", {**large_order(rng, n), "vip": n == 1,
                                         "notes": long_note if n == 2 else notes(rng)},
                        business_key=f"PO-{n}") for n in range(3)]
    small = orders.start("order-review", {"order_id": "PO-3", "total": 99.0, "vip": True,
                                          "notes": long_note})
    assert all(ENVELOPE in v for v in _stored(orders, t.instances.c.variables,
                                              t.instances.c.id.in_(big)))

    def ids(**query: Any) -> set[str]:
        page = search(orders, InstanceQuery(**query))
        assert page.total == len(page.items)
        return {i.id for i in page.items}

    total = orders.get(big[0]).variables["total"]
    assert ids(variable=f"total={total}") == {big[0]}, "numbers peeked"
    assert ids(variable="order_id=PO-000001") == {big[1]}, "short strings peeked"
    assert ids(variable="vip=true") == {big[1], small}, "booleans peeked"
    assert ids(variable="total=99") == {small}
    assert ids(variable=f"notes={long_note}") == {big[2], small}, "long: decoded in Python"
    assert ids(variable=f"notes={long_note}", status="running", definition="order-review",
               text="PO-2") == {big[2]}, "other filters still apply"
    assert ids(variable="notes=nothing like it") == set()
    everyone = {*big, small}
    assert ids(variable="notes != nothing like it") == everyone, "!=: decoded in Python"
    assert ids(variable=f"notes != {long_note}") == everyone - {big[2], small}
    assert ids(variable="notes > a") == {i for i in everyone
                                         if orders.get(i).variables["notes"] > "a"}
    assert ids(variable="total > 99") == set(big), "numbers compared in peeked values"
    listed = orders.list_instances(definition="order-review")
    assert listed.total == 4
    assert {i.id: i.variables["order_id"] for i in listed.items}[big[2]] == "PO-000002"


def test_rows_written_before_compression_still_read_and_filter(orders):
    compression.configure(None)
    order = large_order(random.Random(11), 4)
    old = orders.start("order-review", order)
    assert ENVELOPE not in _stored(orders, t.instances.c.variables)[0]
    compression.configure(compression.DEFAULT_OVER_BYTES)
    new = orders.send(old, "amend", {"notes": "x"}).variables
    assert new == {**order, "notes": "x"} and ENVELOPE in _stored(
        orders, t.instances.c.variables)[0], "rewritten compressed on the next change"
    assert {i.id for i in search(orders, InstanceQuery(variable="order_id=PO-000004")).items
            } == {old}
    assert orders.verify_audit().ok, "a log that mixes plain and compressed rows verifies"


# ---- the audit ---------------------------------------------------------------------------

def _amended(orders: Engine) -> str:
    iid = orders.start("order-review", large_order(random.Random(12), 5), actor="buyer")
    orders.send(iid, "amend", {"items": line_items(random.Random(13))}, actor="supplier")
    return iid


def _rewrite(engine: Engine, table: Any, column: str, where: Any, value: Any) -> None:
    """Store `value` as raw JSON, bypassing the compressing column type (as an attacker)."""
    statement = update(table).where(where).values({column: bindparam("raw", type_=JSON())})
    with engine.store.sql.begin() as conn:
        conn.execute(statement, {"raw": value})


def test_the_audit_verifies_a_log_with_compressed_rows(orders, db_url):
    _amended(orders)
    report = orders.verify_audit()
    assert report.ok and report.events >= 4
    if db_url.startswith("sqlite"):
        done = subprocess.run([sys.executable, "-m", "runtime.cli", "audit", "verify",
                               "--db", db_url], capture_output=True, text=True, check=False)
        assert done.returncode == 0 and "ok, 1 instances" in done.stdout, done.stderr


def test_an_edit_inside_a_compressed_event_is_caught(orders):
    iid = _amended(orders)
    e = t.events
    seq, envelope = next((s, d) for s, d in _events(orders, iid).items() if ENVELOPE in d)
    data = decode(envelope)
    target = data["values"]["items"] if "values" in data else data["variables"]["items"]
    target[17]["unit_price"] = 0.01
    forged = encode(data)
    assert ENVELOPE in forged, "still a valid compressed envelope"
    _rewrite(orders, e, "data", (e.c.instance_id == iid) & (e.c.seq == seq), forged)
    report = orders.verify_audit()
    assert (report.ok, report.instance_id, report.seq) == (False, iid, seq)
    assert "does not match its hash" in report.problem


def test_an_edit_inside_compressed_variables_is_caught(orders):
    iid = _amended(orders)
    variables = orders.get(iid).variables
    variables["items"][3]["quantity"] = 9999
    _rewrite(orders, t.instances, "variables", t.instances.c.id == iid,
             encode(variables, peek=True))
    report = orders.verify_audit()
    assert (report.ok, report.instance_id) == (False, iid)
    assert "does not match a replay" in report.problem
