"""Resolution HTTP routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from services.resolution.domain.case import Case
from services.resolution.service import ResolutionService
from shared.auth import Principal, Role, require_roles

router = APIRouter(tags=["cases"])

CASE_READERS = require_roles(
    Role.AGENT,
    Role.OWNER,
    Role.DEPARTMENT_HEAD,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
    Role.ADMIN,
)


def get_service(request: Request) -> ResolutionService:
    service: ResolutionService = request.app.state.service
    return service


@router.get("/cases/{complaint_id}", summary="The case that owns a complaint")
async def get_case(
    complaint_id: str,
    service: Annotated[ResolutionService, Depends(get_service)],
    _: Annotated[Principal, Depends(CASE_READERS)],
) -> Case:
    return await service.get_case(complaint_id)
