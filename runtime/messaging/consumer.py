"""Consumers: every subscription of the database consumed in one asyncio loop on a thread,
and the outbox delivered after commit, for `serve`, `worker` and `statewright consume`.

Per batch, messages run concurrently in lanes (a `send` lane per correlation value, so one
instance's messages keep their order) through the blocking engine calls on worker threads,
which lets the group-commit writer commit many in one transaction. Acknowledgements follow
in delivery order once every outcome is durable; from the first failure on, the rest of the
batch is handed back (they come again, and the idempotency keys apply them once).
Back-pressure: no fetch while more than `max_backlog` jobs are due and not yet taken.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

from runtime.instances import Ledger
from runtime.messaging import intake, subscriptions
from runtime.messaging.backlog import due_jobs
from runtime.messaging.brokers import Broker, Delivery, open_broker
from runtime.messaging.publishing import Publisher
from runtime.messaging.subscriptions import Subscription
from runtime.messaging.tables import SEND
from shared.errors import GuardError
from shared.guards import evaluate

log = logging.getLogger("statewright.messaging")
MAX_BACKLOG = int(os.environ.get("STATEWRIGHT_MESSAGING_MAX_BACKLOG", "1000"))
BATCH = 64
FETCH_WAIT_S = 0.5
RELOAD_S = 5.0  # how often the subscription table is read again
OUTBOX_IDLE_S = 0.2
RECONNECT_S = 2.0
APPLY_THREADS = 16  # blocking engine calls in flight: the group-commit writer batches them


class Consumers:
    """Runs the subscriptions and the outbox until `stop()`."""

    def __init__(self, ledger: Ledger, max_backlog: int = MAX_BACKLOG, batch: int = BATCH,
                 outbox: bool = True) -> None:
        self.ledger = ledger
        self.max_backlog = max_backlog
        self.batch = batch
        self.outbox = outbox
        self.applied = 0  # messages applied or dead-lettered, for benchmarks and logs
        self.paused = 0  # how many times back-pressure held consumption
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._pool = ThreadPoolExecutor(APPLY_THREADS, thread_name_prefix="statewright-intake")

    def start(self) -> Consumers:
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(),),
                                        name="statewright-messaging", daemon=True)
        self._thread.start()
        self._ready.wait(5)
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(15)
        self._pool.shutdown(wait=True)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        self._ready.set()
        running: dict[str, tuple[Subscription, asyncio.Task]] = {}
        extra = [asyncio.create_task(self._deliver_outbox())] if self.outbox else []
        try:
            while not self._stop.is_set():
                wanted = {s.name: s for s in await asyncio.to_thread(self._subscriptions)}
                for name, (sub, task) in list(running.items()):
                    if wanted.get(name) != sub:
                        task.cancel()
                        del running[name]
                for name, sub in wanted.items():
                    if name not in running:
                        running[name] = (sub, asyncio.create_task(self._consume(sub)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), RELOAD_S)
        finally:
            tasks = [t for _, t in running.values()] + extra
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _subscriptions(self) -> list[Subscription]:
        with self.ledger.store.read() as conn:
            return subscriptions.all_subscriptions(conn)

    async def _consume(self, sub: Subscription) -> None:
        while True:
            broker = open_broker(sub.broker)
            try:
                await broker.subscribe(sub.source, sub.consumer_group)
                log.info("consuming %s from %s (%s)", sub.source, sub.broker, sub.name)
                while True:
                    await self._pace()
                    deliveries = await broker.fetch(self.batch, FETCH_WAIT_S)
                    if deliveries:
                        await self._handle(sub, broker, deliveries)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("subscription %s: %s; reconnecting in %.0f s", sub.name, exc,
                            RECONNECT_S)
                await asyncio.sleep(RECONNECT_S)
            finally:
                try:
                    await broker.close()
                except Exception as exc:
                    log.debug("closing %s: %s", sub.broker, exc)

    async def _pace(self) -> None:
        """Wait while the engine has more due work than `max_backlog` (back-pressure)."""
        while True:
            backlog = await asyncio.to_thread(due_jobs, self.ledger.store, self.ledger.clock.now())
            if backlog <= self.max_backlog:
                return
            self.paused += 1
            await asyncio.sleep(0.5)

    async def _handle(self, sub: Subscription, broker: Broker,
                      deliveries: list[Delivery]) -> None:
        lanes: dict[object, list[int]] = defaultdict(list)
        for index, delivery in enumerate(deliveries):
            lanes[_lane(sub, delivery, index)].append(index)
        outcomes: list[BaseException | None] = [None] * len(deliveries)
        loop = asyncio.get_running_loop()

        async def run(indexes: list[int]) -> None:
            for i in indexes:
                try:
                    await loop.run_in_executor(self._pool, intake.apply, self.ledger, sub,
                                               deliveries[i].message)
                except Exception as exc:  # the store: not applied, comes again
                    outcomes[i] = exc

        await asyncio.gather(*(run(ix) for ix in lanes.values()))
        for i, delivery in enumerate(deliveries):
            if outcomes[i] is not None:
                log.warning("subscription %s: handing back %d message(s): %s", sub.name,
                            len(deliveries) - i, outcomes[i])
                for rest in deliveries[i:]:
                    await broker.nack(rest)
                return
            await broker.ack(delivery)
            self.applied += 1

    async def _deliver_outbox(self) -> None:
        publisher = Publisher(self.ledger)
        try:
            while True:
                try:
                    sent = await publisher.deliver_due()
                except Exception as exc:
                    log.warning("outbox delivery: %s", exc)
                    sent = 0
                if not sent:
                    await asyncio.sleep(OUTBOX_IDLE_S)
        finally:
            await publisher.close()


def _lane(sub: Subscription, delivery: Delivery, index: int) -> object:
    """Messages of one lane run in order: a send's correlation value, else each its own."""
    if sub.action != SEND:
        return index
    try:
        return repr(evaluate(sub.correlate or "", delivery.message.scope(sub.source)))
    except (GuardError, ValueError):
        return "uncorrelated"
