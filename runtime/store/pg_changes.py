"""The PostgreSQL change feed: NOTIFY each transaction's changes, LISTEN for other processes'.

The announcer runs inside the writer's transaction (`changes.collecting`), once per
transaction: one `pg_notify` statement carrying every change of the transaction as JSON,
split into several payloads only when they would pass PostgreSQL's 8000-byte limit. The
notification is delivered at commit and never for a rollback, in commit order. Each payload
starts with the origin (the engine's worker id): the listener drops its own engine's
notifications without decoding them, since the writer published those after commit.

The channel is per schema (`statewright_changes` in `public`, else suffixed with the schema,
`postgres.channel_for`): channels are database-wide, and two deployments in two schemas must
not hear each other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable

from sqlalchemy import Connection

from runtime.store.changes import Change, ChangeHub
from runtime.store.postgres import PostgresStore

CHANNEL = "statewright_changes"
MAX_PAYLOAD = 7_900  # bytes; PostgreSQL refuses a payload of 8000 bytes or more
_NOTIFY = "SELECT pg_notify(%s, payload) FROM unnest(%s::text[]) AS payload"
log = logging.getLogger("statewright.changes")


def _head(origin: str) -> str:
    return '{"o":' + json.dumps(origin) + ',"c":['


def _item(change: Change, event_types: Iterable[str]) -> str:
    return json.dumps([change.instance_id, change.definition, change.version, change.state,
                       change.status, list(event_types), change.seq], separators=(",", ":"))


def encode(origin: str, changes: Iterable[Change]) -> list[str]:
    """The JSON payloads announcing `changes`, each under `MAX_PAYLOAD` bytes (ASCII).

    A change whose own event types would not fit (hundreds of events on one instance in one
    transaction) lists each type once, in order of first appearance.
    """
    head = _head(origin)
    payloads: list[str] = []
    items: list[str] = []
    size = len(head) + 2  # "]}"
    for change in changes:
        item = _item(change, change.event_types)
        if len(head) + len(item) + 2 > MAX_PAYLOAD:
            item = _item(change, dict.fromkeys(change.event_types))
        if items and size + len(item) + 1 > MAX_PAYLOAD:
            payloads.append(head + ",".join(items) + "]}")
            items, size = [], len(head) + 2
        items.append(item)
        size += len(item) + 1
    if items:
        payloads.append(head + ",".join(items) + "]}")
    return payloads


def decode(payload: str) -> tuple[str, list[Change]]:
    """The origin and the changes of one payload; raises ValueError when it is not one."""
    try:
        document = json.loads(payload)
        return document["o"], [Change(iid, definition, version, state, status, tuple(types), seq)
                               for iid, definition, version, state, status, types, seq
                               in document["c"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a change notification: {payload[:200]!r}") from exc


class PostgresChangeFeed:
    """Announces this engine's committed changes and publishes the other engines' on `hub`."""

    def __init__(self, store: PostgresStore, hub: ChangeHub, origin: str) -> None:
        self._store = store
        self._hub = hub
        if len(origin) > 200:  # a worker id chosen that long must not eat the payloads
            origin = hashlib.sha256(origin.encode()).hexdigest()
        self._origin = origin
        self._own = _head(origin)
        self.channel = store.channel(CHANNEL)
        self._ready: threading.Event | None = None
        store.announce = self._announce
        hub.when_subscribed(self.start)

    def start(self) -> None:
        """LISTEN on the channel (non-blocking; `wait_ready` tells when it is in effect)."""
        if self._ready is None:
            self._ready = self._store.listen(self.channel, self._heard)

    def wait_ready(self, timeout_s: float) -> bool:
        return self._ready is not None and self._ready.wait(timeout_s)

    def close(self) -> None:
        if self._store.announce == self._announce:
            self._store.announce = None
        self._store.unlisten(self.channel)

    def _announce(self, conn: Connection, changes: list[Change]) -> None:
        conn.exec_driver_sql(_NOTIFY, (self.channel, encode(self._origin, changes)))

    def _heard(self, payload: str) -> None:
        if payload.startswith(self._own):
            return  # ours: the writer published it after our commit
        try:
            _, changes = decode(payload)
        except ValueError as exc:
            log.warning("%s", exc)
            return
        self._hub.publish(changes)
