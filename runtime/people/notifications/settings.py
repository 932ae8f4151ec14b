"""Channel configuration and the outbox, read and changed through an ledger (CLI, REST)."""

from __future__ import annotations

from typing import Any

from runtime.instances import InstanceAccess
from runtime.people.notifications import outbox, targets


def add_channel(ledger: InstanceAccess, scope: str, target: str, fmt: str,
                url: str) -> dict[str, Any]:
    """Send notifications of tasks of role (or definition) `target` to `url` in `fmt`; a URL
    into the server's own network is refused (`targets`), resolved before the write."""
    targets.check_url(url)
    now = ledger.clock.now()
    return ledger.writer.submit(lambda conn: outbox.add_channel(conn, scope, target, fmt, url,
                                                                now))


def remove_channel(ledger: InstanceAccess, channel_id: str) -> None:
    ledger.writer.submit(lambda conn: outbox.remove_channel(conn, channel_id))


def list_channels(ledger: InstanceAccess) -> list[dict[str, Any]]:
    with ledger.store.read() as conn:
        return outbox.channels(conn)


def list_outbox(ledger: InstanceAccess, task_id: str | None = None) -> list[dict[str, Any]]:
    with ledger.store.read() as conn:
        return outbox.outbox_rows(conn, task_id)
