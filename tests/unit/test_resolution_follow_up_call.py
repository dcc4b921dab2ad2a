"""The 3-day follow-up call (3日DC) after a closed loop: recorded on the closed case, its
reminder and due time end once it reached the customer, and an invalid complaint has none.
A customer who rates the outcome below 3 on that call reopens the case one level up, with a
new round of the loop and, once it is closed again, a new call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.resolution.domain.case import (
    Actor,
    Case,
    RecordFeedback,
    RecordFollowUpCall,
    Step,
    StepNotReadyError,
    StepRefusedError,
    Triage,
    decide,
    steps_for,
)
from services.resolution.domain.loop import current_round
from services.resolution.domain.milestones import Milestone, due_milestones, follow_up_due
from services.resolution.domain.workflow import CaseStatus
from tests.support.cases import (
    AGENT,
    LOOP,
    POLICY,
    SALES_OWNER,
    T0,
    H,
    at_hours,
    timed,
)

CLOSED_AT = 11
"""The hour the customer's rating closes the loop (resolved at hour 9)."""


def closed() -> Case:
    satisfied = (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=5), AGENT)
    return at_hours(*timed(range(1, CLOSED_AT + 1), (*LOOP, satisfied)))


def call(
    case: Case, *, reached: bool, at: float, actor: Actor = AGENT, rating: int | None = 4
) -> Case:
    said = "客户表示刹车已正常" if reached else "无人接听"
    command = RecordFollowUpCall(
        reached=reached, satisfaction=rating if reached else None, summary=said
    )
    return decide(case, Step.RECORD_FOLLOW_UP_CALL, command, actor=actor, now=T0 + at * H)


def reminders(case: Case) -> list[Milestone]:
    later = T0 + 9 * H + timedelta(days=3, hours=1)
    return [m.milestone for m in due_milestones(case, POLICY, later)]


def test_a_closed_case_is_due_its_call_three_days_after_the_remedy() -> None:
    case = closed()
    assert case.status is CaseStatus.CLOSED
    assert follow_up_due(case) == T0 + 9 * H + timedelta(days=3)
    assert Milestone.FOLLOW_UP_CALL in reminders(case)


def test_a_call_that_did_not_reach_the_customer_leaves_the_call_due() -> None:
    case = call(closed(), reached=False, at=30)
    assert case.status is CaseStatus.CLOSED and case.timeline[-1].note == "无人接听"
    assert case.follow_up_call_at is None
    assert follow_up_due(case) is not None and Milestone.FOLLOW_UP_CALL in reminders(case)


def test_a_call_that_reached_the_customer_ends_the_reminder() -> None:
    case = call(call(closed(), reached=False, at=30), reached=True, at=50)
    assert case.status is CaseStatus.CLOSED
    assert (case.follow_up_call_at, case.follow_up_satisfaction) == (T0 + 50 * H, 4)
    assert follow_up_due(case) is None
    assert Milestone.FOLLOW_UP_CALL not in reminders(case)
    assert [e.step for e in case.timeline][-2:] == ["record_follow_up_call"] * 2
    assert steps_for(case) == []  # one call reached the customer: no second one
    with pytest.raises(StepNotReadyError) as refused:
        call(case, reached=True, at=60)
    assert refused.value.code == "already_called"


def test_an_open_case_and_one_closed_at_triage_have_no_call_to_make() -> None:
    assert follow_up_due(at_hours(*timed(range(1, 4), LOOP[:3]))) is None
    turned_away = at_hours((1, Step.TRIAGE, Triage(valid=False, explanation="非本店车辆"), AGENT))
    assert follow_up_due(turned_away) is None
    assert steps_for(turned_away) == [] and steps_for(closed()) == [Step.RECORD_FOLLOW_UP_CALL]
    with pytest.raises(StepNotReadyError) as refused:
        call(turned_away, reached=True, at=30)
    assert refused.value.code == "nothing_to_follow_up"


def test_another_owner_does_not_record_the_call() -> None:
    with pytest.raises(StepRefusedError) as refused:
        call(closed(), reached=True, at=30, actor=SALES_OWNER)
    assert refused.value.code == "owned_by_other"


def test_a_low_rating_on_the_call_reopens_the_case_one_level_up() -> None:
    case = call(closed(), reached=True, at=80, rating=2)
    assert case.status is CaseStatus.INVESTIGATING
    assert (case.reopened, case.escalation_level, case.remedy, case.closed_at) == (1, 1, None, None)
    assert (case.follow_up_call_at, case.follow_up_satisfaction) == (T0 + 80 * H, 2)
    loop = current_round(case)  # a new 48 hours from the call, not the first round's clock
    assert (loop.number, loop.started, loop.stopped_at) == (2, T0 + 80 * H, None)
    assert loop.deadlines(POLICY, T0 + 81 * H).due_at == T0 + 128 * H


def test_a_case_reopened_by_the_call_owes_a_new_call_once_closed_again() -> None:
    again = call(closed(), reached=True, at=80, rating=1)
    satisfied = (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=4), AGENT)
    for hour, (step, command, actor) in enumerate((*LOOP[4:], satisfied), 81):
        again = decide(again, step, command, actor=actor, now=T0 + hour * H)
    assert again.status is CaseStatus.CLOSED and again.resolved_at == T0 + 85 * H
    assert follow_up_due(again) == T0 + 85 * H + timedelta(days=3)
    assert steps_for(again) == [Step.RECORD_FOLLOW_UP_CALL]


@pytest.mark.parametrize("rating", [3, None])
def test_a_fair_rating_or_none_leaves_the_case_closed(rating: int | None) -> None:
    case = call(closed(), reached=True, at=80, rating=rating)
    assert (case.status, case.reopened, case.escalation_level) == (CaseStatus.CLOSED, 0, 0)
