"""Resolution HTTP routes: my cases, the department queue, the approval inbox, the case
detail with its timeline and SLA state, and one route per workflow step."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Header, Query, Request, Response
from pydantic import BaseModel, BeforeValidator

from services.resolution.domain.approvals import Approver, waits_for
from services.resolution.domain.case import (
    COMMANDS,
    Actor,
    Case,
    CommandBase,
    CustomerNotice,
    StepNotReadyError,
    StepRefusedError,
    may_read,
    proposer_role,
    steps_for,
)
from services.resolution.domain.loop import loop_rounds
from services.resolution.domain.milestones import (
    REGULATOR_WARNING_BEFORE,
    Milestone,
    customer_update,
    follow_up_due,
    milestone_key,
    regulator_deadline,
    regulator_watched,
)
from services.resolution.domain.sla import SlaPolicy
from services.resolution.domain.stages import STAGE_OF, stage_account
from services.resolution.domain.workflow import (
    CaseStatus,
    IllegalStepError,
    Step,
)
from services.resolution.service import ResolutionService
from shared.auth import (
    CONTACT_GRANT_TTL,
    GrantPurpose,
    Principal,
    Role,
    TokenService,
    issue_contact_grant,
    require_roles,
)
from shared.errors import ConflictError, ForbiddenError

router = APIRouter(tags=["cases"])

READER_ROLES = (
    Role.AGENT,
    Role.OWNER,
    Role.DEPARTMENT_HEAD,
    Role.GENERAL_MANAGER,
    Role.QUALITY,
    Role.ADMIN,
)
WORKER_ROLES = (Role.AGENT, Role.OWNER, Role.DEPARTMENT_HEAD, Role.GENERAL_MANAGER, Role.ADMIN)
APPROVER_ROLES = (Role.DEPARTMENT_HEAD, Role.GENERAL_MANAGER, Role.ADMIN)
CASE_READERS = require_roles(*READER_ROLES)
CASE_WORKERS = require_roles(*WORKER_ROLES)
APPROVERS = require_roles(*APPROVER_ROLES)


def get_service(request: Request) -> ResolutionService:
    service: ResolutionService = request.app.state.service
    return service


Service = Annotated[ResolutionService, Depends(get_service)]


class SlaState(BaseModel):
    """The closed loop's clock in the current round (a reopened case runs a new one)."""

    due_at: datetime
    seconds_left: int
    paused: bool
    warned: bool
    breached: bool
    round: int = 1
    breached_before: bool = False
    """An earlier round of the loop was breached (that flag stays set)."""
    customer_update_due: datetime | None = None
    """When the customer is next owed news (None: resolved, closed, or not watched)."""
    customer_update_overdue: bool = False
    """That time has come and nobody has told them anything since."""


class StageCharge(BaseModel):
    department: str | None
    accountable: str
    seconds: int


class StageTime(BaseModel):
    """One stage's share of the closed loop: time spent (holds excluded) against its budget,
    and whom it was charged to."""

    stage: str
    seconds_spent: int
    budget_seconds: int | None
    current: bool
    over: bool
    charged: list[StageCharge]


class PausedTime(BaseModel):
    """Time on hold waiting for one thing, credited back to every clock."""

    waiting_for: str
    seconds: int


class CaseView(Case):
    allowed_steps: list[Step]
    follow_up_due_at: datetime | None = None
    """A closed, remedied case whose 3-day follow-up call has not reached the customer yet:
    by when it is due (past: overdue)."""
    regulator_due_at: datetime | None = None
    """A referral from 12315, a consumer association or a market regulator: the end of the
    day by which the agency wants the answer."""
    regulator_pressing: bool = False
    """Not resolved yet, and the agency's date is less than a day away or past."""
    sla: SlaState
    stages: list[StageTime]
    paused: list[PausedTime]


def stage_times(case: Case, now: datetime, policy: SlaPolicy) -> list[StageTime]:
    account = stage_account(case, policy, now)
    held_in = STAGE_OF.get(case.held_from) if case.held_from else None  # the stage on hold
    return [
        StageTime(
            stage=clock.stage.value,
            seconds_spent=int(clock.spent.total_seconds()),
            budget_seconds=int(clock.budget.total_seconds()) if clock.budget else None,
            current=clock.current or clock.stage is held_in,
            over=clock.over,
            charged=[
                StageCharge(
                    department=c.department,
                    accountable=c.accountable,
                    seconds=int(c.spent.total_seconds()),
                )
                for c in account.charges
                if c.stage is clock.stage
            ],
        )
        for clock in account.clocks
    ]


def paused_times(case: Case, now: datetime, policy: SlaPolicy) -> list[PausedTime]:
    seconds: dict[str, float] = {}
    for hold in case.holds:
        took = policy.elapsed(hold.started, hold.ended or now).total_seconds()
        seconds[hold.waiting_for.value] = seconds.get(hold.waiting_for.value, 0) + took
    return [PausedTime(waiting_for=k, seconds=int(v)) for k, v in seconds.items()]


