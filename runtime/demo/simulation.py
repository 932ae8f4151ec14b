"""A simulated month of the sample processes, so dashboards have something to show.

The engine runs on a `ManualClock` that steps through the last `days` days in ticks of
`TICK_S`. At each tick: the instances due start, people claim and complete the tasks they
picked up (outcomes and form values drawn at random, claim and work times log-normal around a
share of each state's SLA, so some are late), outside parties send the events waits expect
(or stay silent and the wait times out), the task SLA sweep marks overdue tasks and escalates
them, and due jobs run (the demo actions, timers, retries). Everything goes
through the engine and the task inbox, so the event log and the aggregates are the real ones.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from runtime import demo
from runtime.core.clock import ManualClock
from runtime.core.errors import EngineError
from runtime.engine import Engine
from runtime.execution.jobs import lease, run_job
from runtime.people.tasks.model import Caller
from runtime.samples import samples_dir
from runtime.store import schema as t
from shared.loading import load_document

TICK_S = 1800  # people and partners act on the half hour; finer ticks cost more rounds
ACTION_S = (5.0, 90.0)  # simulated time one round of automated work takes
THREADS = 8
END_MARGIN = timedelta(hours=1)
# Share of new instances per sample; an unknown sample key gets weight 1.
MIX = {"loan-approval": 4, "purchase-order": 3, "insurance-claim": 2, "employee-onboarding": 1}
TIMEOUT = "timeout"
SILENT_WAIT = 0.12  # share of waits whose outside party never answers (the wait times out)
DEFAULT_SLA_S = 86_400.0


@dataclass
class Progress:
    """What the simulation did so far, for the progress line and the final summary."""

    started: int = 0
    tasks_done: int = 0
    messages: int = 0
    jobs: int = 0
    refused: int = 0
    simulated_to: datetime | None = None
    seconds: float = 0.0


@dataclass(order=True)
class _Due:
    at: datetime
    order: int
    act: Callable[[], Any] = field(compare=False)
    instance: str = field(compare=False)


class MonthSimulation:
    """`run()` starts `instances` sample instances spread over the last `days` days."""

    def __init__(self, url: str, instances: int, days: int = 30, seed: int = 1,
                 report: Callable[[Progress], None] | None = None) -> None:
        self.rng = random.Random(seed)
        # The last tick and its rounds of work may overshoot `end` by up to ~40 minutes:
        # ending an hour ago keeps every simulated event in the past.
        self.end = datetime.now(UTC).replace(microsecond=0) - END_MARGIN
        self.clock = ManualClock(self.end - timedelta(days=days))
        self.engine = Engine(fast_sqlite(url), clock=self.clock)
        self.instances, self.days = instances, days
        self.report = report or (lambda progress: None)
        self.progress = Progress()
        self._agenda: list[_Due] = []
        self._order = itertools.count()
        self._planned: set[tuple[str, int]] = set()  # (instance, entered_seq) visits handled
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="demo")
        self._documents: dict[tuple[str, int], dict[str, Any]] = {}

    def run(self) -> Progress:
        started = time.perf_counter()
        try:
            demo.register(self.engine)
            samples = self._publish()
            self._plan_starts(samples)
            day = self.clock.now().date()
            while self.clock.now() < self.end:
                now = self.clock.advance(TICK_S)
                touched = self._run_due(now)
                self.engine.tasks.sweep()
                touched |= self._drain()
                self._plan_visits(touched)
                if self.clock.now().date() != day:
                    day = self.clock.now().date()
                    self._report(started)
            self._report(started)
        finally:
            self._pool.shutdown()
            self.engine.close()
        return self.progress

    def _report(self, started: float) -> None:
        self.progress.simulated_to = self.clock.now()
        self.progress.seconds = time.perf_counter() - started
        self.report(self.progress)

    # ---- what happens -------------------------------------------------------------------

    def _publish(self) -> list[tuple[str, int]]:
        """Publish every sample (an unchanged sample keeps its version); (key, version)s."""
        published = []
        for path in sorted(samples_dir().glob("*.json")):
            version = self.engine.publish(load_document(path), actor="demo")
            self._documents[(version.key, version.version)] = version_document(
                self.engine, version.key, version.version)
            published.append((version.key, version.version))
        if not published:
            raise EngineError(f"no sample processes in {samples_dir()}", {})
        return published

    def _plan_starts(self, samples: list[tuple[str, int]]) -> None:
        keys = [key for key, _ in samples]
        weights = [MIX.get(key, 1) for key in keys]
        span_s = (self.end - self.clock.now()).total_seconds()
        for _ in range(self.instances):
            at = self.clock.now() + timedelta(seconds=self.rng.uniform(0, span_s))
            key = self.rng.choices(keys, weights)[0]
            self._schedule(at, "", lambda key=key: self._start(key))

    def _start(self, key: str) -> str:
        iid = self.engine.start(key, variables_for(key, self.rng, self.clock.now()),
                                actor="demo")
        self.progress.started += 1
        return iid

    def _schedule(self, at: datetime, instance: str, act: Callable[[], Any]) -> None:
        heapq.heappush(self._agenda, _Due(at, next(self._order), act, instance))

    def _run_due(self, now: datetime) -> set[str]:
        due = []
        while self._agenda and self._agenda[0].at <= now:
            due.append(heapq.heappop(self._agenda))
        touched = set()
        for item, result in zip(due, self._pool.map(self._attempt, due), strict=True):
            touched.add(result if isinstance(result, str) else item.instance)
        touched.discard("")
        return touched

    def _attempt(self, item: _Due) -> Any:
        """Run one planned act; the world may have moved on (a timeout, an escalation)."""
        try:
            return item.act()
        except EngineError:
            self.progress.refused += 1
            return None

    def _drain(self) -> set[str]:
        """Run every due job (actions, timers, retries) in parallel; the instances they moved.

        Each round of jobs takes `ACTION_S` of simulated time, so automated states show the
        time their services took, and the jobs a round schedules run in the next one."""
        touched: set[str] = set()
        while True:
            self.clock.advance(self.rng.uniform(*ACTION_S))
            jobs = lease(self.engine)
            if not jobs:
                return touched
            for outcome in self._pool.map(lambda job: run_job(self.engine, job), jobs):
                if outcome is not None:
                    outcome.result()
            touched.update(job.instance_id for job in jobs)
            self.progress.jobs += len(jobs)

    # ---- people and outside parties -----------------------------------------------------

    def _plan_visits(self, touched: set[str]) -> None:
        """For instances that now wait on a person or an outside party, plan their answer."""
        if not touched:
            return
        i = t.instances
        with self.engine.store.read() as conn:
            rows = conn.execute(select(i.c.id, i.c.definition_key, i.c.version, i.c.state,
                                       i.c.entered_seq).where(
                i.c.id.in_(sorted(touched)), i.c.status == "running")).all()
        for iid, key, version, state_id, seq in rows:
            if (iid, seq) in self._planned:
                continue
            state = self._state(key, version, state_id)
            outcomes = self._outcomes(key, version, state_id)
            if state["type"] == "human":
                self._planned.add((iid, seq))
                self._plan_task(iid, f"{iid}:{seq}", state, outcomes)
            elif state["type"] == "wait":
                self._planned.add((iid, seq))
                self._plan_message(iid, state, outcomes)

    def _plan_task(self, iid: str, task_id: str, state: dict[str, Any],
                   outcomes: list[str]) -> None:
        """Draw when the task is claimed and done, with which outcome and form values."""
        sla = float(state.get("sla_s") or DEFAULT_SLA_S)
        claim_at = self.clock.now() + timedelta(seconds=self._lognormal(sla * 0.2, 1.0))
        done_at = claim_at + timedelta(seconds=self._lognormal(sla * 0.25, 0.9))
        outcome = _pick_outcome(outcomes, self.rng)
        data = {f["name"]: _form_value(f, self.rng, done_at) for f in state.get("form", [])
                if f.get("required") or self.rng.random() < 0.5}
        self._schedule(claim_at, iid, lambda: self._claim(task_id))
        self._schedule(done_at, iid, lambda: self._complete(task_id, outcome, data))

    def _claim(self, task_id: str) -> str:
        task = self.engine.tasks.get(task_id, ANYONE)
        if task.state == "open":
            self.engine.tasks.claim(task_id, _person(task.role, task_id))
        return task.instance_id

    def _complete(self, task_id: str, outcome: str, data: dict[str, Any]) -> str:
        """Done by whoever holds it; an escalation since the claim put it back in a queue."""
        task = self.engine.tasks.get(task_id, ANYONE)
        if task.state == "open":
            self.engine.tasks.claim(task_id, _person(task.role, task_id))
        elif task.state != "claimed":
            return task.instance_id  # closed meanwhile (the instance was moved on)
        self.engine.tasks.complete(task_id, _person(task.role, task_id), outcome, data)
        self.progress.tasks_done += 1
        return task.instance_id

    def _plan_message(self, iid: str, state: dict[str, Any], events: list[str]) -> None:
        answers = [e for e in events if e != TIMEOUT]
        if not answers or (TIMEOUT in events and self.rng.random() < SILENT_WAIT):
            return  # nobody answers: the wait's own timeout (a job) moves it on
        limit = float(state.get("timeout_s") or DEFAULT_SLA_S)
        at = self.clock.now() + timedelta(seconds=min(self._lognormal(limit * 0.15, 0.9),
                                                      limit * 0.95))
        event = _pick_outcome(answers, self.rng)
        self._schedule(at, iid, lambda: self._message(iid, event))

    def _message(self, iid: str, event: str) -> str:
        self.engine.send(iid, event, actor="demo-partner")
        self.progress.messages += 1
        return iid

    # ---- helpers ------------------------------------------------------------------------

    def _state(self, key: str, version: int, state_id: str) -> dict[str, Any]:
        document = self._document(key, version)
        return next(s for s in document["states"] if s["id"] == state_id)

    def _outcomes(self, key: str, version: int, state_id: str) -> list[str]:
        return list(dict.fromkeys(tr["on"] for tr in self._document(key, version)["transitions"]
                                  if tr["from"] == state_id and tr.get("on")))

    def _document(self, key: str, version: int) -> dict[str, Any]:
        if (key, version) not in self._documents:
            self._documents[(key, version)] = version_document(self.engine, key, version)
        return self._documents[(key, version)]

    def _lognormal(self, median_s: float, sigma: float) -> float:
        return self.rng.lognormvariate(math.log(max(median_s, 60.0)), sigma)


def fast_sqlite(url: str) -> str:
    """A SQLite URL with `synchronous=normal` unless it says otherwise: a demo database need
    not survive a power cut, and an fsync per commit would make the month take far longer."""
    if not url.startswith("sqlite") or "synchronous=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}synchronous=normal"


def version_document(engine: Engine, key: str, version: int) -> dict[str, Any]:
    return engine.version(key, version).document


ANYONE = Caller("demo", frozenset({"admin"}))  # reads any task


def _person(role: str, task_id: str) -> Caller:
    """One of five people holding `role`, the same for a task's claim and completion."""
    return Caller(f"{role}-{zlib.crc32(task_id.encode()) % 5 + 1}", frozenset({role}))


