"""Read every retained record of some topics from the beginning (to rebuild read models).

No consumer group: the partitions are assigned by hand and nothing is committed, so a
rebuild never moves the running services' offsets.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from shared.contracts.envelope import EventEnvelope
from shared.errors import StartupError


async def read_topics(
    bootstrap: str, topics: list[str], *, timeout: float = 20
) -> tuple[list[EventEnvelope], int]:
    """All events on ``topics`` now, oldest first; and how many records were not events."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None
    )
    try:
        await asyncio.wait_for(consumer.start(), timeout)
    except (TimeoutError, KafkaError, OSError) as exc:
        await consumer.stop()
        raise StartupError(f"cannot reach Kafka at {bootstrap}: {exc or 'no answer'}") from exc
    try:
        await consumer.topics()  # loads the cluster metadata
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return [], 0
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        pending = {tp for tp, end in ends.items() if end > 0}
        events: list[EventEnvelope] = []
        skipped = 0
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000, max_records=5000)
            for records in batch.values():
                for record in records:
                    try:
                        events.append(EventEnvelope.from_bytes(record.value or b""))
                    except ValidationError:
                        skipped += 1
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        events.sort(key=lambda e: e.occurred_at)
        return events, skipped
    finally:
        await consumer.stop()
