"""Writing notifications (of tasks and of alerts) into the outbox, and the channel
configuration they are routed by."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, and_, delete, insert, or_, select

from runtime.core.clock import from_db, to_db
from runtime.core.errors import EngineError, NotFound
from runtime.people.notifications.payloads import render, render_message
from runtime.people.notifications.tables import FORMATS, PENDING, SCOPES
from runtime.people.notifications.tables import notification_channels as ch
from runtime.people.notifications.tables import notification_outbox as ob

MAILBOX = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def enqueue(conn: Connection, kind: str, task: dict[str, Any], now: datetime) -> int:
    """One outbox row per channel of the task's role or definition; returns how many."""
    rows = conn.execute(select(ch).where(or_(
        and_(ch.c.scope == "role", ch.c.target == task["role"]),
        and_(ch.c.scope == "definition", ch.c.target == task["definition"]),
    )).order_by(ch.c.id)).all()
    for channel in rows:
        _insert(conn, channel, kind, task["id"], render(channel.format, kind, task), now)
    return len(rows)


def enqueue_alert(conn: Connection, kind: str, rule: str, headline: str,
                  facts: list[tuple[str, Any]], alert: dict[str, Any], now: datetime) -> int:
    """One outbox row per alert channel of rule `rule` or of every rule (`*`)."""
    rows = conn.execute(select(ch).where(ch.c.scope == "alert", ch.c.target.in_((rule, "*")))
                        .order_by(ch.c.id)).all()
    for channel in rows:
        body = render_message(channel.format, kind, headline, facts, {"alert": alert})
        _insert(conn, channel, kind, f"alert:{rule}", body, now)
    return len(rows)


def _insert(conn: Connection, channel: Any, kind: str, about: str, body: dict[str, Any],
            now: datetime) -> None:
    conn.execute(insert(ob).values(
        id=str(uuid.uuid4()), channel_id=channel.id, url=channel.url, format=channel.format,
        kind=kind, task_id=about, body=body, status=PENDING, attempts=0,
        next_attempt_at=to_db(now), created_at=to_db(now)))


def mail_recipients(url: str) -> list[str]:
    """The addresses of a `mailto:` channel URL; empty when it is not one."""
    if not url.startswith("mailto:"):
        return []
    addresses = [a.strip() for a in url[len("mailto:"):].split("?")[0].split(",")]
    if not addresses or not all(MAILBOX.match(a) for a in addresses):
        return []
    return addresses


def add_channel(conn: Connection, scope: str, target: str, fmt: str, url: str,
                now: datetime) -> dict[str, Any]:
    """Configure a channel; refuses an unknown scope or format and a URL that is not http(s)."""
    if scope not in SCOPES:
        raise EngineError(f"channel scope {scope!r} is unknown; use one of {', '.join(SCOPES)}",
                          {"field": "scope"})
    if fmt not in FORMATS:
        raise EngineError(f"channel format {fmt!r} is unknown; use one of {', '.join(FORMATS)}",
                          {"field": "format"})
    if fmt == "email":
        if not mail_recipients(url):
            raise EngineError(f"an email channel's url {url!r} must be mailto:name@host "
                              "(several addresses separated by commas)", {"field": "url"})
    else:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise EngineError(f"channel url {url!r} must be an http:// or https:// URL",
                              {"field": "url"})
    if not target:
        raise EngineError(f"a {scope} channel needs the {scope} it is for", {"field": "target"})
    channel = {"id": str(uuid.uuid4()), "scope": scope, "target": target, "format": fmt,
               "url": url}
    conn.execute(insert(ch).values(**channel, created_at=to_db(now)))
    return channel


def remove_channel(conn: Connection, channel_id: str) -> None:
    if not conn.execute(delete(ch).where(ch.c.id == channel_id)).rowcount:
        raise NotFound(f"no notification channel {channel_id!r}", {"channel": channel_id})


def channels(conn: Connection) -> list[dict[str, Any]]:
    return [{"id": r.id, "scope": r.scope, "target": r.target, "format": r.format,
             "url": r.url} for r in conn.execute(select(ch).order_by(ch.c.scope, ch.c.target))]


def outbox_rows(conn: Connection, task_id: str | None = None) -> list[dict[str, Any]]:
    """The outbox (of one task when given), oldest first: for operators and tests."""
    query = select(ob).order_by(ob.c.created_at, ob.c.id)
    if task_id:
        query = query.where(ob.c.task_id == task_id)
    return [{"id": r.id, "channel_id": r.channel_id, "kind": r.kind, "task_id": r.task_id,
             "format": r.format, "status": r.status, "attempts": r.attempts,
             "last_error": r.last_error, "response_status": r.response_status,
             "next_attempt_at": from_db(r.next_attempt_at),
             "delivered_at": from_db(r.delivered_at)} for r in conn.execute(query)]
