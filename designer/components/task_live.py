"""Live pages: refresh when the engine commits a change the page cares about.

`engine.changes` calls subscribers on the engine's writer thread, where no NiceGUI element
may be touched. The callback here only filters and hands over to the page's event loop with
`call_soon_threadsafe`. There, changes arriving within `settle_s` are folded into one refresh,
so a burst of a thousand commits costs one re-query per open page, not a thousand; the
refresh runs with the page's request set, as NiceGUI does for event handlers, so the
session (who is logged in) can be read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from nicegui import storage, ui

if TYPE_CHECKING:
    from runtime import Engine
    from runtime.store.changes import Change

SETTLE_S = 0.15


def follow_changes(engine: Engine, relevant: Callable[[Change], bool],
                   refresh: Callable[[], None], settle_s: float = SETTLE_S) -> None:
    """Call `refresh()` in this page's client context after each relevant committed change,
    until the client is gone (closed tab, or no reconnect within NiceGUI's timeout)."""
    client = ui.context.client
    loop = asyncio.get_running_loop()
    pending = False

    def run_refresh() -> None:
        nonlocal pending
        pending = False
        if client.id not in client.instances:  # deleted while the refresh was pending
            return
        # as NiceGUI does for event handlers: the page's request, so the session is readable
        storage.request_contextvar.set(client.request)
        with client:
            refresh()

    def arrived() -> None:
        nonlocal pending
        if not pending:
            pending = True
            loop.call_later(settle_s, run_refresh)

    def heard(change: Change) -> None:  # on the engine's thread: filter and hand over only
        if relevant(change) and not loop.is_closed():
            loop.call_soon_threadsafe(arrived)

    unsubscribe = engine.changes.subscribe(heard)
    # on_delete rather than on_disconnect: a brief network drop reconnects the same client,
    # which should stay live; a client that does not come back is deleted.
    client.on_delete(unsubscribe)
