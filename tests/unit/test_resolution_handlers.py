"""Resolution's Kafka handlers, wired as in production, driven by FastStream's test broker.

(The same path over the real broker is in tests/integration and tests/e2e.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from services.resolution.bootstrap import bootstrap
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.topics import DEAD_LETTERS, INTAKE_EVENTS
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.support.events import complaint_registered


def registered(complaint_id: str) -> EventEnvelope:
    return complaint_registered(complaint_id, at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC))


@pytest.fixture
async def runtime(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings(consumer_max_attempts=1))
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


async def test_registered_complaint_opens_one_case_with_its_outbox_event(
    runtime: ServiceRuntime,
) -> None:
    event = registered("c-1")
    async with TestKafkaBroker(runtime.attach(KafkaBroker())) as broker:
        await broker.publish(event.to_bytes(), topic=INTAKE_EVENTS, key=b"c-1")
        await broker.publish(event.to_bytes(), topic=INTAKE_EVENTS, key=b"c-1")  # redelivery

    case = await runtime.app.state.service.get_case("c-1")
    assert case.registered_at == event.occurred_at
    assert case.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # 48 h later
    pending = await runtime.store.pending_outbox(10)
    assert [m.event_type for m in pending] == ["case.opened"]  # one, despite the redelivery


async def test_poison_message_is_published_to_dead_letters(runtime: ServiceRuntime) -> None:
    async with TestKafkaBroker(runtime.attach(KafkaBroker())) as broker:
        dead = broker.subscriber(DEAD_LETTERS)

        @dead
        async def sink(body: bytes) -> None:
            return None

        await broker.start()
        await broker.publish(b"not an envelope", topic=INTAKE_EVENTS, key=b"x")
        sink.mock.assert_called_once()
    assert await runtime.store.pending_outbox(10) == []


async def test_a_predicted_cause_becomes_the_cases_suggestion(runtime: ServiceRuntime) -> None:
    from shared.contracts.analytics import CAUSE_PREDICTED, CausePredicted
    from shared.contracts.topics import ANALYTICS_EVENTS

    prediction = new_event(
        payload=CausePredicted(
            complaint_id="c-1",
            causes=["process_policy"],
            primary_cause="process_policy",
            confidence=0.82,
            model_version="v3",
            explanation=["承诺", "保养"],
        ),
        event_type=CAUSE_PREDICTED,
        complaint_id="c-1",
        actor=Actor.service("analytics"),
        producer="analytics",
    )
    async with TestKafkaBroker(runtime.attach(KafkaBroker())) as broker:
        await broker.publish(registered("c-1").to_bytes(), topic=INTAKE_EVENTS, key=b"c-1")
        await broker.publish(prediction.to_bytes(), topic=ANALYTICS_EVENTS, key=b"c-1")
    case = await runtime.app.state.service.get_case("c-1")
    assert case.suggestion is not None
    assert (case.suggestion.primary_cause, case.suggestion.model_version) == (
        "process_policy",
        "v3",
    )


async def test_an_erasure_reaches_the_case_over_the_bus(runtime: ServiceRuntime) -> None:
    from shared.contracts.intake import COMPLAINT_ERASED, ComplaintErased
    from shared.vocab import ErasureReason

    erased = new_event(
        payload=ComplaintErased(
            complaint_id="c-1",
            ticket_no="TS-20260302-0001",
            reason=ErasureReason.RETENTION,
            erased_at=datetime(2029, 3, 2, 10, 0, tzinfo=UTC),
        ),
        event_type=COMPLAINT_ERASED,
        complaint_id="c-1",
        actor=Actor.service("intake"),
        producer="intake",
    )
    async with TestKafkaBroker(runtime.attach(KafkaBroker())) as broker:
        await broker.publish(registered("c-1").to_bytes(), topic=INTAKE_EVENTS, key=b"c-1")
        await broker.publish(erased.to_bytes(), topic=INTAKE_EVENTS, key=b"c-1")
    case = await runtime.app.state.service.get_case("c-1")
    assert (case.erasure_reason, case.customer_name) == ("retention", "")
