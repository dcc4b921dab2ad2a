"""Every status × step pair of the case workflow: allowed ones lead where the manual says,
the others are refused naming what is allowed."""

from __future__ import annotations

import itertools

import pytest

from services.resolution.domain.workflow import (
    TRANSITIONS,
    CaseStatus,
    IllegalStepError,
    Step,
    allowed_steps,
    next_status,
)

S = CaseStatus

HAPPY_PATH = [
    (S.REGISTERED, Step.TRIAGE, S.TRIAGED),
    (S.TRIAGED, Step.ASSIGN, S.ASSIGNED),
    (S.ASSIGNED, Step.START_INVESTIGATION, S.INVESTIGATING),
    (S.INVESTIGATING, Step.RECORD_FINDINGS, S.INVESTIGATING),
    (S.INVESTIGATING, Step.PROPOSE_REMEDY, S.PROPOSED),
    (S.PROPOSED, Step.SUBMIT_FOR_APPROVAL, S.PENDING_APPROVAL),
    (S.PENDING_APPROVAL, Step.APPROVE, S.APPROVED),
    (S.APPROVED, Step.START_EXECUTION, S.EXECUTING),
    (S.EXECUTING, Step.RESOLVE, S.RESOLVED),
    (S.RESOLVED, Step.REQUEST_FEEDBACK, S.AWAITING_FEEDBACK),
    (S.AWAITING_FEEDBACK, Step.RECORD_FEEDBACK, S.CLOSED),
]


@pytest.mark.parametrize(("status", "step", "target"), HAPPY_PATH)
def test_the_seven_steps_in_order(status: CaseStatus, step: Step, target: CaseStatus) -> None:
    assert next_status(status, step) is target


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (status, step)
        for status, step in itertools.product(CaseStatus, Step)
        if step not in TRANSITIONS[status]
    ],
)
def test_every_other_pair_is_refused_naming_the_allowed_steps(
    status: CaseStatus, step: Step
) -> None:
    with pytest.raises(IllegalStepError) as refused:
        next_status(status, step, held_from=S.INVESTIGATING)
    assert refused.value.allowed == allowed_steps(status)
    assert step.value in str(refused.value) and status.value in str(refused.value)


def test_the_table_covers_every_status_and_nothing_leaves_closed() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)
    assert allowed_steps(S.CLOSED) == [Step.RECORD_FOLLOW_UP_CALL]  # the 3-day call only
    assert next_status(S.CLOSED, Step.RECORD_FOLLOW_UP_CALL) is S.CLOSED


def test_an_invalid_complaint_is_closed_at_triage() -> None:
    assert next_status(S.REGISTERED, Step.TRIAGE, valid=False) is S.CLOSED


def test_a_rejected_remedy_goes_back_to_proposed() -> None:
    assert next_status(S.PENDING_APPROVAL, Step.REJECT) is S.PROPOSED


def test_an_approval_that_needs_a_second_approver_stays_pending() -> None:
    assert (
        next_status(S.PENDING_APPROVAL, Step.APPROVE, approvals_complete=False)
        is S.PENDING_APPROVAL
    )


def test_a_dissatisfied_customer_reopens_the_investigation() -> None:
    assert next_status(S.AWAITING_FEEDBACK, Step.RECORD_FEEDBACK, satisfied=False) is (
        S.INVESTIGATING
    )


@pytest.mark.parametrize(
    "status",
    [s for s in CaseStatus if s not in (S.ON_HOLD, S.CLOSED)],
)
def test_hold_and_resume_return_to_where_the_hold_began(status: CaseStatus) -> None:
    assert next_status(status, Step.PUT_ON_HOLD) is S.ON_HOLD
    assert next_status(S.ON_HOLD, Step.RESUME, held_from=status) is status
    assert next_status(status, Step.ESCALATE) is status
    assert next_status(status, Step.RECORD_CONTACT) is status


def test_resume_needs_the_status_before_the_hold() -> None:
    with pytest.raises(ValueError, match="resuming"):
        next_status(S.ON_HOLD, Step.RESUME)


@pytest.mark.parametrize(
    "status", [S.ASSIGNED, S.INVESTIGATING, S.PROPOSED, S.PENDING_APPROVAL, S.APPROVED, S.EXECUTING]
)
def test_an_owned_case_can_be_reassigned_without_moving(status: CaseStatus) -> None:
    assert next_status(status, Step.REASSIGN) is status
