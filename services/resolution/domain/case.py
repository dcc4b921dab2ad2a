"""The case that owns a complaint until its closed loop ends, and the commands that move it.

``decide`` is the one function of the aggregate: (case, command, actor, now) → the new
case and what happened. It checks the step against the workflow table and the rules of
each step (one named owner, findings before a remedy, approval rules); it does no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from services.resolution.domain.approvals import (
    DEFAULT_SECOND_APPROVAL_ABOVE,
    ApprovalRefusedError,
    Approver,
    approvals_complete,
    check_approver,
)
from services.resolution.domain.workflow import (
    CaseStatus,
    IllegalStepError,
    Step,
    allowed_steps,
    next_status,
)
from shared.contracts.analytics import CauseEvidence
from shared.contracts.intake import (
    ComplaintAttachmentAdded,
    ComplaintRegistered,
    ComplaintUpdated,
)
from shared.errors import InvalidValueError
from shared.vocab import Cause, Department, EvidenceKind, HoldReason, TargetKind

__all__ = ["Case", "CaseStatus", "IllegalStepError", "Step"]

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
RemedyType = Literal[
    "repair", "replacement", "refund", "compensation", "apology", "goodwill", "explanation"
]
SATISFIED_FROM = 3
"""A rating of 3 or more (of 5) closes the case; below, it reopens one level up (on the
3-day call too: the case was closed, and the customer says it is not settled)."""


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    actor: str
    role: str
    step: str
    from_status: CaseStatus
    to_status: CaseStatus
    note: str = ""
    department: str | None = None
    """The department holding the case after the step: stage time is charged to it."""
    stage: str | None = None
    """For an SLA milestone of a stage: the stage that ran over its budget."""
    round: int | None = None
    """For an SLA milestone: the round of the loop it belongs to (2 after a reopening)."""
    causes: list[str] = Field(default_factory=list)
    """For recorded findings: the causes confirmed, the primary one first."""
    reclassified_from: list[str] = Field(default_factory=list)
    """For recorded findings that changed the causes (or the primary one): the causes
    before, primary first; every reclassification stays on the record."""


class Remedy(BaseModel):
    model_config = ConfigDict(frozen=True)

    types: list[RemedyType] = Field(min_length=1)
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    message_to_customer: Text
    proposed_by: str = ""


class ApprovalRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    department: str | None = None
    at: datetime


class HoldPeriod(BaseModel):
    model_config = ConfigDict(frozen=True)

    started: datetime
    ended: datetime | None = None
    reason: str = ""
    waiting_for: HoldReason = HoldReason.CUSTOMER


class CauseSuggestion(BaseModel):
    """Analytics' predicted cause; the investigator confirms or corrects it in the findings."""

    model_config = ConfigDict(frozen=True)

    causes: list[str]
    primary_cause: str
    confidence: float
    model_version: str
    explanation: list[str] = Field(default_factory=list)
    evidence: list[CauseEvidence] = Field(default_factory=list)
    """The complaint's phrases behind each suggested cause, as the case page shows them."""


