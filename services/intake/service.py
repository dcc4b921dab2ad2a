"""Intake use cases: register a complaint once, look it up."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4
from zoneinfo import ZoneInfo

from services.intake.domain.record import (
    Complaint,
    ComplaintCreate,
    format_ticket_no,
    received_time,
)
from services.intake.store import IntakeStore, StoredComplaint
from shared.clock import Clock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_REGISTERED, ComplaintRegistered
from shared.crypto import FieldCipher, mask_phone
from shared.errors import NotFoundError
from shared.vocab import Urgency

SERVICE = "intake"


class IntakeService:
    def __init__(
        self,
        *,
        store: IntakeStore,
        clock: Clock,
        cipher: FieldCipher,
        zone: ZoneInfo,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._cipher = cipher
        self._zone = zone
        self._on_commit = on_commit

    async def register(self, data: ComplaintCreate, *, actor: Actor) -> Complaint:
        """Store the record and its `complaint.registered` event in one atomic write."""
        now = self._clock.now()
        complaint_id = str(uuid4())
        async with self._store.unit_of_work() as uow:
            day = now.astimezone(self._zone).date()
            ticket_no = format_ticket_no(day, await uow.next_ticket_sequence(day))
            complaint = Complaint(
                id=complaint_id,
                ticket_no=ticket_no,
                channel=data.channel,
                customer_name=data.customer.name,
                phone=data.customer.phone,
                content=data.content,
                language=data.language,
                urgency=Urgency.NORMAL,
                received_at=received_time(data.received_at, now),
                registered_at=now,
            )
            await uow.add_complaint(self._to_stored(complaint))
            await uow.add_events([self._registered_event(complaint, actor)])
        self._on_commit()
        return complaint

    async def get(self, complaint_id: str) -> Complaint:
        stored = await self._store.get_complaint(complaint_id)
        if stored is None:
            raise NotFoundError(f"no complaint {complaint_id}")
        return self._from_stored(stored)

    def _to_stored(self, complaint: Complaint) -> StoredComplaint:
        return StoredComplaint(
            id=complaint.id,
            ticket_no=complaint.ticket_no,
            channel=complaint.channel,
            customer_name=complaint.customer_name,
            phone_encrypted=self._cipher.encrypt(complaint.phone),
            phone_hash=self._cipher.lookup_hash(complaint.phone),
            phone_masked=mask_phone(complaint.phone),
            content=complaint.content,
            language=complaint.language,
            urgency=complaint.urgency,
            received_at=complaint.received_at,
            registered_at=complaint.registered_at,
        )

    def _from_stored(self, stored: StoredComplaint) -> Complaint:
        return Complaint(
            id=stored.id,
            ticket_no=stored.ticket_no,
            channel=stored.channel,
            customer_name=stored.customer_name,
            phone=self._cipher.decrypt(stored.phone_encrypted),
            content=stored.content,
            language=stored.language,
            urgency=stored.urgency,
            received_at=stored.received_at,
            registered_at=stored.registered_at,
        )

    @staticmethod
    def _registered_event(complaint: Complaint, actor: Actor) -> EventEnvelope:
        payload = ComplaintRegistered(
            complaint_id=complaint.id,
            ticket_no=complaint.ticket_no,
            channel=complaint.channel,
            received_at=complaint.received_at,
            registered_at=complaint.registered_at,
            customer_name=complaint.customer_name,
            phone_masked=mask_phone(complaint.phone),
            content=complaint.content,
            language=complaint.language,
            urgency=complaint.urgency,
        )
        return new_event(
            payload=payload,
            event_type=COMPLAINT_REGISTERED,
            complaint_id=complaint.id,
            actor=actor,
            producer=SERVICE,
            occurred_at=complaint.registered_at,
        )
