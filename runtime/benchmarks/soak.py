"""Crash safety of the execution path: a worker process SIGKILLed again and again mid-run.

`run` (`statewright bench --suite soak`): on a scratch database (a temp SQLite file, or a new
PostgreSQL database on the server of `--db`) this process publishes the steps workload
(`steps` chained task states with a no-op action) and starts `instances` instances with no
runner anywhere, so they all wait in their first task state. Then, `kills` times, it starts a
worker process (`soak_worker.py`: an engine and a `Runner`, what `statewright worker` runs),
waits until that worker has committed its first step, lets it run 20-300 ms more (uniform at
random) and SIGKILLs it. Every tenth kill comes instead 0-300 ms after the worker said it
was ready, without waiting for progress (a kill during its first leases); and every tenth
worker (another one) runs under the worker id of another host, so its jobs are not taken
over by the next worker on this host but come back when their lease (`lease_s`) ran out,
as a crashed machine's would. Whenever fewer
than a fifth of the started instances are unfinished before a restart, another `instances`
are started (a *wave*), so every kill hits a worker with work in flight. A last worker then
runs everything to the end and stops cleanly; every instance's log is read back:
- `unfinished`: instances not completed; `steps` / `duplicates` / `lost`: steps recorded once,
  recorded twice for one state visit, never recorded (`steps_workload.check_log`);
- `jobs_left`: jobs still ready or leased; `audit_ok`: `engine.verify_audit()` (the
  `statewright audit verify` check: hash chains and projections);
- `handler_calls` (every call of the action, written by the workers as they happen) minus
  `steps` is `reruns`: actions run again because a kill came between a run and its commit.

`recovery` (`--suite recovery`): `instances` (10,000) instances waiting in their first task
state, a worker is killed after its first step, and then `cycles` times a worker is
started, measured and killed again. The recovery time runs from just before the parent spawns
the process to the worker's report that its first step committed (`engine.changes`, called on
the writer thread right after the commit). The log's own stamp of that step (`at` of the
first `action_succeeded` after the spawn, set inside the transaction just before commit) is
reported beside it. The parts: interpreter start (spawn to the module's first line), imports,
opening the engine, `Runner.start` (which takes over the dead worker's leases) and the rest
until the first step committed; `bare_python_ms` is `python -c pass` for comparison.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select

import runtime
from runtime import Engine
from runtime.benchmarks.scratch import scratch_database
from runtime.benchmarks.steps_workload import chain_process, check_log, percentile, start_instances
from runtime.core.clock import to_db
from runtime.store import schema as t

LEASE_S = 5.0  # a killed worker's jobs come back after this if the take-over did not apply
THREADS = 4  # runner threads per worker, as `statewright worker`
EARLY_EVERY = 10  # every tenth kill comes right after start-up, without waiting for a step
ELSEWHERE_EVERY = 10  # every tenth worker poses as another host's (its leases run out)
STALL_S = 60.0  # no instance finished for this long in the last run: a hang
Echo = Callable[[str], None]
# The workers of one run share a throwaway key ring, so none runs in development mode
_KEY_RING = f"soak:{base64.b64encode(os.urandom(32)).decode()}"


class Worker:
    """One worker process and the JSON lines it prints (read by a thread of ours)."""

    def __init__(self, url: str, lease_s: float, threads: int, calls: Path, errors: IO[str],
                 elsewhere: bool = False) -> None:
        root = str(Path(runtime.__file__).resolve().parents[1])
        env = {"STATEWRIGHT_KEYS": _KEY_RING, **os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (root, os.environ.get("PYTHONPATH")) if p)}
        self.spawned = time.time()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "runtime.benchmarks.soak_worker", url, str(lease_s),
             str(threads), str(calls), *(["elsewhere"] if elsewhere else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True, env=env)
        self.said: dict[str, dict[str, Any]] = {}
        self._lines: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                self._lines.put(json.loads(line))
        self._lines.put(None)  # the process ended

    def wait_for(self, event: str, timeout_s: float) -> dict[str, Any] | None:
        """The line `event` once printed; None if the process ended or `timeout_s` passed."""
        deadline = time.monotonic() + timeout_s
        while event not in self.said:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return None
            if line is None:
                self._lines.put(None)
                return None
            self.said[line["event"]] = line
        return self.said[event]

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> bool:
        """Close its input (its signal to stop); True if it stopped cleanly."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        stopped = self.wait_for("stopped", 60) is not None
        if not stopped:
            self.proc.kill()
        self.proc.wait(timeout=30)
        return stopped


