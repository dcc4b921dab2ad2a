"""Intake HTTP routes: thin — validate, check the role, call the service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from services.intake.domain.record import Complaint, ComplaintCreate
from services.intake.service import IntakeService
from shared.auth import Principal, Role, require_roles
from shared.contracts.envelope import Actor
from shared.crypto import mask_phone
from shared.vocab import Channel, Language, Urgency

router = APIRouter(tags=["complaints"])

RECORDERS = require_roles(Role.AGENT, Role.ADMIN)


class CustomerRead(BaseModel):
    name: str
    phone_masked: str


class ComplaintRead(BaseModel):
    id: str
    ticket_no: str
    channel: Channel
    customer: CustomerRead
    content: str
    language: Language
    urgency: Urgency
    received_at: datetime
    registered_at: datetime

    @classmethod
    def of(cls, complaint: Complaint) -> ComplaintRead:
        return cls(
            id=complaint.id,
            ticket_no=complaint.ticket_no,
            channel=complaint.channel,
            customer=CustomerRead(
                name=complaint.customer_name, phone_masked=mask_phone(complaint.phone)
            ),
            content=complaint.content,
            language=complaint.language,
            urgency=complaint.urgency,
            received_at=complaint.received_at,
            registered_at=complaint.registered_at,
        )


def get_service(request: Request) -> IntakeService:
    service: IntakeService = request.app.state.service
    return service


Service = Annotated[IntakeService, Depends(get_service)]


@router.post(
    "/complaints",
    status_code=status.HTTP_201_CREATED,
    summary="Register a complaint taken by an agent",
)
async def register_complaint(
    body: ComplaintCreate,
    request: Request,
    response: Response,
    service: Service,
    principal: Annotated[Principal, Depends(RECORDERS)],
) -> ComplaintRead:
    complaint = await service.register(
        body, actor=Actor(id=principal.user, role=principal.role.value)
    )
    response.headers["Location"] = str(request.url_for("get_complaint", complaint_id=complaint.id))
    return ComplaintRead.of(complaint)


@router.get("/complaints/{complaint_id}", summary="One registration record")
async def get_complaint(
    complaint_id: str,
    service: Service,
    _: Annotated[Principal, Depends(RECORDERS)],
) -> ComplaintRead:
    return ComplaintRead.of(await service.get(complaint_id))
