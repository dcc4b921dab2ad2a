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
from services.resolution.domain.loop import reopens
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
    """Over every round of the loop (a reopened case goes round again)."""
    budget: timedelta | None
    current: bool
    over: bool
    """Some round used up the stage's budget."""


@dataclass(frozen=True, slots=True)
class StageAccount:
    """A case's time by stage: the clocks in stage order, and who was charged."""

    clocks: list[StageClock]
    charges: list[StageCharge]
    current: Stage | None
    accountable: Accountable | None
    """Who is to act in the current stage."""
    department: str | None
    """The department of whoever is to act (None: the front desk, before assignment)."""
    round: int
    """1, then one more each time a dissatisfied customer reopens the case."""
    current_due: datetime | None
    """When the current stage runs out of budget in this round, if nothing moves (None: no
    budget, on hold, or the loop is over)."""
    last_holders: dict[Stage, str | None]
    """Per stage, the department that held it last: an overrun is theirs."""


@dataclass(frozen=True, slots=True)
class _Segment:
    stage: Stage
    department: str | None
    accountable: Accountable
    start: datetime
    end: datetime
    round: int


def _accountable(status: CaseStatus, first_approver: str | None) -> Accountable:
    """Who must act next: the front desk triages, the head assigns, the approver who has
    not approved yet decides, the owner does the rest."""
    if status is S.REGISTERED:
        return Accountable.AGENT
    if status is S.TRIAGED:
        return Accountable.DEPARTMENT_HEAD
    if status is S.PENDING_APPROVAL:
        if first_approver is not None and first_approver != "general_manager":
            return Accountable.GENERAL_MANAGER  # a head (or an admin) approved; the GM must too
        return Accountable.DEPARTMENT_HEAD
    return Accountable.OWNER


def _segments(case: Case, now: datetime) -> list[_Segment]:
    """The case's life cut at every step, each piece with its stage, holder and round."""
    target = case.target_department.value if case.target_department else None
    # Entries written before departments were recorded fall back to the case's department.
    fallback = case.department.value if case.department else None
    status, start, department, round_ = S.REGISTERED, case.registered_at, None, 1
    first_approver: str | None = None
    segments: list[_Segment] = []

    def cut(end: datetime) -> None:
        stage = STAGE_OF.get(status)
        if stage is not None and end >= start:
            holder = department if status is not S.TRIAGED else department or target
            who = _accountable(status, first_approver)
            segments.append(_Segment(stage, holder, who, start, end, round_))

    for entry in case.timeline:
        if entry.role == "system":
            continue  # SLA milestones record the clock; they never move the case
        if entry.at > start:
            cut(entry.at)
        if entry.step == Step.APPROVE.value and entry.to_status is S.PENDING_APPROVAL:
            first_approver = entry.role
        elif entry.to_status not in (S.PENDING_APPROVAL, S.ON_HOLD):
            first_approver = None
        if reopens(entry):
            round_ += 1  # reopened: every stage starts a new budget
        status, start = entry.to_status, max(start, entry.at)
        unowned = status in (S.REGISTERED, S.TRIAGED)
        department = entry.department or (None if unowned else fallback)
    cut(now)  # the running stage, even when entered this instant
    return segments


def stage_account(case: Case, policy: SlaPolicy, now: datetime) -> StageAccount:
    """Time per stage on the policy's calendar, holds excluded; budgets are the policy's
    shares of the closed loop, per round."""
    segments = _segments(case, now)
    budgets = {
        Stage(stage): timedelta(hours=policy.resolve_hours * share / 100)
        for stage, share in policy.stage_shares
    }
    spent: dict[Stage, timedelta] = {}
    per_round: dict[tuple[Stage, int], timedelta] = {}
    charged: dict[tuple[Stage, str | None, Accountable], timedelta] = {}
    holders: dict[Stage, str | None] = {}
    for segment in segments:
        took = policy.elapsed(segment.start, segment.end)
        spent[segment.stage] = spent.get(segment.stage, timedelta(0)) + took
        key = (segment.stage, segment.round)
        per_round[key] = per_round.get(key, timedelta(0)) + took
        charge = (segment.stage, segment.department, segment.accountable)
        charged[charge] = charged.get(charge, timedelta(0)) + took
        holders[segment.stage] = segment.department
    last = segments[-1] if segments else None
    running = last if last and last.end == now and last.stage is STAGE_OF.get(case.status) else None
    current = running.stage if running else None
    clocks = [
        StageClock(
            stage,
            spent.get(stage, timedelta(0)),
            budgets.get(stage),
            stage is current,
            stage in budgets
            and any(t >= budgets[stage] for (s, _), t in per_round.items() if s is stage),
        )
        for stage in Stage
        if stage in spent or stage is current or stage in budgets
    ]
    return StageAccount(
        clocks=clocks,
        charges=[StageCharge(s, d, a, t) for (s, d, a), t in charged.items() if t],
        current=current,
        accountable=running.accountable if running else None,
        department=running.department if running else None,
        round=segments[-1].round if segments else 1,
        current_due=_current_due(policy, segments, running, budgets),
        last_holders=holders,
    )


def _current_due(
    policy: SlaPolicy,
    segments: list[_Segment],
    running: _Segment | None,
    budgets: Mapping[Stage, timedelta],
) -> datetime | None:
    """The moment the running stage's budget for this round is used up."""
    if running is None or running.stage not in budgets:
        return None
    before = sum(
        (
            policy.elapsed(s.start, s.end)
            for s in segments[:-1]
            if s.stage is running.stage and s.round == running.round
        ),
        start=timedelta(0),
    )
    return policy.add(running.start, max(budgets[running.stage] - before, timedelta(0)))
