"""Out of office in the browser: an underwriter marks herself away from her inbox with a
colleague as stand-in, the mark shows on the button and in the CLI, and she clears it.
Screenshots (wide, phone, dark) in test-artifacts/out-of-office-*.png."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from browser_settings import ARTIFACTS
from login_form import log_in
from playwright.sync_api import Page, expect
from statewright_cli import add_user, cli

AWAY, STAND_IN, PASSWORD = "ooo-e2e-olive", "ooo-e2e-stan", "olive-takes-a-holiday"


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"out-of-office-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def people(server_db: str) -> str:
    add_user(server_db, STAND_IN, "underwriter", PASSWORD)
    return add_user(server_db, AWAY, "underwriter", PASSWORD)


def test_an_underwriter_marks_herself_out_of_office_and_back(
        browser_page: Page, designer_url: str, people: str, server_db: str) -> None:
    page = browser_page
    log_in(page, designer_url, people, PASSWORD, then="/tasks")
    button = page.get_by_test_id("ooo-button")
    expect(button).to_contain_text("Out of office: off")
    button.click()
    dialog = page.locator(".q-dialog")
    today = datetime.now(UTC).date()
    expect(dialog.get_by_test_id("ooo-from")).to_have_value(today.isoformat())
    dialog.get_by_test_id("ooo-save").click()
    expect(dialog.get_by_test_id("ooo-problem")).to_have_text(
        "Pick the day you leave and the day you are back")
    back = today + timedelta(days=14)
    dialog.get_by_test_id("ooo-until").fill(back.isoformat())
    dialog.get_by_text("A stand-in").click()
    dialog.get_by_test_id("ooo-save").click()
    expect(dialog.get_by_test_id("ooo-problem")).to_have_text(
        "Pick who gets your tasks, or send them back to the queues")
    dialog.get_by_test_id("ooo-delegate").click()
    page.locator(".q-menu .q-item", has_text=STAND_IN).click()
    expect(page.locator(".q-menu")).to_be_hidden()
    expect(dialog.get_by_test_id("ooo-problem")).to_have_text("")
    shoot(page, "1-dialog")
    dialog.get_by_test_id("ooo-save").click()
    expect(button).to_contain_text(f"Out of office: away until {back:%d %b} → {STAND_IN}")
    expect(dialog).to_be_hidden()
    shoot(page, "2-marked")

    mark = json.loads(cli(server_db, "users", "out-of-office", AWAY, "--json"))
    assert (mark["delegate_to"], mark["active"]) == (STAND_IN, True)
    assert mark["until"].startswith(back.isoformat())

    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "3-phone")
    page.emulate_media(color_scheme="dark")
    page.reload()
    button.click()
    expect(dialog.get_by_test_id("ooo-until")).to_have_value(back.isoformat())
    page.wait_for_timeout(500)  # the dialog's fade-in
    shoot(page, "4-phone-dark-dialog")
    dialog.get_by_test_id("ooo-clear").click()
    expect(button).to_contain_text("Out of office: off")
    assert "is not marked" in cli(server_db, "users", "out-of-office", AWAY)
