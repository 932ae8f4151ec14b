"""Signed-in callers for REST tests, and argon2 made cheap for tests that hash passwords.

`Callers(app)` creates users with the given roles (no password: they only need tokens) and
one bearer token each, in the app's own identity store, so a test reads like the user's
story: `api.get(..., headers=callers.bearer("olga", "operator"))`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI

from runtime.security.identity import IdentityService, UnknownUser, passwords

# argon2's cheapest parameters: the same code path, a millisecond instead of ~50 ms a hash.
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture
def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(passwords, "_hasher", CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", CHEAP_HASHER.hash("not anyone's password"))
    yield


class Callers:
    """Users and their bearer headers; a user is created on first use with `roles`."""

    def __init__(self, app: FastAPI) -> None:
        self.identity: IdentityService = app.state.identity
        self._headers: dict[str, dict[str, str]] = {}

    def bearer(self, username: str, *roles: str) -> dict[str, str]:
        if username not in self._headers:
            try:
                self.identity.get_user(username)
            except UnknownUser:
                self.identity.create_user(username, roles=roles)
            _, secret = self.identity.create_token(username, "tests")
            self._headers[username] = {"Authorization": f"Bearer {secret}"}
        return self._headers[username]
