"""Fixtures that start real components: the embedded broker, temp SQLite data dirs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from cryptography.fernet import Fernet

from shared.broker.embedded import EmbeddedBroker
from shared.settings import Settings

TEST_TOKEN_SECRET = "test-secret-0123456789-abcdefghij"


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """Settings on a temp data dir, fast polling, fixed secrets; overrides by keyword."""
    data_key = Fernet.generate_key().decode()

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "token_secret": TEST_TOKEN_SECRET,
            "data_key": data_key,
            "startup_timeout": 15,
            "outbox_poll_seconds": 0.1,
            "kafka_partitions": 3,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
async def kafka() -> AsyncIterator[EmbeddedBroker]:
    """A fresh embedded Kafka-protocol broker per test, on a free loopback port."""
    broker = EmbeddedBroker()
    await broker.start()
    try:
        yield broker
    finally:
        await broker.stop()


@pytest.fixture
async def producer(kafka: EmbeddedBroker) -> AsyncIterator[AIOKafkaProducer]:
    """A plain Kafka producer on the test's broker, to play another service's part."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()
