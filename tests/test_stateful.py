"""Random starts, sends and timer firings against a reference model of the process.

After every step each instance's projection equals the model and a replay of its log.
The same machine runs on SQLite and on PostgreSQL, each example on a fresh database.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from runtime import Engine, EventRefused, ManualClock
from runtime.core.errors import VariablesInvalid
from runtime.core.step import replay

REVIEW_TIMEOUT_S = 100
PAUSE_S = 30

PROCESS = {
    "key": "contract-review",
    "variables": [{"name": "revision", "type": "integer"}, {"name": "note", "type": "string"}],
    "states": [
        {"id": "drafted", "type": "start"},
        {"id": "in_review", "type": "wait", "timeout_s": REVIEW_TIMEOUT_S},
        {"id": "on_hold", "type": "timer", "duration_s": PAUSE_S},
        {"id": "signed", "type": "end", "outcome": "completed"},
        {"id": "lapsed", "type": "end", "outcome": "failed"},
    ],
    "transitions": [
        {"from": "drafted", "to": "in_review", "set": {"revision": "0"}},
        {"from": "in_review", "to": "in_review", "on": "revise",
         "set": {"revision": "revision + 1"}},
        {"from": "in_review", "to": "on_hold", "on": "hold"},
        {"from": "in_review", "to": "signed", "on": "sign"},
        {"from": "in_review", "to": "lapsed", "on": "timeout"},
        {"from": "on_hold", "to": "in_review", "on": "elapsed"},
    ],
}
STATUS = {"in_review": "running", "on_hold": "running", "signed": "completed", "lapsed": "failed"}


@dataclass
class Expected:
    state: str
    revision: int
    entered_at: float
    note: str | None = None


# A fresh database for one example: its URL and how to throw it away.
Database = tuple[str, Callable[[], None]]


def sqlite_database() -> Database:
    scratch = tempfile.TemporaryDirectory()
    return f"sqlite:///{Path(scratch.name) / 'model.db'}", scratch.cleanup


def postgres_database(server: str) -> Database:
    schema = f"sw_model_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return f"{server}?options=-csearch_path%3D{schema}", drop


class ContractReviews(RuleBasedStateMachine):
    instances = Bundle("instances")

    def __init__(self, database: Callable[[], Database]) -> None:
        super().__init__()
        url, self.discard_database = database()
        self.clock = ManualClock()
        self.engine = Engine(url, clock=self.clock)
        self.engine.publish(PROCESS)
        self.now = 0.0
        self.model: dict[str, Expected] = {}

    def teardown(self) -> None:
        self.engine.close()
        self.discard_database()

    @rule(target=instances)
    def start(self) -> str:
        iid = self.engine.start("contract-review", {}, actor="legal")
        self.model[iid] = Expected("in_review", 0, self.now)
        return iid

    @rule(iid=instances, event=st.sampled_from(["revise", "hold", "sign", "timeout", "elapsed"]),
          note=st.text(max_size=5))
    def send(self, iid: str, event: str, note: str) -> None:
        expected = self.model[iid]
        accepted = expected.state == "in_review" and event in ("revise", "hold", "sign")
        try:
            self.engine.send(iid, event, {"note": note}, actor="legal")
        except EventRefused:
            assert not accepted, f"{event} was refused in {expected.state}"
            return
        except VariablesInvalid:  # no store can hold a NUL: refused, nothing written
            assert accepted and "\x00" in note, f"{note!r} was refused"
            return
        assert "\x00" not in note, "a NUL character was stored"
        assert accepted, f"{event} was accepted in {expected.state}"
        expected.note = note
        expected.entered_at = self.now
        if event == "revise":
            expected.revision += 1
        else:
            expected.state = {"hold": "on_hold", "sign": "signed"}[event]

    @rule(seconds=st.sampled_from([1, 29, 31, 60, 99, 101, 250]))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds
        self.clock.advance(seconds)
        self.engine.run_until_idle(timeout_s=30)
        for expected in self.model.values():
            if expected.state == "on_hold" and self.now >= expected.entered_at + PAUSE_S:
                expected.state, expected.entered_at = "in_review", self.now
            elif expected.state == "in_review" and (
                    self.now >= expected.entered_at + REVIEW_TIMEOUT_S):
                expected.state = "lapsed"

    @invariant()
    def projection_matches_model_and_log(self) -> None:
        for iid, expected in self.model.items():
            inst = self.engine.get(iid)
            assert (inst.state, inst.status) == (expected.state, STATUS[expected.state])
            assert inst.variables.get("revision") == expected.revision
            assert inst.variables.get("note") == expected.note
            log = self.engine.history(iid)
            rebuilt = replay(iid, [(e.seq, e.type, e.data) for e in log])
            assert (rebuilt.state, rebuilt.status, rebuilt.variables) == (
                inst.state, inst.status, inst.variables)


def model_settings(examples: int) -> settings:
    return settings(
        max_examples=examples, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def test_contract_reviews_follow_the_model_on_sqlite() -> None:
    run_state_machine_as_test(lambda: ContractReviews(sqlite_database), settings=model_settings(30))


@pytest.mark.postgres
def test_contract_reviews_follow_the_model_on_postgres(postgres_server: str) -> None:
    run_state_machine_as_test(
        lambda: ContractReviews(lambda: postgres_database(postgres_server)),
        settings=model_settings(15),
    )
