"""Rounds of the closed loop: a reopened case gets a clock of its own, from the reopening,
with its own warnings and breach (to the GM), credited for its own holds only."""

from __future__ import annotations

from datetime import timedelta

from services.resolution.domain.case import PutOnHold, Resume, Step, Triage
from services.resolution.domain.loop import current_round
from services.resolution.domain.milestones import (
    LADDER,
    Milestone,
    due_milestones,
    milestone_key,
    next_deadline,
    superseded,
)
from services.resolution.routes import view
from shared.vocab import HoldReason
from tests.support.cases import AGENT, LOOP, OWNER, POLICY, REOPEN, T0, H, at_hours, timed

RESOLVED_AT_9H = timed(range(1, 11), LOOP)
"""The first round: resolved at 9 h, feedback requested at 10 h."""
REOPENED_AT_12H = (*RESOLVED_AT_9H, (12, *REOPEN))
HOLD = (Step.PUT_ON_HOLD, PutOnHold(reason="等客户到店", waiting_for=HoldReason.CUSTOMER), OWNER)
RESUME = (Step.RESUME, Resume(), OWNER)


def test_the_first_round_runs_from_registration_until_resolution() -> None:
    running = current_round(at_hours(*RESOLVED_AT_9H[:3]))
    assert (running.number, running.started, running.stopped_at) == (1, T0, None)
    resolved = current_round(at_hours(*RESOLVED_AT_9H))
    assert resolved.stopped_at == T0 + 9 * H
    assert resolved.deadlines(POLICY, T0 + 100 * H).due_at == T0 + 48 * H


def test_a_reopened_case_runs_a_new_round_from_the_reopening() -> None:
    case = at_hours(*REOPENED_AT_12H)
    loop = current_round(case)
    assert (loop.number, loop.started, loop.stopped_at) == (2, T0 + 12 * H, None)
    assert loop.deadlines(POLICY, T0 + 13 * H).due_at == T0 + 60 * H
    assert loop.time_left(POLICY, T0 + 36 * H) == 24 * H


def test_only_the_rounds_own_holds_are_credited() -> None:
    first_hold = timed((3.25, 3.75), (HOLD, RESUME))  # half an hour in the first round
    steps = sorted((*RESOLVED_AT_9H, *first_hold), key=lambda s: s[0])
    case = at_hours(*steps, (12, *REOPEN), *timed((20, 23), (HOLD, RESUME)))
    assert current_round(case).deadlines(POLICY, T0 + 30 * H).due_at == T0 + 63 * H


def test_a_round_resolved_in_the_instant_it_was_reopened_is_still_running() -> None:
    case = at_hours(*timed([1] * 10, LOOP), (1, *REOPEN))
    loop = current_round(case)
    assert (loop.number, loop.started, loop.stopped_at) == (2, T0 + H, None)


def test_a_complaint_closed_as_invalid_stops_its_clock_at_closing() -> None:
    case = at_hours((3, Step.TRIAGE, Triage(valid=False, explanation="重复投诉"), AGENT))
    assert current_round(case).stopped_at == T0 + 3 * H
    assert view(case, T0 + 100 * H, POLICY).sla.seconds_left == 45 * 3600


def test_the_new_round_warns_and_breaches_on_its_own_clock_and_the_gm_hears_of_it() -> None:
    case = at_hours(*REOPENED_AT_12H)
    assert next_deadline(case, POLICY, T0 + 12 * H) == T0 + 28.8 * H  # the stage's budget
    stage_alerted = case.model_copy(update={"sla_fired": ["stage_overdue:investigate:2"]})
    assert next_deadline(stage_alerted, POLICY, T0 + 29 * H) == T0 + 36 * H  # 50 % of round 2
    due = {m.key: m for m in due_milestones(case, POLICY, T0 + 60 * H)}
    assert {"early_warning:2", "warning:2", "final_warning:2", "breach:2"} <= due.keys()
    assert due["breach:2"].notify == "general_manager"
    assert due["breach:2"].due_at == T0 + 60 * H
    assert "breach" not in due  # the first round was resolved in time
    assert "follow_up_call:2" not in due  # no call until the new round is resolved
    later = {m.key for m in due_milestones(case, POLICY, T0 + 200 * H)}
    assert not any(key.startswith("gm_escalation") for key in later)  # the GM heard at 100 %


def test_a_breach_of_the_first_round_does_not_silence_the_second_rounds_reminders() -> None:
    case = at_hours(*REOPENED_AT_12H)
    first_round = [milestone_key(m) for m in (Milestone.BREACH, Milestone.GM_ESCALATION)]
    due = [m for m in due_milestones(case, POLICY, T0 + 36 * H) if m.milestone in LADDER]
    assert [m.key for m in due] == ["early_warning:2"]
    assert superseded(due, first_round) == set()
    assert superseded(due, [*first_round, "breach:2"]) == {"early_warning:2"}


def test_the_case_view_shows_the_current_rounds_clock() -> None:
    case = at_hours(*REOPENED_AT_12H)
    case = case.model_copy(update={"sla_fired": ["breach"]})
    sla = view(case, T0 + 50 * H, POLICY).sla
    assert (sla.round, sla.due_at, sla.breached, sla.breached_before) == (
        2,
        T0 + 60 * H,
        False,
        True,
    )
    assert sla.seconds_left == int(timedelta(hours=10).total_seconds())
    assert sla.warned  # 75 % of the new round has passed


def test_a_hold_after_resolution_does_not_move_the_finished_rounds_clock() -> None:
    waiting = (Step.PUT_ON_HOLD, PutOnHold(reason="等客户评价"), OWNER)
    case = at_hours(*RESOLVED_AT_9H, (11, *waiting), (30, *RESUME))
    sla = view(case, T0 + 40 * H, POLICY).sla
    assert (sla.due_at, sla.seconds_left) == (T0 + 48 * H, 39 * 3600)  # as at 9 h


def test_an_earlier_round_resolved_late_shows_as_breached_before_though_no_sweep_saw_it() -> None:
    late = timed([*range(1, 9), 50, 51], LOOP)  # resolved at 50 h, 2 h after its due time
    case = at_hours(*late, (52, *REOPEN))
    assert view(case, T0 + 53 * H, POLICY).sla.breached_before


def test_a_round_resolved_after_its_due_time_still_records_its_breach() -> None:
    late = timed([*range(1, 9), 50, 51], LOOP)
    case = at_hours(*late)
    due = due_milestones(case, POLICY, T0 + 52 * H)
    assert [(m.key, m.due_at) for m in due if not m.stage] == [("breach", T0 + 48 * H)]
    swept = case.model_copy(update={"sla_fired": ["breach"]})
    assert next_deadline(swept, POLICY, T0 + 52 * H) == T0 + 50 * H + 72 * H  # the 3-day call