class CustomerNotice(BaseModel):
    """What became of one message to the customer, as intake's gateway reported it: the
    owner sees whether the customer was actually told, or must be called."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    purpose: str
    medium: str
    status: str
    """sent, recorded (no gateway configured), manual, undeliverable, failed or expired."""
    attempts: int
    at: datetime
    reason: str | None = None
    """Why it was not sent, as a code (``shared.contracts.notifications.ReasonCode``)."""
    step: str | None = None
    """The step whose news it was (none for intake's acknowledgements)."""


class EvidenceNote(BaseModel):
    """A file attached at intake, as the case knows it: what kind, who added it, when."""

    model_config = ConfigDict(frozen=True)

    attachment_id: str
    kind: EvidenceKind
    added_at: datetime
    added_by: str
    added_role: str


EVIDENCE_STEP = "evidence_added"
"""The timeline's entry for an attached file: no step of the workflow, the clock's own."""


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
    """When the current round of the closed loop is due, as of the last write (holds so
    far credited; a reopened case's new round runs from the reopening)."""
    follow_ups: int = 0
    evidence: list[EvidenceNote] = Field(default_factory=list)
    """The files attached to the complaint (at intake, where a grant opens them)."""
    version: int = 1
    department: Department | None = None
    target_department: Department | None = None
    """The department the complaint is about, when the registration named one: its head
    is the one to assign the new case."""
    target_kind: TargetKind | None = None
    """What the complaint is about (投诉对象: a department, a staff member, the vehicle, a
    policy), as the registration recorded it."""
    target_staff: str | None = None
    """The staff member the customer complained about, when named: where the investigation
    of who is responsible (manual ch. 6.1 (4)) starts."""
    owner: str | None = None
    escalation_level: int = 0
    held_from: CaseStatus | None = None
    holds: list[HoldPeriod] = Field(default_factory=list)
    valid: bool | None = None
    findings: str | None = None
    causes: list[Cause] = Field(default_factory=list)
    primary_cause: Cause | None = None
    responsible_staff: str | None = None
    touchpoint: str | None = None
    remedy: Remedy | None = None
    approvals: list[ApprovalRecord] = Field(default_factory=list)
    rejection_reason: str | None = None
    first_contact_at: datetime | None = None
    resolved_at: datetime | None = None
    satisfaction: int | None = None
    follow_up_call_at: datetime | None = None
    """When the 3-day follow-up call (3日DC) after the latest resolution reached the
    customer; an attempt that did not reach them stays in the timeline only."""
    follow_up_satisfaction: int | None = None
    feedback_comment: str | None = None
    reopened: int = 0
    closed_at: datetime | None = None
    timeline: list[TimelineEntry] = Field(default_factory=list)
    language: str = "zh"
    channel: str | None = None
    customer_name: str = ""
    phone_masked: str = ""
    content: str = ""
    """The complaint as registered, so the owner reads it where the case is worked."""
    demands: list[str] = Field(default_factory=list)
    demand_note: str | None = None
    vehicle_model: str | None = None
    plate_masked: str | None = None
    urgency_reasons: list[str] = Field(default_factory=list)
    references: dict[str, str] = Field(default_factory=dict)
    """What the channel said about itself: a regulator's case number and response due date,
    the manufacturer's case number, the post's address, the survey score..."""
    suggestion: CauseSuggestion | None = None
    sla_fired: list[str] = Field(default_factory=list)
    """SLA milestones already fired; a breach stays recorded even when the step is done later."""
    next_deadline_at: datetime | None = None
    erased_at: datetime | None = None
    """When intake erased the customer's personal data (``domain.erasure``): the case keeps
    only what the dealership must still count."""
    erasure_reason: str | None = None


# -- commands ----------------------------------------------------------------------------


class CommandBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    note: Note = ""


class Triage(CommandBase):
    valid: bool
    explanation: Note = Field(
        default="",
        description="Sent to the customer when not valid (then required).",
        validate_default=True,
    )

    @field_validator("explanation")
    @classmethod
    def _explained_when_not_valid(cls, explanation: str, info: ValidationInfo) -> str:
        """A complaint turned away is explained to the customer politely (manual ch. 6.1
        (2)): never an empty message, nor the internal note in its place."""
        if info.data.get("valid") is False and not explanation:
            raise InvalidValueError(
                "explanation_required",
                "a complaint that is not valid is closed with an explanation to the customer",
            )
        return explanation


class Assign(CommandBase):
    department: Department
    owner: Text


class Reassign(Assign):
    pass


class StartInvestigation(CommandBase):
    pass


class RecordFindings(CommandBase):
    findings: Text
    causes: list[Cause] = Field(min_length=1, max_length=4)
    primary_cause: Cause
    responsible_staff: Annotated[str, StringConstraints(max_length=50)] | None = None
    touchpoint: Annotated[str, StringConstraints(max_length=50)] | None = None

    @field_validator("primary_cause")
    @classmethod
    def _primary_is_one_of_the_causes(cls, primary: Cause, info: ValidationInfo) -> Cause:
        causes = info.data.get("causes")
        if causes is not None and primary not in causes:
            raise InvalidValueError(
                "primary_not_a_cause", "the primary cause must be one of the causes"
            )
        return primary


class ProposeRemedy(CommandBase):
    types: list[RemedyType] = Field(min_length=1)
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    message_to_customer: Text


class SubmitForApproval(CommandBase):
    pass


class Approve(CommandBase):
    pass


class Reject(CommandBase):
    reason: Text


class StartExecution(CommandBase):
    pass


class Resolve(CommandBase):
    customer_notified: Literal[True] = Field(
        description="The loop closes only when the customer has been told."
    )


class RequestFeedback(CommandBase):
    pass


class RecordFeedback(CommandBase):
    satisfaction: int = Field(ge=1, le=5)
    comment: Note = ""


class PutOnHold(CommandBase):
    reason: Text
    waiting_for: HoldReason = Field(
        default=HoldReason.CUSTOMER,
        description="The customer, the manufacturer's technical report, or parts: the SLA"
        " clock stops until the case resumes.",
    )


class Resume(CommandBase):
    pass


class Escalate(CommandBase):
    reason: Text


class RecordContact(CommandBase):
    summary: Text


class RecordFollowUpCall(CommandBase):
    """The call a few days after the remedy (training deck: 延续——服务后的关怀, 3日DC)."""

    reached: bool
    satisfaction: int | None = Field(default=None, ge=1, le=5)
    summary: Text


COMMANDS: dict[Step, type[CommandBase]] = {
    Step.TRIAGE: Triage,
    Step.ASSIGN: Assign,
    Step.REASSIGN: Reassign,
    Step.START_INVESTIGATION: StartInvestigation,
    Step.RECORD_FINDINGS: RecordFindings,
    Step.PROPOSE_REMEDY: ProposeRemedy,
    Step.SUBMIT_FOR_APPROVAL: SubmitForApproval,
    Step.APPROVE: Approve,
    Step.REJECT: Reject,
    Step.START_EXECUTION: StartExecution,
    Step.RESOLVE: Resolve,
    Step.REQUEST_FEEDBACK: RequestFeedback,
    Step.RECORD_FEEDBACK: RecordFeedback,
    Step.PUT_ON_HOLD: PutOnHold,
    Step.RESUME: Resume,
    Step.ESCALATE: Escalate,
    Step.RECORD_CONTACT: RecordContact,
    Step.RECORD_FOLLOW_UP_CALL: RecordFollowUpCall,
}


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: str
    role: str
    department: str | None = None


class StepRefusedError(PermissionError):
    """The step is allowed now, but not for this person (→ 403); ``code`` and ``params``
    let a page say why in its language."""

    def __init__(self, code: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class StepNotReadyError(ValueError):
    """The step is allowed in this status, but the case lacks what it needs first (→ 409):
    the user can fix it by taking another step, so it is a conflict, not a refusal."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# -- the decision ------------------------------------------------------------------------


def not_ready(case: Case, step: Step) -> StepNotReadyError | None:
    """Why this case cannot take ``step`` yet although its status allows it, or None: the
    one place such rules live, so the API refuses and the pages offer alike."""
    if step is Step.PROPOSE_REMEDY and not case.findings:
        return StepNotReadyError(
            "findings_first", "record the findings (cause) before proposing a remedy"
        )
    if step in (Step.APPROVE, Step.REJECT) and case.remedy is None:
        return StepNotReadyError("remedy_first", "there is no remedy to decide on")
    if step is Step.SUBMIT_FOR_APPROVAL and _rejected_as_it_stands(case):
        return StepNotReadyError(
            "revise_remedy_first",
            "the remedy was rejected: propose a revised one before submitting it again",
        )
    if step is Step.RECORD_FOLLOW_UP_CALL and case.resolved_at is None:
        return StepNotReadyError(
            "nothing_to_follow_up",
            "a complaint closed at triage had no remedy to follow up with a call",
        )
    if step is Step.RECORD_FOLLOW_UP_CALL and case.erased_at is not None:
        return StepNotReadyError(
            "customer_erased", "the customer's personal data was erased: there is no one to call"
        )
    if step is Step.RECORD_FOLLOW_UP_CALL and called_back(case):
        return StepNotReadyError(
            "already_called", "the 3-day call has already reached the customer"
        )
    return None


def _rejected_as_it_stands(case: Case) -> bool:
    """The approver rejected the remedy and nobody has proposed it again since: the same
    remedy would only meet the same answer (the rejection's reason says what to change)."""
    decisions = [e.step for e in case.timeline if e.step in (_PROPOSE, _REJECT)]
    return bool(decisions) and decisions[-1] == _REJECT


_PROPOSE, _REJECT = Step.PROPOSE_REMEDY.value, Step.REJECT.value


def called_back(case: Case) -> bool:
    """Whether the follow-up call after the latest resolution reached the customer."""
    return case.follow_up_call_at is not None and (
        case.resolved_at is None or case.follow_up_call_at >= case.resolved_at
    )


def steps_for(case: Case) -> list[Step]:
    """The steps this case can take now, in the workflow's order."""
    return [step for step in allowed_steps(case.status) if not_ready(case, step) is None]


def decide(
    case: Case,
    step: Step,
    command: CommandBase,
    *,
    actor: Actor,
    now: datetime,
    second_approval_above: Decimal = DEFAULT_SECOND_APPROVAL_ABOVE,
) -> Case:
    """Apply one step; IllegalStepError or StepNotReadyError (→ 409), or StepRefusedError
    (→ 403) otherwise."""
    if step not in allowed_steps(case.status):
        raise IllegalStepError(case.status, step)
    if not isinstance(command, COMMANDS[step]):
        raise TypeError(f"{step.value} takes a {COMMANDS[step].__name__} command")
    check_actor(case, step, command, actor)
    if (unready := not_ready(case, step)) is not None:
        raise unready
    changes: dict[str, object] = {}
    branch: dict[str, bool] = {}
    match command:
        case Triage(valid=valid):
            branch["valid"] = valid
            changes.update(valid=valid)
            if not valid:  # DESIGN §1: an invalid complaint is the customer's misunderstanding
                changes.update(
                    closed_at=now,
                    causes=[Cause.CUSTOMER_MISUNDERSTANDING],
                    primary_cause=Cause.CUSTOMER_MISUNDERSTANDING,
                )
        case Assign(department=department, owner=owner):
            changes.update(department=department, owner=owner)
        case RecordFindings():
            changes.update(
                findings=command.findings,
                causes=list(dict.fromkeys(command.causes)),
                primary_cause=command.primary_cause,
                responsible_staff=command.responsible_staff,
                touchpoint=command.touchpoint,
            )
        case ProposeRemedy():
            changes.update(
                remedy=Remedy(
                    types=command.types,
                    amount=command.amount,
                    message_to_customer=command.message_to_customer,
                    proposed_by=actor.user,
                ),
                approvals=[],
                rejection_reason=None,
            )
        case Approve():
            approvals = _approve(case, actor, now)
            changes.update(approvals=approvals)
            branch["approvals_complete"] = approvals_complete(
                [Approver(a.user, a.role, a.department) for a in approvals],
                amount=case.remedy.amount if case.remedy else Decimal(0),
                second_approval_above=second_approval_above,
            )
        case Reject(reason=reason):
            _approver_check(case, actor)
            changes.update(rejection_reason=reason, approvals=[])
        case Resolve():
            changes.update(resolved_at=now)
        case RecordFeedback(satisfaction=satisfaction, comment=comment):
            satisfied = satisfaction >= SATISFIED_FROM
            branch["satisfied"] = satisfied
            changes.update(satisfaction=satisfaction, feedback_comment=comment)
            if satisfied:
                changes.update(closed_at=now)
            else:
                changes.update(_reopening(case))
        case PutOnHold(reason=reason, waiting_for=waiting_for):
            hold = HoldPeriod(started=now, reason=reason, waiting_for=waiting_for)
            changes.update(held_from=case.status, holds=[*case.holds, hold])
        case Resume():
            holds = list(case.holds)
            if holds and holds[-1].ended is None:
                holds[-1] = holds[-1].model_copy(update={"ended": now})
            changes.update(held_from=None, holds=holds)
        case Escalate():
            changes.update(escalation_level=case.escalation_level + 1)
        case RecordContact():
            if case.first_contact_at is None:
                changes.update(first_contact_at=now)
        case RecordFollowUpCall(reached=reached, satisfaction=satisfaction):
            if reached:
                changes.update(follow_up_call_at=now, follow_up_satisfaction=satisfaction)
            if reached and satisfaction is not None and satisfaction < SATISFIED_FROM:
                branch["satisfied"] = False  # the closed loop did not satisfy after all
                changes.update(_reopening(case), closed_at=None)
    target = next_status(case.status, step, held_from=case.held_from, **branch)
    entry = TimelineEntry(
        at=now,
        actor=actor.user,
        role=actor.role,
        step=step.value,
        from_status=case.status,
        to_status=target,
        note=_note(command),
        department=_department_value(changes.get("department", case.department)),
        **(_findings_audit(case, command) if isinstance(command, RecordFindings) else {}),
    )
    return case.model_copy(
        update={
            **changes,
            "status": target,
            "version": case.version + 1,
            "timeline": [*case.timeline, entry],
        }
    )


def _reopening(case: Case) -> dict[str, object]:
    """A dissatisfied customer sends the case back to investigation one level up; the
    remedy they rejected is no longer the proposal."""
    return {
        "escalation_level": case.escalation_level + 1,
        "reopened": case.reopened + 1,
        "remedy": None,
        "approvals": [],
    }


OWNER_STEPS = frozenset(
    {
        Step.START_INVESTIGATION,
        Step.RECORD_FINDINGS,
        Step.PROPOSE_REMEDY,
        Step.SUBMIT_FOR_APPROVAL,
        Step.START_EXECUTION,
        Step.RESOLVE,
        Step.REQUEST_FEEDBACK,
        Step.PUT_ON_HOLD,
        Step.RESUME,
    }
)
CONTACT_STEPS = frozenset(
    {Step.RECORD_FEEDBACK, Step.RECORD_CONTACT, Step.ESCALATE, Step.RECORD_FOLLOW_UP_CALL}
)
_MANAGERS = frozenset({"general_manager", "admin"})


def check_actor(case: Case, step: Step, command: CommandBase, actor: Actor) -> None:
    """First-person responsibility: the named owner works the case, the head of its
    department steers it, the general manager may do anything; approvals have their rules."""
    if actor.role in _MANAGERS or step in (Step.APPROVE, Step.REJECT):
        return
    is_head = actor.role == "department_head"
    owning = case.department.value if case.department else None
    if is_head and owning is None and not _targets_head(case, actor):
        assert case.target_department is not None
        raise StepRefusedError(
            "other_department_case",
            f"this complaint is about {case.target_department.value}: its head (or the GM)"
            " takes it",
            department=case.target_department.value,
        )
    if step is Step.TRIAGE:  # the front desk that took it, or a head (not an owner: none yet)
        if actor.role in ("agent", "department_head"):
            return
    elif step in (Step.ASSIGN, Step.REASSIGN):
        assert isinstance(command, Assign)
        own_department = actor.department == command.department.value
        if is_head and own_department and (step is Step.ASSIGN or actor.department == owning):
            return
        raise StepRefusedError(
            "assign_own_department", "only the head of the department (or the GM) assigns its cases"
        )
    elif step in OWNER_STEPS or step in CONTACT_STEPS:
        if actor.role == "owner" and actor.user == case.owner:
            return
        if is_head and actor.department == owning:
            return
        if step in CONTACT_STEPS and actor.role == "agent":
            return
        if actor.role == "owner":
            raise StepRefusedError(
                "owned_by_other",
                f"this case is owned by {case.owner}, not {actor.user}",
                owner=case.owner or "",
            )
    raise StepRefusedError(
        "role_may_not_step",
        f"the role {actor.role} may not {step.value} this case",
        role=actor.role,
        step=step.value,
    )


def proposer_role(case: Case) -> str | None:
    """The role of whoever proposed the current remedy (a head cannot approve it then)."""
    proposals = [e for e in case.timeline if e.step == Step.PROPOSE_REMEDY.value]
    return proposals[-1].role if proposals else None


def may_read(case: Case, actor: Actor) -> bool:
    """Who may open a case: the front desk, the GM, quality and admins any; an owner the
    cases they own or worked on; a head their department's, and new ones not yet assigned
    (any head may have to take them)."""
    if actor.role in ("agent", "general_manager", "quality", "admin"):
        return True
    worked_on = any(entry.actor == actor.user for entry in case.timeline)
    if actor.role == "owner":
        return case.owner == actor.user or worked_on
    if actor.role == "department_head":
        owning = case.department.value if case.department else None
        if owning is None:
            return _targets_head(case, actor) or worked_on
        return owning == actor.department or worked_on
    return False


def _targets_head(case: Case, actor: Actor) -> bool:
    """A new case is about the head's department, or about none named at registration (any
    head may take those); one about another department is its head's (or the GM's)."""
    target = case.target_department.value if case.target_department else None
    return target is None or target == actor.department


def check_contact(case: Case, actor: Actor) -> None:
    """Who may see the customer's phone: whoever may record a contact with them (the owner,
    the head of the owning department, agents, the GM) but not an admin, who runs the
    system rather than the case. StepRefusedError otherwise; StepNotReadyError once the
    customer's personal data was erased (there is nobody left to call)."""
    if actor.role == "admin":
        raise StepRefusedError("admin_no_contact", "an admin does not contact customers")
    check_actor(case, Step.RECORD_CONTACT, CommandBase(), actor)
    if case.erased_at is not None:
        raise StepNotReadyError("personal_data_erased", "the customer's personal data was erased")


def _approver_check(case: Case, actor: Actor) -> list[Approver]:
    assert case.remedy is not None, "not_ready lets no decision on a missing remedy through"
    earlier = [Approver(a.user, a.role, a.department) for a in case.approvals]
    try:
        check_approver(
            Approver(actor.user, actor.role, actor.department),
            owning_department=case.department.value if case.department else "",
            proposed_by=case.remedy.proposed_by,
            earlier=earlier,
        )
    except ApprovalRefusedError as exc:
        raise StepRefusedError(exc.code, str(exc), **exc.params) from exc
    return earlier


def _approve(case: Case, actor: Actor, now: datetime) -> list[ApprovalRecord]:
    _approver_check(case, actor)
    record = ApprovalRecord(user=actor.user, role=actor.role, department=actor.department, at=now)
    return [*case.approvals, record]


def _department_value(department: object) -> str | None:
    return department.value if isinstance(department, Department) else None


def _findings_audit(case: Case, command: RecordFindings) -> dict[str, list[str]]:
    """The causes a findings entry confirms, and those it replaced when it reclassified."""
    after = _primary_first(command.primary_cause, command.causes)
    before = _primary_first(case.primary_cause, case.causes) if case.causes else []
    return {"causes": after, "reclassified_from": before if before and before != after else []}


def _primary_first(primary: Cause | None, causes: Sequence[Cause]) -> list[str]:
    rest = sorted(c.value for c in causes if c != primary)
    return [primary.value, *rest] if primary is not None else rest


def _note(command: CommandBase) -> str:
    for field in ("reason", "explanation", "summary", "findings", "message_to_customer"):
        value = getattr(command, field, None)
        if value:
            return str(value)
    return command.note


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
        language=complaint.language,
        channel=complaint.channel.value,
        customer_name=complaint.customer_name,
        phone_masked=complaint.phone_masked,
        content=complaint.content,
        demands=[demand.value for demand in complaint.demands],
        demand_note=complaint.demand_note,
        vehicle_model=complaint.vehicle_model,
        plate_masked=complaint.plate_masked,
        urgency_reasons=list(complaint.urgency_reasons),
        references=dict(complaint.references),
        target_department=complaint.target_department,
        target_kind=complaint.target_kind,
        target_staff=complaint.target_staff,
    )


def add_follow_up(case: Case, update: ComplaintUpdated) -> Case:
    """The customer added to the matter: the case keeps its clock, urgency may rise."""
    return case.model_copy(
        update={
            "follow_ups": case.follow_ups + 1,
            "urgency": update.urgency.value,
            "urgency_reasons": list(update.urgency_reasons),
            "version": case.version + 1,
        }
    )


def add_evidence(case: Case, added: ComplaintAttachmentAdded) -> Case:
    """A file was attached: the case lists it and its timeline says so; the same case when
    it is listed already (an event delivered again) or the case was erased."""
    if case.erased_at is not None or any(
        note.attachment_id == added.attachment_id for note in case.evidence
    ):
        return case  # erased: intake deleted the files, a late delivery brings none back
    note = EvidenceNote(
        attachment_id=added.attachment_id,
        kind=added.kind,
        added_at=added.added_at,
        added_by=added.added_by,
        added_role=added.added_role,
    )
    timeline = list(case.timeline)  # in time order: a file announced late goes where it was
    at = next((i for i, e in enumerate(timeline) if e.at > added.added_at), len(timeline))
    before = timeline[at - 1] if at else None
    status = before.to_status if before else CaseStatus.REGISTERED
    timeline.insert(
        at,
        TimelineEntry(
            at=added.added_at,
            actor="intake",
            role="system",  # a record, not a step: stage time and customer updates ignore it
            step=EVIDENCE_STEP,
            from_status=status,
            to_status=status,
            note=added.kind.value,
            department=before.department if before else None,
        ),
    )
    return case.model_copy(
        update={
            "evidence": [*case.evidence, note],
            "timeline": timeline,
            "version": case.version + 1,
        }
    )
