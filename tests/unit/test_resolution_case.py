"""The case aggregate: a whole closed loop by the people the manual names, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.resolution.domain.case import (
    Actor,
    Approve,
    Assign,
    Case,
    CaseStatus,
    CommandBase,
    Escalate,
    IllegalStepError,
    ProposeRemedy,
    PutOnHold,
    Reassign,
    RecordContact,
    RecordFeedback,
    RecordFindings,
    Reject,
    RequestFeedback,
    Resolve,
    Resume,
    StartExecution,
    StartInvestigation,
    Step,
    StepNotReadyError,
    StepRefusedError,
    SubmitForApproval,
    Triage,
    check_contact,
    decide,
    open_case,
    steps_for,
)
from shared.contracts.intake import ComplaintRegistered
from shared.vocab import Cause, Department
from tests.support.cases import LOOP, at_hours
from tests.support.events import complaint_registered

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
AGENT = Actor(user="amy", role="agent")
OWNER = Actor(user="olga", role="owner", department="after_sales")
OTHER_OWNER = Actor(user="otto", role="owner", department="after_sales")
HEAD = Actor(user="hu", role="department_head", department="after_sales")
SALES_HEAD = Actor(user="sun", role="department_head", department="sales")
GM = Actor(user="gao", role="general_manager")
QUALITY = Actor(user="q", role="quality")


def new_case() -> Case:
    event = complaint_registered("c-1", at=T0)
    return open_case(event.payload_as(ComplaintRegistered), case_id="k-1", now=T0, sla_hours=48)


def run(case: Case, *steps: tuple[Step, CommandBase, Actor]) -> Case:
    now = T0
    for step, command, actor in steps:
        now += timedelta(hours=1)
        case = decide(case, step, command, actor=actor, now=now)
    return case


FINDINGS = RecordFindings(
    findings="刹车盘磨损，上次保养未检查",
    causes=[Cause.PRODUCT_QUALITY, Cause.SERVICE_ATTITUDE_EFFICIENCY],
    primary_cause=Cause.SERVICE_ATTITUDE_EFFICIENCY,
    responsible_staff="李技师",
    touchpoint="repair",
)


def investigated(amount: int = 800) -> Case:
    return run(
        new_case(),
        (Step.TRIAGE, Triage(valid=True), AGENT),
        (Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (Step.START_INVESTIGATION, StartInvestigation(), OWNER),
        (Step.RECORD_FINDINGS, FINDINGS, OWNER),
        (
            Step.PROPOSE_REMEDY,
            ProposeRemedy(
                types=["repair", "apology"],
                amount=Decimal(amount),
                message_to_customer="免费更换刹车盘并致歉",
            ),
            OWNER,
        ),
        (Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), OWNER),
    )


def test_the_whole_closed_loop() -> None:
    case = run(
        investigated(),
        (Step.APPROVE, Approve(), HEAD),
        (Step.START_EXECUTION, StartExecution(), OWNER),
        (Step.RECORD_CONTACT, RecordContact(summary="已电话告知客户处理方案"), OWNER),
        (Step.RESOLVE, Resolve(customer_notified=True), OWNER),
        (Step.REQUEST_FEEDBACK, RequestFeedback(), OWNER),
        (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=5, comment="满意"), AGENT),
    )
    assert case.status is CaseStatus.CLOSED
    assert case.owner == "olga" and case.department is Department.AFTER_SALES
    assert case.primary_cause is Cause.SERVICE_ATTITUDE_EFFICIENCY
    assert [a.user for a in case.approvals] == ["hu"]
    assert case.first_contact_at is not None and case.closed_at is not None
    assert case.timeline[0].step == "triage" and len(case.timeline) == 12
    assert case.timeline[-1].to_status is CaseStatus.CLOSED
    assert case.version == 13


def test_an_invalid_complaint_is_closed_with_its_explanation_as_a_misunderstanding() -> None:
    turned_away = Triage(valid=False, explanation="非本店车辆", note="内部：客户情绪激动")
    case = run(new_case(), (Step.TRIAGE, turned_away, AGENT))
    assert case.status is CaseStatus.CLOSED and case.timeline[-1].note == "非本店车辆"
    # DESIGN §1: an invalid complaint counts as the customer's misunderstanding
    assert case.causes == [Cause.CUSTOMER_MISUNDERSTANDING]
    assert case.primary_cause is Cause.CUSTOMER_MISUNDERSTANDING


@pytest.mark.parametrize("explanation", ["", "   "])
def test_an_invalid_complaint_is_not_closed_without_an_explanation(explanation: str) -> None:
    with pytest.raises(ValidationError) as invalid:
        Triage(valid=False, explanation=explanation, note="内部备注，不发给客户")
    assert [(e["loc"], e["ctx"]["error"].code) for e in invalid.value.errors()] == [
        (("explanation",), "explanation_required")
    ]
    assert Triage(valid=True).explanation == ""  # a valid one needs none


def test_illegal_steps_name_the_allowed_ones() -> None:
    with pytest.raises(IllegalStepError) as refused:
        decide(new_case(), Step.APPROVE, Approve(), actor=HEAD, now=T0)
    assert refused.value.allowed[0] is Step.TRIAGE


@pytest.mark.parametrize(
    ("step", "command", "actor", "reason"),
    [
        (Step.START_EXECUTION, StartExecution(), OTHER_OWNER, "owned by olga"),
        (Step.ESCALATE, Escalate(reason="x"), QUALITY, "quality may not"),
        (Step.REASSIGN, Reassign(department=Department.SALES, owner="sam"), SALES_HEAD, "head"),
    ],
)
def test_first_person_responsibility(
    step: Step, command: CommandBase, actor: Actor, reason: str
) -> None:
    approved = run(investigated(), (Step.APPROVE, Approve(), HEAD))
    with pytest.raises(StepRefusedError, match=reason):
        decide(approved, step, command, actor=actor, now=T0)


def test_nobody_approves_their_own_proposal_and_heads_only_their_department() -> None:
    case = investigated()
    self_approving_head = Actor(user="olga", role="department_head", department="after_sales")
    with pytest.raises(StepRefusedError, match="own proposal"):
        decide(case, Step.APPROVE, Approve(), actor=self_approving_head, now=T0)
    with pytest.raises(StepRefusedError, match="only the head of after_sales"):
        decide(case, Step.APPROVE, Approve(), actor=SALES_HEAD, now=T0)
    with pytest.raises(StepRefusedError):
        decide(case, Step.APPROVE, Approve(), actor=OWNER, now=T0)


def test_above_the_threshold_the_general_manager_approves_too() -> None:
    case = run(investigated(amount=12_000), (Step.APPROVE, Approve(), HEAD))
    assert case.status is CaseStatus.PENDING_APPROVAL
    case = run(case, (Step.APPROVE, Approve(), GM))
    assert case.status is CaseStatus.APPROVED


def test_a_rejection_sends_the_remedy_back_with_its_reason() -> None:
    case = run(investigated(), (Step.REJECT, Reject(reason="金额过高，先协商"), HEAD))
    assert case.status is CaseStatus.PROPOSED and case.rejection_reason == "金额过高，先协商"


def test_a_rejected_remedy_is_revised_before_it_is_submitted_again() -> None:
    case = run(investigated(), (Step.REJECT, Reject(reason="金额过高，先协商"), HEAD))
    assert Step.SUBMIT_FOR_APPROVAL not in steps_for(case)  # not offered either
    with pytest.raises(StepNotReadyError) as refused:
        decide(case, Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), actor=OWNER, now=T0)
    assert refused.value.code == "revise_remedy_first"
    revised = ProposeRemedy(types=["repair"], amount=Decimal(300), message_to_customer="免费维修")
    case = run(case, (Step.PROPOSE_REMEDY, revised, OWNER))
    assert Step.SUBMIT_FOR_APPROVAL in steps_for(case)
    case = run(case, (Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), OWNER))
    assert case.status is CaseStatus.PENDING_APPROVAL


def test_a_remedy_needs_findings_first() -> None:
    case = run(
        new_case(),
        (Step.TRIAGE, Triage(valid=True), AGENT),
        (Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (Step.START_INVESTIGATION, StartInvestigation(), OWNER),
    )
    remedy = ProposeRemedy(types=["apology"], message_to_customer="致歉")
    assert Step.PROPOSE_REMEDY not in steps_for(case)  # not offered either
    assert Step.RECORD_FINDINGS in steps_for(case)
    with pytest.raises(StepNotReadyError, match="findings") as refused:
        decide(case, Step.PROPOSE_REMEDY, remedy, actor=OWNER, now=T0)
    assert refused.value.code == "findings_first"


def test_the_primary_cause_is_one_of_the_causes() -> None:
    with pytest.raises(ValidationError) as invalid:
        RecordFindings(
            findings="等待时间过长",
            causes=[Cause.SERVICE_ATTITUDE_EFFICIENCY],
            primary_cause=Cause.PRODUCT_QUALITY,
        )
    assert [e["loc"] for e in invalid.value.errors()] == [("primary_cause",)]


def test_dissatisfaction_reopens_one_level_up() -> None:
    case = run(
        investigated(),
        (Step.APPROVE, Approve(), HEAD),
        (Step.START_EXECUTION, StartExecution(), OWNER),
        (Step.RESOLVE, Resolve(customer_notified=True), OWNER),
        (Step.REQUEST_FEEDBACK, RequestFeedback(), OWNER),
        (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=2, comment="没解决"), AGENT),
    )
    assert case.status is CaseStatus.INVESTIGATING
    assert (case.escalation_level, case.reopened, case.remedy) == (1, 1, None)


def test_every_reclassification_stays_on_the_timeline() -> None:
    first = run(
        new_case(),
        (Step.TRIAGE, Triage(valid=True), AGENT),
        (Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (Step.START_INVESTIGATION, StartInvestigation(), OWNER),
        (Step.RECORD_FINDINGS, FINDINGS, OWNER),
    )
    recorded = first.timeline[-1]
    assert recorded.causes == ["service_attitude_efficiency", "product_quality"]
    assert recorded.reclassified_from == []  # the first finding replaces nothing
    same = FINDINGS.model_copy(update={"causes": list(reversed(FINDINGS.causes))})
    again = decide(first, Step.RECORD_FINDINGS, same, actor=OWNER, now=T0 + timedelta(hours=5))
    assert again.timeline[-1].reclassified_from == []  # same causes, same primary
    primary_moved = FINDINGS.model_copy(update={"primary_cause": Cause.PRODUCT_QUALITY})
    moved = decide(again, Step.RECORD_FINDINGS, primary_moved, actor=HEAD, now=T0)
    assert moved.timeline[-1].causes == ["product_quality", "service_attitude_efficiency"]
    assert moved.timeline[-1].reclassified_from == [
        "service_attitude_efficiency",
        "product_quality",
    ]
    other = RecordFindings(
        findings="客户误解保修条款",
        causes=[Cause.CUSTOMER_MISUNDERSTANDING],
        primary_cause=Cause.CUSTOMER_MISUNDERSTANDING,
    )
    changed = decide(moved, Step.RECORD_FINDINGS, other, actor=OWNER, now=T0)
    entry = changed.timeline[-1]
    assert (entry.actor, entry.causes) == ("olga", ["customer_misunderstanding"])
    assert entry.reclassified_from == ["product_quality", "service_attitude_efficiency"]
    assert changed.causes == [Cause.CUSTOMER_MISUNDERSTANDING]
    assert all(e.causes == [] for e in changed.timeline if e.step != "record_findings")


def test_hold_records_the_pause_and_resume_returns() -> None:
    case = run(
        investigated(),
        (Step.PUT_ON_HOLD, PutOnHold(reason="等待客户提供行车记录"), OWNER),
        (Step.RESUME, Resume(), OWNER),
    )
    assert case.status is CaseStatus.PENDING_APPROVAL
    assert len(case.holds) == 1 and case.holds[0].ended is not None


def test_who_may_see_the_customers_number_is_who_may_call_them() -> None:
    owned = at_hours(*((1, step, command, actor) for step, command, actor in LOOP[:2]))
    for allowed in (OWNER, HEAD, AGENT, GM):
        check_contact(owned, allowed)
    admin = Actor(user="root", role="admin")
    sales_owner = Actor(user="sam", role="owner", department="sales")
    for refused in (OTHER_OWNER, sales_owner, SALES_HEAD, QUALITY, admin):
        with pytest.raises(StepRefusedError):
            check_contact(owned, refused)
