"""Intake's message delivery: every ``notification.requested`` (its own acknowledgements and
resolution's news) is recorded once, sent through the gateway, and settled with a
``notification.settled`` event, so the case and the quality team know what the customer
was actually told.

Recording is idempotent (the inbox and the delivery commit together); sending happens
outside any transaction, under a lease, with the request's event id as the gateway's
idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import structlog

from services.intake.domain.delivery import (
    ADDRESS_OF,
    DEFAULT_MAX_AGE,
    Address,
    Delivery,
    after_failure,
    delivery_for,
    expired_if_late,
    leased,
    settle,
)
from services.intake.senders import MessageSender, SendError
from services.intake.store import IntakeStore, StoredComplaint
from shared.clock import Clock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.notifications import (
    NOTIFICATION_SETTLED,
    NotificationRequested,
    NotificationSettled,
)
from shared.crypto import FieldCipher, mask_code

SERVICE = "intake"
_CONSUMER = "intake-delivery"
"""The inbox name of delivery: apart from intake's other handlers, which might one day read
the same event."""
_GATEWAY = Actor(kind="service", id="intake-delivery")
_BATCH = 50
_EVER = datetime(1970, 1, 1, tzinfo=UTC)
log = structlog.get_logger(__name__)


class MessageDelivery:
    def __init__(
        self,
        *,
        store: IntakeStore,
        clock: Clock,
        cipher: FieldCipher,
        sender: MessageSender | None,
        max_age: timedelta = DEFAULT_MAX_AGE,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._max_age = max_age
        self._started: datetime | None = None
        self._store = store
        self._clock = clock
        self._cipher = cipher
        self._sender = sender
        self._on_commit = on_commit

    async def start(self) -> datetime:
        """When delivery began on this store: requests made before it are history, not news
        to send (reading the topic from its start, or the embedded broker's replay, would
        otherwise message last week's customers). A store that already held complaints
        when delivery first started begins then; a new one from the beginning."""
        if self._started is None:
            history = await self._store.count_complaints()
            first = self._clock.now() if history else _EVER
            self._started = await self._store.delivery_started(first)
        return self._started

    async def on_notification_requested(self, event: EventEnvelope) -> bool:
        """Record the delivery a request asks for (once, however often it comes)."""
        request = event.payload_as(NotificationRequested)
        started, now = await self.start(), self._clock.now()
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(_CONSUMER, event.event_id):
                return False
            if event.occurred_at < started:
                return True  # before delivery began: nothing to send, nothing to report
            complaint = await uow.get_complaint(request.complaint_id)
            if complaint is None:
                raise LookupError(f"a message for unknown complaint {request.complaint_id}")
            delivery = delivery_for(
                request,
                request_id=event.event_id,
                requested_at=event.occurred_at,
                channel=complaint.channel,
                has_phone=complaint.phone_encrypted is not None,
                has_email=complaint.email_encrypted is not None,
                erased=complaint.erased_at is not None,
                masked_addresses=_masked_addresses(complaint),
                max_age=self._max_age if self._sender else None,  # only sending can be late
                now=now,
            )
            if not delivery.settled and self._sender is None:  # kept for the record at once
                delivery = settle(delivery, "recorded", now, reason="no_gateway")
            await uow.add_delivery(delivery)
            if delivery.settled:
                await uow.add_events([_settled_event(delivery, cause=event)])
        self._on_commit()
        return True

    async def send_due(self) -> int:
        """Try every delivery that is due once; how many settled. One that fails in an
        unforeseen way counts as a failed attempt and the others still go."""
        settled = 0
        for due in await self._store.due_deliveries(self._clock.now(), _BATCH):
            try:
                settled += await self._attempt(due)
            except Exception as exc:
                log.warning(
                    "customer message attempt failed", ticket_no=due.ticket_no, error=repr(exc)
                )
        return settled

    async def deliveries_of(self, complaint_id: str) -> list[Delivery]:
        return await self._store.deliveries_of(complaint_id)

    async def _attempt(self, due: Delivery) -> bool:
        if await self._earlier_pending(due):
            return False  # news goes out in the order it was given
        now = self._clock.now()
        taken = leased(due, now)
        if not await self._store.lease_delivery(due, taken):
            return False  # another sender holds it, or it settled meanwhile
        try:
            complaint = await self._store.get_complaint(due.complaint_id)
            outcome = await self._send(taken, complaint)
        except Exception as exc:
            outcome = after_failure(taken, self._clock.now(), type(exc).__name__, permanent=False)
        async with self._store.unit_of_work() as uow:
            if not await uow.finish_delivery(taken, outcome):
                return False  # this attempt outlived its lease: the one that took over decides
            if outcome.settled:
                await uow.add_events([_settled_event(outcome)])
        if outcome.settled:
            self._on_commit()
            log.info(
                "customer message settled",
                ticket_no=outcome.ticket_no,
                status=outcome.status,
                medium=outcome.medium,
            )
        return outcome.settled

    async def _earlier_pending(self, due: Delivery) -> bool:
        return any(
            other.request_id != due.request_id
            and not other.settled
            and other.requested_at < due.requested_at
            for other in await self._store.deliveries_of(due.complaint_id)
        )

    async def _send(self, delivery: Delivery, complaint: StoredComplaint | None) -> Delivery:
        now = self._clock.now()
        if complaint is None or complaint.erased_at is not None:
            return settle(delivery, "undeliverable", now, reason="erased")
        if self._sender is None:  # e.g. the gateway was unset while this one waited
            return settle(delivery, "recorded", now, reason="no_gateway")
        late = expired_if_late(delivery, now, self._max_age)
        if late.settled:
            return late
        address = self._address(delivery, complaint)
        if address is None:
            detail = f"no {ADDRESS_OF[delivery.medium]} for a {delivery.medium}"
            return settle(delivery, "undeliverable", now, reason="no_address", detail=detail)
        try:
            reference = await self._sender.send(delivery, address)
        except SendError as exc:
            return after_failure(delivery, self._clock.now(), str(exc), permanent=exc.permanent)
        return settle(delivery, "sent", self._clock.now(), provider_ref=reference)

    def _address(self, delivery: Delivery, complaint: StoredComplaint) -> str | None:
        match ADDRESS_OF[delivery.medium]:
            case "phone":
                sealed = complaint.phone_encrypted
            case "email":
                sealed = complaint.email_encrypted
            case "wechat_openid":
                return complaint.wechat_openid
            case "customer_id":
                return complaint.customer_id
        return self._cipher.decrypt(sealed) if sealed else None


def _masked_addresses(complaint: StoredComplaint) -> dict[Address, str | None]:
    """The customer's addresses, masked: what a delivery shows it went to."""
    openid, customer_id = complaint.wechat_openid, complaint.customer_id
    return {
        "phone": complaint.phone_masked,
        "email": complaint.email_masked,
        "wechat_openid": mask_code(openid) if openid else None,
        "customer_id": mask_code(customer_id) if customer_id else None,
    }


def _settled_event(delivery: Delivery, *, cause: EventEnvelope | None = None) -> EventEnvelope:
    assert delivery.settled_at is not None and delivery.status != "pending"
    return new_event(
        payload=NotificationSettled(
            request_id=delivery.request_id,
            complaint_id=delivery.complaint_id,
            ticket_no=delivery.ticket_no,
            purpose=delivery.purpose,
            medium=delivery.medium,
            status=delivery.status,
            attempts=delivery.attempts,
            reason=delivery.reason,
            step=delivery.step,
        ),
        event_type=NOTIFICATION_SETTLED,
        complaint_id=delivery.complaint_id,
        actor=_GATEWAY,
        producer=SERVICE,
        occurred_at=delivery.settled_at,
        cause=cause,
    )
