"""The seven-step handling flow (manual ch. 6.1) as a transition table and one function.

Every step is a command with an actor; a step not allowed in the current status is
refused with the steps that are (the HTTP layer turns that into a 409).
"""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    REGISTERED = "registered"
    TRIAGED = "triaged"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    EXECUTING = "executing"
    RESOLVED = "resolved"
    AWAITING_FEEDBACK = "awaiting_feedback"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


class Step(StrEnum):
    TRIAGE = "triage"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    START_INVESTIGATION = "start_investigation"
    RECORD_FINDINGS = "record_findings"
    PROPOSE_REMEDY = "propose_remedy"
    SUBMIT_FOR_APPROVAL = "submit_for_approval"
    APPROVE = "approve"
    REJECT = "reject"
    START_EXECUTION = "start_execution"
    RESOLVE = "resolve"
    REQUEST_FEEDBACK = "request_feedback"
    RECORD_FEEDBACK = "record_feedback"
    PUT_ON_HOLD = "put_on_hold"
    RESUME = "resume"
    ESCALATE = "escalate"
    RECORD_CONTACT = "record_contact"
    RECORD_FOLLOW_UP_CALL = "record_follow_up_call"


S = CaseStatus
_OWNED = (S.ASSIGNED, S.INVESTIGATING, S.PROPOSED, S.PENDING_APPROVAL, S.APPROVED, S.EXECUTING)
_OPEN = (S.REGISTERED, S.TRIAGED, *_OWNED, S.RESOLVED, S.AWAITING_FEEDBACK)

_SAME = None
"""The step is recorded but the status does not change."""

TRANSITIONS: dict[CaseStatus, dict[Step, CaseStatus | None]] = {
    S.REGISTERED: {Step.TRIAGE: S.TRIAGED},
    S.TRIAGED: {Step.ASSIGN: S.ASSIGNED},
    S.ASSIGNED: {Step.START_INVESTIGATION: S.INVESTIGATING},
    S.INVESTIGATING: {Step.RECORD_FINDINGS: _SAME, Step.PROPOSE_REMEDY: S.PROPOSED},
    S.PROPOSED: {Step.PROPOSE_REMEDY: _SAME, Step.SUBMIT_FOR_APPROVAL: S.PENDING_APPROVAL},
    S.PENDING_APPROVAL: {Step.APPROVE: S.APPROVED, Step.REJECT: S.PROPOSED},
    S.APPROVED: {Step.START_EXECUTION: S.EXECUTING},
    S.EXECUTING: {Step.RESOLVE: S.RESOLVED},
    S.RESOLVED: {Step.REQUEST_FEEDBACK: S.AWAITING_FEEDBACK},
    S.AWAITING_FEEDBACK: {Step.RECORD_FEEDBACK: S.CLOSED},
    S.ON_HOLD: {Step.RESUME: _SAME},
    S.CLOSED: {Step.RECORD_FOLLOW_UP_CALL: _SAME},  # the 3-day call (3日DC) comes after
}
for _status in _OPEN:
    TRANSITIONS[_status][Step.ESCALATE] = _SAME
    TRANSITIONS[_status][Step.RECORD_CONTACT] = _SAME
    TRANSITIONS[_status][Step.PUT_ON_HOLD] = S.ON_HOLD
for _status in _OWNED:
    TRANSITIONS[_status][Step.REASSIGN] = _SAME
TRANSITIONS[S.ON_HOLD][Step.ESCALATE] = _SAME
TRANSITIONS[S.ON_HOLD][Step.RECORD_CONTACT] = _SAME


class IllegalStepError(ValueError):
    """The step is not allowed now; ``allowed`` lists what is."""

    def __init__(self, status: CaseStatus, step: Step) -> None:
        self.status = status
        self.step = step
        self.allowed = allowed_steps(status)
        names = ", ".join(s.value for s in self.allowed) or "none (the case is closed)"
        super().__init__(f"cannot {step.value} a case that is {status.value}; allowed: {names}")


def allowed_steps(status: CaseStatus) -> list[Step]:
    return list(TRANSITIONS[status])


def next_status(
    status: CaseStatus,
    step: Step,
    *,
    valid: bool = True,
    satisfied: bool = True,
    approvals_complete: bool = True,
    held_from: CaseStatus | None = None,
) -> CaseStatus:
    """Where ``step`` takes a case in ``status``; IllegalStepError when it may not be taken.

    The branches the manual names: an invalid complaint is closed at triage (with an
    explanation to the customer); a dissatisfied customer reopens the case into
    investigation, whether they say so when asked to rate the remedy or on the 3-day call
    after it was closed; an approval that still needs a second approver keeps it pending;
    resuming returns to where the hold began.
    """
    if step not in TRANSITIONS[status]:
        raise IllegalStepError(status, step)
    target = TRANSITIONS[status][step]
    if step is Step.TRIAGE and not valid:
        return S.CLOSED
    if step in (Step.RECORD_FEEDBACK, Step.RECORD_FOLLOW_UP_CALL) and not satisfied:
        return S.INVESTIGATING
    if step is Step.APPROVE and not approvals_complete:
        return S.PENDING_APPROVAL
    if step is Step.RESUME:
        if held_from is None or held_from in (S.ON_HOLD, S.CLOSED):
            raise ValueError("resuming needs the status the hold began in")
        return held_from
    return status if target is None else target
