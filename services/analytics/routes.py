"""Analytics HTTP routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.analytics.domain.counters import Summary
from services.analytics.service import AnalyticsService
from shared.auth import Principal, Role, require_roles

router = APIRouter(tags=["reports"])

REPORT_READERS = require_roles(Role.QUALITY, Role.GENERAL_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def get_service(request: Request) -> AnalyticsService:
    service: AnalyticsService = request.app.state.service
    return service


@router.get("/summary", summary="Complaints and cases counted so far")
async def get_summary(
    service: Annotated[AnalyticsService, Depends(get_service)],
    _: Annotated[Principal, Depends(REPORT_READERS)],
) -> Summary:
    return await service.summary()
