"""The inbox queues of the web page: overdue first, mine vs my roles', search; SQLite and PG."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from runtime import Engine, ManualClock
from runtime.people.tasks import Caller, queues

ANA = Caller("ana", frozenset({"underwriter"}))
BEN = Caller("ben", frozenset({"underwriter"}))
CARL = Caller("carl", frozenset({"clerk"}))
ROOT = Caller("root", frozenset({"admin"}))


def process(key: str, priority: str, sla_s: float | None, role: str = "underwriter") -> dict:
    review: dict[str, Any] = {"id": "review", "type": "human", "role": role,
                              "priority": priority}
    if sla_s:
        review["sla_s"] = sla_s
    return {
        "schema": "statewright/v1", "key": key,
        "states": [{"id": "in", "type": "start"}, review,
                   {"id": "done", "type": "end", "outcome": "completed"}],
        "transitions": [{"from": "in", "to": "review"},
                        {"from": "review", "to": "done", "on": "approve"}],
    }


def start(engine: Engine, key: str, priority: str, sla_s: float | None,
          role: str = "underwriter") -> str:
    """Start one instance of its own little process; the id of the task it waits on."""
    engine.publish(process(key, priority, sla_s, role))
    iid = engine.start(key)
    return next(t.id for t in engine.tasks.list(ROOT).items if t.instance_id == iid)


def ids(page: queues.TaskPage) -> list[str]:
    return [t.id for t in page.items]


def test_overdue_tasks_come_first_then_priority_then_due(
        engine: Engine, clock: ManualClock) -> None:
    late_low = start(engine, "late-low", "low", 60)
    clock.advance(120)
    urgent_later = start(engine, "urgent-later", "urgent", 7200)
    urgent_sooner = start(engine, "urgent-sooner", "urgent", 3600)
    no_sla = start(engine, "no-sla", "normal", None)
    page = queues.for_my_roles(engine, ANA)
    assert ids(page) == [late_low, urgent_sooner, urgent_later, no_sla]
    assert page.items[0].overdue and not page.items[1].overdue
    assert page.total == 4


def test_mine_holds_my_claims_and_delegations_the_role_queue_the_rest(engine: Engine) -> None:
    claimed = start(engine, "claimed", "normal", None)
    colleague = start(engine, "colleague", "normal", None)
    delegated = start(engine, "delegated", "normal", None, role="clerk")
    offered = start(engine, "offered", "normal", None)
    engine.tasks.claim(claimed, ANA)
    engine.tasks.claim(colleague, BEN)
    engine.tasks.delegate(delegated, CARL, to_user="ana")
    assert set(ids(queues.mine(engine, ANA))) == {claimed, delegated}
    assert set(ids(queues.for_my_roles(engine, ANA))) == {colleague, offered}
    # the clerk who delegated still sees the clerks' task, now held by ana
    assert [t.assignee for t in queues.for_my_roles(engine, CARL).items] == ["ana"]
    assert set(ids(queues.for_my_roles(engine, ROOT))) == {claimed, colleague, delegated,
                                                             offered}


def test_finished_tasks_leave_both_queues(engine: Engine) -> None:
    task = start(engine, "finished", "normal", None)
    engine.tasks.claim(task, ANA)
    engine.tasks.complete(task, ANA, "approve", {})
    assert ids(queues.mine(engine, ANA)) == []
    assert ids(queues.for_my_roles(engine, BEN)) == []


def test_search_matches_parts_of_names_and_ids_literally(engine: Engine) -> None:
    car = start(engine, "car-claims", "normal", None)
    home = start(engine, "home-claims", "normal", None)
    assert ids(queues.for_my_roles(engine, ANA, "CAR-")) == [car]
    assert ids(queues.for_my_roles(engine, ANA, home[:8])) == [home]
    assert set(ids(queues.for_my_roles(engine, ANA, "claims"))) == {car, home}
    assert ids(queues.for_my_roles(engine, ANA, "%")) == []
    assert ids(queues.for_my_roles(engine, ANA, "_")) == []
    assert len(ids(queues.for_my_roles(engine, ANA, "   "))) == 2


def test_a_page_says_how_many_there_are_beyond_it(engine: Engine) -> None:
    for n in range(3):
        start(engine, f"many-{n}", "normal", None)
    page = queues.for_my_roles(engine, ANA, limit=2)
    assert (len(page.items), page.total) == (2, 3)


def test_five_hundred_open_tasks_answer_quickly(engine: Engine, db_url: str) -> None:
    """Measured and printed (not asserted; best of three): the two queries of an inbox
    refresh."""
    engine.publish(process("bulk", "normal", 3600))
    with ThreadPoolExecutor(8) as pool:  # concurrent starts share the writer's commits
        list(pool.map(lambda _: engine.start("bulk"), range(500)))
    timings = [min(_timed(query, engine) for _ in range(3))
               for query in (queues.for_my_roles, queues.mine)]
    assert queues.mine(engine, ANA).total == 0
    assert queues.for_my_roles(engine, ANA).total == 500
    print(f"\n{db_url.split(':')[0]}: 500 open tasks, role queue (200 shown) "
          f"{timings[0] * 1000:.1f} ms, my tasks {timings[1] * 1000:.1f} ms")


def _timed(query: Any, engine: Engine) -> float:
    began = time.perf_counter()
    query(engine, ANA)
    return time.perf_counter() - began
