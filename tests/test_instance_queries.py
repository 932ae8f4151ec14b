"""Operator queries: filters, paging, sorting, incidents, pending work, the path (both DBs)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from runtime import Engine
from runtime.core.instance_path import path_at
from runtime.operations import perform
from runtime.operations.queries import (
    InstanceQuery,
    QueryInvalid,
    children,
    incident_groups,
    pending_jobs,
    search,
)
from runtime.operations.variable_filter import parse


def started(engine: Engine, loan: dict[str, Any], amounts: list[int]) -> list[str]:
    engine.publish(loan)
    engine.action("credit_score")(lambda ctx: {"score": 700})
    ids = []
    for n, amount in enumerate(amounts):
        ids.append(engine.start("loan-approval", {"amount": amount, "applicant": f"app {n}"},
                                business_key=f"LN-{n:03d}"))
        engine.clock.advance(60)
    return ids


def ids_of(engine: Engine, **query: Any) -> list[str]:
    return [i.id for i in search(engine, InstanceQuery(**query)).items]


def test_filters_combine_and_each_one_narrows(engine, loan_approval):
    ids = started(engine, loan_approval, [5000, 50_000, 50_000, 7000])
    engine.run_until_idle()
    assert set(ids_of(engine, state="review")) == {ids[1], ids[2]}
    assert set(ids_of(engine, status="completed")) == {ids[0], ids[3]}
    assert ids_of(engine, variable="amount=7000") == [ids[3]]
    assert ids_of(engine, variable="amount=7000.0") == [ids[3]]
    assert ids_of(engine, variable="applicant=app 1") == [ids[1]]
    assert ids_of(engine, variable="amount=nope") == []
    assert ids_of(engine, text="ln-002") == [ids[2]]
    assert ids_of(engine, text=ids[0][:8].upper()) == [ids[0]]
    assert ids_of(engine, definition="other") == []
    assert set(ids_of(engine, version=1, state="review", variable="amount=50000")) == {
        ids[1], ids[2]}


def test_variable_filters_compare(engine, loan_approval):
    ids = started(engine, loan_approval, [5000, 50_000, 12_000, 7000])
    assert set(ids_of(engine, variable="amount > 10000")) == {ids[1], ids[2]}
    assert set(ids_of(engine, variable="amount>=7000")) == {ids[1], ids[2], ids[3]}
    assert set(ids_of(engine, variable="amount < 7000")) == {ids[0]}
    assert set(ids_of(engine, variable="amount <= 7000.0")) == {ids[0], ids[3]}
    assert set(ids_of(engine, variable="amount != 5000")) == {ids[1], ids[2], ids[3]}
    assert set(ids_of(engine, variable="applicant != app 1")) == {ids[0], ids[2], ids[3]}
    assert set(ids_of(engine, variable="applicant > app 1")) == {ids[2], ids[3]}
    assert ids_of(engine, variable="applicant == app 2") == [ids[2]]
    assert ids_of(engine, variable="amount > app") == []  # text never orders with numbers
    assert ids_of(engine, variable="colour != red") == []  # no such variable: no match


def test_started_between_paging_and_sorting(engine, loan_approval):
    first = engine.clock.now()
    ids = started(engine, loan_approval, [50_000] * 7)
    page = search(engine, InstanceQuery(limit=3, offset=3, sort="started", descending=False))
    assert page.total == 7 and [i.id for i in page.items] == ids[3:6]
    newest = search(engine, InstanceQuery(limit=2))
    assert [i.id for i in newest.items] == [ids[6], ids[5]]
    between = search(engine, InstanceQuery(started_from=first + timedelta(seconds=90),
                                           started_to=first + timedelta(seconds=200),
                                           sort="business_key", descending=False))
    assert [i.business_key for i in between.items] == ["LN-002", "LN-003"]


def test_bad_filters_and_sorts_are_named(engine, loan_approval):
    started(engine, loan_approval, [1])
    with pytest.raises(QueryInvalid, match="'amount': no comparison in it"):
        parse("amount")
    with pytest.raises(QueryInvalid, match="cannot sort by 'colour'"):
        search(engine, InstanceQuery(sort="colour"))


def test_incidents_are_grouped_by_cause_and_pending_work_is_listed(engine, loan_approval):
    loan_approval["states"][1]["retry"]["max_attempts"] = 1
    loan_approval["transitions"] = [t for t in loan_approval["transitions"]
                                    if t.get("on") != "error"]
    engine.publish(loan_approval)

    def failing(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("scoring service down")

    engine.action("credit_score")(failing)
    ids = [engine.start("loan-approval", {"amount": 50_000}) for _ in range(3)]
    assert [j.kind for j in pending_jobs(engine, ids[0])] == ["action"]
    engine.run_until_idle()
    groups = incident_groups(engine)
    assert len(groups) == 1 and sorted(groups[0].instance_ids) == sorted(ids)
    assert groups[0].state == "score" and groups[0].definition == "loan-approval"
    assert groups[0].cause == "credit_score: action 'credit_score' raised RuntimeError: " \
        "scoring service down"
    assert pending_jobs(engine, ids[0]) == []
    view = path_at(engine.version("loan-approval").document, engine.history(ids[0]))
    assert view.status == "incident" and "score" in view.failed
    engine.action("credit_score")(lambda ctx: {"score": 1})
    perform(engine, ids[0], "retry", "service is back", actor="olga")
    assert len(incident_groups(engine)[0].instance_ids) == 2
    assert children(engine, ids[0]) == []


def test_the_path_counts_visits_and_edges_and_travels_back_in_time(engine, loan_approval):
    (iid,) = started(engine, loan_approval, [50_000])
    engine.run_until_idle()
    engine.send(iid, "pause")
    engine.clock.advance(601)
    engine.run_until_idle()
    events = engine.history(iid)
    document = engine.version("loan-approval").document
    now = path_at(document, events)
    assert now.state == "review" and now.visits["review"] == 2 and now.visits["cooldown"] == 1
    assert now.taken == {"t0": 1, "t1": 1, "t4": 1, "t7": 1, "t11": 1}
    paused = next(e.seq for e in events if e.data.get("to") == "cooldown")
    then = path_at(document, events, paused)
    assert then.state == "cooldown" and then.visits["review"] == 1 and "t11" not in then.taken
