"""Broker adapters behind one small interface, chosen by the broker URL's scheme.

Each adapter pulls (so a consumer that pauses for back-pressure simply stops fetching),
acknowledges one delivery at a time after the caller made its outcome durable, and
publishes with the broker's confirmation. Several consumers of one subscription share the
work through the broker's own mechanism: a JetStream durable pull consumer, one RabbitMQ
queue, a Redis Streams consumer group, an MQTT shared subscription, a Kafka consumer group.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from runtime.messaging.message import Message

ADAPTERS = {
    "nats": "runtime.messaging.brokers.nats_jetstream:JetStream",
    "amqp": "runtime.messaging.brokers.rabbitmq:RabbitMQ",
    "redis": "runtime.messaging.brokers.redis_streams:RedisStreams",
    "mqtt": "runtime.messaging.brokers.mqtt:Mqtt",
    "kafka": "runtime.messaging.brokers.kafka:Kafka",
}


@dataclass(frozen=True)
class Delivery:
    message: Message
    token: Any  # what the adapter needs to acknowledge it


class Broker(Protocol):
    async def subscribe(self, source: str, group: str) -> None:
        """Start receiving `source` as a member of `group` (created when missing)."""

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        """Up to `max_messages` deliveries, waiting at most `timeout_s` for the first."""

    async def ack(self, delivery: Delivery) -> None:
        """The delivery's outcome is durable: the broker may forget it."""

    async def nack(self, delivery: Delivery) -> None:
        """The delivery could not be handled now: the broker delivers it again later."""

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        """Publish, returning once the broker confirmed; `key` de-duplicates and orders."""

    async def close(self) -> None: ...


def open_broker(url: str) -> Broker:
    """The adapter for `url` (not yet connected); its client library is imported here."""
    scheme = urlsplit(url).scheme
    if scheme not in ADAPTERS:
        raise ValueError(f"broker {url!r}: unknown scheme {scheme!r}; use one of "
                         f"{', '.join(ADAPTERS)}")
    module, _, name = ADAPTERS[scheme].partition(":")
    return getattr(importlib.import_module(module), name)(url)
