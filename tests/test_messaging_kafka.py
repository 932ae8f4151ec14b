"""The Kafka adapter without a broker (none can be installed here from Debian or PyPI): the
URL it accepts and how a consumed record becomes a message. Against a broker it is untested."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from runtime.messaging.brokers import open_broker
from runtime.messaging.brokers.kafka import Kafka, bootstrap_servers, to_message


def test_a_kafka_url_names_its_bootstrap_servers() -> None:
    assert bootstrap_servers("kafka://k1:9092,k2:9092") == "k1:9092,k2:9092"
    assert isinstance(open_broker("kafka://k1:9092"), Kafka)


def test_a_kafka_url_without_a_host_is_refused() -> None:
    with pytest.raises(ValueError, match="names no host"):
        bootstrap_servers("kafka:///orders")


def test_a_record_becomes_a_message_whose_id_survives_redelivery() -> None:
    record = SimpleNamespace(topic="orders", partition=3, offset=41, value=b'{"order_id": "A"}',
                             headers=[("payment-id", b"p-1")])
    message = to_message(record)
    assert message.broker_id == "orders:3:41"
    assert message.headers == {"payment-id": "p-1"}
    assert message.parsed() == {"order_id": "A"}


def test_an_unknown_broker_scheme_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="nats, amqp, redis, mqtt, kafka"):
        open_broker("stomp://127.0.0.1:61613")
