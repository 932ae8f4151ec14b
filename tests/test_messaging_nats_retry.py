"""Against the NATS server on this machine: a JetStream publish that finds no stream answering
(one being created, a server starting) is retried, and the retry cannot store it twice."""

from __future__ import annotations

import asyncio
import uuid

import nats

from runtime.messaging.brokers.nats_jetstream import JetStream

URL = "nats://127.0.0.1:4222"


async def _publish_before_the_stream_exists() -> int:
    subject = f"retry.check.{uuid.uuid4().hex[:10]}"
    stream = subject.replace(".", "_").upper()
    broker = JetStream(URL)

    async def no_stream_yet(destination: str) -> str:
        return stream

    broker.ensure_stream = no_stream_yet  # the stream appears only while the publish waits
    other = await nats.connect(URL)
    try:
        publish = asyncio.create_task(broker.publish(subject, b"{}", {}, "only-once"))
        await asyncio.sleep(0.3)
        await other.jetstream().add_stream(name=stream, subjects=[subject])
        await publish
        await broker.publish(subject, b"{}", {}, "only-once")
        info = await other.jetstream().stream_info(stream)
        await other.jetstream().delete_stream(stream)
        return info.state.messages
    finally:
        await broker.close()
        await other.close()


def test_a_publish_waits_for_a_stream_that_is_not_answering_yet() -> None:
    assert asyncio.run(_publish_before_the_stream_exists()) == 1
