"""The Processes page's housekeeping: drafts in the engine, duplicate, export, delete, counts."""

from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User

from designer import drafts
from designer.draft import new_document
from runtime import Engine

pytestmark = pytest.mark.anyio


def loan() -> dict:
    document = new_document("loan-approval", "Loan approval")
    document["states"].append({"id": "approved", "type": "end"})
    document["transitions"].append({"from": "start", "to": "approved"})
    return document


def table_rows(user: User) -> list[dict]:
    return next(iter(user.find(kind=ui.table).elements)).rows


async def test_a_draft_lives_in_the_engine_with_who_changed_it_last(
    user: User, engine: Engine
) -> None:
    await user.open("/")
    user.find(marker="new-process").click()
    user.find(marker="new-key").type("expense-claim")
    user.find(marker="create-process").click()
    await user.should_see("Findings")
    stored = engine.draft("expense-claim")
    assert stored is not None and stored.updated_by == "ana"
    await user.open("/")
    row = table_rows(user)[0]
    assert row["draft"] == "never published"
    assert row["changed"].endswith("by ana")


async def test_instances_are_counted_per_process(user: User, engine: Engine) -> None:
    engine.publish(loan(), actor="ana")
    engine.start("loan-approval")
    engine.start("loan-approval")
    await user.open("/")
    await user.should_see("loan-approval")
    assert table_rows(user)[0]["instances"] == 2


async def test_a_published_process_tells_who_published_its_latest_version(
    user: User, engine: Engine
) -> None:
    engine.publish(loan(), actor="ana")
    changed = loan()
    changed["name"] = "Loan approval v2"
    engine.publish(changed, actor="bo")
    await user.open("/")
    await user.should_see("loan-approval")
    assert table_rows(user)[0]["changed"].startswith("v2 published ")
    assert table_rows(user)[0]["changed"].endswith(" by bo")


async def test_duplicating_saves_a_draft_under_the_new_key(user: User, engine: Engine) -> None:
    engine.publish(loan(), actor="ana")
    await user.open("/")
    user.find(kind=ui.table).trigger("duplicate", "loan-approval")
    user.find(marker="duplicate-key").clear().type("loan-approval")
    user.find(marker="duplicate-confirm").click()
    await user.should_see("already exists")
    user.find(marker="duplicate-key").clear().type("mortgage")
    user.find(marker="duplicate-confirm").click()
    await user.should_see("Findings")
    copied = drafts.load(engine, "mortgage")
    assert copied["key"] == "mortgage"
    assert copied["states"] == loan()["states"]


async def test_export_downloads_the_draft_else_the_latest_version(
    user: User, engine: Engine
) -> None:
    engine.publish(loan(), actor="ana")
    await user.open("/")
    user.find(kind=ui.table).trigger("export", "loan-approval")
    assert (await user.download.next()).json()["states"] == loan()["states"]
    changed = loan()
    changed["name"] = "Loan approval, draft"
    drafts.save(engine, changed, "ana")
    user.find(kind=ui.table).trigger("export", "loan-approval")
    assert (await user.download.next()).json()["name"] == "Loan approval, draft"


async def test_deleting_a_draft_asks_first(user: User, engine: Engine) -> None:
    drafts.save(engine, loan(), "ana")
    await user.open("/")
    user.find(kind=ui.table).trigger("discard", "loan-approval")
    await user.should_see("This cannot be undone")
    assert drafts.load(engine, "loan-approval") is not None
    user.find(marker="delete-draft-confirm").click()
    assert drafts.load(engine, "loan-approval") is None


async def test_arrange_lays_the_draft_out_again_and_can_be_undone(
    user: User, engine: Engine
) -> None:
    document = loan()
    document["layout"] = {"start": {"x": 500, "y": 500}, "approved": {"x": 0, "y": 0}}
    drafts.save(engine, document, "ana")
    await user.open("/designer/loan-approval")
    user.find(marker="arrange").click()
    # The browser runs ELK and answers with the positions; here the answer is simulated.
    arranged = [{"id": "start", "x": 0, "y": 0}, {"id": "approved", "x": 900, "y": 40}]
    user.find(marker="canvas").trigger("arranged", {"nodes": arranged, "asked": True})
    layout = drafts.load(engine, "loan-approval")["layout"]
    assert layout["start"]["x"] < layout["approved"]["x"]
    user.find(marker="undo").click()
    assert drafts.load(engine, "loan-approval")["layout"] == document["layout"]