def view(case: Case, now: datetime, policy: SlaPolicy) -> CaseView:
    """The case as its readers need it now. ``due_at`` is the live due time, as in ``sla``:
    the stored one (what queues sort by) stays put while the case is on hold."""
    *earlier, loop = loop_rounds(case)
    due = loop.deadlines(policy, now)
    stop = loop.stop(now)
    fired = set(case.sla_fired)
    update = customer_update(case, policy)
    news = update.due_at if update else None
    regulator = regulator_deadline(case, policy.zone)
    breached_before = any(
        r.breached(policy, now) or milestone_key(Milestone.BREACH, round_=r.number) in fired
        for r in earlier
    )
    return CaseView(
        stages=stage_times(case, now, policy),
        paused=paused_times(case, now, policy),
        **{**case.model_dump(), "due_at": due.due_at.astimezone(UTC)},
        allowed_steps=steps_for(case),
        follow_up_due_at=follow_up_due(case),
        regulator_due_at=regulator.astimezone(UTC) if regulator else None,
        regulator_pressing=regulator is not None
        and regulator_watched(case)
        and now >= regulator - REGULATOR_WARNING_BEFORE,
        sla=SlaState(
            due_at=due.due_at,
            seconds_left=int(loop.time_left(policy, now).total_seconds()),
            paused=case.status is CaseStatus.ON_HOLD,
            warned=milestone_key(Milestone.WARNING, round_=loop.number) in fired
            or stop >= due.warn_at,
            breached=milestone_key(Milestone.BREACH, round_=loop.number) in fired
            or loop.breached(policy, now),
            round=loop.number,
            breached_before=breached_before,
            customer_update_due=news,
            customer_update_overdue=news is not None and news <= now,
        ),
    )


_GRANT_USES = {"contact": "contact", "messages": "messages", "attachments": "attachments/list"}
"""Where in intake each grant is posted (an attachment's own file: ``attachments/{id}``)."""


def actor_of(principal: Principal) -> Actor:
    """The signed-in user as the case domain sees them."""
    return Actor(
        user=principal.user,
        role=principal.role.value,
        department=principal.department.value if principal.department else None,
    )


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.clock.now()
    return now


def _policy(request: Request) -> SlaPolicy:
    service: ResolutionService = request.app.state.service
    return service.policy


