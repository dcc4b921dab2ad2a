"""The consumer's rules (apply once, retry, dead-letter, let transient errors through) and
the relay's (commit order, nothing marked sent that Kafka did not take)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.bus.consumer import EventConsumer, Outcome
from shared.bus.outbox import OutboxRelay
from shared.contracts.envelope import EventEnvelope
from shared.contracts.topics import INTAKE_EVENTS
from shared.errors import TransientStoreError
from shared.storage.base import OutboxMessage
from shared.storage.sqlite import SqliteStore
from tests.support.events import complaint_registered


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[bytes, dict[str, str]]] = []

    async def __call__(self, value: bytes, *, key: bytes | None, headers: dict[str, str]) -> None:
        self.sent.append((value, headers))


def consumer_with(apply: object, dead: DeadLetters, attempts: int = 3) -> EventConsumer:
    return EventConsumer(
        consumer="test",
        handlers={"complaint.registered": apply},  # type: ignore[dict-item]
        dead_letter=dead,
        max_attempts=attempts,
        retry_delay=0,
    )


async def test_applied_duplicate_and_ignored() -> None:
    seen: list[str] = []

    async def apply(event: EventEnvelope) -> bool:
        first = event.event_id not in seen
        seen.append(event.event_id)
        return first

    dead = DeadLetters()
    consumer = consumer_with(apply, dead)
    event = complaint_registered("c-1")
    assert await consumer.process(event.to_bytes(), topic=INTAKE_EVENTS) is Outcome.APPLIED
    assert await consumer.process(event.to_bytes(), topic=INTAKE_EVENTS) is Outcome.DUPLICATE
    other = event.model_copy(update={"type": "complaint.merged"})
    assert await consumer.process(other.to_bytes(), topic=INTAKE_EVENTS) is Outcome.IGNORED
    assert dead.sent == []


async def test_poison_bytes_go_to_dead_letters_with_the_reason() -> None:
    dead = DeadLetters()

    async def apply(event: EventEnvelope) -> bool:
        raise AssertionError("never called")

    outcome = await consumer_with(apply, dead).process(b"\x00garbage", topic=INTAKE_EVENTS)
    assert outcome is Outcome.DEAD_LETTERED
    value, headers = dead.sent[0]
    assert value == b"\x00garbage"
    assert headers["x-original-topic"] == INTAKE_EVENTS
    assert "not an event envelope" in headers["x-error"]


async def test_a_failing_event_is_retried_then_dead_lettered() -> None:
    calls = 0

    async def apply(event: EventEnvelope) -> bool:
        nonlocal calls
        calls += 1
        raise ValueError("cannot apply")

    dead = DeadLetters()
    event = complaint_registered("c-1")
    outcome = await consumer_with(apply, dead, attempts=3).process(
        event.to_bytes(), topic=INTAKE_EVENTS
    )
    assert (outcome, calls) == (Outcome.DEAD_LETTERED, 3)
    assert dead.sent[0][1]["x-event-id"] == event.event_id
    assert dead.sent[0][1]["x-error"] == "ValueError: cannot apply"


async def test_a_passing_failure_is_retried_and_applied() -> None:
    calls = 0

    async def apply(event: EventEnvelope) -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("once")
        return True

    dead = DeadLetters()
    event = complaint_registered("c-1")
    assert await consumer_with(apply, dead).process(event.to_bytes(), topic=INTAKE_EVENTS) is (
        Outcome.APPLIED
    )
    assert dead.sent == []


@pytest.mark.parametrize(
    "error", [sqlite3.OperationalError("database is locked"), TransientStoreError("conflict")]
)
async def test_store_trouble_is_raised_so_the_message_comes_again(error: Exception) -> None:
    async def apply(event: EventEnvelope) -> bool:
        raise error

    dead = DeadLetters()
    with pytest.raises(type(error)):
        await consumer_with(apply, dead).process(
            complaint_registered("c-1").to_bytes(), topic=INTAKE_EVENTS
        )
    assert dead.sent == []


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "outbox.db")
    await store.open()
    yield store
    await store.close()


async def test_the_relay_publishes_in_order_and_marks_only_what_kafka_took(
    store: SqliteStore,
) -> None:
    events = [complaint_registered(f"c-{i}") for i in range(4)]
    async with store.transaction() as conn:
        await SqliteStore.add_outbox(conn, events)
    published: list[str] = []
    broken = True

    async def publish(message: OutboxMessage) -> None:
        if broken and len(published) == 2:
            raise ConnectionError("broker gone")
        published.append(message.event_id)

    relay = OutboxRelay(store, publish, poll_seconds=0.01)
    with pytest.raises(ConnectionError):
        await relay.drain()
    assert await store.count_pending_outbox() == 2
    broken = False
    assert await relay.drain() == 2
    assert published == [e.event_id for e in events]  # none twice, none out of order
    assert await store.count_pending_outbox() == 0
