"""An analyst's story through the Processes and Designer pages, without a browser."""

from __future__ import annotations

import asyncio

import pytest
from nicegui import ElementFilter, ui
from nicegui.testing import User

from designer import drafts
from designer.components.canvas import ProcessCanvas
from designer.draft import new_document
from runtime import Engine
from shared.formats import import_definition
from shared.validation import validate

pytestmark = pytest.mark.anyio


def canvas(user: User) -> ProcessCanvas:
    return next(iter(user.find(kind=ProcessCanvas).elements))


def drop(user: User, state_type: str, x: int, y: int) -> None:
    user.find(kind=ProcessCanvas).trigger("dropped", {"type": state_type, "x": x, "y": y})


def connect(user: User, source: str, target: str, event: str | None = None) -> None:
    """Draw an arrow; `event` answers the connect dialog its source's type asks."""
    user.find(kind=ProcessCanvas).trigger("connected", {"source": source, "target": target})
    if event is not None:
        user.find(marker=f"connect-event-{event}").click()


async def finding_codes(user: User) -> set[str]:
    """The codes listed in the findings panel once its refresh has run."""
    await user.should_see(marker="findings")
    await asyncio.sleep(0)
    with user.client:
        return {element.props["data-code"] for element in ElementFilter(marker="finding")}


async def open_new_process(user: User, key: str = "expense-claim") -> None:
    await user.open("/")
    user.find(marker="new-process").click()
    user.find(marker="new-key").type(key)
    user.find(marker="new-name").type("Expense claim")
    user.find(marker="create-process").click()
    await user.should_see("Findings")


async def test_processes_page_lists_published_versions(user: User, engine: Engine) -> None:
    loan = new_document("loan-approval", "Loan approval")
    loan["states"].append({"id": "approved", "type": "end"})
    loan["transitions"].append({"from": "start", "to": "approved"})
    engine.publish(loan, actor="ana")
    loan["states"][1]["outcome"] = "failed"
    engine.publish(loan, actor="ana")
    await user.open("/")
    await user.should_see("loan-approval")
    table = next(iter(user.find(kind=ui.table).elements))
    assert table.rows[0]["versions"] == "v1, v2"
    assert table.rows[0]["latest"] == 2


async def test_new_process_key_must_fit_the_pattern(user: User, engine: Engine) -> None:
    await user.open("/")
    user.find(marker="new-process").click()
    user.find(marker="new-key").type("Loan Approval")
    user.find(marker="create-process").click()
    await user.should_see("Key: lower-case letters")
    assert drafts.saved_keys(engine) == []


async def test_dropped_states_show_dead_end_and_unreachable_findings(user: User) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    drop(user, "end", 400, 0)
    codes = await finding_codes(user)
    assert {"dead-end", "unreachable"} <= codes
    marks = canvas(user).findings
    assert marks["states"]["task_1"]["severity"] == "error"
    assert [n["id"] for n in canvas(user).nodes] == ["start", "task_1", "end_1"]


async def test_connecting_the_states_clears_the_graph_findings(user: User) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "start", "task_1")
    connect(user, "task_1", "end_1", "done")
    connect(user, "task_1", "end_1", "error")
    assert [e["label"] for e in canvas(user).edges] == ["", "done", "error"]
    codes = await finding_codes(user)
    assert "dead-end" not in codes
    assert "unreachable" not in codes
    assert "missing-action" in codes


async def test_connecting_asks_for_the_event_shows_taken_ones_and_cancel_adds_nothing(
    user: User,
) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "task_1", "end_1", "done")
    connect(user, "task_1", "end_1")
    assert not next(iter(user.find(marker="connect-event-done").elements)).enabled
    assert next(iter(user.find(marker="connect-event-error").elements)).enabled
    user.find(marker="connect-cancel").click()
    assert [e["label"] for e in canvas(user).edges] == ["done"]
    user.find(marker="undo").click()
    assert canvas(user).edges == []


async def test_publish_is_refused_while_errors_stand(user: User, engine: Engine) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    publish = next(iter(user.find(marker="publish").elements))
    assert not publish.enabled
    await user.should_see(marker="publish-reason")
    assert engine.definitions() == []


async def test_a_fixed_process_publishes_and_moves_do_not_change_it(
    user: User, engine: Engine
) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "start", "task_1")
    connect(user, "task_1", "end_1", "done")
    connect(user, "task_1", "end_1", "error")
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["task_1"], "edges": []})
    user.find(marker="field-action").type("send_payment")
    await user.should_see(marker="no-findings")
    user.find(marker="publish").click()
    await user.should_see("Published version 1")
    published = engine.version("expense-claim").document
    assert published["states"][1]["action"] == "send_payment"

    user.find(kind=ProcessCanvas).trigger("moved", {"nodes": [{"id": "task_1", "x": 240, "y": 80}]})
    assert drafts.load(engine, "expense-claim")["layout"]["task_1"] == {"x": 240, "y": 80}
    user.find(marker="publish").click()
    await user.should_see("No change since expense-claim version 1")
    assert [v.version for v in engine.versions("expense-claim")] == [1]


