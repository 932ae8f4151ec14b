"""Who is calling: the single place where authentication and authorization plug in.

Every router depends on `current_actor`. Today it trusts the optional `X-Statewright-Actor`
header (a name recorded as the actor of the events the call causes) and otherwise answers the
anonymous actor; no roles are checked yet. When bearer tokens and the roles of SPEC §7 arrive,
this function resolves the token to a user and refuses with 401/403 — no router changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Header

ANONYMOUS = "anonymous"
ACTOR_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"


@dataclass(frozen=True)
class Actor:
    """The caller of an API request: `name` goes into the audit log of what the call does."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    authenticated: bool = False


def current_actor(
    x_statewright_actor: Annotated[
        str | None,
        Header(
            pattern=ACTOR_PATTERN,
            description="Name recorded as the actor of the events this call causes "
            "(until authentication is configured).",
        ),
    ] = None,
) -> Actor:
    return Actor(name=x_statewright_actor or ANONYMOUS)
