"""Task actions: the registry behind `@engine.action` and the context a handler gets.

Handlers run outside any transaction and may run more than once (at-least-once); the engine
records a result exactly once. Sync handlers run in a bounded thread pool, so `timeout_s` can
be enforced (a late thread is abandoned); async handlers run on one shared event loop thread
and are cancelled when they time out, so neither can stall the engine.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

Handler = Callable[["ActionContext"], Any]
NO_TRACE: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ActionContext:
    """What a handler knows: which instance, its variables, the state, and the attempt (from 1).

    `trace_headers`: the W3C `traceparent` of this run's span when tracing is on (empty when
    off), to pass on to the services the handler calls.
    """

    instance_id: str
    action: str
    state: str
    attempt: int
    variables: dict[str, Any] = field(default_factory=dict)
    trace_headers: Mapping[str, str] = field(default_factory=dict)


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
        self._max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="action")
        self._stuck = 0  # threads of `_pool` still inside a handler that timed out
        self._pool_lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None  # shared by async handlers
        self._loop_lock = threading.Lock()

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
        is_async = inspect.iscoroutinefunction(handler)
        if timeout_s is None and not is_async:  # nothing to time out: no hop to the pool
            try:
                return _checked(ctx, _call(handler, ctx))
            except ActionFailed:
                raise
            except Exception as exc:
                raise ActionFailed(f"action {ctx.action!r} raised {type(exc).__name__}: {exc}",
                                   type(exc).__name__) from exc
        if is_async:  # cancelled for real when it times out
            future = asyncio.run_coroutine_threadsafe(
                asyncio.wait_for(handler(ctx), timeout_s), self._event_loop())
        else:
            future = self._pool.submit(_call, handler, ctx)
        try:
            result = future.result(timeout=timeout_s)
        except (FutureTimeout, TimeoutError):
            if not is_async and not future.cancel():  # stuck in the handler, not queued
                self._abandon(future)
            raise ActionFailed(f"action {ctx.action!r} timed out after {timeout_s:g} s",
                               "Timeout") from None
        except Exception as exc:
            raise ActionFailed(f"action {ctx.action!r} raised {type(exc).__name__}: {exc}",
                               type(exc).__name__) from exc
        return _checked(ctx, result)

    def _abandon(self, future: Future[Any]) -> None:
        """Count a thread left in a timed-out handler; when half the pool is stuck, later
        runs get a fresh pool (the stuck threads end whenever their handlers return)."""
        with self._pool_lock:
            self._stuck += 1
            if self._stuck * 2 < self._max_workers:
                pool = self._pool
                future.add_done_callback(lambda _: self._unstick(pool))
                return
            self._pool.shutdown(wait=False)
            self._pool = ThreadPoolExecutor(max_workers=self._max_workers,
                                            thread_name_prefix="action")
            self._stuck = 0

    def _unstick(self, pool: ThreadPoolExecutor) -> None:
        with self._pool_lock:
            if pool is self._pool:
                self._stuck = max(0, self._stuck - 1)

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._loop_lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="action-loop",
                                 daemon=True).start()
            return self._loop

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)


def _checked(ctx: ActionContext, result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise ActionFailed(
            f"action {ctx.action!r} returned {type(result).__name__}; it must return a dict",
            "BadResult")
    return result


def _call(handler: Handler, ctx: ActionContext) -> Any:
    result = handler(ctx)
    if inspect.isawaitable(result):
        return asyncio.run(_await(result))
    return result


async def _await(awaitable: Any) -> Any:
    return await awaitable
