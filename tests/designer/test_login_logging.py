"""Failed web logins land in `statewright.security` like the API's refusals: who was tried and
from where, never the password."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from nicegui.testing import User

pytestmark = pytest.mark.anyio
Login = Callable[..., Awaitable[None]]
GUESS = "Winter2024-guess"


def _security_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "statewright.security"]


async def test_a_wrong_password_on_the_login_page_is_logged_without_the_password(
    anonymous: User, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="statewright.security"):
        await login(anonymous, "ana", GUESS)
        await anonymous.should_see("Invalid username or password")
        await login(anonymous, "nobody", GUESS)
        await anonymous.should_see("Invalid username or password")
    lines = _security_lines(caplog)
    assert any("web login refused for 'ana' from " in line for line in lines), lines
    assert any("web login refused for 'nobody' from " in line for line in lines), lines
    assert not any("from unknown" in line for line in lines)  # the client address is named
    assert all(GUESS not in r.getMessage() and GUESS not in str(r.args) for r in caplog.records)


async def test_a_wrong_current_password_on_the_change_page_is_logged(
    user: User, caplog: pytest.LogCaptureFixture
) -> None:
    await user.open("/password")
    user.find(marker="password-current").type(GUESS)
    user.find(marker="password-new").type("a-brand-new-passphrase")
    user.find(marker="password-repeat").type("a-brand-new-passphrase")
    with caplog.at_level(logging.WARNING, logger="statewright.security"):
        user.find(marker="password-submit").click()
        await user.should_see("The current password is wrong")
    [line] = [ln for ln in _security_lines(caplog) if "password change refused" in ln]
    assert "'ana'" in line and GUESS not in line
