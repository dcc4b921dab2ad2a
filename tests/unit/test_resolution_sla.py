"""The SLA clock with a fake timeline: warning at 36 h, breach at 48 h, GM at 72 h; pauses;
business hours across a holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.resolution.domain.milestones import DueMilestone, Milestone, superseded
from services.resolution.domain.sla import (
    Pause,
    SlaPolicy,
    deadlines,
    paused_time,
    time_left,
)
from shared.calendar import BusinessCalendar

T0 = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_calendar_hours_defaults() -> None:
    d = deadlines(T0, SlaPolicy(), now=T0)
    assert d.first_contact_due == T0 + 2 * H
    assert d.owner_due == T0 + 4 * H
    assert (d.early_warn_at, d.warn_at, d.final_warn_at) == (
        T0 + 24 * H,
        T0 + 36 * H,
        T0 + 43.2 * H,
    )
    assert d.due_at == T0 + 48 * H
    assert d.gm_escalation_at == T0 + 72 * H


def test_time_left_jumps() -> None:
    policy = SlaPolicy()
    assert time_left(T0, policy, [], T0 + 36 * H) == 12 * H
    assert time_left(T0, policy, [], T0 + 48 * H) == timedelta(0)
    assert time_left(T0, policy, [], T0 + 72 * H) == -24 * H


def test_a_pause_pushes_every_deadline_and_an_open_one_keeps_pushing() -> None:
    policy = SlaPolicy()
    closed = [Pause(T0 + 10 * H, T0 + 15 * H)]
    assert deadlines(T0, policy, closed, now=T0 + 40 * H).due_at == T0 + 53 * H
    still_open = [Pause(T0 + 10 * H)]
    assert deadlines(T0, policy, still_open, now=T0 + 20 * H).due_at == T0 + 58 * H
    assert paused_time(policy, still_open, T0 + 30 * H) == 20 * H


def test_business_hours_skip_nights_and_a_holiday() -> None:
    calendar = BusinessCalendar(
        zone=SHANGHAI,
        opens=time(9),
        closes=time(17),
        holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2)}),
    )
    policy = SlaPolicy(resolve_hours=16, calendar=calendar)
    start = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)  # one hour before closing
    # 1 h on 30 Sept, 1-2 Oct closed, 8 h on 3 Oct, 7 h on 4 Oct
    assert deadlines(start, policy, now=start).due_at == datetime(
        2026, 10, 4, 16, 0, tzinfo=SHANGHAI
    )
    assert calendar.between(start, datetime(2026, 10, 3, 10, 0, tzinfo=SHANGHAI)) == 2 * H


def test_registration_outside_opening_hours_starts_at_opening() -> None:
    calendar = BusinessCalendar(zone=SHANGHAI, opens=time(9), closes=time(17))
    night = datetime(2026, 9, 28, 22, 0, tzinfo=SHANGHAI)
    policy = SlaPolicy(first_contact_hours=2, calendar=calendar)
    assert deadlines(night, policy, now=night).first_contact_due == datetime(
        2026, 9, 29, 11, 0, tzinfo=SHANGHAI
    )


def test_time_on_hold_outside_opening_hours_is_not_credited() -> None:
    calendar = BusinessCalendar(zone=SHANGHAI, opens=time(9), closes=time(17))
    policy = SlaPolicy(calendar=calendar)
    overnight = [
        Pause(
            datetime(2026, 9, 28, 16, 0, tzinfo=SHANGHAI),
            datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI),
        )
    ]
    assert paused_time(policy, overnight, T0) == 2 * H


def test_the_policy_from_settings_with_business_hours_and_holidays() -> None:
    from services.resolution.bootstrap import sla_policy
    from shared.settings import Settings

    policy = sla_policy(
        Settings(business_hours="09:00-17:00", holidays="2026-10-01, 2026-10-02", sla_hours=16)
    )
    start = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    assert deadlines(start, policy, now=start).due_at == datetime(
        2026, 10, 4, 16, 0, tzinfo=SHANGHAI
    )
    assert sla_policy(Settings()).calendar is None


def test_only_the_latest_warning_of_those_due_together_is_sent() -> None:
    due = [
        DueMilestone(Milestone.EARLY_WARNING, T0, "owner"),
        DueMilestone(Milestone.WARNING, T0, "owner"),
        DueMilestone(Milestone.FIRST_CONTACT_OVERDUE, T0, "owner"),
        DueMilestone(Milestone.STAGE_OVERDUE, T0, "owner", "investigate"),
    ]
    assert superseded(due) == {"early_warning"}
    with_breach = [*due, DueMilestone(Milestone.BREACH, T0, "department_head")]
    assert superseded(with_breach) == {"early_warning", "warning"}
    assert superseded(due[2:]) == set()
    # a rung recorded earlier (by code without the 50 % reminder) makes it pointless too
    assert superseded(due[:1], fired=["warning"]) == {"early_warning"}


def test_a_stage_alert_is_keyed_by_its_round() -> None:
    first = DueMilestone(Milestone.STAGE_OVERDUE, T0, "owner", "approve")
    again = DueMilestone(Milestone.STAGE_OVERDUE, T0, "owner", "approve", round=2)
    assert (first.key, again.key) == ("stage_overdue:approve", "stage_overdue:approve:2")