def run(url: str | None = None, instances: int = 500, steps: int = 10, kills: int = 200,
        threads: int = THREADS, lease_s: float = LEASE_S, seed: int | None = None,
        scratch: bool = True, echo: Echo | None = None) -> dict[str, Any]:
    """The soak (see the module doc); `scratch=False` runs on `url` itself (a test's empty
    schema). Returns the counts; `failure` names what went wrong when a worker stalled."""
    say = echo or (lambda _: None)
    seed = random.randrange(1 << 30) if seed is None else seed
    rng = random.Random(seed)
    with _database(url, scratch, "soak.db") as db, tempfile.TemporaryDirectory(
            prefix="statewright-soak-") as tmp, Engine(db, lease_s=lease_s) as engine:
        calls, errors_path = Path(tmp) / "calls.txt", Path(tmp) / "workers.log"
        key = chain_process(steps)["key"]
        engine.publish(chain_process(steps), actor="bench")
        batch = uuid.uuid4().hex
        ids = start_instances(engine, key, instances, THREADS, batch)
        waves, early, elsewhere, kills_done, failure = 1, 0, 0, 0, None
        started = time.perf_counter()
        with errors_path.open("w") as errors:
            for n in range(kills):
                if _unfinished(engine, batch) < max(1, instances // 5):
                    ids += start_instances(engine, key, instances, THREADS, batch)
                    waves += 1
                foreign = n % ELSEWHERE_EVERY == ELSEWHERE_EVERY // 2
                worker = Worker(db, lease_s, threads, calls, errors, foreign)
                elsewhere += foreign
                if n % EARLY_EVERY == EARLY_EVERY - 1:
                    heard = worker.wait_for("ready", 60 + lease_s)
                    pause, early = rng.uniform(0.0, 0.3), early + 1
                else:
                    heard = worker.wait_for("first", 60 + lease_s)
                    pause = rng.uniform(0.02, 0.3)
                if heard is None:
                    failure = f"worker {n + 1} made no progress (exit code {worker.proc.poll()})"
                    worker.kill()
                    break
                time.sleep(pause)
                worker.kill()
                kills_done += 1
                if (n + 1) % 20 == 0:
                    say(f"soak           {n + 1}/{kills} kills, {len(ids):,} instances started")
            if failure is None:
                say("soak           last worker finishing everything ...")
                failure = _finish(engine, batch, db, lease_s, threads, calls, errors)
        soak_s = time.perf_counter() - started
        checked = check_log(engine, ids, steps)
        audit = engine.verify_audit()
        jobs_left = _jobs_left(engine)
        handler_calls, rerun_steps = _calls(calls)
        result = {
            "database": engine.store.dialect, "url": engine.store.display_url,
            "seed": seed, "kills": kills_done, "early_kills": early,
            "elsewhere_kills": elsewhere, "instances": len(ids),
            "waves": waves, "steps_per_instance": steps, "expected_steps": len(ids) * steps,
            **checked.counts, "jobs_left": jobs_left, "audit_ok": audit.ok,
            "audit": audit.summary(), "handler_calls": handler_calls,
            "reruns": handler_calls - checked.counts["steps"], "steps_run_twice": rerun_steps,
            "lease_s": lease_s, "threads": threads, "seconds": round(soak_s, 1),
            "failure": failure, "worker_errors": _tail(errors_path),
        }
        if checked.counts["duplicates"] or checked.counts["lost"] or jobs_left:
            result["anomalies"] = _anomalies(engine, ids, steps)
    return result


def recovery(url: str | None = None, instances: int = 10_000, steps: int = 3, cycles: int = 5,
             threads: int = THREADS, lease_s: float = 60.0, seed: int | None = None,
             scratch: bool = True, echo: Echo | None = None) -> dict[str, Any]:
    """Recovery time after a kill with `instances` in flight (see the module doc)."""
    say = echo or (lambda _: None)
    rng = random.Random(seed)
    with _database(url, scratch, "recovery.db") as db, tempfile.TemporaryDirectory(
            prefix="statewright-soak-") as tmp, Engine(db, lease_s=lease_s) as engine:
        calls, errors_path = Path(tmp) / "calls.txt", Path(tmp) / "workers.log"
        document = chain_process(steps)
        engine.publish(document, actor="bench")
        batch = uuid.uuid4().hex
        say(f"recovery       starting {instances:,} instances (no runner) ...")
        start_instances(engine, document["key"], instances, THREADS, batch)
        samples: list[dict[str, Any]] = []
        with errors_path.open("w") as errors:
            for n in range(cycles + 1):  # the first worker only makes a kill to recover from
                in_flight = _unfinished(engine, batch)
                if not in_flight:
                    raise RuntimeError("every instance finished: start more (--instances)")
                worker = Worker(db, lease_s, threads, calls, errors)
                ready, first = worker.wait_for("ready", 120), worker.wait_for("first", 120)
                if ready is None or first is None:
                    worker.kill()
                    raise RuntimeError(f"a worker made no progress; see {_tail(errors_path)}")
                time.sleep(rng.uniform(0.02, 0.3))
                worker.kill()
                if n:
                    samples.append(_parts(worker.spawned, ready, first, in_flight,
                                          _first_logged(engine, worker.spawned)))
                    say(f"recovery       restart {n}: {samples[-1]['recovery_ms']} ms")
        result: dict[str, Any] = {
            "database": engine.store.dialect, "url": engine.store.display_url,
            "instances": instances, "cycles": cycles, "threads": threads,
            "bare_python_ms": _bare_python_ms(), "restarts": samples,
        }
    if samples:
        result["in_flight_min"] = min(s["in_flight"] for s in samples)
        result["taken_over_min"] = min(s["taken_over"] for s in samples)
    for name in (n for n in (samples[0] if samples else ()) if n.endswith("_ms")):
        ordered = sorted(s[name] for s in samples)
        result[f"{name}_p50"] = round(statistics.median(ordered), 1)
        result[f"{name}_p95"] = round(percentile(ordered, 95), 1)
    return result


def _database(url: str | None, scratch: bool, file_name: str) -> Any:
    if scratch or url is None:
        return scratch_database(url, file_name)
    return nullcontext(url)


def _finish(engine: Engine, batch: str, db: str, lease_s: float, threads: int, calls: Path,
            errors: IO[str]) -> str | None:
    """A last worker runs until every instance finished; the failure, if any."""
    worker = Worker(db, lease_s, threads, calls, errors)
    left, moved = _unfinished(engine, batch), time.monotonic()
    while left and time.monotonic() - moved < STALL_S + lease_s:
        time.sleep(0.05)
        now = _unfinished(engine, batch)
        if now != left:
            left, moved = now, time.monotonic()
        if worker.proc.poll() is not None:
            return f"the last worker exited with code {worker.proc.returncode}"
    if not worker.stop():
        return "the last worker did not stop cleanly"
    return f"{left} instances stalled (nothing finished for {STALL_S:.0f} s)" if left else None


def _unfinished(engine: Engine, batch: str) -> int:
    return engine.list_instances(business_key=batch, status="running", limit=1).total


def _jobs_left(engine: Engine) -> int:
    with engine.store.read() as conn:
        return conn.execute(select(func.count()).select_from(t.jobs).where(
            t.jobs.c.state.in_((t.JOB_READY, t.JOB_LEASED)))).scalar_one()


def _anomalies(engine: Engine, ids: list[str], steps: int, most: int = 5
               ) -> list[dict[str, Any]]:
    """The first instances whose log is wrong: their events and their unfinished jobs."""
    found: list[dict[str, Any]] = []
    for iid in ids:
        log = engine.history(iid)
        succeeded = Counter(e.data.get("action") for e in log if e.type == "action_succeeded")
        entered = [e.data["to"] for e in log if e.type == "transition"]
        if len(set(entered)) == len(entered) and sum(succeeded.values()) == steps and (
                entered and entered[-1] == "finished"):
            continue
        with engine.store.read() as conn:
            jobs = conn.execute(select(t.jobs).where(t.jobs.c.instance_id == iid)).all()
        found.append({"instance": iid, "events": [
            (e.seq, e.type, e.data, e.actor, e.at.isoformat()) for e in log],
            "jobs": [{k: v.isoformat() if isinstance(v, datetime) else v
                      for k, v in j._mapping.items()} for j in jobs]})
        if len(found) >= most:
            break
    return found


def _calls(calls: Path) -> tuple[int, int]:
    """Handler calls, and how many (instance, state) visits had the action run more than once."""
    if not calls.exists():
        return 0, 0
    visits = Counter(" ".join(line.split()[:2]) for line in calls.read_text().splitlines())
    return sum(visits.values()), sum(1 for c in visits.values() if c > 1)


def _first_logged(engine: Engine, since: float) -> float | None:
    """`at` (epoch seconds) of the first `action_succeeded` the log stamped after `since`."""
    moment = to_db(datetime.fromtimestamp(since, UTC))
    with engine.store.read() as conn:
        at = conn.execute(select(func.min(t.events.c.at)).where(
            t.events.c.type == "action_succeeded", t.events.c.at > moment)).scalar_one()
    return None if at is None else at.replace(tzinfo=UTC).timestamp()


def _parts(spawned: float, ready: dict[str, Any], first: dict[str, Any], in_flight: int,
           logged: float | None) -> dict[str, Any]:
    def ms(a: float, b: float) -> float:
        return round((b - a) * 1000, 1)

    return {
        "recovery_ms": ms(spawned, first["at"]),
        "logged_ms": ms(spawned, logged) if logged is not None else -1.0,
        "interpreter_ms": ms(spawned, ready["started"]),
        "imports_ms": ms(ready["started"], ready["imported"]),
        "engine_open_ms": ms(ready["imported"], ready["engine"]),
        "python_and_engine_ms": ms(spawned, ready["engine"]),
        "runner_start_ms": ms(ready["engine"], ready["runner"]),
        "to_first_step_ms": ms(ready["runner"], first["at"]),
        "in_flight": in_flight, "taken_over": ready["taken_over"],
    }


def _bare_python_ms(runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def _tail(path: Path, lines: int = 20) -> str:
    """The last lines the workers wrote to standard error (tracebacks, warnings)."""
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return ""
