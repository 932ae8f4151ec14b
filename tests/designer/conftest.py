"""A NiceGUI `user` for the designer pages: the real pages on a fresh NiceGUI, no browser.

NiceGUI's own `user` fixture runs a `main.py`; ours registers the designer's pages with an
engine that keeps published versions in memory, so tests control what the engine holds.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from nicegui import Client, app, core, ui
from nicegui.storage import Storage
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

from designer.app import register_pages


class InMemoryEngine:
    """The slice of the runtime Engine the designer calls, with versions kept in a dict."""

    def __init__(self) -> None:
        self.published: dict[str, list[dict[str, Any]]] = {}

    def definitions(self) -> list[dict[str, Any]]:
        return [{"key": key, "name": docs[-1].get("name")} for key, docs in self.published.items()]

    def versions(self, key: str) -> list[int]:
        return list(range(1, len(self.published.get(key, [])) + 1))

    def version(self, key: str, number: int) -> dict[str, Any]:
        return self.published[key][number - 1]

    def publish(self, document: dict[str, Any], actor: str) -> int:
        self.published.setdefault(document["key"], []).append(document)
        return len(self.published[document["key"]])


@pytest.fixture
def engine() -> InMemoryEngine:
    return InMemoryEngine()


@pytest.fixture
async def user(engine: InMemoryEngine) -> AsyncIterator[User]:
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
