"""SLA milestones of a case: which are due now, and when the next one falls.

Each milestone fires once (recorded on the case in the same write as its event), so
a sweep repeated after a restart, or by a second instance, changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.resolution.domain.case import Case, CaseStatus
from services.resolution.domain.sla import Pause, SlaPolicy, deadlines
from services.resolution.domain.stages import stage_account


class Milestone(StrEnum):
    FIRST_CONTACT_OVERDUE = "first_contact_overdue"
    OWNER_OVERDUE = "owner_overdue"
    EARLY_WARNING = "early_warning"
    WARNING = "warning"
    FINAL_WARNING = "final_warning"
    BREACH = "breach"
    GM_ESCALATION = "gm_escalation"
    FOLLOW_UP_CALL = "follow_up_call"
    STAGE_OVERDUE = "stage_overdue"


FOLLOW_UP_AFTER = timedelta(days=3)
"""The "3-day call" after resolution (3日回访)."""


@dataclass(frozen=True)
class DueMilestone:
    milestone: Milestone
    due_at: datetime
    notify: str
    """Who is told: owner, department_head or general_manager."""
    stage: str | None = None
    """For a stage over its budget: which stage (each fires once per case)."""

    @property
    def key(self) -> str:
        """How the case records that it fired."""
        return f"{self.milestone.value}:{self.stage}" if self.stage else self.milestone.value


def _pauses(case: Case) -> list[Pause]:
    return [Pause(started=h.started, ended=h.ended) for h in case.holds]


def _schedule(case: Case, policy: SlaPolicy, now: datetime) -> list[DueMilestone]:
    if case.resolved_at is not None:
        schedule = [
            DueMilestone(Milestone.FOLLOW_UP_CALL, case.resolved_at + FOLLOW_UP_AFTER, "owner")
        ]
        return [m for m in schedule if m.key not in case.sla_fired]
    if case.status is CaseStatus.CLOSED:
        return []
    d = deadlines(case.registered_at, policy, _pauses(case), now=now)
    schedule = [
        DueMilestone(Milestone.EARLY_WARNING, d.early_warn_at, "owner"),
        DueMilestone(Milestone.WARNING, d.warn_at, "owner"),
        DueMilestone(Milestone.FINAL_WARNING, d.final_warn_at, "department_head"),
        DueMilestone(Milestone.BREACH, d.due_at, "department_head"),
        DueMilestone(Milestone.GM_ESCALATION, d.gm_escalation_at, "general_manager"),
    ]
    if case.first_contact_at is None:
        schedule.append(DueMilestone(Milestone.FIRST_CONTACT_OVERDUE, d.first_contact_due, "owner"))
    if case.owner is None:
        schedule.append(DueMilestone(Milestone.OWNER_OVERDUE, d.owner_due, "department_head"))
    account = stage_account(case, policy, now)
    if account.current is not None and account.current_due is not None:
        notify = account.accountable or "owner"
        stage = account.current.value
        schedule.append(DueMilestone(Milestone.STAGE_OVERDUE, account.current_due, notify, stage))
    return sorted((m for m in schedule if m.key not in case.sla_fired), key=lambda m: m.due_at)


def due_milestones(case: Case, policy: SlaPolicy, now: datetime) -> list[DueMilestone]:
    """Milestones that have come and not fired yet; none while the case is on hold."""
    if case.status is CaseStatus.ON_HOLD:
        return []
    return [m for m in _schedule(case, policy, now) if m.due_at <= now]


def next_deadline(case: Case, policy: SlaPolicy, now: datetime) -> datetime | None:
    """When the sweeper should look at this case next (None: nothing left to watch)."""
    upcoming = _schedule(case, policy, now)
    return upcoming[0].due_at if upcoming else None
