"""SLA milestones of a case: which are due now, and when the next one falls.

Each milestone fires once (recorded on the case in the same write as its event), so
a sweep repeated after a restart, or by a second instance, changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.resolution.domain.case import Case, CaseStatus, Step, called_back
from services.resolution.domain.loop import (
    AFTER_RESOLUTION,
    LoopRound,
    current_round,
    loop_rounds,
)
from services.resolution.domain.messages import informs_customer
from services.resolution.domain.sla import SlaPolicy
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
    CUSTOMER_UPDATE = "customer_update"
    REGULATOR_DUE_SOON = "regulator_due_soon"
    REGULATOR_OVERDUE = "regulator_overdue"


FOLLOW_UP_AFTER = timedelta(days=3)
"""The "3-day call" after resolution (3日回访)."""

REGULATOR_WARNING_BEFORE = timedelta(hours=24)
"""How long before a regulator's answer date its head is warned."""
REGULATOR_CLOCKS = (Milestone.REGULATOR_DUE_SOON, Milestone.REGULATOR_OVERDUE)
"""A legal deadline: it keeps running while the case is on hold."""


@dataclass(frozen=True)
class DueMilestone:
    milestone: Milestone
    due_at: datetime
    notify: str
    """Who is told: agent, owner, department_head or general_manager."""
    stage: str | None = None
    """For a stage over its budget: which stage (once per stage and round of the loop)."""
    round: int = 1
    department: str | None = None
    """Whose department is told, when it is not (yet) the case's own."""
    silence: str | None = None
    """For a customer update: when the customer last heard from us (once per silence: news
    resets the clock, and the next silence may fire again)."""
    deadline: datetime | None = None
    """What a warning warns about when that is later than it comes: the loop's due time, the
    agency's answer date. Alerts show it, not the reminder's own time."""

    @property
    def deadline_at(self) -> datetime:
        return self.deadline or self.due_at

    @property
    def key(self) -> str:
        """How the case records that it fired (a later round of the loop: once more)."""
        return milestone_key(self.milestone, self.stage, self.round, self.silence)


def milestone_key(
    milestone: Milestone,
    stage: str | None = None,
    round_: int = 1,
    silence: str | None = None,
) -> str:
    """How a case records that a milestone fired: once per stage and round of the loop, and
    a customer update once per silence."""
    stage_part = f":{stage}" if stage else ""
    suffix = f":{round_}" if round_ > 1 else ""
    after = f"@{silence}" if silence is not None else ""
    return f"{milestone.value}{stage_part}{suffix}{after}"


WARNING_LADDER = (Milestone.EARLY_WARNING, Milestone.WARNING, Milestone.FINAL_WARNING)
"""Reminders a later rung makes pointless: after downtime, or on a case scheduled before an
upgrade added a rung, only the latest that came is sent."""
_STEPS = {step.value: step for step in Step}
LADDER = (*WARNING_LADDER, Milestone.BREACH, Milestone.GM_ESCALATION)


def follow_up_due(case: Case) -> datetime | None:
    """When the closed case's 3-day call is due, while no call has reached the customer
    (None for an open case, one closed at triage, one already called or erased)."""
    if case.status is not CaseStatus.CLOSED or not _call_owed(case):
        return None
    return follow_up_deadline(case)


def _call_owed(case: Case) -> bool:
    """No call has reached the customer since the latest resolution, and there is still a
    customer to call (an erased one has no number left)."""
    return not called_back(case) and case.erased_at is None


def follow_up_deadline(case: Case) -> datetime | None:
    """When the 3-day call after the latest resolution is due, called or not."""
    return case.resolved_at + FOLLOW_UP_AFTER if case.resolved_at else None


def regulator_deadline(case: Case, zone: ZoneInfo) -> datetime | None:
    """The end of the day by which the referring agency (12315, a consumer association, a
    market regulator) wants the dealership's answer, in the dealership's zone; None when
    the complaint came another way (or the date cannot be read)."""
    raw = case.references.get("response_due")
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=zone) if day else None


def regulator_watched(case: Case) -> bool:
    """Whether the agency still waits for the answer: until the case is first resolved (the
    answer then goes out through the agency's platform; a later reopening is the
    customer's, not the agency's)."""
    return loop_rounds(case)[0].stopped_at is None and case.status is not CaseStatus.CLOSED


def _regulator_clocks(case: Case, policy: SlaPolicy) -> list[DueMilestone]:
    """The agency's answer date, while it is watched: its head a day before, the general
    manager once it has passed. Once per complaint: the agency set one date."""
    deadline = regulator_deadline(case, policy.zone)
    if deadline is None or not regulator_watched(case):
        return []
    return [
        DueMilestone(
            Milestone.REGULATOR_DUE_SOON,
            deadline - REGULATOR_WARNING_BEFORE,
            "department_head",
            deadline=deadline,
        ),
        DueMilestone(Milestone.REGULATOR_OVERDUE, deadline, "general_manager"),
    ]


