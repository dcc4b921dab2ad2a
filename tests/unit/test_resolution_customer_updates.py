"""The customer of an open case hears from us at least every N hours: the acknowledgement,
a message the case sends or a recorded contact resets the clock; internal steps do not;
one reminder per silence, to the owner (the front desk before there is one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from zoneinfo import ZoneInfo

from services.resolution.domain.case import (
    Actor,
    CommandBase,
    PutOnHold,
    RecordContact,
    StartInvestigation,
    Step,
)
from services.resolution.domain.milestones import (
    Milestone,
    customer_update,
    due_milestones,
    milestone_key,
)
from services.resolution.routes import view
from shared.calendar import BusinessCalendar
from shared.vocab import HoldReason
from tests.support.cases import FINDINGS, LOOP, OWNER, POLICY, REOPEN, T0, H, at_hours, timed

Timed = tuple[float, Step, CommandBase, Actor]
CONTACT = (Step.RECORD_CONTACT, RecordContact(summary="电话告知检测进度"), OWNER)
INTERNAL = (
    (Step.START_INVESTIGATION, StartInvestigation(), OWNER),
    (Step.RECORD_FINDINGS, FINDINGS, OWNER),
)


def silence_after(hours: float, round_: int = 1) -> str:
    """The key of the reminder for a silence that began ``hours`` after registration."""
    return milestone_key(Milestone.CUSTOMER_UPDATE, None, round_, (T0 + hours * H).isoformat())


def updates(case_steps: tuple[Timed, ...], now_hours: float) -> list[str]:
    case = at_hours(*case_steps)
    due = due_milestones(case, POLICY, T0 + now_hours * H)
    return [m.key for m in due if m.milestone is Milestone.CUSTOMER_UPDATE]


def test_a_new_case_owes_news_a_day_after_the_acknowledgement_and_the_front_desk_hears() -> None:
    update = customer_update(at_hours(), POLICY)
    assert update is not None
    assert (update.due_at, update.notify, update.key) == (T0 + 24 * H, "agent", silence_after(0))


def test_a_message_or_a_contact_resets_the_clock_and_internal_steps_do_not() -> None:
    assigned = timed((1, 2), LOOP[:2])  # triage (internal), assignment (the customer is told)
    update = customer_update(at_hours(*assigned), POLICY)
    assert update is not None and (update.due_at, update.notify) == (T0 + 26 * H, "owner")
    worked = (*assigned, *timed((3, 5), INTERNAL))
    assert updates(worked, 25.9) == [] and updates(worked, 26) == [silence_after(2)]
    called = (*worked, (20, *CONTACT))
    assert updates(called, 26) == [] and updates(called, 44) == [silence_after(20)]


def test_a_resolved_case_owes_no_periodic_news_and_zero_hours_turns_it_off() -> None:
    resolved = at_hours(*timed(range(1, 11), LOOP))
    assert view(resolved, T0 + 100 * H, POLICY).sla.customer_update_due is None
    assert not updates(timed(range(1, 11), LOOP), 100)
    off = replace(POLICY, customer_update_hours=0)
    assert customer_update(at_hours(), off) is None


def test_the_clock_runs_in_business_hours_when_the_policy_has_them() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")  # T0 is 17:00 there
    calendar = BusinessCalendar(zone=shanghai, opens=time(9), closes=time(18))
    policy = replace(POLICY, customer_update_hours=4, calendar=calendar)
    update = customer_update(at_hours(), policy)
    assert update is not None and update.due_at.astimezone(shanghai).hour == 12  # 1 h + 3 h


def test_the_case_view_says_when_news_is_owed() -> None:
    case = at_hours(*timed((1, 2), LOOP[:2]))
    assert view(case, T0 + 3 * H, POLICY).sla.customer_update_due == T0 + 26 * H


def test_news_is_owed_on_hold_too_and_a_reopened_round_keys_its_own_silence() -> None:
    hold = (Step.PUT_ON_HOLD, PutOnHold(reason="等配件", waiting_for=HoldReason.PARTS), OWNER)
    held = (*timed((1, 2), LOOP[:2]), (3, *hold))
    assert updates(held, 26) == [silence_after(2)]  # waiting for parts: still tell them
    reopened = (*timed(range(1, 11), LOOP), (12, *REOPEN))
    assert updates(reopened, 36) == [silence_after(12, round_=2)]  # the reopen message
