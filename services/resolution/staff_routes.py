"""The staff directory over HTTP: everyone who works cases reads it (to pick an owner); the
administrator and the general manager keep it, a department head their own department."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from services.resolution.domain.staff import LOGIN_PATTERN, StaffDetails, StaffMember
from services.resolution.routes import CASE_READERS, Service
from shared.auth import Principal, Role, require_roles
from shared.errors import ForbiddenError
from shared.vocab import Department

router = APIRouter(tags=["staff"])

STAFF_KEEPERS = require_roles(Role.DEPARTMENT_HEAD, Role.GENERAL_MANAGER, Role.ADMIN)


@router.get("/staff", summary="The staff directory: who may own a department's cases")
async def list_staff(
    service: Service,
    _: Annotated[Principal, Depends(CASE_READERS)],
    department: Annotated[Department | None, Query()] = None,
    active: Annotated[bool | None, Query(description="Only those who still work here.")] = None,
) -> list[StaffMember]:
    return [
        m
        for m in await service.staff()
        if (department is None or m.department is department)
        and (active is None or m.active is active)
    ]


@router.put("/staff/{user}", summary="Add a person to the directory, or change their entry")
async def put_staff(
    service: Service,
    principal: Annotated[Principal, Depends(STAFF_KEEPERS)],
    user: Annotated[str, Path(pattern=LOGIN_PATTERN)],
    entry: Annotated[StaffDetails, Body()],
) -> StaffMember:
    member = StaffMember.model_validate({**entry.model_dump(), "user": user})
    if principal.role is Role.DEPARTMENT_HEAD:
        known = next((m for m in await service.staff() if m.user == user), None)
        departments = {member.department, known.department if known else member.department}
        if departments != {principal.department}:
            raise ForbiddenError(
                "a department head keeps only their own department's staff",
                code="other_department",
                department=principal.department.value if principal.department else "",
            )
    return await service.put_staff(member)
