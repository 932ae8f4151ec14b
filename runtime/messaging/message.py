"""A message as every broker adapter hands it over, and what CEL sees of it."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

BASE64_HEADER = "x-statewright-body-base64"  # a dead letter whose body was not UTF-8
MAX_KEY_CHARS = 200


class Malformed(ValueError):
    """The message cannot be read or its expressions cannot be evaluated on it."""


@dataclass(frozen=True)
class Message:
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    broker_id: str | None = None  # the broker's own id (stream seq, entry id, offset), if any

    def parsed(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Malformed(f"the body is not JSON: {exc}") from None

    def scope(self, source: str) -> dict[str, Any]:
        """The names CEL expressions on this message may use."""
        return {"message": self.parsed(), "headers": dict(self.headers), "subject": source}

    def stored_body(self) -> tuple[str, dict[str, str]]:
        """The body as text for the dead-letter table, base64 when it is not UTF-8."""
        try:
            return self.body.decode("utf-8"), dict(self.headers)
        except UnicodeDecodeError:
            return (base64.b64encode(self.body).decode(),
                    {**self.headers, BASE64_HEADER: "1"})

    @staticmethod
    def from_stored(body: str, headers: dict[str, str], key: str | None) -> Message:
        if headers.get(BASE64_HEADER):
            rest = {k: v for k, v in headers.items() if k != BASE64_HEADER}
            return Message(base64.b64decode(body), rest, key)
        return Message(body.encode(), dict(headers), key)


def ledger_key(subscription: str, key: str) -> str:
    """The engine's idempotency key for a message key; long keys are hashed to fit."""
    full = f"msg:{subscription}:{key}"
    if len(full) <= MAX_KEY_CHARS:
        return full
    return f"msg:{subscription}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
