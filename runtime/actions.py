"""Task actions: the registry behind `@engine.action`, the context a handler gets, retries.

Handlers run outside any transaction and may run more than once (at-least-once); the engine
records a result exactly once. Sync handlers run in a worker thread so `timeout_s` can be
enforced; async handlers run on their own event loop in that thread.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from shared.definition import RetryPolicy

Handler = Callable[["ActionContext"], Any]
DEFAULT_RETRY = RetryPolicy()


@dataclass(frozen=True)
class ActionContext:
    """What a handler knows: which instance, its variables, the state, and the attempt (from 1)."""

    instance_id: str
    action: str
    state: str
    attempt: int
    variables: dict[str, Any] = field(default_factory=dict)


class ActionFailed(Exception):
    """A handler raised, timed out, returned something that is not a dict, or is missing.

    `type` names the kind of failure for the log: the exception's class name, `Timeout`,
    `MissingHandler` or `BadResult`.
    """

    def __init__(self, message: str, type_: str) -> None:
        super().__init__(message)
        self.type = type_


class ActionRegistry:
    """Named handlers, and the thread pool they run on."""

    def __init__(self, max_workers: int = 8) -> None:
        self._handlers: dict[str, Handler] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="action")

    def register(self, name: str, handler: Handler) -> None:
        if not callable(handler):
            raise TypeError(f"the handler for action {name!r} is not callable")
        self._handlers[name] = handler

    def names(self) -> list[str]:
        return sorted(self._handlers)

    def run(self, ctx: ActionContext, timeout_s: float | None) -> dict[str, Any]:
        """The handler's result dict; raises `ActionFailed` with a message naming the action."""
        handler = self._handlers.get(ctx.action)
        if handler is None:
            raise ActionFailed(f"no handler is registered for action {ctx.action!r}",
                               "MissingHandler")
        future = self._pool.submit(_call, handler, ctx)
        try:
            result = future.result(timeout=timeout_s)
        except FutureTimeout:
            raise ActionFailed(f"action {ctx.action!r} timed out after {timeout_s:g} s",
                               "Timeout") from None
        except Exception as exc:
            raise ActionFailed(f"action {ctx.action!r} raised {type(exc).__name__}: {exc}",
                               type(exc).__name__) from exc
        if result is None:
            return {}
        if not isinstance(result, dict):
            raise ActionFailed(
                f"action {ctx.action!r} returned {type(result).__name__}; it must return a dict",
                "BadResult")
        return result

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _call(handler: Handler, ctx: ActionContext) -> Any:
    if inspect.iscoroutinefunction(handler):
        return asyncio.run(handler(ctx))
    result = handler(ctx)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable


def retry_delay_s(policy: RetryPolicy, attempt: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): capped exponential ± jitter."""
    base = min(policy.initial_s * policy.multiplier ** (attempt - 1), policy.max_s)
    spread = base * policy.jitter
    return max(0.0, base + (rng or random).uniform(-spread, spread))
