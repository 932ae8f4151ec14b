"""Sensitive variables at rest: their values are stored sealed (Fernet: AES + HMAC).

A sealed value is `{"$sealed": "<token>"}` in event data, the instance row and remembered
idempotent results; the engine unseals on read, and the REST layer masks them in views.
A value that did not change keeps its token, so the stored projection stays exactly the
replay of the stored log (which the audit checks).

The key comes from `STATEWRIGHT_SECRET_KEY` (any string; a Fernet key is derived from it).
Without it, a random key is generated once and kept in the database's `secrets` table,
which protects exports and logs but not a stolen database file: set the variable in
production.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from runtime.core.errors import EngineError

SECRET_KEY_ENV = "STATEWRIGHT_SECRET_KEY"
SEALED = "$sealed"
log = logging.getLogger("statewright.sealing")


class Sealer:
    def __init__(self, secret: str) -> None:
        digest = hashlib.sha256(secret.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, names: frozenset[str], values: dict[str, Any],
             tokens: dict[tuple[str, str], str]) -> dict[str, Any]:
        """`values` with the sensitive ones sealed; `tokens` re-uses the tokens of unchanged
        values and learns the new ones."""
        if not names or not names.intersection(values):
            return values
        sealed = dict(values)
        for name in names.intersection(values):
            value = values[name]
            if value is None or _is_sealed(value):
                continue
            plain = json.dumps(value, sort_keys=True)
            token = tokens.get((name, plain))
            if token is None:
                token = self._fernet.encrypt(plain.encode()).decode()
                tokens[(name, plain)] = token
            sealed[name] = {SEALED: token}
        return sealed

    def unseal(self, values: dict[str, Any],
               tokens: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
        """`values` in the clear; `tokens` (when given) remembers each value's token."""
        if not any(_is_sealed(v) for v in values.values()):
            return values
        plain_values = dict(values)
        for name, value in values.items():
            if not _is_sealed(value):
                continue
            try:
                plain = self._fernet.decrypt(value[SEALED].encode()).decode()
            except InvalidToken:
                raise EngineError(
                    f"the sensitive variable {name!r} cannot be decrypted: is {SECRET_KEY_ENV} "
                    "the key it was written with?") from None
            plain_values[name] = json.loads(plain)
            if tokens is not None:
                tokens[(name, plain)] = value[SEALED]
        return plain_values


def secret_from_environment() -> str | None:
    return os.environ.get(SECRET_KEY_ENV) or None


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and SEALED in value
