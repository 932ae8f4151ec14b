"""RabbitMQ (`aio-pika`): one durable queue per source, shared by every consumer of it.

Messages are pushed into a local buffer bounded by the channel's prefetch, so at most that
many are unacknowledged per consumer. RabbitMQ has no id of its own: the broker's message id
is the publisher's `message_id` property (None when unset: then give the subscription an
idempotency header or expression). Publishing waits for the publisher confirm.
"""

from __future__ import annotations

import asyncio

import aio_pika

from runtime.messaging.brokers import Delivery
from runtime.messaging.message import Message

PREFETCH = 256


class RabbitMQ:
    def __init__(self, url: str) -> None:
        self.url = url
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None
        self.channel: aio_pika.abc.AbstractChannel | None = None
        self.buffer: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()

    async def _channel(self) -> aio_pika.abc.AbstractChannel:
        if self.channel is None:
            self.connection = await aio_pika.connect_robust(self.url)
            self.channel = await self.connection.channel(publisher_confirms=True)
            await self.channel.set_qos(prefetch_count=PREFETCH)
        return self.channel

    async def subscribe(self, source: str, group: str) -> None:
        channel = await self._channel()
        queue = await channel.declare_queue(source, durable=True)
        await queue.consume(self.buffer.put)

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        try:
            first = await asyncio.wait_for(self.buffer.get(), timeout_s)
        except TimeoutError:
            return []
        got = [first]
        while len(got) < max_messages and not self.buffer.empty():
            got.append(self.buffer.get_nowait())
        return [Delivery(Message(m.body, {k: str(v) for k, v in (m.headers or {}).items()},
                                 m.message_id), m) for m in got]

    async def ack(self, delivery: Delivery) -> None:
        await delivery.token.ack()

    async def nack(self, delivery: Delivery) -> None:
        await delivery.token.nack(requeue=True)

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        channel = await self._channel()
        await channel.declare_queue(destination, durable=True)
        await channel.default_exchange.publish(
            aio_pika.Message(body, headers=dict(headers), message_id=key,
                             delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=destination)

    async def close(self) -> None:
        if self.connection is not None:
            await self.connection.close()
            self.connection = self.channel = None
