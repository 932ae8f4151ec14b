"""A NiceGUI `user` for the designer pages: the real pages on a fresh NiceGUI, no browser.

NiceGUI's own `user` fixture runs a `main.py`; ours registers the designer's pages with a real
engine on a fresh SQLite file, so tests control what is published.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from nicegui import Client, app, core, ui
from nicegui.storage import Storage
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

from designer.app import register_pages
from runtime import Engine


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = Engine(f"sqlite:///{tmp_path / 'designer.db'}")
    yield engine
    engine.close()


@pytest.fixture
async def user(engine: Engine) -> AsyncIterator[User]:
    storage_dir = tempfile.mkdtemp(prefix="statewright-designer-test-")
    Storage.path = Path(storage_dir)
    app.storage = Storage()
    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        try:
            prepare_simulation()
            register_pages(engine)
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
