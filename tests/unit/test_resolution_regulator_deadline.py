"""A referral from 12315, a consumer association or a market regulator carries the date by
which the agency wants the answer: its head is warned a day before, the general manager
once it has passed; the date keeps running on hold and is watched until the case is
resolved."""

from __future__ import annotations

from datetime import UTC, datetime

from services.resolution.domain.case import Case, PutOnHold, Resume, Step
from services.resolution.domain.milestones import (
    Milestone,
    due_milestones,
    next_deadline,
    regulator_deadline,
    superseded,
)
from services.resolution.routes import view
from shared.vocab import HoldReason
from tests.support.cases import LOOP, OWNER, POLICY, REOPEN, T0, H, at_hours, timed

REFERRAL = {"agency": "12315", "regulator_case": "GS-2026-0815", "response_due": "2026-07-05"}
END_OF_DAY = datetime(2026, 7, 5, 16, 0, tzinfo=UTC)
"""2026-07-06 00:00 in Shanghai (the dealership's zone): the 5th is the agency's last day."""
HOLD = (
    Step.PUT_ON_HOLD,
    PutOnHold(reason="等待厂家技术报告", waiting_for=HoldReason.MANUFACTURER),
    OWNER,
)


def referred(case: Case) -> Case:
    return case.model_copy(update={"references": REFERRAL})


def regulator(case: Case, now: datetime) -> list[tuple[str, str]]:
    due = due_milestones(case, POLICY, now)
    return [
        (m.milestone.value, m.notify)
        for m in due
        if m.milestone in (Milestone.REGULATOR_DUE_SOON, Milestone.REGULATOR_OVERDUE)
    ]


def test_the_agencys_date_ends_at_midnight_in_the_dealerships_zone() -> None:
    assert regulator_deadline(referred(at_hours()), POLICY.zone) == END_OF_DAY
    assert regulator_deadline(at_hours(), POLICY.zone) is None  # not a referral
    unreadable = at_hours().model_copy(update={"references": {"response_due": "下周五"}})
    assert regulator_deadline(unreadable, POLICY.zone) is None


def test_the_head_is_warned_a_day_before_and_the_general_manager_once_it_passed() -> None:
    case = referred(at_hours(*timed((1, 2), LOOP[:2])))
    assert regulator(case, END_OF_DAY - 24 * H - H) == []
    assert regulator(case, END_OF_DAY - 24 * H) == [("regulator_due_soon", "department_head")]
    assert regulator(case, END_OF_DAY) == [
        ("regulator_due_soon", "department_head"),
        ("regulator_overdue", "general_manager"),
    ]
    fired = case.model_copy(update={"sla_fired": ["regulator_due_soon"]})
    assert regulator(fired, END_OF_DAY) == [("regulator_overdue", "general_manager")]


def test_after_downtime_only_the_overdue_alert_goes_out() -> None:
    case = referred(at_hours(*timed((1, 2), LOOP[:2])))
    due = due_milestones(case, POLICY, END_OF_DAY + H)
    assert superseded(due) >= {"regulator_due_soon"}
    assert "regulator_overdue" not in superseded(due)


def test_the_date_runs_on_hold_and_stops_once_the_case_is_resolved() -> None:
    held = referred(at_hours(*timed((1, 2, 3), (*LOOP[:2], HOLD))))
    assert regulator(held, END_OF_DAY) == [
        ("regulator_due_soon", "department_head"),
        ("regulator_overdue", "general_manager"),
    ]
    assert next_deadline(held, POLICY, T0 + 4 * H) is not None
    resumed = referred(
        at_hours(*timed((1, 2, 3, 4), (*LOOP[:2], HOLD, (Step.RESUME, Resume(), OWNER))))
    )
    assert len(regulator(resumed, END_OF_DAY)) == 2
    resolved = referred(at_hours(*timed(range(1, 10), LOOP[:9])))
    assert regulator(resolved, END_OF_DAY) == []


def test_a_reopening_after_the_answer_does_not_restart_the_agencys_clock() -> None:
    reopened = referred(at_hours(*timed(range(1, 12), (*LOOP, REOPEN))))
    assert reopened.reopened == 1
    assert regulator(reopened, END_OF_DAY + H) == []
    assert not view(reopened, END_OF_DAY + H, POLICY).regulator_pressing


def test_the_case_view_shows_the_date_and_whether_it_presses() -> None:
    case = referred(at_hours(*timed((1, 2), LOOP[:2])))
    calm = view(case, T0 + 3 * H, POLICY)
    assert (calm.regulator_due_at, calm.regulator_pressing) == (END_OF_DAY, False)
    assert view(case, END_OF_DAY - 23 * H, POLICY).regulator_pressing
    resolved = referred(at_hours(*timed(range(1, 10), LOOP[:9])))
    assert not view(resolved, END_OF_DAY, POLICY).regulator_pressing
    plain = view(at_hours(), T0, POLICY)
    assert (plain.regulator_due_at, plain.regulator_pressing) == (None, False)


def test_the_alerts_say_the_agencys_date_and_the_loops_due_time_not_their_own() -> None:
    """A warning comes before what it warns about: its alert, its event and its push name
    the deadline itself (the head's reminder a day ahead must not read as overdue)."""
    from zoneinfo import ZoneInfo

    from services.resolution.alert_push import alert_text
    from services.resolution.service import _alert, _milestone_events

    case = referred(at_hours(*timed((1, 2), LOOP[:2])))
    due = {m.milestone: m for m in due_milestones(case, POLICY, END_OF_DAY)}
    soon = due[Milestone.REGULATOR_DUE_SOON]
    assert (soon.due_at, soon.deadline_at) == (END_OF_DAY - 24 * H, END_OF_DAY)
    loop_due = due[Milestone.BREACH].due_at
    for warning in (Milestone.EARLY_WARNING, Milestone.WARNING, Milestone.FINAL_WARNING):
        assert due[warning].due_at < loop_due == due[warning].deadline_at
    assert due[Milestone.BREACH].deadline_at == loop_due  # its own time

    overdue = due[Milestone.REGULATOR_OVERDUE]
    alerts = [_alert(event) for event in _milestone_events(case, [soon, overdue], END_OF_DAY)]
    assert [a.deadline_at for a in alerts] == [END_OF_DAY, END_OF_DAY]  # every alert has one
    for alert in alerts:
        text = alert_text(
            alert, [], case_due=None, language="zh", zone=ZoneInfo("Asia/Shanghai"),
            public_url=None,
        )  # fmt: skip
        assert "监管答复截止 07-06 00:00" in text
