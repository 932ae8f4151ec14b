"""A NiceGUI `user` for the designer pages: the real pages on a fresh NiceGUI, no browser.

NiceGUI's own `user` fixture runs a `main.py`; ours registers the designer's pages with a real
engine on a fresh SQLite file, so tests control what is published.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from nicegui import Client, app, core, ui
from nicegui.storage import Storage
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

from designer.app import register_pages
from runtime import Engine
from runtime.security.identity import IdentityService


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(f"sqlite:///{tmp_path / 'designer.db'}")
    yield engine
    engine.close()


ANALYST_PASSWORD = "correct-horse-battery"


@pytest.fixture
def identity(tmp_path: Path, engine: Engine) -> Iterator[IdentityService]:
    """Accounts in the engine's database: `ana` the analyst."""
    service = IdentityService(engine.url)
    service.create_user("ana", password=ANALYST_PASSWORD, roles=["analyst"])
    yield service
    service.close()


async def log_in(user: User, username: str, password: str = ANALYST_PASSWORD) -> None:
    await user.open("/login")
    user.find(marker="login-username").type(username)
    user.find(marker="login-password").type(password)
    login_page, refusals = user.client, len(user.notify.messages)
    user.find(marker="login-submit").click()
    # A login ends in a redirect through `/auth/session` (which sets the new cookie), run by a
    # background navigation; wait for it, or for the refusal, before the test goes on.
    for _ in range(100):
        if user.client is not login_page or len(user.notify.messages) > refusals:
            return
        await asyncio.sleep(0.05)


@pytest.fixture
def login() -> Callable[..., Awaitable[None]]:
    """`await login(user, "mo")`: log a simulated browser in through the login page."""
    return log_in


@pytest.fixture
async def anonymous(engine: Engine, identity: IdentityService) -> AsyncIterator[User]:
    """A browser on the designer pages that has not logged in."""
    storage_dir = tempfile.mkdtemp(prefix="statewright-designer-test-")
    Storage.path = Path(storage_dir)
    app.storage = Storage()
    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        try:
            prepare_simulation()
            register_pages(engine, identity)
            ui.run(storage_secret="designer tests")
            async with core.app.router.lifespan_context(core.app):
                transport = httpx.ASGITransport(core.app)
                async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                    yield User(client)
        finally:
            os.environ.pop("NICEGUI_USER_SIMULATION", None)
            Client.instances.clear()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def user(anonymous: User) -> User:
    """Ana the analyst, logged in."""
    await log_in(anonymous, "ana")
    await anonymous.should_see("Processes")
    return anonymous
