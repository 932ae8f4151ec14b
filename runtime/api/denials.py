"""Every refused attempt is recorded: who, from where, which route, why.

The error handlers call `record` for each 401, 403 and 429 (and the tasks router for a task
hidden from its caller), so refusals from the permission check, the task layer and the login
endpoint all land in one place: a `statewright.security` log line and the Prometheus counter
`statewright_api_denied_total{status,code}` to alert on. There is no operator audit table in
the store; the event log records only what changed, and a refusal changes nothing.
"""

from __future__ import annotations

import logging
import re

from fastapi import Request
from prometheus_client import CollectorRegistry, Counter

log = logging.getLogger("statewright.security")

DENIED_STATUSES = frozenset({401, 403, 429})
_TOKEN_ID = re.compile(r"swt_([0-9a-f]{16})_")


def denial_counter(registry: CollectorRegistry) -> Counter:
    return Counter("statewright_api_denied", "API requests refused, by status and error code",
                   ["status", "code"], registry=registry)


def who(request: Request) -> str:
    """The user if known, else the token id or login name tried (never a secret)."""
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        return f"user:{principal.username}"
    login = getattr(request.state, "login_name", None)
    if login:
        return f"login:{login[:128]}"
    match = _TOKEN_ID.search(request.headers.get("authorization", ""))
    return f"token:{match.group(1)}" if match else "anonymous"


def record(request: Request, status: int, code: str, reason: str) -> None:
    client = request.client.host if request.client else None
    log.warning("denied status=%d code=%s who=%r ip=%s route=%r reason=%r", status, code,
                who(request), client, f"{request.method} {request.url.path}", reason[:300])
    counter = getattr(request.app.state, "denied", None)
    if counter is not None:
        counter.labels(str(status), code).inc()
