"""Cases walked through the workflow at given hours, for the pure tests of stages and of
the loop's rounds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from services.resolution.domain.case import (
    Actor,
    Approve,
    Assign,
    Case,
    CommandBase,
    ProposeRemedy,
    RecordFeedback,
    RecordFindings,
    RequestFeedback,
    Resolve,
    StartExecution,
    StartInvestigation,
    Step,
    SubmitForApproval,
    Triage,
    decide,
    open_case,
)
from services.resolution.domain.sla import SlaPolicy
from shared.contracts.intake import ComplaintRegistered
from shared.vocab import Cause, Department
from tests.support.events import complaint_registered

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
AGENT = Actor(user="amy", role="agent")
HEAD = Actor(user="hu", role="department_head", department="after_sales")
SALES_HEAD = Actor(user="sun", role="department_head", department="sales")
OWNER = Actor(user="olga", role="owner", department="after_sales")
SALES_OWNER = Actor(user="sam", role="owner", department="sales")
GM = Actor(user="gao", role="general_manager")
POLICY = SlaPolicy()


def at_hours(*steps: tuple[float, Step, CommandBase, Actor]) -> Case:
    """Steps taken at the given hour after registration."""
    event = complaint_registered("c-1", at=T0)
    case = open_case(event.payload_as(ComplaintRegistered), case_id="k-1", now=T0, sla_hours=48)
    for hours, step, command, actor in steps:
        case = decide(case, step, command, actor=actor, now=T0 + hours * H)
    return case


FINDINGS = RecordFindings(
    findings="刹车盘磨损", causes=[Cause.PRODUCT_QUALITY], primary_cause=Cause.PRODUCT_QUALITY
)
REMEDY = ProposeRemedy(types=["repair"], amount=Decimal(9000), message_to_customer="免费更换")
SMALL_REMEDY = ProposeRemedy(types=["repair"], amount=Decimal(500), message_to_customer="免费更换")
LOOP: tuple[tuple[Step, CommandBase, Actor], ...] = (
    (Step.TRIAGE, Triage(valid=True), AGENT),
    (Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
    (Step.START_INVESTIGATION, StartInvestigation(), OWNER),
    (Step.RECORD_FINDINGS, FINDINGS, OWNER),
    (Step.PROPOSE_REMEDY, SMALL_REMEDY, OWNER),
    (Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), OWNER),
    (Step.APPROVE, Approve(), HEAD),
    (Step.START_EXECUTION, StartExecution(), OWNER),
    (Step.RESOLVE, Resolve(customer_notified=True), OWNER),
    (Step.REQUEST_FEEDBACK, RequestFeedback(), OWNER),
)
"""A small remedy's loop from triage to the request for feedback."""
REOPEN = (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=1), AGENT)


def timed(
    hours: Iterable[float], steps: Iterable[tuple[Step, CommandBase, Actor]]
) -> tuple[tuple[float, Step, CommandBase, Actor], ...]:
    """Steps taken at the given hours after registration."""
    return tuple((h, *step) for h, step in zip(hours, steps, strict=True))
