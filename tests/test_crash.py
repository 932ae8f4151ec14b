"""Crash consistency: a process driving instances is SIGKILLed at random moments, again and again.

After each kill nothing acknowledged is lost, nothing is applied twice, no instance is half
applied (projection == replay of its log), the audit chain holds, and jobs interrupted
mid-action are picked up again once their lease runs out.
"""

from __future__ import annotations

import collections
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from runtime import Engine
from runtime.core.step import replay
from runtime.store import schema as t

KILLS_PER_DATABASE = 12
LEASE_S = 1.0

PROCESS = {
    "key": "order-revisions",
    "variables": [{"name": "note", "type": "string"}, {"name": "revision", "type": "integer"}],
    "states": [
        {"id": "received", "type": "start"},
        {"id": "revising", "type": "wait"},
        {"id": "scoring", "type": "task", "action": "score_order", "retry": {"max_attempts": 5}},
        {"id": "closed", "type": "end"},
    ],
    "transitions": [
        {"from": "received", "to": "revising", "set": {"revision": "0"}},
        {"from": "revising", "to": "revising", "on": "revise", "set": {"revision": "revision + 1"}},
        {"from": "revising", "to": "scoring", "on": "score"},
        {"from": "revising", "to": "closed", "on": "close"},
        {"from": "scoring", "to": "revising", "on": "done"},
        {"from": "scoring", "to": "revising", "on": "error"},
    ],
}

CHILD = textwrap.dedent("""
    import os, random, sys, threading, time
    from runtime import Engine, Runner, EventRefused
    url, acks, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    engine = Engine(url, lease_s=LEASE_S)

    @engine.action("score_order")
    def score_order(ctx):
        time.sleep(random.random() * 0.05)
        return {"note": "scored"}

    engine.publish(PROCESS)
    Runner(engine, poll_s=0.05).start()
    fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def ack(line):
        os.write(fd, (line + "\\n").encode())

    def drive(n):
        rng = random.Random(seed * 100 + n)
        mine = []
        for i in range(10_000):
            if not mine or rng.random() < 0.1:
                iid = engine.start("order-revisions", {}, actor="child")
                ack(f"start {iid}")
                mine.append(iid)
                continue
            iid = rng.choice(mine)
            token = f"{seed}-{n}-{i}"
            event = "score" if rng.random() < 0.2 else "revise"
            try:
                engine.send(iid, event, {"note": token}, actor="child")
            except EventRefused:
                continue  # still scoring
            ack(f"send {iid} {token}")

    print("ready", flush=True)
    threads = [threading.Thread(target=drive, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
""").replace("LEASE_S", repr(LEASE_S)).replace("PROCESS", repr(PROCESS))


def _run_and_kill(script: Path, url: str, acks: Path, seed: int, rng: random.Random) -> None:
    child = subprocess.Popen(
        [sys.executable, str(script), url, str(acks), str(seed)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip() == "ready", child.stderr.read() if child.stderr else line
    time.sleep(rng.uniform(0.05, 0.6))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)


def test_killed_processes_lose_nothing_acknowledged_and_apply_nothing_twice(db_url, tmp_path):
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    acks = tmp_path / "acks.txt"
    rng = random.Random(20260101)
    for seed in range(KILLS_PER_DATABASE):
        _run_and_kill(script, db_url, acks, seed, rng)

    acked = [line.split() for line in acks.read_text().splitlines() if line.strip()]
    assert len(acked) > KILLS_PER_DATABASE, "the children acknowledged too little work"
    with Engine(db_url, lease_s=LEASE_S) as engine:
        engine.action("score_order")(lambda ctx: {"note": "scored"})
        time.sleep(LEASE_S + 0.2)  # leases of the killed children run out
        engine.run_until_idle(timeout_s=60)

        notes: collections.Counter[tuple[str, str]] = collections.Counter()
        with engine.store.read() as conn:
            ids = list(engine.store.all_instance_ids(conn))
            unfinished = conn.execute(t.jobs.select().where(
                t.jobs.c.state.in_(("ready", "leased")))).all()
        assert unfinished == [], "interrupted jobs were not run again"
        for iid in ids:
            log = engine.history(iid)
            for event in log:
                if event.type == "variables_set" and "note" in event.data["values"]:
                    notes[(iid, event.data["values"]["note"])] += 1
            projection = replay(iid, [(e.seq, e.type, e.data) for e in log])
            inst = engine.get(iid)
            assert (projection.state, projection.status, projection.variables) == (
                inst.state, inst.status, inst.variables), f"instance {iid} is half applied"
            assert inst.state != "scoring", f"the action of {iid} was never run again"
        assert {iid for kind, iid, *_ in acked if kind == "start"} <= set(ids)
        for kind, iid, *rest in acked:
            if kind == "send":
                assert notes[(iid, rest[0])] == 1, f"acknowledged send {rest[0]} to {iid} lost"
        doubled = [key for key, count in notes.items() if key[1] != "scored" and count > 1]
        assert doubled == []
        report = engine.verify_audit()
        assert report.ok, report.summary()

