"""MQTT 5 (`paho-mqtt`, e.g. Mosquitto): a shared subscription `$share/<group>/<topic>`.

QoS 1 with manual acknowledgement: the PUBACK goes out only when `ack` is called. MQTT has
no message id that survives a redelivery, so a subscription on MQTT should name an
idempotency header (a user property) or expression; without one, delivery is at-least-once.
paho runs its own network thread; messages cross to the consumer's loop through a queue.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from runtime.messaging.brokers import Delivery
from runtime.messaging.message import Message

CONNECT_TIMEOUT_S = 10.0


class Mqtt:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 1883
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2,
                                  client_id=f"statewright-{uuid.uuid4().hex[:12]}",
                                  protocol=paho.MQTTv5, manual_ack=True)
        if parts.username:
            self.client.username_pw_set(parts.username, parts.password)
        self.buffer: asyncio.Queue[paho.MQTTMessage] = asyncio.Queue()
        self.connected = False

    async def _connect(self) -> None:
        if self.connected:
            return
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        self.client.on_connect = lambda *a: loop.call_soon_threadsafe(
            lambda: ready.done() or ready.set_result(a[3]))
        self.client.on_message = lambda _c, _u, msg: loop.call_soon_threadsafe(
            self.buffer.put_nowait, msg)
        self.client.connect(self.host, self.port)
        self.client.loop_start()
        code = await asyncio.wait_for(ready, CONNECT_TIMEOUT_S)
        if code.is_failure:
            raise ConnectionError(f"MQTT broker {self.host}:{self.port} refused: {code}")
        self.connected = True

    async def subscribe(self, source: str, group: str) -> None:
        await self._connect()
        self.client.subscribe(f"$share/{group}/{source}", qos=1)

    async def fetch(self, max_messages: int, timeout_s: float) -> list[Delivery]:
        try:
            first = await asyncio.wait_for(self.buffer.get(), timeout_s)
        except TimeoutError:
            return []
        got = [first]
        while len(got) < max_messages and not self.buffer.empty():
            got.append(self.buffer.get_nowait())
        return [Delivery(Message(m.payload, _headers(m), None), m) for m in got]

    async def ack(self, delivery: Delivery) -> None:
        self.client.ack(delivery.token.mid, delivery.token.qos)

    async def nack(self, delivery: Delivery) -> None:
        """Not acknowledged: the broker sends it again when the session resumes."""

    async def publish(self, destination: str, body: bytes, headers: dict[str, str],
                      key: str) -> None:
        await self._connect()
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [*headers.items(), ("key", key)]
        info = self.client.publish(destination, body, qos=1, properties=props)
        await asyncio.to_thread(info.wait_for_publish, CONNECT_TIMEOUT_S)

    async def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
        self.connected = False


def _headers(msg: paho.MQTTMessage) -> dict[str, str]:
    props = getattr(msg, "properties", None)
    pairs = getattr(props, "UserProperty", None) or []
    return {str(k): str(v) for k, v in pairs}
