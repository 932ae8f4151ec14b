"""What the demo actions share: stable stand-ins for the answers of outside services."""

from __future__ import annotations

import hashlib

from runtime.execution.actions import ActionContext


class ServiceUnavailable(Exception):
    """The outside service did not answer; the engine retries with backoff."""


class Refused(Exception):
    """The outside service said no for this case; every retry gets the same answer."""


def fraction(*parts: object) -> float:
    """A number in [0, 1) that only depends on `parts`: the same question, the same answer."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def pick(options: list[str], *parts: object) -> str:
    """One of `options`, chosen by `parts`."""
    return options[int(fraction(*parts) * len(options))]


def reference(prefix: str, ctx: ActionContext, digits: int = 6) -> str:
    """The id an outside system hands out, the same on every attempt of this instance's action.

    Actions are at-least-once: deriving the id from the instance keeps a repeated call from
    creating a second order, booking or payment.
    """
    number = int(fraction(ctx.instance_id, ctx.action) * 10**digits)
    return f"{prefix}-{number:0{digits}d}"


def hiccup(ctx: ActionContext, service: str, rate: float) -> None:
    """Fail the first attempt of `rate` of the instances, like a service that times out now and
    then; the retry goes through."""
    if ctx.attempt == 1 and fraction(ctx.instance_id, ctx.action, "hiccup") < rate:
        raise ServiceUnavailable(f"{service} did not answer in time")
