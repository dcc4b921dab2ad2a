"""Events published by resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

CASE_OPENED: Final = "case.opened"


class CaseOpened(BaseModel):
    """A case now owns the complaint, with the deadline of the closed loop."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    case_id: str
    status: str
    opened_at: datetime
    due_at: datetime


CASE_CLOSED: Final = "case.closed"
CASE_REOPENED: Final = "case.reopened"
"""A closed case is open again (a low rating on the 3-day call): the complaint takes
follow-ups again. Payload: the ``CaseStepTaken`` of the step that reopened it."""

STEP_EVENTS: Final[dict[str, str]] = {
    "triage": "case.triaged",
    "assign": "case.assigned",
    "reassign": "case.reassigned",
    "start_investigation": "case.investigation_started",
    "record_findings": "case.findings_recorded",
    "propose_remedy": "case.remedy_proposed",
    "submit_for_approval": "case.submitted_for_approval",
    "approve": "case.remedy_approved",
    "reject": "case.remedy_rejected",
    "start_execution": "case.execution_started",
    "resolve": "case.resolved",
    "request_feedback": "case.feedback_requested",
    "record_feedback": "case.feedback_recorded",
    "put_on_hold": "case.put_on_hold",
    "resume": "case.resumed",
    "escalate": "case.escalated",
    "record_contact": "case.customer_contacted",
    "record_follow_up_call": "case.follow_up_call_recorded",
}
"""Each workflow step, as the event (past tense) it publishes."""


class StageTime(BaseModel):
    """Time one department held a case in one stage of the loop (holds excluded, on the SLA
    calendar); ``over``: the stage used up its budget while this department held it last."""

    model_config = ConfigDict(frozen=True)

    stage: str
    department: str | None = None
    seconds: int
    over: bool = False


class CaseStepTaken(BaseModel):
    """A step of the handling flow was taken; carries what reports and notifications need."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    case_id: str
    ticket_no: str
    step: str
    from_status: str
    to_status: str
    actor: str
    role: str
    at: datetime
    note: str = ""
    department: str | None = None
    owner: str | None = None
    escalation_level: int = 0
    causes: list[str] = Field(default_factory=list)
    primary_cause: str | None = None
    remedy_types: list[str] = Field(default_factory=list)
    remedy_amount: str | None = None
    satisfaction: int | None = None
    waiting_for: str | None = None
    """For ``case.put_on_hold``: customer, manufacturer or parts."""
    touchpoint: str | None = None
    """Where the investigator found it went wrong (confirmed in the findings)."""
    responsible_staff: str | None = None
    """Whom the investigator found responsible (the findings' 责任人): a staff member's name
    or login, never the customer's."""
    follow_up_due_at: datetime | None = None
    """When the 3-day call after the latest resolution is due (none before resolution)."""
    follow_up_call_at: datetime | None = None
    """When a 3-day call reached the customer."""
    follow_up_satisfaction: int | None = None
    """What the customer said on that call (1–5), if they rated."""
    stage_times: list[StageTime] = Field(default_factory=list)
    """When the step closes the case: where its time went, by stage and department."""


SLA_EVENTS: Final[dict[str, str]] = {
    "first_contact_overdue": "case.first_contact_overdue",
    "owner_overdue": "case.owner_overdue",
    "early_warning": "case.sla_early_warning",
    "warning": "case.sla_warning",
    "final_warning": "case.sla_final_warning",
    "breach": "case.sla_breached",
    "gm_escalation": "case.escalated_to_general_manager",
    "follow_up_call": "case.follow_up_call_due",
    "stage_overdue": "case.stage_overdue",
    "customer_update": "case.customer_update_due",
    "regulator_due_soon": "case.regulator_answer_due_soon",
    "regulator_overdue": "case.regulator_answer_overdue",
}


class CaseSlaMilestone(BaseModel):
    """A deadline of the closed loop came; ``notify`` says who must act now."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    case_id: str
    ticket_no: str
    milestone: str
    due_at: datetime
    """When the milestone came due (a warning: its own time)."""
    deadline_at: datetime | None = None
    """The deadline it is about: a warning's loop due time, the agency's answer date a day
    ahead; ``due_at`` itself for a deadline that came (None from older producers)."""
    notify: str
    stage: str | None = None
    """For ``stage_overdue``: the stage (triage, investigate, propose, approve, execute)
    that used up its budget; ``notify`` is who holds it (an approval: the approvers)."""
    round: int = 1
    """The round of the closed loop: 2 and more after the customer reopened the case, whose
    new round has a clock of its own."""
    owner: str | None = None
    department: str | None = None
    escalation_level: int = 0
