"""Resolution use cases: open a case for each registered complaint, exactly once."""

from __future__ import annotations

from uuid import uuid4

from services.resolution.domain.case import Case, add_follow_up, open_case
from services.resolution.store import ResolutionStore
from shared.clock import Clock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import ComplaintRegistered, ComplaintUpdated
from shared.contracts.resolution import CASE_OPENED, CaseOpened
from shared.errors import NotFoundError

SERVICE = "resolution"


class ResolutionService:
    def __init__(self, *, store: ResolutionStore, clock: Clock, sla_hours: float) -> None:
        self._store = store
        self._clock = clock
        self._sla_hours = sla_hours

    async def on_complaint_registered(self, event: EventEnvelope) -> bool:
        """Open the case; False when this event (or this complaint) was seen before."""
        complaint = event.payload_as(ComplaintRegistered)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            if await uow.get_case(complaint.complaint_id) is not None:
                return False  # a re-registration of the same complaint opens nothing new
            case = open_case(
                complaint, case_id=str(uuid4()), now=self._clock.now(), sla_hours=self._sla_hours
            )
            await uow.add_case(case)
            await uow.add_events([_opened_event(case, cause=event)])
        return True

    async def on_complaint_updated(self, event: EventEnvelope) -> bool:
        """A follow-up of the customer reaches the case that owns the complaint."""
        update = event.payload_as(ComplaintUpdated)
        async with self._store.unit_of_work() as uow:
            if not await uow.claim(SERVICE, event.event_id):
                return False
            case = await uow.get_case(update.complaint_id)
            if case is None:
                # events of one complaint share a partition, so the case exists unless the
                # registration itself was dead-lettered: then this one is poison too
                raise LookupError(f"no case for complaint {update.complaint_id} to update")
            await uow.save_case(add_follow_up(case, update))
        return True

    async def get_case(self, complaint_id: str) -> Case:
        case = await self._store.get_case(complaint_id)
        if case is None:
            raise NotFoundError(f"no case for complaint {complaint_id}")
        return case


def _opened_event(case: Case, *, cause: EventEnvelope) -> EventEnvelope:
    return new_event(
        payload=CaseOpened(
            complaint_id=case.complaint_id,
            case_id=case.case_id,
            status=case.status.value,
            opened_at=case.opened_at,
            due_at=case.due_at,
        ),
        event_type=CASE_OPENED,
        complaint_id=case.complaint_id,
        actor=Actor.service(SERVICE),
        producer=SERVICE,
        occurred_at=case.opened_at,
        cause=cause,
    )