def _pick_outcome(outcomes: list[str], rng: random.Random) -> str:
    """The first outcome (the happy path) 80% of the time, the others share the rest."""
    if len(outcomes) == 1 or rng.random() < 0.8:
        return outcomes[0]
    return rng.choice(outcomes[1:])


def _form_value(spec: dict[str, Any], rng: random.Random, now: datetime) -> Any:
    kind = spec.get("type", "string")
    if kind in ("number", "integer"):
        return rng.randint(1, 50) * 1000
    if kind == "boolean":
        return rng.random() < 0.7
    if kind == "date":
        return (now + timedelta(days=rng.randint(1, 20))).date().isoformat()
    return rng.choice(["Checked, fine.", "Looks right.", "OK after a call.", "As discussed."])


FIRST = ["Ana", "Ben", "Chloe", "Dev", "Eva", "Finn", "Grace", "Hugo", "Iris", "Jon"]
LAST = ["Meyer", "Novak", "Okafor", "Petit", "Quinn", "Rossi", "Sato", "Tan", "Ueda", "Vos"]


def variables_for(key: str, rng: random.Random, now: datetime) -> dict[str, Any]:
    """Plausible start variables for each sample (unknown keys start without any)."""
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    number = rng.randint(100_000, 999_999)
    if key == "loan-approval":
        return {"applicant_name": name, "amount": float(rng.choice(
            [2_000, 5_000, 8_000, 15_000, 40_000, 120_000])), "application_id": f"LA-{number}",
            "ssn": f"{number}-{rng.randint(1000, 9999)}"}
    if key == "purchase-order":
        quantity = rng.randint(1, 40)
        return {"requester": name, "item": rng.choice(["laptop", "desk", "licence", "printer"]),
                "quantity": quantity, "total": float(quantity * rng.choice([40, 300, 1200])),
                "supplier": rng.choice(["Acme", "Globex", "Initech", "Umbrella"])}
    if key == "insurance-claim":
        return {"policy_number": f"POL-{number}", "claimant": name,
                "claim_amount": float(rng.choice([800, 2_500, 9_000, 30_000, 75_000])),
                "incident_date": (now - timedelta(days=rng.randint(1, 30))).date().isoformat()}
    if key == "employee-onboarding":
        return {"employee_name": name, "email": f"{name.lower().replace(' ', '.')}@example.com",
                "department": rng.choice(["Sales", "Finance", "IT", "Operations"]),
                "start_date": (now + timedelta(days=rng.randint(5, 20))).date().isoformat(),
                "needs_laptop": rng.random() < 0.7}
    return {}