async def test_a_bad_guard_is_shown_under_the_field_while_typing(user: User) -> None:
    await open_new_process(user)
    drop(user, "decision", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "start", "decision_1")
    connect(user, "decision_1", "end_1")
    connect(user, "decision_1", "end_1")
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": [], "edges": ["t2"]})
    user.find(marker="field-when").type("amount <")
    assert "bad-guard" in await finding_codes(user)
    guard_error = next(iter(user.find(marker="guard-error").elements))
    assert guard_error.text


async def test_deleting_a_state_removes_its_transitions(user: User) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    connect(user, "start", "task_1")
    user.find(kind=ProcessCanvas).trigger("deleted", {"nodes": ["task_1"], "edges": []})
    assert [n["id"] for n in canvas(user).nodes] == ["start"]
    assert canvas(user).edges == []
    assert "dead-end" in await finding_codes(user)


async def test_an_analyst_reads_instances_but_not_tasks_dashboards_or_admin(user: User) -> None:
    await user.open("/instances")
    await user.should_see("All instances")
    for path in ("/tasks", "/dashboards", "/admin"):  # an analyst holds none of these
        await user.open(path)
        await user.should_see("ana may not do this")


async def test_clicking_a_palette_chip_adds_a_state(user: User) -> None:
    await open_new_process(user)
    user.find(kind=ui.element, marker="palette-timer").click()
    assert [n["type"] for n in canvas(user).nodes] == ["start", "timer"]
    assert "missing-duration" in await finding_codes(user)


async def test_undo_and_redo_walk_through_the_edits(user: User) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    connect(user, "start", "task_1")
    session_undo = user.find(marker="undo")
    session_undo.click()
    assert canvas(user).edges == []
    session_undo.click()
    assert [n["id"] for n in canvas(user).nodes] == ["start"]
    user.find(marker="redo").click()
    user.find(marker="redo").click()
    assert [(e["source"], e["target"]) for e in canvas(user).edges] == [("start", "task_1")]


async def test_a_published_process_opens_with_its_graph_laid_out(
    user: User, engine: Engine
) -> None:
    loan = new_document("loan-approval", "Loan approval")
    loan["states"].append({"id": "approved", "type": "end"})
    loan["transitions"].append({"from": "start", "to": "approved"})
    del loan["layout"]
    engine.publish(loan, actor="ana")
    await user.open("/designer/loan-approval")
    await user.should_see("Loan approval")
    nodes = {n["id"]: (n["x"], n["y"]) for n in canvas(user).nodes}
    assert nodes["approved"][0] > nodes["start"][0]
    await user.should_see(marker="no-findings")


async def test_an_unknown_process_key_says_so(user: User) -> None:
    await user.open("/designer/no-such-process")
    await user.should_see("There is no process or draft with key 'no-such-process'.")


async def test_renaming_a_state_keeps_it_selected_and_connected(user: User) -> None:
    await open_new_process(user)
    drop(user, "end", 200, 0)
    connect(user, "start", "end_1")
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["end_1"], "edges": []})
    user.find(marker="field-id").clear().type("approved").trigger("blur")
    assert [(e["source"], e["target"]) for e in canvas(user).edges] == [("start", "approved")]
    await user.should_see(marker="no-findings")


async def test_the_processes_page_tells_drafts_from_published_versions(
    user: User, engine: Engine
) -> None:
    await open_new_process(user)
    drop(user, "end", 200, 0)
    connect(user, "start", "end_1")
    await user.open("/")
    table = next(iter(user.find(kind=ui.table).elements))
    assert table.rows[0]["draft"] == "never published"

    engine.publish(drafts.load(engine, "expense-claim"), actor="ana")
    await user.open("/")
    table = next(iter(user.find(kind=ui.table).elements))
    assert table.rows[0]["draft"] == "same as v1"


async def test_declaring_the_guard_variable_answers_the_warning(user: User, engine: Engine) -> None:
    await open_new_process(user)
    drop(user, "decision", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "start", "decision_1")
    connect(user, "decision_1", "end_1")
    connect(user, "decision_1", "end_1")
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": [], "edges": ["t2"]})
    user.find(marker="field-when").type("amount > 500")
    assert await finding_codes(user) == {"unknown-variable"}

    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": [], "edges": []})
    user.find(marker="add-variable").click()
    user.find(marker="variable-name-0").clear().type("amount")
    await user.should_see(marker="no-findings")
    assert drafts.load(engine, "expense-claim")["variables"] == [
        {"name": "amount", "type": "string"}
    ]


