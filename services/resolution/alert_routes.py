"""The SLA alerts inbox over HTTP: each person reads what the sweeper told them, and marks
it read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.resolution.domain.alerts import Alert
from services.resolution.routes import Service, actor_of
from shared.auth import Principal, Role, require_roles

router = APIRouter(tags=["alerts"])

ALERTED_ROLES = (
    Role.AGENT,
    Role.OWNER,
    Role.DEPARTMENT_HEAD,
    Role.GENERAL_MANAGER,
    Role.ADMIN,
)
ALERTED = require_roles(*ALERTED_ROLES)


@router.get("/alerts", summary="My SLA reminders and escalations, newest first")
async def list_alerts(
    service: Service,
    principal: Annotated[Principal, Depends(ALERTED)],
    unread: Annotated[bool, Query(description="Only those not marked read.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[Alert]:
    return await service.alerts_for(actor_of(principal), unread_only=unread, limit=limit)


class UnreadCount(BaseModel):
    unread: int


@router.get("/alerts/unread", summary="How many of my alerts are not marked read")
async def count_unread(
    service: Service, principal: Annotated[Principal, Depends(ALERTED)]
) -> UnreadCount:
    return UnreadCount(unread=await service.unread_alerts(actor_of(principal)))


class Marked(BaseModel):
    marked: int


@router.post("/alerts/read", summary="Mark every unread alert addressed to me read")
async def read_all(service: Service, principal: Annotated[Principal, Depends(ALERTED)]) -> Marked:
    return Marked(marked=await service.mark_all_alerts_read(actor_of(principal)))


@router.post(
    "/alerts/{alert_id}/read",
    summary="Mark one of my alerts read",
    responses={403: {"description": "addressed to someone else"}, 404: {"description": "none"}},
)
async def read_alert(
    alert_id: str, service: Service, principal: Annotated[Principal, Depends(ALERTED)]
) -> Alert:
    return await service.mark_alert_read(alert_id, actor_of(principal))
