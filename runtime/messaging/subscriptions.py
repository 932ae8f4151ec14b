"""Subscriptions: a broker source mapped to starting an instance or sending it an event.

A subscription is plain data, checked when it is added (broker scheme, names, every CEL
expression compiled), so a consumer never meets a subscription it cannot run.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, delete, insert, select

from runtime.core.clock import to_db
from runtime.core.errors import EngineError, NotFound
from runtime.messaging.tables import ACTIONS, SEND
from runtime.messaging.tables import message_subscriptions as ms
from shared.definition import Definition
from shared.errors import GuardError
from shared.guards import compile_expression

SCHEMES = ("nats", "amqp", "redis", "mqtt", "kafka")
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
MATCHES = ("business_key", "variable")
HEADER_PREFIX = "header:"


@dataclass(frozen=True)
class Subscription:
    """`source` on `broker` starts `definition` (action "start") or sends `event` to the
    instance whose business key or variable `match` equals `correlate` (action "send")."""

    name: str
    broker: str
    source: str
    action: str
    definition: str
    event: str | None = None
    correlate: str | None = None  # CEL on the message, e.g. `message.order_id`
    match: str = "business_key"  # or "variable:<name>"
    variables: str | None = None  # CEL giving the start variables (default: the message)
    business_key: str | None = None  # CEL giving the new instance's business key
    payload: str | None = None  # CEL giving the event payload (default: the message)
    idempotency: str | None = None  # "header:<name>" or CEL; default: the broker's message id
    group: str | None = None  # consumer group / durable / queue shared by consumers
    origin: str = "cli"

    @property
    def consumer_group(self) -> str:
        return self.group or f"statewright-{self.name}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def checked(sub: Subscription) -> Subscription:
    """`sub` if every field makes sense; else `EngineError` naming the field."""
    def bad(fieldname: str, message: str) -> EngineError:
        return EngineError(message, {"field": fieldname})

    if not NAME.fullmatch(sub.name):
        raise bad("name", f"subscription name {sub.name!r} must match {NAME.pattern}")
    scheme = urlsplit(sub.broker).scheme
    if scheme not in SCHEMES or not urlsplit(sub.broker).netloc:
        raise bad("broker", f"broker {sub.broker!r} must be a URL with one of the schemes "
                            f"{', '.join(s + '://' for s in SCHEMES)}")
    if not sub.source.strip():
        raise bad("source", "the source (subject, queue, stream or topic) is empty")
    if sub.action not in ACTIONS:
        raise bad("action", f"action {sub.action!r} is unknown; use start or send")
    if sub.action == SEND and not (sub.event and sub.correlate):
        raise bad("event" if not sub.event else "correlate",
                  "a send subscription needs --event and --correlate")
    kind, _, variable = sub.match.partition(":")
    if kind not in MATCHES or (kind == "variable") != bool(variable):
        raise bad("match", f"match {sub.match!r} must be business_key or variable:<name>")
    for name in ("correlate", "variables", "business_key", "payload", "idempotency"):
        src = getattr(sub, name)
        if src is None or (name == "idempotency" and src.startswith(HEADER_PREFIX)):
            continue
        try:
            compile_expression(src)
        except GuardError as exc:
            raise bad(name, f"--{name.replace('_', '-')} `{src}` is not valid CEL: {exc}") from None
    return sub


def add(conn: Connection, sub: Subscription, now: datetime) -> Subscription:
    checked(sub)
    if get(conn, sub.name) is not None:
        raise EngineError(f"a subscription named {sub.name!r} already exists", {"field": "name"})
    _insert(conn, sub, now)
    return sub


def _insert(conn: Connection, sub: Subscription, now: datetime) -> None:
    spec = {k: v for k, v in sub.to_json().items()
            if k not in ("name", "broker", "source", "action", "definition", "origin")}
    conn.execute(insert(ms).values(name=sub.name, broker=sub.broker, source=sub.source,
                                   action=sub.action, definition=sub.definition, spec=spec,
                                   origin=sub.origin, created_at=to_db(now)))


def remove(conn: Connection, name: str) -> None:
    if not conn.execute(delete(ms).where(ms.c.name == name)).rowcount:
        raise NotFound(f"no subscription named {name!r}", {"subscription": name})


def get(conn: Connection, name: str) -> Subscription | None:
    row = conn.execute(select(ms).where(ms.c.name == name)).first()
    return _of(row) if row is not None else None


def all_subscriptions(conn: Connection) -> list[Subscription]:
    return [_of(r) for r in conn.execute(select(ms).order_by(ms.c.name))]


def replace_from_definition(conn: Connection, key: str, subs: list[Subscription],
                            now: datetime) -> None:
    """A definition's `triggers` are its subscriptions: publishing a version replaces them.
    Raises (before writing anything) when one cannot run or its name is taken."""
    origin = f"definition:{key}"
    for sub in subs:
        checked(sub)
        taken = get(conn, sub.name)
        if taken is not None and taken.origin != origin:
            raise EngineError(f"trigger {sub.name!r}: a subscription of that name already "
                              f"exists ({taken.origin})", {"field": "triggers"})
    conn.execute(delete(ms).where(ms.c.origin == origin))
    for sub in subs:
        _insert(conn, sub, now)


def from_triggers(definition: Definition) -> list[Subscription]:
    """The subscriptions a definition's `triggers` stand for, named `<key>-<n>` by default."""
    return [Subscription(**{**t.model_dump(), "name": t.name or f"{definition.key}-{n}"},
                         definition=definition.key, origin=f"definition:{definition.key}")
            for n, t in enumerate(definition.triggers, start=1)]


def _of(row: Any) -> Subscription:
    return Subscription(name=row.name, broker=row.broker, source=row.source, action=row.action,
                        definition=row.definition, origin=row.origin, **dict(row.spec))