def _schedule(case: Case, policy: SlaPolicy, now: datetime) -> list[DueMilestone]:
    schedule: list[DueMilestone] = []
    if case.resolved_at is not None and case.status in AFTER_RESOLUTION and _call_owed(case):
        # the 3-day call after the latest resolution, even once the case is closed
        due = case.resolved_at + FOLLOW_UP_AFTER
        call = DueMilestone(Milestone.FOLLOW_UP_CALL, due, "owner", round=case.reopened + 1)
        schedule.append(call)
    rounds = loop_rounds(case)
    schedule += [  # resolved after the due time before a sweep saw it: the breach is recorded
        DueMilestone(
            Milestone.BREACH, r.deadlines(policy, now).due_at, _breach_notify(r), round=r.number
        )
        for r in rounds
        if r.stopped_at is not None and r.breached(policy, now)
    ]
    if case.status is CaseStatus.CLOSED:
        return _unfired(case, schedule)
    loop = rounds[-1]
    if loop.stopped_at is None:  # the loop's own clocks end when the round is resolved
        d = loop.deadlines(policy, now)
        schedule += [
            DueMilestone(
                Milestone.EARLY_WARNING,
                d.early_warn_at,
                "owner",
                round=loop.number,
                deadline=d.due_at,
            ),
            DueMilestone(
                Milestone.WARNING, d.warn_at, "owner", round=loop.number, deadline=d.due_at
            ),
            DueMilestone(
                Milestone.FINAL_WARNING,
                d.final_warn_at,
                "department_head",
                round=loop.number,
                deadline=d.due_at,
            ),
            DueMilestone(Milestone.BREACH, d.due_at, _breach_notify(loop), round=loop.number),
        ]
        if loop.number == 1:  # a reopened round's breach already went to the GM
            schedule.append(
                DueMilestone(Milestone.GM_ESCALATION, d.gm_escalation_at, "general_manager")
            )
        if loop.number == 1 and case.first_contact_at is None:
            schedule.append(
                DueMilestone(Milestone.FIRST_CONTACT_OVERDUE, d.first_contact_due, "owner")
            )
        if loop.number == 1 and case.owner is None:
            schedule.append(DueMilestone(Milestone.OWNER_OVERDUE, d.owner_due, "department_head"))
    schedule += _regulator_clocks(case, policy)
    update = _customer_update(case, policy, loop)
    if update is not None:
        schedule.append(update)
    account = stage_account(case, policy, now)  # a reopened case's stages have budgets too
    if account.current is not None and account.current_due is not None:
        schedule.append(
            DueMilestone(
                Milestone.STAGE_OVERDUE,
                account.current_due,
                account.accountable.value if account.accountable else "owner",
                account.current.value,
                account.round,
                account.department,
            )
        )
    return _unfired(case, schedule)


def customer_update(case: Case, policy: SlaPolicy) -> DueMilestone | None:
    """When the customer of an open case is next owed news: the policy's hours after they
    last heard from us (the acknowledgement at registration, a message, a recorded contact).
    Time on hold counts too: waiting for parts is when a customer most needs news. None when
    not watched, or once the current round is resolved or the case closed."""
    return _customer_update(case, policy, current_round(case))


def _customer_update(case: Case, policy: SlaPolicy, loop: LoopRound) -> DueMilestone | None:
    watched = policy.customer_update_hours > 0 and case.status is not CaseStatus.CLOSED
    if not watched or loop.stopped_at is not None:
        return None
    last = case.registered_at  # intake acknowledged the complaint
    for entry in case.timeline:
        step = _STEPS.get(entry.step)  # SLA entries are no steps
        if step is not None and informs_customer(step, entry.from_status, entry.to_status):
            last = max(last, entry.at)
    due = policy.add(last, timedelta(hours=policy.customer_update_hours))
    notify = "owner" if case.owner else "agent"
    silence = last.astimezone(UTC).isoformat()  # a count would shift if the rules change
    return DueMilestone(Milestone.CUSTOMER_UPDATE, due, notify, round=loop.number, silence=silence)


def _breach_notify(loop: LoopRound) -> str:
    """The head; a reopened case that breaches again goes to the general manager."""
    return "general_manager" if loop.number > 1 else "department_head"


def _unfired(case: Case, schedule: list[DueMilestone]) -> list[DueMilestone]:
    return sorted((m for m in schedule if m.key not in case.sla_fired), key=lambda m: m.due_at)


def due_milestones(case: Case, policy: SlaPolicy, now: datetime) -> list[DueMilestone]:
    """Milestones that have come and not fired yet; on hold, only the customer's news and
    the regulator's date."""
    return [m for m in _watched(case, policy, now) if m.due_at <= now]


def _watched(case: Case, policy: SlaPolicy, now: datetime) -> list[DueMilestone]:
    """The unfired schedule; a case on hold stops every clock but the customer's news and
    the regulator's date (its due time does not move while held, so the sweeper is not kept
    busy)."""
    schedule = _schedule(case, policy, now)
    if case.status is CaseStatus.ON_HOLD:
        kept = (Milestone.CUSTOMER_UPDATE, *REGULATOR_CLOCKS)
        return [m for m in schedule if m.milestone in kept]
    return schedule


def superseded(due: list[DueMilestone], fired: Iterable[str] = ()) -> set[str]:
    """Keys of warnings below a later rung of the ladder, of the same round, that is due
    now or has fired already: recorded as fired, not sent (nobody needs "half the time is
    gone" beside "the time is up")."""
    done = set(fired)

    def latest(round_: int) -> int:
        reached = [m.milestone for m in due if m.round == round_ and m.milestone in LADDER]
        reached += [m for m in LADDER if milestone_key(m, round_=round_) in done]
        return max((LADDER.index(m) for m in reached), default=-1)

    overdue = milestone_key(Milestone.REGULATOR_OVERDUE)
    regulator_passed = overdue in done or any(m.key == overdue for m in due)
    return {
        m.key
        for m in due
        if (m.milestone in WARNING_LADDER and LADDER.index(m.milestone) < latest(m.round))
        or (m.milestone is Milestone.REGULATOR_DUE_SOON and regulator_passed)
    }


def next_deadline(case: Case, policy: SlaPolicy, now: datetime) -> datetime | None:
    """When the sweeper should look at this case next (None: nothing left to watch)."""
    upcoming = _watched(case, policy, now)
    return upcoming[0].due_at if upcoming else None
