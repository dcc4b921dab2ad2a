"""Intake and case events with the fields analytics reads, for its tests."""

from __future__ import annotations

from datetime import datetime

from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import (
    COMPLAINT_ERASED,
    COMPLAINT_REGISTERED,
    ComplaintErased,
    ComplaintRegistered,
)
from shared.contracts.resolution import (
    CASE_CLOSED,
    CASE_OPENED,
    SLA_EVENTS,
    STEP_EVENTS,
    CaseOpened,
    CaseSlaMilestone,
    CaseStepTaken,
    StageTime,
)
from shared.vocab import Channel, Department, ErasureReason, Urgency


def registered(
    complaint_id: str,
    at: datetime,
    *,
    content: str = "发动机异响",
    channel: Channel = Channel.HOTLINE,
    department: Department | None = None,
    urgency: Urgency = Urgency.NORMAL,
    vehicle_model: str | None = None,
    repeat: bool = False,
) -> EventEnvelope:
    return new_event(
        payload=ComplaintRegistered(
            complaint_id=complaint_id,
            ticket_no=f"TS-{complaint_id}",
            channel=channel,
            received_at=at,
            registered_at=at,
            customer_name="张伟",
            phone_masked="138****5678",
            content=content,
            language="zh",
            urgency=urgency,
            repeat_complainant=repeat,
            vehicle_model=vehicle_model,
            target_department=department,
        ),
        event_type=COMPLAINT_REGISTERED,
        complaint_id=complaint_id,
        actor=Actor(id="agent", role="agent"),
        producer="intake",
        occurred_at=at,
    )


def opened(complaint_id: str, at: datetime) -> EventEnvelope:
    return new_event(
        payload=CaseOpened(
            complaint_id=complaint_id,
            case_id=f"case-{complaint_id}",
            status="registered",
            opened_at=at,
            due_at=at,
        ),
        event_type=CASE_OPENED,
        complaint_id=complaint_id,
        actor=Actor.service("resolution"),
        producer="resolution",
        occurred_at=at,
    )


def step(
    complaint_id: str,
    name: str,
    at: datetime,
    *,
    to_status: str,
    from_status: str = "x",
    department: str | None = None,
    causes: list[str] | None = None,
    amount: str | None = None,
    remedy_types: list[str] | None = None,
    satisfaction: int | None = None,
    closed: bool = False,
    stage_times: list[StageTime] | None = None,
    follow_up_due_at: datetime | None = None,
    follow_up_call_at: datetime | None = None,
    follow_up_satisfaction: int | None = None,
    responsible_staff: str | None = None,
) -> EventEnvelope:
    return new_event(
        payload=CaseStepTaken(
            complaint_id=complaint_id,
            case_id=f"case-{complaint_id}",
            ticket_no=f"TS-{complaint_id}",
            step=name,
            from_status=from_status,
            to_status=to_status,
            actor="olga",
            role="owner",
            at=at,
            department=department,
            causes=causes or [],
            primary_cause=causes[0] if causes else None,
            remedy_amount=amount,
            remedy_types=remedy_types or [],
            satisfaction=satisfaction,
            stage_times=stage_times or [],
            follow_up_due_at=follow_up_due_at,
            follow_up_call_at=follow_up_call_at,
            follow_up_satisfaction=follow_up_satisfaction,
            responsible_staff=responsible_staff,
        ),
        event_type=CASE_CLOSED if closed else STEP_EVENTS[name],
        complaint_id=complaint_id,
        actor=Actor(id="olga", role="owner"),
        producer="resolution",
        occurred_at=at,
    )


def breached(complaint_id: str, at: datetime) -> EventEnvelope:
    return new_event(
        payload=CaseSlaMilestone(
            complaint_id=complaint_id,
            case_id=f"case-{complaint_id}",
            ticket_no="t",
            milestone="breach",
            due_at=at,
            notify="department_head",
        ),
        event_type=SLA_EVENTS["breach"],
        complaint_id=complaint_id,
        actor=Actor.service("resolution"),
        producer="resolution",
        occurred_at=at,
    )


def erased(complaint_id: str, at: datetime) -> EventEnvelope:
    return new_event(
        payload=ComplaintErased(
            complaint_id=complaint_id,
            ticket_no=f"TS-{complaint_id}",
            reason=ErasureReason.CUSTOMER_REQUEST,
            erased_at=at,
        ),
        event_type=COMPLAINT_ERASED,
        complaint_id=complaint_id,
        actor=Actor(id="admin", role="admin"),
        producer="intake",
        occurred_at=at,
    )
