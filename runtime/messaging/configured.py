"""Whether a database uses messaging at all: `serve` and `worker` start consumers only then."""

from __future__ import annotations

from sqlalchemy import exists, select

from runtime.messaging.tables import message_subscriptions, outbox_routes
from runtime.store.base import Store


def configured(store: Store) -> bool:
    with store.read() as conn:
        return bool(conn.execute(select(exists().select_from(message_subscriptions))).scalar()
                    or conn.execute(select(exists().select_from(outbox_routes))).scalar())
