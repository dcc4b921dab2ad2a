"""Where the closed loop's time went: per stage, charged to the department that held it.

The 48 hours are split into stage budgets (triage, investigate, propose, approve,
execute), so a late approval is charged to the approvers and not to the investigator,
and a reassigned case charges each department only its own time (DESIGN §6). Time
on hold is not charged to anyone, and time counts on the policy's calendar. Everything
here is a pure function of the case's timeline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from services.resolution.domain.case import Case
from services.resolution.domain.sla import SlaPolicy
from services.resolution.domain.workflow import CaseStatus, Step
from shared.vocab import Accountable
from shared.vocab import CaseStage as Stage

S = CaseStatus


STAGE_OF: Mapping[CaseStatus, Stage] = MappingProxyType(
    {
        S.REGISTERED: Stage.TRIAGE,
        S.TRIAGED: Stage.TRIAGE,
        S.ASSIGNED: Stage.INVESTIGATE,
        S.INVESTIGATING: Stage.INVESTIGATE,
        S.PROPOSED: Stage.PROPOSE,
        S.PENDING_APPROVAL: Stage.APPROVE,
        S.APPROVED: Stage.EXECUTE,
        S.EXECUTING: Stage.EXECUTE,
        S.RESOLVED: Stage.FEEDBACK,
        S.AWAITING_FEEDBACK: Stage.FEEDBACK,
    }
)
"""On hold and closed belong to no stage: that time is charged to nobody."""


@dataclass(frozen=True, slots=True)
class StageCharge:
    """Time one department (and role in it) held the case in one stage."""

    stage: Stage
    department: str | None
    accountable: Accountable
    spent: timedelta


@dataclass(frozen=True, slots=True)
class StageClock:
    stage: Stage
    spent: timedelta
    budget: timedelta | None
    current: bool

    @property
    def over(self) -> bool:
        return self.budget is not None and self.spent > self.budget


@dataclass(frozen=True, slots=True)
class StageAccount:
    """A case's time by stage: the clocks in stage order, and who was charged."""

    clocks: list[StageClock]
    charges: list[StageCharge]
    current: Stage | None
    accountable: Accountable | None
    """Who is to act in the current stage."""
    current_due: datetime | None
    """When the current stage runs out of budget, if nothing moves (None: no budget,
    on hold, or the loop is over)."""


@dataclass(frozen=True, slots=True)
class _Segment:
    stage: Stage
    department: str | None
    accountable: Accountable
    start: datetime
    end: datetime


def _accountable(stage: Stage, awaiting_second_approval: bool) -> Accountable:
    if stage is Stage.TRIAGE:
        return Accountable.DEPARTMENT_HEAD  # the head names the owner
    if stage is Stage.APPROVE:
        if awaiting_second_approval:
            return Accountable.GENERAL_MANAGER
        return Accountable.DEPARTMENT_HEAD
    return Accountable.OWNER


def _segments(case: Case, now: datetime) -> list[_Segment]:
    """The case's life cut at every timeline entry, each piece with its stage and holder."""
    status, start, department, second = S.REGISTERED, case.registered_at, None, False
    # Entries written before departments were recorded fall back to the case's department.
    fallback = case.department.value if case.department else None
    segments: list[_Segment] = []
    for entry in case.timeline:
        if entry.role == "system":
            continue  # SLA milestones record the clock; they never move the case
        stage = STAGE_OF.get(status)
        if stage is not None and entry.at > start:
            accountable = _accountable(stage, second)
            segments.append(_Segment(stage, department, accountable, start, entry.at))
        if entry.to_status not in (S.PENDING_APPROVAL, S.ON_HOLD):
            second = False  # a first approval waits for the GM until the remedy moves on
        elif entry.step == Step.APPROVE.value:
            second = True
        status, start = entry.to_status, max(start, entry.at)
        unowned = status in (S.REGISTERED, S.TRIAGED)
        department = entry.department or (None if unowned else fallback)
    stage = STAGE_OF.get(status)
    if stage is not None and now >= start:  # even a stage entered this instant is running
        segments.append(_Segment(stage, department, _accountable(stage, second), start, now))
    return segments


def stage_account(case: Case, policy: SlaPolicy, now: datetime) -> StageAccount:
    """Time per stage on the policy's calendar, holds excluded; budgets are the policy's
    shares of the closed loop."""
    segments = _segments(case, now)
    spent: dict[Stage, timedelta] = {}
    charged: dict[tuple[Stage, str | None, Accountable], timedelta] = {}
    for segment in segments:
        took = policy.elapsed(segment.start, segment.end)
        spent[segment.stage] = spent.get(segment.stage, timedelta(0)) + took
        key = (segment.stage, segment.department, segment.accountable)
        charged[key] = charged.get(key, timedelta(0)) + took
    current = STAGE_OF.get(case.status) if case.closed_at is None else None
    budgets = {
        Stage(stage): timedelta(hours=policy.resolve_hours * share / 100)
        for stage, share in policy.stage_shares
    }
    clocks = [
        StageClock(stage, spent.get(stage, timedelta(0)), budgets.get(stage), stage is current)
        for stage in Stage
        if stage in spent or stage is current or stage in budgets
    ]
    return StageAccount(
        clocks=clocks,
        charges=[StageCharge(s, d, a, t) for (s, d, a), t in charged.items() if t],
        current=current,
        accountable=segments[-1].accountable if current and segments else None,
        current_due=_current_due(case, policy, segments, current, budgets),
    )


def _current_due(
    case: Case,
    policy: SlaPolicy,
    segments: list[_Segment],
    current: Stage | None,
    budgets: Mapping[Stage, timedelta],
) -> datetime | None:
    """The moment the current stage's budget is used up, counted from its running piece."""
    if current is None or current not in budgets or case.resolved_at is not None:
        return None
    if not segments or segments[-1].stage is not current:
        return None
    running = segments[-1]
    before = sum(
        (policy.elapsed(s.start, s.end) for s in segments[:-1] if s.stage is current),
        start=timedelta(0),
    )
    return policy.add(running.start, max(budgets[current] - before, timedelta(0)))