async def test_a_published_version_is_shown_read_only(user: User, engine: Engine) -> None:
    loan = new_document("loan-approval", "Loan approval")
    loan["states"].append({"id": "approved", "type": "end"})
    loan["transitions"].append({"from": "start", "to": "approved", "label": "auto"})
    engine.publish(loan, actor="ana")
    await user.open("/processes/loan-approval/versions/1")
    await user.should_see("Loan approval — version 1")
    await user.should_see("by ana")
    view = canvas(user)
    assert view.props["readonly"] is True
    assert [e["label"] for e in view.edges] == ["auto"]

    # what an instance view draws: where the instance is, where it has been
    with user.client:
        view.set_highlight(current=["approved"], visited=["start", "approved"], taken=["t0"])
    assert view.props["highlight"] == {
        "states": {"start": "visited", "approved": "current"},
        "transitions": {"t0": "taken"},
    }


async def test_a_missing_version_says_so(user: User) -> None:
    await user.open("/processes/loan-approval/versions/7")
    await user.should_see("Process 'loan-approval' has no published version '7'.")


async def test_the_draft_downloads_as_a_json_document(user: User) -> None:
    await open_new_process(user)
    drop(user, "end", 200, 0)
    connect(user, "start", "end_1")
    user.find(marker="download").click()
    user.find(marker="export-json").click()
    response = await user.download.next()
    document = response.json()
    assert document["key"] == "expense-claim"
    assert validate(document).ok


async def test_the_draft_downloads_as_bpmn_and_mermaid(user: User) -> None:
    await open_new_process(user)
    drop(user, "end", 200, 0)
    connect(user, "start", "end_1")
    user.find(marker="download").click()
    user.find(marker="export-bpmn").click()
    bpmn = (await user.download.next()).content
    imported = import_definition(bpmn, "expense-claim.bpmn")
    assert imported.findings == []
    assert [s["id"] for s in imported.document["states"]] == ["start", "end_1"]
    user.find(marker="export-mermaid").click()
    mermaid = (await user.download.next()).content.decode()
    assert "[*] --> start" in mermaid and "start --> end_1" in mermaid


async def test_discarding_a_draft_goes_back_to_the_published_version(
    user: User, engine: Engine
) -> None:
    loan = new_document("loan-approval", "Loan approval")
    loan["states"].append({"id": "approved", "type": "end"})
    loan["transitions"].append({"from": "start", "to": "approved"})
    engine.publish(loan, actor="ana")
    await user.open("/designer/loan-approval")
    await user.should_see("· latest published v1")
    drop(user, "task", 200, 200)
    assert drafts.load(engine, "loan-approval") is not None
    await user.open("/designer/loan-approval")
    user.find(marker="discard-draft").click()
    assert drafts.load(engine, "loan-approval") is not None  # not before it is confirmed
    user.find(marker="confirm-yes").click()
    await user.should_not_see(marker="discard-draft")
    assert drafts.load(engine, "loan-approval") is None
    assert [n["id"] for n in canvas(user).nodes] == ["start", "approved"]


async def test_set_assignments_and_retry_policy_are_edited_in_place(
    user: User, engine: Engine
) -> None:
    await open_new_process(user)
    drop(user, "task", 200, 0)
    drop(user, "end", 400, 0)
    connect(user, "start", "task_1")
    connect(user, "task_1", "end_1", "done")
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["task_1"], "edges": []})
    user.find(marker="field-retry-max_attempts").type("5")
    assert drafts.load(engine, "expense-claim")["states"][1]["retry"] == {"max_attempts": 5}

    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": [], "edges": ["t1"]})
    user.find(marker="set-add").click()
    user.find(marker="set-name-0").type("total")
    user.find(marker="set-expression-0").type("event.amount *")
    assert "bad-guard" in await finding_codes(user)
    user.find(marker="set-expression-0").type(" 2")
    assert "bad-guard" not in await finding_codes(user)
    assert drafts.load(engine, "expense-claim")["transitions"][1]["set"] == {
        "total": "event.amount * 2"
    }


async def test_a_human_task_form_is_declared_field_by_field(user: User, engine: Engine) -> None:
    await open_new_process(user)
    drop(user, "human", 200, 0)
    user.find(kind=ProcessCanvas).trigger("selected", {"nodes": ["human_1"], "edges": []})
    user.find(marker="form-add").click()
    user.find(marker="form-name-0").type("comment")
    assert drafts.load(engine, "expense-claim")["states"][1]["form"] == [
        {"type": "string", "name": "comment"}
    ]
    user.find(marker="form-name-0").clear()
    assert "form" not in drafts.load(engine, "expense-claim")["states"][1]
