"""Random starts, sends and timer firings against a reference model of the process.

After every step each instance's projection equals the model and a replay of its log.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from runtime import Engine, EventRefused, ManualClock
from runtime.step import replay

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


class ContractReviews(RuleBasedStateMachine):
    instances = Bundle("instances")

    def __init__(self) -> None:
        super().__init__()
        self.scratch = tempfile.TemporaryDirectory()
        self.clock = ManualClock()
        self.engine = Engine(f"sqlite:///{Path(self.scratch.name) / 'model.db'}", clock=self.clock)
        self.engine.publish(PROCESS)
        self.now = 0.0
        self.model: dict[str, Expected] = {}

    def teardown(self) -> None:
        self.engine.close()
        self.scratch.cleanup()

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


ContractReviews.TestCase.settings = settings(
    max_examples=30, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_contract_reviews_follow_the_model = ContractReviews.TestCase
