"""Redis Streams (`redis`): a consumer group per subscription, one consumer name per process.

The entry id is the broker's message id. What a consumer read but never acknowledged (it
was killed) stays pending in the group; any member claims entries idle for longer than
`claim_idle_s` (XAUTOCLAIM) and handles them, so nothing waits for the dead one to return.
Field `body` carries the message; the other fields are its headers.
"""

from __future__ import annotations

import os
import time
import uuid

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from runtime.messaging.brokers import Delivery
from runtime.messaging.message import Message

CLAIM_IDLE_S = float(os.environ.get("STATEWRIGHT_REDIS_CLAIM_IDLE_S", "15"))
CLAIM_EVERY_S = 1.0


class RedisStreams:
    def __init__(self, url: str, claim_idle_s: float = CLAIM_IDLE_S) -> None:
        self.client = aioredis.from_url(url)
        self.claim_idle_s = claim_idle_s
        self.consumer = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.stream = self.group = ""
        self.claimed_at = 0.0

    async def subscribe(self, source: str, group: str) -> None:
        self.stream, self.group = source, group
        try:
            await self.client.xgroup_create(source, group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        entries: list = []
        if time.monotonic() - self.claimed_at >= CLAIM_EVERY_S:
            self.claimed_at = time.monotonic()
            _, entries, *_ = await self.client.xautoclaim(
                self.stream, self.group, self.consumer, int(self.claim_idle_s * 1000),
                start_id="0-0", count=max_messages)
        if not entries:
            answer = await self.client.xreadgroup(self.group, self.consumer, {self.stream: ">"},
                                                  count=max_messages,
                                                  block=max(1, int(timeout_s * 1000)))
            entries = answer[0][1] if answer else []
        return [self._delivery(entry_id, fields) for entry_id, fields in entries if fields]

    def _delivery(self, entry_id: bytes, fields: dict[bytes, bytes]) -> Delivery:
        headers = {k.decode(): v.decode(errors="replace") for k, v in fields.items()
                   if k != b"body"}
        return Delivery(Message(fields.get(b"body", b""), headers, entry_id.decode()), entry_id)

    async def ack(self, delivery: Delivery) -> None:
        await self.client.xack(self.stream, self.group, delivery.token)

    async def nack(self, delivery: Delivery) -> None:
        """Left pending: claimed again once idle (XAUTOCLAIM)."""

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        await self.client.xadd(destination, {**headers, "key": key, "body": body})

    async def close(self) -> None:
        await self.client.aclose()
