"""Analytics on the real broker: events in over Kafka, a spike out as an alert, and the
predicted cause published only once the case exists, exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from services.analytics.bootstrap import bootstrap
from services.analytics.service import AnalyticsService
from shared.broker.embedded import EmbeddedBroker
from shared.clock import ManualClock
from shared.contracts.analytics import CAUSE_PREDICTED, TREND_ALERT_RAISED
from shared.contracts.envelope import EventEnvelope
from shared.contracts.topics import ANALYTICS_EVENTS, CASE_EVENTS, INTAKE_EVENTS
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.support.analytics_events import opened, registered, step
from tests.support.waiting import eventually

NOW = datetime(2026, 3, 12, 3, 0, tzinfo=UTC)  # Thursday; the week began on 9 March


@pytest.fixture
async def analytics(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings(trend_check_seconds=3600), clock=ManualClock(NOW))
    await runtime.start(kafka.bootstrap)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def analytics_events(
    bootstrap: str, until: Callable[[list[EventEnvelope]], bool]
) -> list[EventEnvelope]:
    consumer = AIOKafkaConsumer(
        ANALYTICS_EVENTS, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    events: list[EventEnvelope] = []
    try:
        async with asyncio.timeout(60):
            while not until(events):
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    events += [EventEnvelope.from_bytes(r.value) for r in records]
    finally:
        await consumer.stop()
    return events


async def send(producer: AIOKafkaProducer, topic: str, event: EventEnvelope) -> None:
    await producer.send_and_wait(topic, event.to_bytes(), key=event.complaint_id.encode())


async def test_a_spike_in_one_department_raises_one_alert(
    analytics: ServiceRuntime, producer: AIOKafkaProducer, kafka: EmbeddedBroker
) -> None:
    cids: list[str] = []
    for week in range(8, -1, -1):  # one a week for eight weeks, then nine this week
        for i in range(9 if week == 0 else 1):
            at = NOW - timedelta(weeks=week, hours=i)
            cid = f"w{week}-{i}"
            await send(producer, INTAKE_EVENTS, registered(cid, at))
            await send(
                producer,
                CASE_EVENTS,
                step(cid, "assign", at, to_status="assigned", department="parts"),
            )
            cids.append(cid)
    sent = len(cids)
    service: AnalyticsService = analytics.app.state.service

    async def counted() -> int:
        return (await service.summary()).complaints_registered

    await eventually(counted, lambda n: n == sent, what="every complaint counted")

    async def departments() -> list[str | None]:  # the case topic's partitions run in any order
        facts = [await service._store.get_fact(cid) for cid in cids]
        return [f.department if f else None for f in facts]

    await eventually(departments, lambda ds: ds == ["parts"] * sent, what="every assignment")
    spikes = await service.check_trends()
    assert ("department", "parts") in {(s.dimension, s.value) for s in spikes}
    parts = next(s for s in spikes if s.dimension == "department")
    assert (parts.count, parts.baseline, parts.week) == (9, 1.0, "2026-03-09")
    assert await service.check_trends() == []  # once per bucket and week

    published = await analytics_events(  # the relay may send them in more than one batch
        kafka.bootstrap,
        lambda es: sum(e.type == TREND_ALERT_RAISED for e in es) >= len(spikes),
    )
    alerts = [e for e in published if e.type == TREND_ALERT_RAISED]
    assert any(e.payload["value"] == "parts" for e in alerts)
    assert len(alerts) == len(spikes)


async def test_the_prediction_waits_for_the_case_and_is_published_once(
    analytics: ServiceRuntime, producer: AIOKafkaProducer, kafka: EmbeddedBroker
) -> None:
    registration = registered("c-1", NOW, content="变速箱顿挫，4S店拒绝保修")
    for _ in range(2):  # a redelivery
        await send(producer, INTAKE_EVENTS, registration)
    service = analytics.app.state.service
    fact = await eventually(
        lambda: service._store.get_fact("c-1"),
        lambda f: f is not None and f.prediction is not None,
        what="the prediction",
    )
    assert fact is not None and not fact.prediction_published  # no case yet: nothing to attach to
    await send(producer, CASE_EVENTS, opened("c-1", NOW))
    published = await analytics_events(
        kafka.bootstrap, lambda es: any(e.type == CAUSE_PREDICTED for e in es)
    )
    await asyncio.sleep(1)  # a duplicate would show by now
    again = await analytics_events(kafka.bootstrap, lambda es: len(es) >= len(published))
    predictions = [e for e in again if e.type == CAUSE_PREDICTED]
    assert len(predictions) == 1
    payload = predictions[0].payload
    assert "product_quality" in payload["causes"]
    assert payload["vehicle_system"] == "transmission"
    assert payload["model_version"] and payload["explanation"]
    assert {e["cause"] for e in payload["evidence"]} == set(payload["causes"])
