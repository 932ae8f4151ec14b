"""Channel configuration and the outbox, read and changed through an engine (CLI, REST)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runtime.notifications import outbox

if TYPE_CHECKING:
    from runtime.engine import Engine


def add_channel(engine: Engine, scope: str, target: str, fmt: str, url: str) -> dict[str, Any]:
    """Send notifications of tasks of role (or definition) `target` to `url` in `fmt`."""
    now = engine.clock.now()
    return engine.writer.submit(lambda conn: outbox.add_channel(conn, scope, target, fmt, url,
                                                                now))


def remove_channel(engine: Engine, channel_id: str) -> None:
    engine.writer.submit(lambda conn: outbox.remove_channel(conn, channel_id))


def list_channels(engine: Engine) -> list[dict[str, Any]]:
    with engine.store.read() as conn:
        return outbox.channels(conn)


def list_outbox(engine: Engine, task_id: str | None = None) -> list[dict[str, Any]]:
    with engine.store.read() as conn:
        return outbox.outbox_rows(conn, task_id)
