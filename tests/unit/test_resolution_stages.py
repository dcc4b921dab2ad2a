"""Stage budgets: each stage's time, charged to the department and role that held the case;
holds charged to nobody; the running stage's budget end; the setting's grammar."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.resolution.domain.case import (
    Actor,
    Approve,
    Assign,
    Case,
    CommandBase,
    PutOnHold,
    Reassign,
    Resume,
    StartInvestigation,
    Step,
    SubmitForApproval,
    Triage,
    decide,
    open_case,
)
from services.resolution.domain.milestones import due_milestones
from services.resolution.domain.sla import SlaPolicy
from services.resolution.domain.stages import stage_account
from services.resolution.routes import paused_times, stage_times
from services.resolution.service import _stage_times as closing_stage_times
from shared.calendar import BusinessCalendar
from shared.contracts.intake import ComplaintRegistered
from shared.settings import stage_shares
from shared.vocab import CaseStage as Stage
from shared.vocab import Department, HoldReason
from tests.support.cases import (
    AGENT,
    FINDINGS,
    GM,
    HEAD,
    LOOP,
    OWNER,
    POLICY,
    REMEDY,
    REOPEN,
    SALES_HEAD,
    SALES_OWNER,
    T0,
    H,
    at_hours,
    timed,
)
from tests.support.events import complaint_registered

SUBMITTED_AT_6H: tuple[tuple[float, Step, CommandBase, Actor], ...] = (
    (1, Step.TRIAGE, Triage(valid=True), AGENT),
    (2, Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
    (3, Step.START_INVESTIGATION, StartInvestigation(), OWNER),
    (4, Step.RECORD_FINDINGS, FINDINGS, OWNER),
    (5, Step.PROPOSE_REMEDY, REMEDY, OWNER),
    (6, Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), OWNER),
)
"""A ¥9,000 remedy submitted for approval six hours after registration."""


def spent(case: Case, now_hours: float) -> dict[Stage, timedelta]:
    account = stage_account(case, POLICY, T0 + now_hours * H)
    return {clock.stage: clock.spent for clock in account.clocks if clock.spent}


def test_time_is_charged_to_the_stage_that_held_the_case() -> None:
    case = at_hours(
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (3, Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (4, Step.START_INVESTIGATION, StartInvestigation(), OWNER),
        (10, Step.RECORD_FINDINGS, FINDINGS, OWNER),
        (12, Step.PROPOSE_REMEDY, REMEDY, OWNER),
        (13, Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), OWNER),
    )
    assert spent(case, 30) == {
        Stage.TRIAGE: 3 * H,
        Stage.INVESTIGATE: 9 * H,
        Stage.PROPOSE: H,
        Stage.APPROVE: 17 * H,
    }
    account = stage_account(case, POLICY, T0 + 30 * H)
    approve = next(c for c in account.clocks if c.stage is Stage.APPROVE)
    assert approve.current and approve.over  # 17 h against 4.8 h
    investigate = next(c for c in account.clocks if c.stage is Stage.INVESTIGATE)
    assert not investigate.over and investigate.budget == timedelta(hours=16.8)
    charges = {(c.stage, c.department, c.accountable.value): c.spent for c in account.charges}
    assert charges[(Stage.APPROVE, "after_sales", "department_head")] == 17 * H
    assert charges[(Stage.INVESTIGATE, "after_sales", "owner")] == 9 * H
    assert charges[(Stage.TRIAGE, None, "agent")] == H  # the front desk judges validity
    assert charges[(Stage.TRIAGE, None, "department_head")] == 2 * H  # a head names the owner


def test_the_wait_for_a_second_approval_is_the_general_managers() -> None:
    case = at_hours(
        *SUBMITTED_AT_6H,
        (8, Step.APPROVE, Approve(), HEAD),  # ¥9,000: the GM must approve too
        (20, Step.APPROVE, Approve(), GM),
    )
    charges = {
        (c.stage, c.accountable.value): c.spent
        for c in stage_account(case, POLICY, T0 + 21 * H).charges
    }
    assert charges[(Stage.APPROVE, "department_head")] == 2 * H
    assert charges[(Stage.APPROVE, "general_manager")] == 12 * H
    assert charges[(Stage.EXECUTE, "owner")] == H


def test_when_the_gm_approves_first_the_wait_is_the_heads() -> None:
    case = at_hours(
        *SUBMITTED_AT_6H,
        (7, Step.APPROVE, Approve(), GM),
    )
    account = stage_account(case, POLICY, T0 + 9 * H)
    assert account.accountable == "department_head"
    charges = {(c.stage, c.accountable.value): c.spent for c in account.charges}
    assert (Stage.APPROVE, "general_manager") not in charges
    assert charges[(Stage.APPROVE, "department_head")] == 3 * H  # 6–7 h and 7–9 h


def test_the_head_of_the_named_department_is_charged_for_assigning() -> None:
    event = complaint_registered("c-2", at=T0, department=Department.SALES)
    case = open_case(event.payload_as(ComplaintRegistered), case_id="k-2", now=T0, sla_hours=48)
    case = decide(case, Step.TRIAGE, Triage(valid=True), actor=AGENT, now=T0 + H)
    account = stage_account(case, POLICY, T0 + 3 * H)
    assert (account.accountable, account.department) == ("department_head", "sales")
    charges = {(c.department, c.accountable.value): c.spent for c in account.charges}
    assert charges == {(None, "agent"): H, ("sales", "department_head"): 2 * H}


def test_a_reopened_case_goes_round_again_with_fresh_budgets() -> None:
    case = at_hours(*timed((1, 2, 3, 15, 15.5, 16, 17, 18, 20, 21, 22), (*LOOP, REOPEN)))
    account = stage_account(case, POLICY, T0 + 30 * H)
    assert (account.current, account.round) == (Stage.INVESTIGATE, 2)
    investigate = next(c for c in account.clocks if c.stage is Stage.INVESTIGATE)
    assert investigate.spent == 21.5 * H  # 13.5 h in the first round, 8 h in the second
    assert not investigate.over  # neither round used up 16.8 h
    assert account.current_due == T0 + (22 + 16.8) * H  # a new budget for the new round
    due = [m for m in due_milestones(case, POLICY, T0 + 39 * H) if m.stage]
    assert [(m.key, m.notify) for m in due] == [("stage_overdue:investigate:2", "owner")]


def test_legacy_entries_without_a_department_fall_back_to_the_cases() -> None:
    case = at_hours(
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (2, Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
    )
    legacy = case.model_copy(
        update={"timeline": [e.model_copy(update={"department": None}) for e in case.timeline]}
    )
    charges = {(c.stage, c.department) for c in stage_account(legacy, POLICY, T0 + 5 * H).charges}
    assert charges == {(Stage.TRIAGE, None), (Stage.INVESTIGATE, "after_sales")}


def test_stage_time_counts_on_the_business_calendar() -> None:
    calendar = BusinessCalendar(zone=ZoneInfo("Asia/Shanghai"), opens=time(9), closes=time(17))
    policy = SlaPolicy(calendar=calendar)  # 48 opening hours; investigate: 16.8 of them
    start = datetime(2026, 7, 1, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    event = complaint_registered("c-3", at=start)
    case = open_case(event.payload_as(ComplaintRegistered), case_id="k-3", now=start, sla_hours=48)
    case = decide(case, Step.TRIAGE, Triage(valid=True), actor=AGENT, now=start)
    assign = Assign(department=Department.AFTER_SALES, owner="olga")
    case = decide(case, Step.ASSIGN, assign, actor=HEAD, now=start)  # same instant
    account = stage_account(case, policy, start + timedelta(hours=18))  # 10:00 next day
    assert {c.stage: c.spent for c in account.clocks if c.spent} == {Stage.INVESTIGATE: 2 * H}
    # 1 h today, 8 h tomorrow, 7.8 h the day after: due at 16:48 on 3 July
    assert account.current_due == datetime(2026, 7, 3, 16, 48, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_reassigned_case_charges_each_department_its_own_time() -> None:
    case = at_hours(
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (2, Step.ASSIGN, Assign(department=Department.SALES, owner="sam"), SALES_HEAD),
        (3, Step.START_INVESTIGATION, StartInvestigation(), SALES_OWNER),
        (8, Step.REASSIGN, Reassign(department=Department.AFTER_SALES, owner="olga"), GM),
    )
    charges = {
        (c.stage, c.department): c.spent for c in stage_account(case, POLICY, T0 + 10 * H).charges
    }
    assert charges[(Stage.INVESTIGATE, "sales")] == 6 * H
    assert charges[(Stage.INVESTIGATE, "after_sales")] == 2 * H


def test_time_on_hold_is_charged_to_nobody_and_moves_the_stage_due_time() -> None:
    steps = (
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (2, Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (3, Step.START_INVESTIGATION, StartInvestigation(), OWNER),
    )
    running = at_hours(*steps)
    # investigation began at 2 h (assigned); budget 16.8 h → due at 18.8 h
    assert stage_account(running, POLICY, T0 + 5 * H).current_due == T0 + 18.8 * H
    held = at_hours(
        *steps,
        (5, Step.PUT_ON_HOLD, PutOnHold(reason="等客户提供行车记录"), OWNER),
        (15, Step.RESUME, Resume(), OWNER),
    )
    assert spent(held, 20)[Stage.INVESTIGATE] == 8 * H  # 2–5 h and 15–20 h
    assert stage_account(held, POLICY, T0 + 20 * H).current_due == T0 + 28.8 * H
    on_hold = at_hours(*steps, (5, Step.PUT_ON_HOLD, PutOnHold(reason="等配件"), OWNER))
    assert stage_account(on_hold, POLICY, T0 + 9 * H).current_due is None
    shown = {v.stage: v.current for v in stage_times(on_hold, T0 + 9 * H, POLICY)}
    assert shown["investigate"] and not shown["triage"]  # the page marks the stage on hold
    assert spent(on_hold, 9)[Stage.INVESTIGATE] == 3 * H


def test_budgets_are_the_policys_shares_of_the_closed_loop() -> None:
    policy = SlaPolicy(resolve_hours=24, stage_shares=stage_shares("approve=25"))
    account = stage_account(at_hours(), policy, T0 + H)
    assert {c.stage: c.budget for c in account.clocks} == {
        Stage.TRIAGE: None,
        Stage.APPROVE: 6 * H,
    }


def test_shares_setting_grammar() -> None:
    assert stage_shares("approve=20, execute=30") == (("approve", 20.0), ("execute", 30.0))
    for wrong in ("approve", "approve=x", "lunch=10", "feedback=10", "approve=0"):
        with pytest.raises(ValueError, match="not stage=percent"):
            stage_shares(wrong)
    with pytest.raises(ValueError, match="approve is given twice"):
        stage_shares("approve=10,approve=20")
    with pytest.raises(ValueError, match="more than 100%"):
        stage_shares("investigate=60,execute=60")


def test_a_hold_says_what_it_waits_for_and_each_kind_is_credited_back() -> None:
    case = at_hours(
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (2, Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), HEAD),
        (3, Step.PUT_ON_HOLD, PutOnHold(reason="配件在途", waiting_for=HoldReason.PARTS), OWNER),
        (8, Step.RESUME, Resume(), OWNER),
        (9, Step.PUT_ON_HOLD, PutOnHold(reason="等客户提供发票"), OWNER),
    )
    assert [h.waiting_for for h in case.holds] == [HoldReason.PARTS, HoldReason.CUSTOMER]
    paused = {p.waiting_for: p.seconds for p in paused_times(case, T0 + 12 * H, POLICY)}
    assert paused == {"parts": 5 * 3600, "customer": 3 * 3600}
    assert spent(case, 12)[Stage.INVESTIGATE] == 2 * H  # 2–3 h and 8–9 h


def test_an_admins_first_approval_still_waits_for_the_gm_even_across_a_hold() -> None:
    admin = Actor(user="ada", role="admin")
    case = at_hours(
        *SUBMITTED_AT_6H,
        (7, Step.APPROVE, Approve(), admin),
        (
            8,
            Step.PUT_ON_HOLD,
            PutOnHold(reason="等厂家技术报告", waiting_for=HoldReason.MANUFACTURER),
            HEAD,
        ),
        (9, Step.RESUME, Resume(), HEAD),
    )
    account = stage_account(case, POLICY, T0 + 10 * H)
    assert account.accountable == "general_manager"  # above ¥5,000 only a GM completes it
    charges = {(c.stage, c.accountable.value): c.spent for c in account.charges}
    assert charges[(Stage.APPROVE, "general_manager")] == 2 * H  # 7–8 h and 9–10 h


def test_an_overrun_is_charged_to_the_department_that_held_the_stage_last() -> None:
    case = at_hours(
        (1, Step.TRIAGE, Triage(valid=True), AGENT),
        (2, Step.ASSIGN, Assign(department=Department.SALES, owner="sam"), SALES_HEAD),
        (3, Step.START_INVESTIGATION, StartInvestigation(), SALES_OWNER),
        (12, Step.REASSIGN, Reassign(department=Department.AFTER_SALES, owner="olga"), GM),
    )
    times = {(t.stage, t.department): t for t in closing_stage_times(case, POLICY, T0 + 24 * H)}
    assert times[("investigate", "sales")].seconds == 10 * 3600
    assert times[("investigate", "after_sales")].seconds == 12 * 3600
    assert times[("investigate", "after_sales")].over  # 22 h against 16.8 h: theirs to finish
    assert not times[("investigate", "sales")].over
    assert not times[("triage", None)].over


def test_the_three_day_call_follows_the_latest_resolution() -> None:
    reopened = at_hours(*timed(range(1, 12), (*LOOP, REOPEN)))
    later = T0 + 9 * H + timedelta(days=3)
    assert not [
        m for m in due_milestones(reopened, POLICY, later) if m.milestone.value == "follow_up_call"
    ]
    again = reopened  # findings to resolution once more, 20 hours later
    for hours, (step, command, actor) in zip(range(4, 10), LOOP[3:9], strict=True):
        again = decide(again, step, command, actor=actor, now=T0 + (hours + 20) * H)
    due = due_milestones(again, POLICY, T0 + 29 * H + timedelta(days=3))
    assert [m.key for m in due if m.milestone.value == "follow_up_call"] == ["follow_up_call:2"]