@router.get("/cases", summary="Cases: mine (owner), my department's (head), or filtered")
async def list_cases(
    request: Request,
    service: Service,
    principal: Annotated[Principal, Depends(CASE_READERS)],
    mine: Annotated[bool, Query(description="Only cases I own.")] = False,
    department: Annotated[str | None, Query(max_length=40)] = None,
    status_in: Annotated[list[CaseStatus] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    follow_up_due: Annotated[
        bool, Query(description="Only closed cases whose 3-day call is still to make.")
    ] = False,
    order: Annotated[
        Literal["due", "newest"],
        Query(description="due: the most urgent first (a work list); newest: a history."),
    ] = "due",
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many.")] = 0,
) -> list[CaseView]:
    head = principal.role is Role.DEPARTMENT_HEAD
    if head:
        department = principal.department.value if principal.department else None
    cases = await service.list_cases(
        owner=principal.user if mine or principal.role is Role.OWNER else None,
        department=department,
        statuses=status_in,
        limit=limit,
        include_unassigned=head and not mine,  # new cases wait for a head to assign them
        call_owed=follow_up_due,
        newest_first=order == "newest",
        offset=offset,
    )
    return [view(case, _now(request), _policy(request)) for case in cases]


@router.get(
    "/approvals",
    summary="The approval inbox: remedies waiting for my decision (a head: the department's;"
    " the general manager: those above the second-approval threshold; an admin: all)",
)
async def approval_inbox(
    request: Request,
    service: Service,
    principal: Annotated[Principal, Depends(APPROVERS)],
) -> list[CaseView]:
    department = principal.department.value if principal.department else None
    cases = await service.list_cases(
        department=department if principal.role is Role.DEPARTMENT_HEAD else None,
        statuses=[CaseStatus.PENDING_APPROVAL],
    )
    waiting = [
        c
        for c in cases
        if c.remedy is not None
        and c.remedy.proposed_by != principal.user
        and all(a.user != principal.user for a in c.approvals)
        and waits_for(
            principal.role.value,
            [Approver(a.user, a.role, a.department) for a in c.approvals],
            amount=c.remedy.amount,
            second_approval_above=service.second_approval_above,
            proposed_by_head=proposer_role(c) == "department_head",
        )
    ]
    return [view(case, _now(request), _policy(request)) for case in waiting]


@router.get("/cases/{complaint_id}", summary="A case with its timeline, SLA state and next steps")
async def get_case(
    complaint_id: str,
    request: Request,
    response: Response,
    service: Service,
    principal: Annotated[Principal, Depends(CASE_READERS)],
) -> CaseView:
    case = await _readable_case(service, complaint_id, principal)
    response.headers["ETag"] = _entity_tag(case)
    return view(case, _now(request), _policy(request))


def _entity_tag(case: Case) -> str:
    """The case's version as an HTTP entity tag: send it back as If-Match with a step."""
    return f'"{case.version}"'


def _entity_tag_version(value: object) -> object:
    """If-Match as HTTP clients send it, quoted (``"3"``, ``W/"3"``), or the bare version."""
    if isinstance(value, str):
        return value.strip().removeprefix("W/").strip('"')
    return value


async def _readable_case(
    service: ResolutionService, complaint_id: str, principal: Principal
) -> Case:
    case = await service.get_case(complaint_id)
    if not may_read(case, actor_of(principal)):
        raise ForbiddenError(
            "this case is another department's or another owner's", code="not_your_case"
        )
    return case


@router.get(
    "/cases/{complaint_id}/notices",
    summary="What became of each message to the customer (sent, failed...), oldest first",
)
async def case_notices(
    complaint_id: str,
    service: Service,
    principal: Annotated[Principal, Depends(CASE_READERS)],
) -> list[CustomerNotice]:
    await _readable_case(service, complaint_id, principal)
    return await service.notices_of(complaint_id)


def _step_route(step: Step, command_model: type[CommandBase]) -> None:
    readers = APPROVERS if step in (Step.APPROVE, Step.REJECT) else CASE_WORKERS

    async def take_step(
        complaint_id: str,
        request: Request,
        service: Service,
        principal: Annotated[Principal, Depends(readers)],
        command: Annotated[command_model, Body()],  # type: ignore[valid-type]
        response: Response,
        if_match: Annotated[
            int | None,
            BeforeValidator(_entity_tag_version),
            Header(
                alias="If-Match",
                description='The case version you saw (its ETag: 3, "3" or W/"3"); 409 if it'
                " moved on.",
            ),
        ] = None,
    ) -> CaseView:
        actor = actor_of(principal)
        try:
            case = await service.take_step(
                complaint_id, step, command, actor=actor, expected_version=if_match
            )
        except IllegalStepError as exc:
            allowed = [s.value for s in exc.allowed]
            raise ConflictError(
                str(exc),
                code="step_not_allowed",
                step=exc.step.value,
                case_status=exc.status.value,
                allowed_steps=allowed,
            ) from exc
        except StepNotReadyError as exc:
            raise ConflictError(str(exc), code=exc.code, step=step.value) from exc
        except StepRefusedError as exc:
            raise ForbiddenError(str(exc), code=exc.code, **exc.params) from exc
        response.headers["ETag"] = _entity_tag(case)
        return view(case, _now(request), _policy(request))

    # the two annotations name this closure's locals, which string annotations cannot reach
    take_step.__annotations__["principal"] = Annotated[Principal, Depends(readers)]
    take_step.__annotations__["command"] = Annotated[command_model, Body()]
    router.add_api_route(
        f"/cases/{{complaint_id}}/{step.value}",
        take_step,
        methods=["POST"],
        name=f"case_{step.value}",
        summary=f"{step.value.replace('_', ' ').capitalize()}",
        responses={
            403: {"description": "not yours to do"},
            409: {
                "description": "not allowed now (names the allowed steps), another step must"
                " come first, or changed meanwhile"
            },
        },
    )


for _step, _model in COMMANDS.items():
    _step_route(_step, _model)


class ContactGrant(BaseModel):
    """Lets its holder read the customer's contact details from intake for five minutes;
    intake records every read."""

    grant: str
    expires_at: datetime
    contact_url: str
    """Intake's API for the details: POST the grant there with your own bearer token."""


@router.post(
    "/cases/{complaint_id}/contact_grant",
    summary="A short-lived grant to read the customer's phone from intake (to call them)",
    responses={
        403: {"description": "not yours to contact"},
        409: {"description": "the customer's personal data was erased"},
    },
)
async def contact_grant(
    complaint_id: str,
    request: Request,
    service: Service,
    principal: Annotated[Principal, Depends(CASE_WORKERS)],
    purpose: Annotated[
        GrantPurpose,
        Query(
            description="contact: the phone (audited); messages: what they were sent;"
            " attachments: the complaint's files."
        ),
    ] = "contact",
) -> ContactGrant:
    actor = actor_of(principal)
    try:
        await service.check_contact(complaint_id, actor)
    except StepRefusedError as exc:
        raise ForbiddenError(str(exc), code=exc.code, **exc.params) from exc
    except StepNotReadyError as exc:
        raise ConflictError(str(exc), code=exc.code) from exc
    tokens: TokenService = request.app.state.tokens
    return ContactGrant(
        grant=issue_contact_grant(tokens, principal, complaint_id=complaint_id, purpose=purpose),
        expires_at=_now(request) + CONTACT_GRANT_TTL,
        contact_url=f"/intake/complaints/{complaint_id}/{_GRANT_USES[purpose]}",
    )
