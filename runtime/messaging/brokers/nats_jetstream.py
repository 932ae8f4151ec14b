"""NATS JetStream (`nats-py`): a durable pull consumer per subscription group.

The source is a subject; a stream capturing it is created when none does (named after the
subject). The broker's message id is `<stream>:<stream sequence>`, the same on redelivery.
Published messages carry `Nats-Msg-Id`, so JetStream drops a re-published duplicate, which is
what makes retrying a publish that got no answer safe: a stream just created, or a server just
started, can briefly have no responder for its subjects.
"""

from __future__ import annotations

import asyncio
import re

import nats
from nats.js.errors import NoStreamResponseError, NotFoundError, ServiceUnavailableError

from runtime.messaging.brokers import Delivery
from runtime.messaging.message import Message

#: Waits between publish attempts that found no stream answering (about 3 s in all).
PUBLISH_RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)


class JetStream:
    def __init__(self, url: str) -> None:
        self.url = url
        self.nc: nats.NATS | None = None
        self.sub = None

    async def _js(self):
        if self.nc is None:
            self.nc = await nats.connect(self.url, max_reconnect_attempts=-1)
        return self.nc.jetstream()

    async def ensure_stream(self, subject: str) -> str:
        js = await self._js()
        try:
            return await js.find_stream_name_by_subject(subject)
        except NotFoundError:
            name = re.sub(r"[^A-Za-z0-9_-]", "_", subject).upper() or "STATEWRIGHT"
            await js.add_stream(name=name, subjects=[subject])
            return name

    async def subscribe(self, source: str, group: str) -> None:
        stream = await self.ensure_stream(source)
        js = await self._js()
        self.sub = await js.pull_subscribe(source, durable=group, stream=stream)

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        try:
            msgs = await self.sub.fetch(max_messages, timeout=timeout_s)
        except (TimeoutError, nats.errors.TimeoutError):
            return []
        return [Delivery(Message(m.data, dict(m.headers or {}),
                                 f"{m.metadata.stream}:{m.metadata.sequence.stream}"), m)
                for m in msgs]

    async def ack(self, delivery: Delivery) -> None:
        await delivery.token.ack_sync()  # confirmed: a crash after this never redelivers it

    async def nack(self, delivery: Delivery) -> None:
        await delivery.token.nak(delay=1.0)

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        await self.ensure_stream(destination)
        js = await self._js()
        for delay_s in (*PUBLISH_RETRY_DELAYS_S, None):
            try:
                await js.publish(destination, body, headers={**headers, "Nats-Msg-Id": key})
                return
            except (NoStreamResponseError, ServiceUnavailableError):
                if delay_s is None:
                    raise
                await asyncio.sleep(delay_s)

    async def close(self) -> None:
        if self.nc is not None:  # publishes were acknowledged already: nothing to drain
            await self.nc.close()
            self.nc = None
