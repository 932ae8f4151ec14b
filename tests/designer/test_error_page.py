"""A failing page shows an apology with a reference, and the exception only in the log."""

from __future__ import annotations

import logging

import pytest
from nicegui import ui
from nicegui.testing import User

pytestmark = pytest.mark.anyio


async def test_a_failing_page_hides_the_exception_and_logs_it(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    @ui.page("/broken")
    def broken() -> None:
        raise RuntimeError("password_hash column missing in table users")

    await user.open("/login")  # the app is running
    with caplog.at_level(logging.ERROR, logger="statewright.web"):
        response = await user.http_client.get("/broken")
    assert response.status_code == 500
    assert "Something went wrong on this page" in response.text
    assert "password_hash" not in response.text
    reference = next(r for r in caplog.records if r.name == "statewright.web")
    assert "password_hash column missing" in str(reference.exc_info[1])
