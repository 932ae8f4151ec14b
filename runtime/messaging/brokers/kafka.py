"""Kafka and Kafka-compatible brokers (`aiokafka`): a consumer group per subscription.

`kafka://host:9092[,host2:9092]`. Offsets are committed one message at a time after its
outcome is durable (auto-commit off), so a killed consumer's group peer resumes at the first
message not yet applied; `<topic>:<partition>:<offset>` is the broker's message id.
Published records are keyed by instance, which keeps one instance's changes in order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from runtime.messaging.brokers import Delivery
from runtime.messaging.message import Message


def bootstrap_servers(url: str) -> str:
    servers = urlsplit(url).netloc
    if not servers:
        raise ValueError(f"broker {url!r} names no host; use kafka://host:9092")
    return servers


class Kafka:
    def __init__(self, url: str) -> None:
        self.servers = bootstrap_servers(url)
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None

    async def subscribe(self, source: str, group: str) -> None:
        self.consumer = AIOKafkaConsumer(source, bootstrap_servers=self.servers, group_id=group,
                                         enable_auto_commit=False, auto_offset_reset="earliest")
        await self.consumer.start()

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        batches = await self.consumer.getmany(timeout_ms=int(timeout_s * 1000),
                                              max_records=max_messages)
        return [Delivery(to_message(r), r) for records in batches.values() for r in records]

    async def ack(self, delivery: Delivery) -> None:
        record = delivery.token
        await self.consumer.commit({TopicPartition(record.topic, record.partition):
                                    record.offset + 1})

    async def nack(self, delivery: Delivery) -> None:
        record = delivery.token
        self.consumer.seek(TopicPartition(record.topic, record.partition), record.offset)

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        if self.producer is None:
            self.producer = AIOKafkaProducer(bootstrap_servers=self.servers, acks="all",
                                             enable_idempotence=True)
            await self.producer.start()
        await self.producer.send_and_wait(destination, body, key=key.encode(),
                                          headers=[(k, v.encode()) for k, v in headers.items()])

    async def close(self) -> None:
        for client in (self.consumer, self.producer):
            if client is not None:
                await client.stop()
        self.consumer = self.producer = None


def to_message(record) -> Message:
    """A consumed record as a `Message`."""
    headers = {k: v.decode(errors="replace") for k, v in (record.headers or ())}
    return Message(record.value or b"", headers,
                   f"{record.topic}:{record.partition}:{record.offset}")
