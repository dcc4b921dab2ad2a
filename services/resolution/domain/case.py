"""The case that owns a complaint until its closed loop ends."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.contracts.intake import ComplaintRegistered, ComplaintUpdated


class CaseStatus(StrEnum):
    REGISTERED = "registered"


class Case(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    complaint_id: str
    ticket_no: str
    status: CaseStatus
    urgency: str
    opened_at: datetime
    registered_at: datetime
    due_at: datetime
    follow_ups: int = 0
    version: int = 1


def closed_loop_due(registered_at: datetime, sla_hours: float) -> datetime:
    """The 48-hour promise runs from registration, in calendar hours."""
    return registered_at + timedelta(hours=sla_hours)


def open_case(
    complaint: ComplaintRegistered, *, case_id: str, now: datetime, sla_hours: float
) -> Case:
    return Case(
        case_id=case_id,
        complaint_id=complaint.complaint_id,
        ticket_no=complaint.ticket_no,
        status=CaseStatus.REGISTERED,
        urgency=complaint.urgency.value,
        opened_at=now,
        registered_at=complaint.registered_at,
        due_at=closed_loop_due(complaint.registered_at, sla_hours),
    )


def add_follow_up(case: Case, update: ComplaintUpdated) -> Case:
    """The customer added to the matter: the case keeps its clock, urgency may rise."""
    return case.model_copy(
        update={
            "follow_ups": case.follow_ups + 1,
            "urgency": update.urgency.value,
            "version": case.version + 1,
        }
    )
