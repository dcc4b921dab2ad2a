"""The FastStream Kafka broker every service uses, and topic creation at start."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from shared.errors import StartupError

CONSUMER_ACK_POLICY = AckPolicy.NACK_ON_ERROR
"""Commit only after the handler finished; on an error, seek back so it is redelivered."""


def create_broker(bootstrap: str, *, client_id: str) -> KafkaBroker:
    """A broker with safe producer settings (all replicas acknowledge every event).

    Idempotent producers are left off: the embedded broker does not support them, and
    the idempotent inbox on the consuming side makes redelivery harmless anyway.
    """
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        allow_auto_create_topics=False,
        request_timeout_ms=15_000,
        graceful_timeout=10.0,
        ack_policy=CONSUMER_ACK_POLICY,
        logger=logging.getLogger("complaints.kafka"),
        log_level=logging.DEBUG,
    )


async def ensure_topics(
    bootstrap: str, topics: Iterable[str], *, partitions: int, timeout: float
) -> None:
    """Create the topics if missing; a clear :class:`StartupError` if Kafka is unreachable."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        await asyncio.wait_for(admin.start(), timeout)
    except (TimeoutError, KafkaError, OSError) as exc:
        await _close_quietly(admin)
        reason = "no answer" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
        raise StartupError(
            f"cannot reach Kafka at {bootstrap} within {timeout:g}s ({reason})"
        ) from exc
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=topic, num_partitions=partitions, replication_factor=1)
            for topic in topics
            if topic not in existing
        ]
        if missing:
            # another service may create them at the same moment
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    except KafkaError as exc:
        raise StartupError(f"cannot create Kafka topics at {bootstrap}: {exc}") from exc
    finally:
        await _close_quietly(admin)


async def _close_quietly(admin: AIOKafkaAdminClient) -> None:
    try:
        await admin.close()
    except Exception:
        return
