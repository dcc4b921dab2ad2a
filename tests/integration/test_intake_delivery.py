"""Customer messages leave through the gateway: on a real SQLite store and a real HTTP
gateway, each request is sent once, retried while the gateway is down, settled as failed
when it refuses, and never sent twice by two senders or after a crash mid-attempt."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from services.intake.bootstrap import bootstrap
from services.intake.delivery import MessageDelivery
from services.intake.domain.delivery import LEASE, RETRY_AFTER, Delivery, leased
from services.intake.senders import SendError, WebhookSender
from services.intake.store import IntakeStore
from shared.auth import Principal, Role, issue_contact_grant
from shared.clock import ManualClock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.notifications import (
    NOTIFICATION_REQUESTED,
    NOTIFICATION_SETTLED,
    NotificationRequested,
    NotificationSettled,
)
from shared.crypto import FieldCipher
from shared.runtime import ServiceRuntime
from shared.secrets import data_key
from shared.settings import Settings
from tests.integration.test_intake_erasure import close_case
from tests.support.gateway import Gateway, running_gateway

AGENT = Principal(user="agent-7", role=Role.AGENT)
OWNER = Principal(user="olga", role=Role.OWNER)
PHONE = "13812345678"


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


async def _runtime(settings: Settings, clock: ManualClock) -> ServiceRuntime:
    runtime = bootstrap(settings, clock=clock)
    await runtime.store.open()
    return runtime


@pytest.fixture
async def intake(
    make_settings: Callable[..., Settings], clock: ManualClock, gateway: Gateway
) -> AsyncIterator[ServiceRuntime]:
    runtime = await _runtime(make_settings(message_gateway_url=gateway.url), clock)
    try:
        yield runtime
    finally:
        await runtime.store.close()


def delivery_of(runtime: ServiceRuntime) -> MessageDelivery:
    return cast(MessageDelivery, runtime.app.state.delivery)


def store_of(runtime: ServiceRuntime) -> IntakeStore:
    return cast(IntakeStore, runtime.store)


def client(runtime: ServiceRuntime, principal: Principal) -> httpx.AsyncClient:
    token = runtime.tokens.issue(principal)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://intake",
        headers={"Authorization": f"Bearer {token}"},
    )


async def outbox(runtime: ServiceRuntime, event_type: str) -> list[EventEnvelope]:
    events = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(1000)]
    return [e for e in events if e.type == event_type]


async def registered(runtime: ServiceRuntime, **customer: Any) -> tuple[str, EventEnvelope]:
    """A complaint by the API, and its acknowledgement request as the consumer reads it."""
    body = {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": PHONE, **customer},
        "content": "保养后发动机异响。",
    }
    async with client(runtime, AGENT) as http:
        created = await http.post("/complaints", json=body)
    assert created.status_code == 201, created.text
    complaint_id = created.json()["id"]
    request = [
        e for e in await outbox(runtime, NOTIFICATION_REQUESTED) if e.complaint_id == complaint_id
    ]
    assert len(request) == 1
    assert await delivery_of(runtime).on_notification_requested(request[0])
    return complaint_id, request[0]


async def settled(runtime: ServiceRuntime) -> list[NotificationSettled]:
    found = await outbox(runtime, NOTIFICATION_SETTLED)
    return [e.payload_as(NotificationSettled) for e in found]


async def test_the_acknowledgement_is_sent_once_to_the_customers_phone(
    intake: ServiceRuntime, gateway: Gateway
) -> None:
    complaint_id, request = await registered(intake)
    assert not await delivery_of(intake).on_notification_requested(request)  # redelivered
    assert await delivery_of(intake).send_due() == 1
    assert await delivery_of(intake).send_due() == 0
    assert [(m["to"], m["medium"], m["purpose"]) for m in gateway.received] == [
        (PHONE, "sms", "acknowledgement")
    ]
    assert gateway.keys == [request.event_id]
    assert "受理单号" in gateway.received[0]["text"]
    assert gateway.headers[0]["Idempotency-Key"] == request.event_id
    [outcome] = await settled(intake)
    assert (outcome.request_id, outcome.status, outcome.attempts) == (request.event_id, "sent", 1)

    async with client(intake, AGENT) as http:
        messages = (await http.get(f"/complaints/{complaint_id}/messages")).json()
    assert [(m["status"], m["provider_ref"], m["recipient_masked"]) for m in messages] == [
        ("sent", "gw-1", "138****5678")
    ]
    async with client(intake, OWNER) as http:
        refused = await http.get(f"/complaints/{complaint_id}/messages")
    assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")


async def test_a_gateway_that_is_down_is_tried_again_later_with_the_same_key(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    gateway.answer(503, 503)
    _, request = await registered(intake)
    assert await delivery_of(intake).send_due() == 0
    clock.advance(RETRY_AFTER[0] - timedelta(seconds=1))
    assert await delivery_of(intake).send_due() == 0  # not due yet: nothing sent
    assert len(gateway.received) == 1
    clock.advance(timedelta(seconds=1))
    assert await delivery_of(intake).send_due() == 0  # the second 503
    clock.advance(RETRY_AFTER[1])
    assert await delivery_of(intake).send_due() == 1
    assert gateway.keys == [request.event_id] * 3
    [outcome] = await settled(intake)
    assert (outcome.status, outcome.attempts) == ("sent", 3)


async def test_a_refusal_or_the_last_retry_settles_the_message_as_failed(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    gateway.answer(400)
    await registered(intake)
    assert await delivery_of(intake).send_due() == 1  # a 4xx: trying again cannot help
    gateway.answer(*[500] * (len(RETRY_AFTER) + 1))
    await registered(intake, name="李娜", phone="13900003333")
    for pause in (timedelta(0), *RETRY_AFTER):
        clock.advance(pause)
        await delivery_of(intake).send_due()
    outcomes = await settled(intake)
    assert [(o.status, o.attempts) for o in outcomes] == [
        ("failed", 1),
        ("failed", len(RETRY_AFTER) + 1),
    ]
    assert [o.reason for o in outcomes] == ["refused", "unreachable"]


async def test_two_senders_at_once_send_a_message_once(
    intake: ServiceRuntime, gateway: Gateway, make_settings: Callable[..., Settings]
) -> None:
    await registered(intake)
    other = MessageDelivery(
        store=store_of(intake),
        clock=intake.clock,
        cipher=FieldCipher(data_key(make_settings())),
        sender=WebhookSender(gateway.url),
    )
    results = await asyncio.gather(delivery_of(intake).send_due(), other.send_due())
    assert sorted(results) == [0, 1]
    assert len(gateway.received) == 1


async def test_a_sender_that_died_mid_attempt_is_taken_over_after_its_lease(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    _, request = await registered(intake)
    [due] = await store_of(intake).due_deliveries(clock.now(), 10)
    assert await store_of(intake).lease_delivery(due, leased(due, clock.now()))
    assert await delivery_of(intake).send_due() == 0  # held by the sender that died
    clock.advance(LEASE)
    assert await delivery_of(intake).send_due() == 1
    assert gateway.keys == [request.event_id]  # the gateway drops a repeat by this key
    [outcome] = await settled(intake)
    assert outcome.attempts == 2


async def test_without_a_gateway_messages_are_recorded_at_once_however_late(
    make_settings: Callable[..., Settings], clock: ManualClock, gateway: Gateway
) -> None:
    runtime = await _runtime(make_settings(), clock)
    try:
        complaint_id, request = await registered(runtime)
        clock.advance(timedelta(days=3))  # a request read late is still only recorded
        late = new_event(
            payload=request.payload_as(NotificationRequested),
            event_type=NOTIFICATION_REQUESTED,
            complaint_id=complaint_id,
            actor=Actor.service("resolution"),
            producer="resolution",
            occurred_at=clock.now() - timedelta(days=2),
        )
        assert await delivery_of(runtime).on_notification_requested(late)
        assert await delivery_of(runtime).send_due() == 0  # nothing left to send
        statuses = [(o.status, o.reason) for o in await settled(runtime)]
        assert statuses == [("recorded", "no_gateway")] * 2
        assert gateway.received == []
    finally:
        await runtime.store.close()


async def test_a_message_waiting_when_its_customer_is_erased_is_not_sent_nor_kept(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    gateway.answer(503)
    complaint_id, _ = await registered(intake)
    assert await delivery_of(intake).send_due() == 0  # waits to be tried again
    await close_case(intake, complaint_id, clock.now())
    async with client(intake, Principal(user="admin", role=Role.ADMIN)) as http:
        assert (await http.post("/erasures", json={"phone": PHONE})).is_success
        clock.advance(RETRY_AFTER[0])
        assert await delivery_of(intake).send_due() == 1
        kept = (await http.get(f"/complaints/{complaint_id}/messages")).json()
    assert [(m["status"], m["reason"], m["text"]) for m in kept] == [
        ("undeliverable", "erased", "")  # the text named them
    ]
    assert len(gateway.received) == 1  # only the attempt before the erasure


class SlowSender:
    """A gateway call that outlives its lease: meanwhile another sender takes over."""

    def __init__(self, clock: ManualClock, meanwhile: Callable[[], Any]) -> None:
        self._clock, self._meanwhile = clock, meanwhile

    async def send(self, delivery: Delivery, address: str) -> str:
        self._clock.advance(LEASE + timedelta(seconds=1))
        await self._meanwhile()
        raise SendError("gateway answered 503", permanent=False)


async def test_an_attempt_that_outlived_its_lease_does_not_overwrite_the_one_that_took_over(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    _, request = await registered(intake)
    slow = MessageDelivery(
        store=store_of(intake),
        clock=clock,
        cipher=FieldCipher(data_key(intake.settings)),
        sender=SlowSender(clock, delivery_of(intake).send_due),
    )
    assert await slow.send_due() == 0  # its late 503 is dropped
    [outcome] = await settled(intake)
    assert (outcome.status, outcome.attempts) == ("sent", 2)
    [kept] = await delivery_of(intake).deliveries_of(request.complaint_id)
    assert (kept.status, kept.attempts, kept.next_attempt_at) == ("sent", 2, None)
    assert gateway.keys == [request.event_id]


async def test_news_goes_out_in_the_order_it_was_given(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    complaint_id, first = await registered(intake)
    gateway.answer(503)
    assert await delivery_of(intake).send_due() == 0  # the acknowledgement waits to retry
    clock.advance(timedelta(seconds=10))
    news = new_event(
        payload=first.payload_as(NotificationRequested).model_copy(
            update={"purpose": "progress", "text": "已指定专人负责。", "step": "assign"}
        ),
        event_type=NOTIFICATION_REQUESTED,
        complaint_id=complaint_id,
        actor=Actor.service("resolution"),
        producer="resolution",
        occurred_at=clock.now(),
    )
    assert await delivery_of(intake).on_notification_requested(news)
    assert await delivery_of(intake).send_due() == 0
    assert gateway.keys == [first.event_id]  # not the later news before the acknowledgement
    clock.advance(RETRY_AFTER[0])
    assert await delivery_of(intake).send_due() == 1
    assert await delivery_of(intake).send_due() == 1
    assert gateway.keys == [first.event_id, first.event_id, news.event_id]
    assert [o.step for o in await settled(intake)] == [None, "assign"]


async def test_requests_from_before_delivery_began_are_history_not_news(
    intake: ServiceRuntime, gateway: Gateway, clock: ManualClock
) -> None:
    _, request = await registered(intake)  # delivery began with it, at the clock's time
    old = request.model_copy(
        update={"event_id": "e-old", "occurred_at": clock.now() - timedelta(hours=1)}
    )
    assert await delivery_of(intake).on_notification_requested(old)
    assert not await delivery_of(intake).on_notification_requested(old)
    assert await delivery_of(intake).send_due() == 1
    assert gateway.keys == [request.event_id]


async def test_whoever_may_contact_the_customer_reads_the_messages_with_a_grant(
    intake: ServiceRuntime,
) -> None:
    complaint_id, _ = await registered(intake)
    other_id, _ = await registered(intake, phone="13900001111")
    grant = issue_contact_grant(intake.tokens, OWNER, complaint_id=complaint_id, purpose="messages")
    phone_grant = issue_contact_grant(intake.tokens, OWNER, complaint_id=complaint_id)

    async def read(who: Principal, complaint: str, with_grant: str) -> httpx.Response:
        async with client(intake, who) as http:
            return await http.post(f"/complaints/{complaint}/messages", json={"grant": with_grant})

    shown = await read(OWNER, complaint_id, grant)
    assert shown.status_code == 200, shown.text
    [message] = shown.json()
    assert message["purpose"] == "acknowledgement" and "受理单号" in message["text"]
    assert shown.headers["cache-control"] == "no-store"
    refused = [
        await read(OWNER, other_id, grant),  # another complaint's
        await read(Principal(user="otto", role=Role.OWNER), complaint_id, grant),  # another's
        await read(OWNER, complaint_id, intake.tokens.issue(OWNER)),  # a bearer token
        await read(OWNER, complaint_id, phone_grant),  # a grant for the phone
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403]
    async with client(intake, OWNER) as http:  # and the messages' grant opens no phone
        phone = await http.post(f"/complaints/{complaint_id}/contact", json={"grant": grant})
    assert phone.status_code == 403
