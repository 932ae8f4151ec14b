"""The Instances and Instance pages as an operator, a manager and an analyst, without a browser."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from nicegui import ElementFilter, ui
from nicegui.testing import User

from designer.components.canvas import ProcessCanvas
from runtime import Engine
from runtime.operations import perform
from runtime.security.identity import IdentityService

pytestmark = pytest.mark.anyio
PASSWORD = "correct-horse-battery"


@pytest.fixture
def loan(loan_approval: dict[str, Any]) -> dict[str, Any]:
    """The loan process with a sensitive variable; a scoring failure is an incident."""
    loan = loan_approval
    loan["variables"].append({"name": "ssn", "type": "string", "sensitive": True})
    loan["states"][1]["retry"]["max_attempts"] = 1
    loan["transitions"] = [t for t in loan["transitions"] if t.get("on") != "error"]
    return loan


@pytest.fixture
def loans(engine: Engine, loan: dict[str, Any]) -> list[str]:
    """Three loans waiting in review, one completed, one in incident (scoring failed)."""
    engine.publish(copy.deepcopy(loan))
    scores = iter([{"score": 700}] * 4 + [RuntimeError("scoring down")] + [{"score": 1}] * 9)

    def score(ctx: Any) -> dict[str, Any]:
        result = next(scores)
        if isinstance(result, Exception):
            raise result
        return result

    engine.action("credit_score")(score)
    ids = [engine.start("loan-approval", {"amount": a, "ssn": "123-45-6789"},
                        business_key=f"LN-{n}", actor="ana")
           for n, a in enumerate([50_000, 60_000, 70_000, 5_000])]
    engine.run_until_idle()
    ids.append(engine.start("loan-approval", {"amount": 80_000}, business_key="LN-BAD"))
    engine.run_until_idle()
    assert engine.get(ids[-1]).status == "incident"
    return ids


@pytest.fixture
async def operator(anonymous: User, identity: IdentityService, login: Any) -> User:
    identity.create_user("olga", password=PASSWORD, roles=["operator"])
    await login(anonymous, "olga", PASSWORD)
    await anonymous.should_see("Instances")
    return anonymous


def table(user: User) -> Any:
    return next(iter(user.find(marker="instances-table").elements))


def only(user: User, marker: str) -> Any:
    return next(iter(user.find(marker=marker).elements))


async def test_the_table_pages_sorts_and_filters_in_the_store(operator: User, loans,
                                                             engine: Engine) -> None:
    await operator.open("/instances")
    rows = table(operator).rows
    assert {r["business_key"] for r in rows} == {"LN-0", "LN-1", "LN-2", "LN-3", "LN-BAD"}
    assert table(operator).pagination["rowsNumber"] == 5
    operator.find(marker="instances-table").trigger("request", {"pagination": {
        "page": 2, "rowsPerPage": 2, "sortBy": "business_key", "descending": False}})
    assert [r["business_key"] for r in table(operator).rows] == ["LN-2", "LN-3"]
    only(operator, "filter-state").value = "review"
    only(operator, "filter-variable").value = "amount=60000"
    operator.find(marker="filter-apply").click()
    assert [r["business_key"] for r in table(operator).rows] == ["LN-1"]
    only(operator, "filter-variable").value = "amount"
    operator.find(marker="filter-apply").click()
    await operator.should_see("variable filter 'amount': no comparison in it")


async def test_filters_come_from_the_url(operator: User, loans, engine: Engine) -> None:
    await operator.open("/instances?state=review&variable=amount+>+55000&q=ln-")
    assert {r["business_key"] for r in table(operator).rows} == {"LN-1", "LN-2"}
    assert only(operator, "filter-variable").value == "amount > 55000"
    assert only(operator, "filter-text").value == "ln-"
    assert only(operator, "filter-state").value == "review"
    await operator.open("/instances?variable=amount+>>+5")
    await operator.should_see("'>' is followed by another comparison sign in '> 5'")


async def test_batch_suspend_needs_a_reason_and_reports_each_instance(
        operator: User, loans, engine: Engine) -> None:
    await operator.open("/instances?state=review")
    grid = table(operator)
    assert not only(operator, "batch-suspend").enabled  # nothing selected yet
    picked = [r for r in grid.rows if r["business_key"] in ("LN-0", "LN-1")]
    operator.find(marker="instances-table").trigger("selection", {
        "added": True, "rows": picked, "keys": [r["id"] for r in picked]})
    assert only(operator, "batch-suspend").enabled
    operator.find(marker="batch-suspend").click()
    await operator.should_see(marker="reason-dialog")
    operator.find(marker="reason-confirm").click()
    await operator.should_see("Please give a reason.")
    operator.find(marker="reason-input").type("month-end freeze")
    operator.find(marker="reason-confirm").click()
    await operator.should_see("Suspend: 2 of 2 done")
    assert engine.get(loans[0]).status == engine.get(loans[1]).status == "suspended"
    assert engine.history(loans[0])[-1].actor == "olga"
    assert engine.get(loans[2]).status == "running"


async def test_incidents_are_grouped_and_retried_in_one_click(operator: User, loans,
                                                             engine: Engine) -> None:
    await operator.open("/instances?status=incident")
    await operator.should_see("action 'credit_score' raised RuntimeError: scoring down")
    await operator.should_see("1 instance(s) of loan-approval, in score")
    operator.find(marker="incident-retry").click()
    await operator.should_see("Retry: running, in score")
    retried = next(e for e in engine.history(loans[4]) if e.type == "retried")
    assert (retried.type, retried.actor) == ("retried", "olga")
    assert retried.data["reason"].startswith("retried after a fix of: credit_score: ")
    await operator.should_see(marker="no-incidents")


async def test_an_analyst_reads_but_cannot_act(user: User, loans, engine: Engine) -> None:
    await user.open("/instances")
    assert table(user).rows
    await user.should_not_see(marker="batch-suspend")
    await user.open(f"/instances/{loans[0]}")
    await user.should_see(marker="instance-status")
    await user.should_not_see(marker="op-suspend")


async def test_an_operator_who_lost_the_role_is_refused_on_the_server(
        anonymous: User, identity: IdentityService, login: Any, loans, engine: Engine) -> None:
    identity.create_user("mia", password=PASSWORD, roles=["operator"])
    await login(anonymous, "mia", PASSWORD)
    await anonymous.open(f"/instances/{loans[0]}")
    await anonymous.should_see(marker="op-suspend")
    identity.set_roles("mia", ["manager"])  # after the page was drawn
    anonymous.find(marker="op-suspend").click()
    anonymous.find(marker="reason-input").type("try anyway")
    anonymous.find(marker="reason-confirm").click()
    await anonymous.should_see("You may no longer")
    assert engine.get(loans[0]).status == "running"


async def test_the_instance_page_draws_the_path_and_masks_sensitive_values(
        operator: User, loans, engine: Engine) -> None:
    await operator.open(f"/instances/{loans[0]}")
    await operator.should_see(marker="instance-status")
    canvas = next(iter(operator.find(kind=ProcessCanvas).elements))
    assert canvas.props["highlight"]["states"]["review"] == "current"
    overlay = canvas.props["overlay"]
    assert overlay["states"]["review"]["badge"] == "1"
    assert overlay["transitions"]["t1"]["badge"] == "x1"
    with operator.client:
        texts = " ".join(e.text for e in ElementFilter(kind=ui.label))
    assert "123-45-6789" not in texts and "***" in texts


async def test_clicking_an_event_shows_the_graph_as_it_was(operator: User, loans,
                                                           engine: Engine) -> None:
    await operator.open(f"/instances/{loans[0]}")
    first_task = next(e.seq for e in engine.history(loans[0]) if e.data.get("to") == "score")
    operator.find(marker=f"event-{first_task}").trigger("click")
    await operator.should_see(marker="travel-banner")
    canvas = next(iter(operator.find(kind=ProcessCanvas).elements))
    assert canvas.props["highlight"]["states"]["score"] == "current"
    assert "review" not in canvas.props["overlay"]["states"]
    operator.find(marker="travel-now").click()
    assert canvas.props["highlight"]["states"]["review"] == "current"


async def test_move_with_a_reason_appears_in_the_timeline_live(operator: User, loans,
                                                               engine: Engine) -> None:
    await operator.open(f"/instances/{loans[1]}")
    operator.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["wait_docs"], "edges": []})
    operator.find(marker="op-move").click()
    assert only(operator, "move-target").value == "wait_docs"
    operator.find(marker="reason-input").type("customer sent the wrong form")
    operator.find(marker="reason-confirm").click()
    await operator.should_see(
        "Moved by olga from review to wait_docs: customer sent the wrong form")
    assert engine.get(loans[1]).state == "wait_docs"
    engine.send(loans[1], "docs_received", actor="api")  # another writer: arrives live
    for _ in range(40):
        await asyncio.sleep(0.05)
        canvas = next(iter(operator.find(kind=ProcessCanvas).elements))
        if canvas.props["highlight"]["states"].get("review") == "current":
            break
    assert canvas.props["highlight"]["states"]["review"] == "current"
    await operator.should_see("Moved from wait_docs to review on docs_received")


async def test_set_variable_and_migrate_are_operator_actions(operator: User, loans, loan,
                                                             engine: Engine) -> None:
    loan["states"].append({"id": "second_look", "type": "wait"})
    loan["transitions"] += [{"from": "review", "to": "second_look", "on": "second_opinion"},
                            {"from": "second_look", "to": "approved", "on": "approve"}]
    engine.publish(loan)
    await operator.open(f"/instances/{loans[2]}")
    operator.find(marker="edit-amount").click()
    only(operator, "variable-value").value = "75000"
    operator.find(marker="reason-input").type("typo in the application")
    operator.find(marker="reason-confirm").click()
    await operator.should_see("Set variables: running, in review")
    assert engine.get(loans[2]).variables["amount"] == 75000
    operator.find(marker="op-migrate").click()
    assert only(operator, "migrate-version").value == 2
    only(operator, "migrate-state").value = "second_look"
    operator.find(marker="reason-input").type("new review step")
    operator.find(marker="reason-confirm").click()
    await operator.should_see("Migrate: running, in second_look")
    assert (engine.get(loans[2]).version, engine.get(loans[2]).state) == (2, "second_look")


async def test_an_unknown_instance_says_so(operator: User) -> None:
    await operator.open("/instances/nope")
    await operator.should_see("There is no instance 'nope'.")


SHIPPING = {
    "schema": "statewright/v1", "key": "shipping",
    "variables": [{"name": "weight_kg", "type": "number"}],
    "states": [{"id": "booked", "type": "start"}, {"id": "in_transit", "type": "wait"},
               {"id": "arrived", "type": "end"}],
    "transitions": [{"from": "booked", "to": "in_transit"},
                    {"from": "in_transit", "to": "arrived", "on": "arrive"}],
}
ORDER = {
    "schema": "statewright/v1", "key": "purchase-order",
    "variables": [{"name": "total", "type": "number"}],
    "states": [{"id": "received", "type": "start"},
               {"id": "ship", "type": "subprocess", "definition": "shipping",
                "input": {"weight_kg": "double(total) / 10.0"}},
               {"id": "delivered", "type": "end"}],
    "transitions": [{"from": "received", "to": "ship"},
                    {"from": "ship", "to": "delivered", "on": "done"}],
}


async def test_the_work_tab_shows_a_retrying_action_and_its_breaker(
        operator: User, engine: Engine, loan: dict[str, Any]) -> None:
    loan["states"][1]["retry"] = {"max_attempts": 3, "initial_s": 600, "multiplier": 2,
                                  "max_s": 3600, "jitter": 0}
    engine.publish(loan)

    def down(ctx: Any) -> dict[str, Any]:
        raise RuntimeError("bureau timeout")

    engine.action("credit_score")(down)
    iid = engine.start("loan-approval", {"amount": 50_000})
    engine.run_until_idle()
    await operator.open(f"/instances/{iid}")
    canvas = next(iter(operator.find(kind=ProcessCanvas).elements))
    assert canvas.props["overlay"]["states"]["score"]["mark"] == "retrying"
    await operator.should_see("action: credit_score — ready")
    await operator.should_see("attempt 2")
    await operator.should_see("last error: action 'credit_score' raised RuntimeError: bureau")
    await operator.should_see(marker="breaker")
    await operator.should_see("Breaker credit_score")


async def test_parent_and_child_instances_link_to_each_other(operator: User,
                                                             engine: Engine) -> None:
    engine.publish(SHIPPING)
    engine.publish(ORDER)
    order = engine.start("purchase-order", {"total": 250})
    engine.run_until_idle()
    (child,) = engine.list_instances(definition="shipping").items
    await operator.open(f"/instances/{order}")
    link = next(iter(operator.find(marker="child-link").elements))
    assert link.props["href"] == f"/instances/{child.id}"
    await operator.open(f"/instances/{child.id}")
    link = next(iter(operator.find(marker="parent-link").elements))
    assert link.props["href"] == f"/instances/{order}"


async def test_an_open_reason_dialog_survives_a_live_refresh(operator: User, loans,
                                                             engine: Engine) -> None:
    await operator.open(f"/instances/{loans[0]}")
    operator.find(marker="op-suspend").click()
    await operator.should_see(marker="reason-dialog")
    engine.send(loans[0], "request_docs", actor="api")  # the page redraws behind the dialog
    await operator.should_see("Moved from review to wait_docs on request_docs")
    operator.find(marker="reason-input").type("hold until the audit ends")
    operator.find(marker="reason-confirm").click()
    await operator.should_see("Suspend: suspended, in wait_docs")
    assert engine.get(loans[0]).status == "suspended"


async def test_switching_tabs_shows_the_store_as_it_is_now(operator: User, loans,
                                                           engine: Engine) -> None:
    await operator.open("/instances")
    perform(engine, loans[4], "retry", "fixed elsewhere", actor="api")
    operator.find(marker="tab-incidents").click()
    await operator.should_see(marker="no-incidents")
    perform(engine, loans[0], "suspend", "elsewhere", actor="api")
    operator.find(marker="tab-all").click()
    rows = {r["business_key"]: r["status"] for r in table(operator).rows}
    assert rows["LN-0"] == "suspended"


async def test_the_list_follows_changes_and_keeps_the_selection(operator: User, loans,
                                                                engine: Engine) -> None:
    await operator.open("/instances")
    grid = table(operator)
    grid.selected = [r for r in grid.rows if r["business_key"] == "LN-1"]
    only(operator, "filter-variable").value = "amou"  # being typed: not applied live
    engine.send(loans[0], "approve", actor="api")
    for _ in range(60):
        await asyncio.sleep(0.05)
        if {r["business_key"]: r["status"] for r in grid.rows}["LN-0"] == "completed":
            break
    assert {r["business_key"]: r["status"] for r in grid.rows}["LN-0"] == "completed"
    assert [r["business_key"] for r in grid.selected] == ["LN-1"] and len(grid.rows) == 5
    assert only(operator, "filter-error").text == ""
