"""The inbox's variable columns, its search by business key and variable value, and saved
views (SQLite and PostgreSQL); masked variables are neither columns nor search hits."""

from __future__ import annotations

from typing import Any

import pytest

from runtime import Engine
from runtime.core.errors import EngineError, NotFound
from runtime.people.tasks import Caller, queues, saved_views
from runtime.people.tasks.inbox_columns import inbox_values
from shared.definition import Definition

ANA = Caller("ana", frozenset({"underwriter"}))
BEN = Caller("ben", frozenset({"underwriter"}))

VARIABLES = [
    {"name": "amount", "type": "number", "inbox": True},
    {"name": "applicant", "type": "string", "inbox": True},
    {"name": "salary", "type": "number", "classification": "confidential", "inbox": True},
    {"name": "ssn", "type": "string", "sensitive": True, "inbox": True},
    {"name": "note", "type": "string"},
]


def process(key: str, variables: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": "statewright/v1", "key": key, "variables": variables,
        "states": [{"id": "in", "type": "start"},
                   {"id": "review", "type": "human", "role": "underwriter"},
                   {"id": "done", "type": "end", "outcome": "completed"}],
        "transitions": [{"from": "in", "to": "review"},
                        {"from": "review", "to": "done", "on": "approve"}],
    }


@pytest.fixture
def loans(engine: Engine) -> dict[str, str]:
    """Two loans and one unrelated task; instance ids by business key."""
    engine.publish(process("loan", VARIABLES))
    engine.publish(process("plain", [{"name": "amount", "type": "number"}]))
    started = {
        "LN-1": engine.start("loan", {"amount": 12000, "applicant": "Grace Hopper",
                                      "salary": 98765, "ssn": "078-05-1120",
                                      "note": "needle"}, business_key="LN-1"),
        "LN-2": engine.start("loan", {"amount": 500, "applicant": "Alan Turing"},
                             business_key="LN-2"),
        "PL-1": engine.start("plain", {"amount": 12000}, business_key="PL-1"),
    }
    engine.run_until_idle()
    return started


def keys(engine: Engine, search: str, **options: Any) -> set[str]:
    page = queues.for_my_roles(engine, ANA, search, **options)
    return {engine.get(t.instance_id).business_key for t in page.items}


def test_columns_are_the_inbox_variables_the_viewer_may_see(engine, loans) -> None:
    tasks = queues.for_my_roles(engine, ANA).items
    plain = inbox_values(engine, tasks, sees_confidential=False)
    assert plain.columns == ["amount", "applicant"]
    assert plain.values[loans["LN-1"]] == {"amount": 12000, "applicant": "Grace Hopper"}
    assert plain.values[loans["PL-1"]] == {}  # `plain` shows no variable in the inbox
    assert plain.business_keys[loans["LN-2"]] == "LN-2"
    confidential = inbox_values(engine, tasks, sees_confidential=True)
    assert confidential.columns == ["amount", "applicant", "salary"]  # ssn: never
    assert confidential.values[loans["LN-1"]]["salary"] == 98765
    assert inbox_values(engine, [], sees_confidential=True).columns == []


def test_search_finds_tasks_by_business_key_and_inbox_variable_values(engine, loans) -> None:
    assert keys(engine, "ln-2") == {"LN-2"}
    assert keys(engine, "hopper") == {"LN-1"}
    assert keys(engine, "12000") == {"LN-1"}  # PL-1's amount is not an inbox column
    assert keys(engine, "needle") == set()  # not an inbox variable
    assert keys(engine, "98765") == set()  # confidential: not for ana
    assert keys(engine, "98765", sees_confidential=True) == {"LN-1"}
    assert keys(engine, "078-05", sees_confidential=True) == set()  # restricted: sealed
    assert keys(engine, "%") == set()
    assert keys(engine, "LN", definition="plain") == set()
    assert keys(engine, "", definition="plain") == {"PL-1"}
    assert {t.instance_id for t in queues.mine(engine, ANA, "LN-1").items} == set()


def test_inbox_false_stays_out_of_the_document_and_its_hash() -> None:
    without = process("loan", [{"name": "amount", "type": "number"}])
    marked_false = process("loan", [{"name": "amount", "type": "number", "inbox": False}])
    marked = process("loan", [{"name": "amount", "type": "number", "inbox": True}])
    first = Definition.model_validate(without)
    assert Definition.model_validate(marked_false).content_hash() == first.content_hash()
    assert "inbox" not in first.to_document()["variables"][0]
    assert Definition.model_validate(marked).to_document()["variables"][0]["inbox"] is True


def test_saved_views_are_per_user_replaced_by_name_and_removed(engine: Engine) -> None:
    saved_views.save(engine, "ana", " big  loans ", {"search": "LN", "definition": "loan"})
    saved_views.save(engine, "ana", "all", {"search": "", "definition": None})
    saved_views.save(engine, "ben", "big loans", {"search": "other"})
    mine = saved_views.listed(engine, "ana")
    assert [(v.name, v.filters) for v in mine] == [
        ("all", {}), ("big loans", {"search": "LN", "definition": "loan"})]
    saved_views.save(engine, "ana", "big loans", {"search": "LN-1"})
    assert saved_views.listed(engine, "ana")[1].filters == {"search": "LN-1"}
    assert saved_views.listed(engine, "ben")[0].filters == {"search": "other"}
    saved_views.remove(engine, "ana", "all")
    assert [v.name for v in saved_views.listed(engine, "ana")] == ["big loans"]
    with pytest.raises(NotFound, match="no saved view named 'all'"):
        saved_views.remove(engine, "ana", "all")


@pytest.mark.parametrize(("name", "filters", "message"), [
    ("  ", {}, "give the view a name"),
    ("x" * 81, {}, "at most 80 characters"),
    ("v", {"colour": "red"}, "cannot keep colour"),
    ("v", {"search": "y" * 201}, "search is longer than 200"),
])
def test_a_bad_view_is_refused_by_name(engine: Engine, name: str, filters: dict,
                                       message: str) -> None:
    with pytest.raises(EngineError, match=message):
        saved_views.save(engine, "ana", name, filters)
