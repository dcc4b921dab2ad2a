"""Resolution's consumer on the real broker: redelivery is harmless, poison is set aside."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.resolution.bootstrap import bootstrap
from shared.broker.embedded import EmbeddedBroker
from shared.contracts.envelope import EventEnvelope
from shared.contracts.intake import COMPLAINT_REGISTERED
from shared.contracts.resolution import CASE_OPENED
from shared.contracts.topics import CASE_EVENTS, DEAD_LETTERS, INTAKE_EVENTS
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.support.events import complaint_registered
from tests.support.waiting import eventually

registered = complaint_registered


@pytest.fixture
async def resolution(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings())
    await runtime.start(kafka.bootstrap)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def read_topic(bootstrap: str, topic: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"test-{topic}", auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[tuple[bytes, dict[str, str]]] = []
    try:
        async with asyncio.timeout(60):
            while len(records) < count:
                batch = await consumer.getmany(timeout_ms=500)
                for messages in batch.values():
                    records += [(m.value, {k: v.decode() for k, v in m.headers}) for m in messages]
    finally:
        await consumer.stop()
    return records


async def test_a_redelivered_event_opens_one_case(
    resolution: ServiceRuntime, producer: AIOKafkaProducer, kafka: EmbeddedBroker
) -> None:
    event = registered("c-1")
    for _ in range(3):  # the same event delivered three times
        await producer.send_and_wait(INTAKE_EVENTS, event.to_bytes(), key=b"c-1")
    await producer.send_and_wait(INTAKE_EVENTS, registered("c-2").to_bytes(), key=b"c-2")
    store = resolution.app.state.service._store

    await eventually(store.count_cases, lambda n: n == 2, what="two cases")
    await asyncio.sleep(1)  # give a wrongly applied duplicate time to show
    assert await store.count_cases() == 2
    opened = await read_topic(kafka.bootstrap, CASE_EVENTS, 2)
    events = [EventEnvelope.from_bytes(value) for value, _ in opened]
    assert sorted(e.complaint_id for e in events) == ["c-1", "c-2"]
    assert {e.type for e in events} == {CASE_OPENED}
    first = next(e for e in events if e.complaint_id == "c-1")
    assert first.causation_id == event.event_id
    assert first.correlation_id == event.correlation_id


async def test_poison_goes_to_dead_letters_and_the_stream_goes_on(
    resolution: ServiceRuntime, producer: AIOKafkaProducer, kafka: EmbeddedBroker
) -> None:
    await producer.send_and_wait(INTAKE_EVENTS, b"{not json", key=b"c-9")
    broken = registered("c-10").model_dump(mode="json")
    broken["payload"]["channel"] = "carrier-pigeon"  # a valid envelope, an invalid payload
    await producer.send_and_wait(
        INTAKE_EVENTS, EventEnvelope.model_validate(broken).to_bytes(), key=b"c-10"
    )
    await producer.send_and_wait(INTAKE_EVENTS, registered("c-11").to_bytes(), key=b"c-11")
    store = resolution.app.state.service._store

    await eventually(store.count_cases, lambda n: n == 1, what="the good event applied")
    dead = await read_topic(kafka.bootstrap, DEAD_LETTERS, 2)
    by_value = {value: headers for value, headers in dead}
    poison = by_value[b"{not json"]
    assert poison["x-original-topic"] == INTAKE_EVENTS
    assert poison["x-consumer"] == "resolution"
    assert "not an event envelope" in poison["x-error"]
    invalid = next(h for v, h in dead if v != b"{not json")
    assert invalid["x-event-type"] == COMPLAINT_REGISTERED
    assert "ValidationError" in invalid["x-error"]
    assert await store.get_case("c-11") is not None
    assert await store.get_case("c-10") is None
