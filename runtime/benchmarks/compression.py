"""The compression benchmark: the JSON columns with and without zstd, on two workloads.

- `demo`: the month simulation of the samples (`statewright demo`, `demo_instances` of them;
  the CLI passes it in).
- `large`: `large_instances` orders of a small review process, each started with 200 line
  items and a page of notes, amended once by an event carrying a revised order (event data)
  with an idempotency key (remembered result), then accepted.

Each workload runs twice on fresh databases: compression off, then on (the threshold of
`STATEWRIGHT_COMPRESS_OVER_BYTES`, default 2048). Reported per JSON column (instance
variables, event data, job payloads, idempotent results): the bytes stored either way, how
many values were over the threshold and what they shrank to; and the tables on disk
(SQLite `dbstat`, PostgreSQL `pg_total_relation_size`). On PostgreSQL `toasted_bytes` is
`pg_column_size`: what the values take after PostgreSQL's own TOAST compression (pglz),
which already shrinks values over ~2 KB without us.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Text, cast, func, select, text
from sqlalchemy.engine import make_url

from runtime.engine import Engine
from runtime.store import compression
from runtime.store import schema as t

COLUMNS = {"variables": t.instances.c.variables, "event data": t.events.c.data,
           "job payloads": t.jobs.c.payload, "idempotent results": t.idempotency_keys.c.result}
TABLES = ("instances", "events", "jobs", "idempotency_keys")
LINE_ITEMS = 200
LARGE_INSTANCES = 50
Workload = Callable[[str, int, int], None]  # (database url, instances, seed)

ORDER_REVIEW: dict[str, Any] = {
    "schema": "statewright/v1", "key": "order-review", "name": "Order review",
    "variables": [{"name": "order_id", "type": "string", "required": True},
                  {"name": "customer", "type": "string"}, {"name": "total", "type": "number"},
                  {"name": "items", "type": "array"}, {"name": "notes", "type": "string"}],
    "states": [{"id": "received", "type": "start"},
               {"id": "review", "type": "wait", "timeout_s": 604_800},
               {"id": "accepted", "type": "end", "outcome": "completed"},
               {"id": "expired", "type": "end", "outcome": "cancelled"}],
    "transitions": [{"from": "received", "to": "review"},
                    {"from": "review", "to": "review", "on": "amend"},
                    {"from": "review", "to": "accepted", "on": "accept"},
                    {"from": "review", "to": "expired", "on": "timeout"}],
}

_PRODUCTS = ["hex bolt M8 x 40", "washer M8", "hinge 90 mm", "cable tie 300 mm", "LED panel 60x60",
             "office chair", "desk 160x80", "toner cartridge", "copy paper A4", "safety gloves",
             "drill bit set", "extension cord 5 m", "label printer", "monitor arm", "USB-C dock"]
_FINISH = ["zinc plated", "stainless steel", "black", "white", "grey", "oak veneer", "recycled"]
_UNITS = ["box of 100", "pack of 10", "each", "pallet", "roll"]
_TEXT = ("the supplier confirmed delivery within the agreed window and asked for the revised "
         "quantities before the end of the week while finance checks the budget code against "
         "the cost centre and the framework contract allows a discount on volumes above the "
         "threshold but excludes freight insurance and customs duties for items shipped from "
         "outside the union please note partial deliveries are accepted if announced two days "
         "ahead quality inspection happens at the receiving warehouse")
_WORDS = _TEXT.split(" ")


def line_items(rng: random.Random, count: int = LINE_ITEMS) -> list[dict[str, Any]]:
    """Order lines as a purchasing system would send them."""
    start = date(2026, 1, 5)
    return [{"line": n + 1, "sku": f"SKU-{rng.randint(10_000, 99_999)}",
             "description": f"{rng.choice(_PRODUCTS)}, {rng.choice(_FINISH)}, "
                            f"{rng.choice(_UNITS)}",
             "quantity": rng.randint(1, 60), "unit_price": round(rng.uniform(0.5, 900), 2),
             "currency": "EUR", "tax_rate": rng.choice([0.07, 0.19]),
             "warehouse": rng.choice(["DE-HAM-2", "DE-MUC-1", "NL-RTM-4"]),
             "requested_date": (start + timedelta(days=rng.randint(0, 90))).isoformat()}
            for n in range(count)]


def notes(rng: random.Random, words: int = 450) -> str:
    """A page of free text (about 3 KB)."""
    sentences, left = [], words
    while left > 0:
        size = min(left, rng.randint(8, 22))
        sentences.append(" ".join(rng.choice(_WORDS) for _ in range(size)).capitalize() + ".")
        left -= size
    return " ".join(sentences)


def large_order(rng: random.Random, number: int) -> dict[str, Any]:
    items = line_items(rng)
    return {"order_id": f"PO-{number:06d}", "customer": f"Customer {rng.randint(1, 400)}",
            "total": round(sum(i["quantity"] * i["unit_price"] for i in items), 2),
            "items": items, "notes": notes(rng)}


def run(url: str | None = None, demo_instances: int = 200, large_instances: int | None = None,
        seed: int = 1, demo: Workload | None = None) -> dict[str, Any]:
    """Both workloads, compression off then on; sizes per column and per table. `demo`
    fills a database with the month simulation (given by the CLI: `runtime.demo` is a
    sibling this package does not import); without it only the large workload runs."""
    over = compression.over_bytes() or compression.DEFAULT_OVER_BYTES
    previous = compression.over_bytes()
    where = ("temporary SQLite files" if url is None or url.startswith("sqlite") else
             f"new schemas in {make_url(url).render_as_string(hide_password=True)}")
    result: dict[str, Any] = {"threshold_bytes": over, "level": compression.LEVEL, "url": where}
    started = time.perf_counter()
    try:
        workloads = [("demo", demo, demo_instances)] if demo is not None else []
        large = ("large", _large, large_instances or LARGE_INSTANCES)
        for name, workload, count in [*workloads, large]:
            runs = {}
            for label, setting in (("off", None), ("on", over)):
                compression.configure(setting)
                with _scratch(url, f"compression-{name}-{label}.db") as scratch:
                    t0 = time.perf_counter()
                    workload(scratch, count, seed)
                    took = round(time.perf_counter() - t0, 1)
                    with Engine(scratch) as engine:
                        runs[label] = {**_measure(engine), "seconds": took}
                        result["database"] = engine.store.dialect
            result[name] = {"instances": count, **_compare(runs["off"], runs["on"])}
    finally:
        compression.configure(previous)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _large(url: str, instances: int, seed: int) -> None:
    rng = random.Random(seed)
    with Engine(url) as engine:
        engine.publish(ORDER_REVIEW, actor="bench")
        for n in range(instances):
            order = large_order(rng, n)
            iid = engine.start("order-review", order, actor="buyer", business_key=order["order_id"])
            amended = {"items": line_items(rng), "notes": notes(rng)}
            engine.send(iid, "amend", amended, actor="supplier", idempotency_key=f"amend-{n}")
            engine.send(iid, "accept", actor="buyer")


@contextmanager
def _scratch(url: str | None, file_name: str) -> Iterator[str]:
    """A fresh database: a temporary SQLite file, or a new schema in the PostgreSQL `url`."""
    if url is None or url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="statewright-bench-") as folder:
            yield f"sqlite:///{Path(folder) / file_name}"
        return
    import psycopg

    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    schema = f"sw_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _measure(engine: Engine) -> dict[str, Any]:
    """Per column: rows, bytes stored, bytes of the plain JSON, and the same for the values
    stored compressed; per table: bytes on disk."""
    postgres = engine.store.dialect == "postgresql"
    columns: dict[str, dict[str, int]] = {}
    with engine.store.read() as conn:
        for name, column in COLUMNS.items():
            sizes = [func.pg_column_size(column)] if postgres else []
            query = select(cast(column, Text), *sizes)
            stats = dict.fromkeys(("rows", "stored_bytes", "plain_bytes", "compressed",
                                   "compressed_plain_bytes", "compressed_stored_bytes",
                                   "toasted_bytes"), 0)
            for row in conn.execute(query):
                raw = row[0].encode()
                stored = orjson.loads(raw)
                plain = len(orjson.dumps(compression.decode(stored)))
                stats["rows"] += 1
                stats["stored_bytes"] += len(raw)
                stats["plain_bytes"] += plain
                stats["toasted_bytes"] += row[1] if postgres else len(raw)
                if compression.is_envelope(stored):
                    stats["compressed"] += 1
                    stats["compressed_plain_bytes"] += plain
                    stats["compressed_stored_bytes"] += len(raw)
            columns[name] = stats
        tables = _table_bytes(conn, postgres)
    return {"columns": columns, "tables": tables}


def _table_bytes(conn: Any, postgres: bool) -> dict[str, int]:
    if postgres:
        return {name: conn.execute(text("SELECT pg_total_relation_size(CAST(:n AS regclass))"),
                                   {"n": name}).scalar() for name in TABLES}
    sizes = dict(conn.execute(text(
        "SELECT m.tbl_name, SUM(d.pgsize) FROM dbstat AS d JOIN sqlite_master AS m "
        "ON d.name = m.name GROUP BY m.tbl_name")).all())  # a table with its indexes
    return {name: int(sizes.get(name, 0)) for name in TABLES}


def _compare(off: dict[str, Any], on: dict[str, Any]) -> dict[str, Any]:
    columns = {}
    for name in COLUMNS:
        a, b = off["columns"][name], on["columns"][name]
        columns[name] = {
            "rows": b["rows"], "bytes_off": a["stored_bytes"], "bytes_on": b["stored_bytes"],
            "saved_pct": _saved(a["stored_bytes"], b["stored_bytes"]),
            "compressed_values": b["compressed"],
            "compressed_plain_bytes": b["compressed_plain_bytes"],
            "compressed_stored_bytes": b["compressed_stored_bytes"],
            "compressed_saved_pct": _saved(b["compressed_plain_bytes"],
                                           b["compressed_stored_bytes"]),
            "toasted_off": a["toasted_bytes"], "toasted_on": b["toasted_bytes"],
        }
    tables = {name: {"bytes_off": off["tables"][name], "bytes_on": on["tables"][name],
                     "saved_pct": _saved(off["tables"][name], on["tables"][name])}
              for name in TABLES}
    total_off, total_on = sum(off["tables"].values()), sum(on["tables"].values())
    return {"seconds_off": off["seconds"], "seconds_on": on["seconds"],
            "columns": columns, "tables": tables, "tables_bytes_off": total_off,
            "tables_bytes_on": total_on, "tables_saved_pct": _saved(total_off, total_on)}


def _saved(before: int, after: int) -> float | None:
    return round(100 * (before - after) / before, 1) if before else None
