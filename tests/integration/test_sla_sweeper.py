"""The SLA sweeper with a fake clock on a real SQLite store: warnings at 24, 36 and 43.2 h
(50 / 75 / 90 %), breach and escalation at 48 h, general manager at 72 h; on hold the
clock stops; each milestone fires exactly once — across a restart and with two instances
sweeping at the same moment; a stage over its budget notifies whoever holds it, once per
stage.

The loop's own clocks are tested without stage budgets (``COMPLAINTS_STAGE_BUDGETS=""``) and
customer updates (``COMPLAINTS_CUSTOMER_UPDATE_HOURS=0``) so each count is of one kind of
milestone; the stage and customer-update tests switch them on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.case import (
    Actor,
    Approve,
    Assign,
    Case,
    CaseStatus,
    ProposeRemedy,
    PutOnHold,
    RecordContact,
    RecordFeedback,
    RecordFindings,
    RequestFeedback,
    Resolve,
    Resume,
    StartExecution,
    StartInvestigation,
    Step,
    SubmitForApproval,
    Triage,
)
from services.resolution.service import ResolutionService
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.contracts.resolution import CaseSlaMilestone
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Cause, Department
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
HEAD = Actor(user="hu", role="department_head", department="after_sales")
OWNER = Actor(user="olga", role="owner", department="after_sales")
FINDINGS = RecordFindings(
    findings="刹车盘磨损", causes=[Cause.PRODUCT_QUALITY], primary_cause=Cause.PRODUCT_QUALITY
)
REMEDY = ProposeRemedy(types=["repair"], amount=Decimal(800), message_to_customer="免费更换")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@asynccontextmanager
async def one_case(settings: Settings, clock: ManualClock) -> AsyncIterator[ServiceRuntime]:
    """Resolution on a temp store with one complaint registered at T0."""
    runtime = bootstrap(settings, clock=clock)
    await runtime.store.open()
    await service_of(runtime).on_complaint_registered(complaint_registered("c-1", at=T0))
    try:
        yield runtime
    finally:
        await runtime.store.close()


LOOP_ONLY = {"stage_budgets": "", "customer_update_hours": 0}
"""Settings that leave only the loop's own clocks (see the module's docstring)."""


@pytest.fixture
async def resolution(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> AsyncIterator[ServiceRuntime]:
    async with one_case(make_settings(**LOOP_ONLY), clock) as runtime:
        yield runtime


@asynccontextmanager
async def another_instance(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> AsyncIterator[ServiceRuntime]:
    """Resolution on the same data, with its own connection: a second instance, or the
    same service after a restart or an upgrade."""
    runtime = bootstrap(make_settings(**LOOP_ONLY), clock=clock)
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


async def overwrite(runtime: ServiceRuntime, case: Case, **changes: object) -> None:
    """Store the case with ``changes``, as older code would have left it (not rescheduled)."""
    async with runtime.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        await uow.save_case(case.model_copy(update={**changes, "version": case.version + 1}))


def service_of(runtime: ServiceRuntime) -> ResolutionService:
    service: ResolutionService = runtime.app.state.service
    return service


async def milestones(runtime: ServiceRuntime) -> list[str]:
    events = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(500)]
    watched = ("overdue", "sla", "general_manager", "follow_up_call")
    return [e.type.removeprefix("case.") for e in events if any(w in e.type for w in watched)]


async def owned(service: ResolutionService, clock: ManualClock) -> None:
    """Triaged, owned and contacted within the first hour: only the 48-hour clock remains."""
    clock.advance(H / 2)
    await service.take_step("c-1", Step.TRIAGE, Triage(valid=True), actor=HEAD)
    await service.take_step(
        "c-1", Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), actor=HEAD
    )
    await service.take_step(
        "c-1", Step.RECORD_CONTACT, RecordContact(summary="已联系客户"), actor=OWNER
    )


async def test_warnings_breach_and_gm_escalation_fire_on_time_and_once(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    await owned(service, clock)
    clock.set(T0 + 24 * H - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.set(T0 + 24 * H)
    assert await service.sweep() == 1  # half the time gone: the owner is reminded
    clock.set(T0 + 36 * H - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.set(T0 + 36 * H)
    assert await service.sweep() == 1
    assert await service.sweep() == 0
    clock.set(T0 + 43.2 * H)
    assert await service.sweep() == 1  # 90 %: the head hears before the breach
    assert await milestones(resolution) == [
        "sla_early_warning", "sla_warning", "sla_final_warning"
    ]  # fmt: skip
    clock.set(T0 + 48 * H)
    assert await service.sweep() == 1
    case = await service.get_case("c-1")
    assert case.escalation_level == 1 and "breach" in case.sla_fired
    clock.set(T0 + 72 * H)
    assert await service.sweep() == 1
    assert (await milestones(resolution))[3:] == ["sla_breached", "escalated_to_general_manager"]
    assert (await service.get_case("c-1")).escalation_level == 2
    clock.set(T0 + 500 * H)
    assert await service.sweep() == 0  # nothing left to watch
    assert (await service.get_case("c-1")).next_deadline_at is None


async def test_first_contact_and_owner_deadlines(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    clock.set(T0 + 2 * H)
    assert await service.sweep() == 1
    clock.set(T0 + 4 * H)
    assert await service.sweep() == 1
    assert await milestones(resolution) == ["first_contact_overdue", "owner_overdue"]


async def test_the_clock_stops_on_hold(resolution: ServiceRuntime, clock: ManualClock) -> None:
    service = service_of(resolution)
    await owned(service, clock)
    clock.set(T0 + 10 * H)
    await service.take_step("c-1", Step.PUT_ON_HOLD, PutOnHold(reason="等客户回复"), actor=OWNER)
    clock.set(T0 + 40 * H)
    assert await service.sweep() == 0  # on hold: nothing fires
    await service.take_step("c-1", Step.RESUME, Resume(), actor=OWNER)
    clock.set(T0 + 40 * H + 24 * H - 10 * H - timedelta(seconds=1))  # 30 h paused
    assert await service.sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert await service.sweep() == 1  # the 50 % reminder, 30 h late
    due = (await service.get_case("c-1")).next_deadline_at
    assert due == T0 + 36 * H + 30 * H


async def test_a_restart_loses_no_deadline_and_repeats_none(
    resolution: ServiceRuntime, clock: ManualClock, make_settings: Callable[..., Settings]
) -> None:
    await owned(service_of(resolution), clock)
    clock.set(T0 + 36 * H)
    assert await service_of(resolution).sweep() == 1  # 75 %; the 50 % one is superseded
    await resolution.store.close()

    async with another_instance(make_settings, clock) as restarted:
        assert await service_of(restarted).sweep() == 0
        clock.set(T0 + 48 * H)
        assert await service_of(restarted).sweep() == 1  # 90 % superseded by the breach
        assert await milestones(restarted) == ["sla_warning", "sla_breached"]
        case = await service_of(restarted).get_case("c-1")
        assert {"early_warning", "final_warning"} <= set(case.sla_fired)  # recorded, not sent
    await resolution.store.open()  # the fixture closes it again


async def test_two_instances_sweeping_at_once_escalate_once(
    resolution: ServiceRuntime, clock: ManualClock, make_settings: Callable[..., Settings]
) -> None:
    await owned(service_of(resolution), clock)
    async with another_instance(make_settings, clock) as other:
        clock.set(T0 + 72 * H)
        fired = await asyncio.gather(service_of(resolution).sweep(), service_of(other).sweep())
        assert sum(fired) == 2  # the warnings came too late to matter: superseded
        assert sorted(await milestones(resolution)) == [
            "escalated_to_general_manager", "sla_breached"
        ]  # fmt: skip


async def test_the_three_day_call_falls_due_after_resolution(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    case = await service.get_case("c-1")
    resolved = case.model_copy(
        update={
            "resolved_at": T0 + 20 * H,
            "status": CaseStatus.RESOLVED,
            "version": case.version + 1,
        }
    )
    async with resolution.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        await uow.save_case(service._scheduled(resolved, T0 + 20 * H))
    clock.set(T0 + 20 * H + timedelta(days=3) - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert await service.sweep() == 1
    assert await milestones(resolution) == ["follow_up_call_due"]


@pytest.fixture
async def staged(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> AsyncIterator[ServiceRuntime]:
    """Resolution with the default stage budgets (investigate 16.8 h, approve 4.8 h of 48 h)."""
    async with one_case(make_settings(), clock) as runtime:
        yield runtime


async def stage_alerts(runtime: ServiceRuntime) -> list[tuple[str | None, str]]:
    events = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(500)]
    return [
        (alert.stage, alert.notify)
        for alert in (
            e.payload_as(CaseSlaMilestone) for e in events if e.type == "case.stage_overdue"
        )
    ]


async def test_a_stage_over_its_budget_notifies_its_holder_once(
    staged: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(staged)
    await owned(service, clock)  # assigned at 0.5 h: investigation may take until 17.3 h
    assert (await service.get_case("c-1")).next_deadline_at == T0 + 17.3 * H
    clock.set(T0 + 17.3 * H - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.set(T0 + 17.3 * H)
    assert await service.sweep() == 1
    assert await service.sweep() == 0
    assert await stage_alerts(staged) == [("investigate", "owner")]
    case = await service.get_case("c-1")
    assert "stage_overdue:investigate" in case.sla_fired
    assert case.timeline[-1].step == "sla_stage_overdue"
    assert (case.timeline[-1].stage, case.timeline[-1].round) == ("investigate", 1)


async def test_an_approval_over_budget_is_the_heads_and_a_hold_moves_it(
    staged: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(staged)
    await owned(service, clock)
    clock.set(T0 + 2 * H)
    await service.take_step("c-1", Step.START_INVESTIGATION, StartInvestigation(), actor=OWNER)
    await service.take_step("c-1", Step.RECORD_FINDINGS, FINDINGS, actor=OWNER)
    await service.take_step("c-1", Step.PROPOSE_REMEDY, REMEDY, actor=OWNER)
    await service.take_step("c-1", Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), actor=OWNER)
    clock.set(T0 + 4 * H)  # two hours of the approval's 4.8 used, then on hold for three
    await service.take_step("c-1", Step.PUT_ON_HOLD, PutOnHold(reason="等厂家技术报告"), actor=HEAD)
    clock.set(T0 + 7 * H)
    await service.take_step("c-1", Step.RESUME, Resume(), actor=HEAD)
    assert (await service.get_case("c-1")).next_deadline_at == T0 + 9.8 * H
    clock.set(T0 + 9.8 * H)
    assert await service.sweep() == 1
    assert await stage_alerts(staged) == [("approve", "department_head")]


async def test_a_case_scheduled_by_older_code_is_rescheduled_at_start(
    resolution: ServiceRuntime, clock: ManualClock, make_settings: Callable[..., Settings]
) -> None:
    await owned(service_of(resolution), clock)
    case = await service_of(resolution).get_case("c-1")
    await overwrite(resolution, case, next_deadline_at=None)  # as if nothing were left to watch
    async with another_instance(make_settings, clock) as upgraded:
        clock.set(T0 + 24 * H)
        assert await service_of(upgraded).sweep() == 1  # rescheduled first, then due
        assert await milestones(upgraded) == ["sla_early_warning"]
        assert (await service_of(upgraded).get_case("c-1")).next_deadline_at == T0 + 36 * H
        assert await service_of(upgraded).reschedule_open_cases() == 0  # nothing left to move


async def test_a_case_on_hold_is_left_alone_by_the_sweeper(
    staged: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(staged)
    await owned(service, clock)
    clock.set(T0 + 24 * H + timedelta(minutes=1))  # the 50 % reminder came, not yet swept
    await service.take_step("c-1", Step.PUT_ON_HOLD, PutOnHold(reason="等客户回复"), actor=OWNER)
    held = await service.get_case("c-1")
    assert held.next_deadline_at == T0 + 24.5 * H  # only the customer's news is watched
    for _ in range(5):
        clock.advance(timedelta(seconds=30))
        assert await service.sweep() == 0
    assert (await service.get_case("c-1")).version == held.version  # nobody's step turns 409
    await service.take_step("c-1", Step.RESUME, Resume(), actor=OWNER)
    assert await service.sweep() == 2  # the 50 % reminder and investigation's budget (17.3 h)


async def test_before_assignment_the_named_department_hears_of_a_late_triage(
    staged: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(staged)
    await service.on_complaint_registered(
        complaint_registered("c-2", at=T0, department=Department.SALES)
    )
    clock.set(T0 + 4.8 * H)  # triage's 10 % of 48 h, and nobody has triaged it
    await service.sweep()
    events = [EventEnvelope.from_bytes(m.value) for m in await staged.store.pending_outbox(500)]
    late = [
        e.payload_as(CaseSlaMilestone)
        for e in events
        if e.type == "case.stage_overdue" and e.complaint_id == "c-2"
    ]
    assert [(a.stage, a.notify, a.department) for a in late] == [("triage", "agent", "sales")]


async def resolved_then_reopened(service: ResolutionService, clock: ManualClock) -> None:
    """Resolved in time at 10 h; the customer rates it 1 of 5 at 12 h and reopens it."""
    await owned(service, clock)
    steps = (
        (Step.START_INVESTIGATION, StartInvestigation()),
        (Step.RECORD_FINDINGS, FINDINGS),
        (Step.PROPOSE_REMEDY, REMEDY),
        (Step.SUBMIT_FOR_APPROVAL, SubmitForApproval()),
    )
    for step, command in steps:
        await service.take_step("c-1", step, command, actor=OWNER)
    await service.take_step("c-1", Step.APPROVE, Approve(), actor=HEAD)
    await service.take_step("c-1", Step.START_EXECUTION, StartExecution(), actor=OWNER)
    clock.set(T0 + 10 * H)
    await service.take_step("c-1", Step.RESOLVE, Resolve(customer_notified=True), actor=OWNER)
    await service.take_step("c-1", Step.REQUEST_FEEDBACK, RequestFeedback(), actor=OWNER)
    clock.set(T0 + 12 * H)
    await service.take_step(
        "c-1", Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=1), actor=OWNER
    )


async def test_a_reopened_case_runs_a_new_48_hours_and_its_breach_goes_to_the_gm(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    await resolved_then_reopened(service, clock)
    reopened = await service.get_case("c-1")
    assert (reopened.status, reopened.due_at) == (CaseStatus.INVESTIGATING, T0 + 60 * H)
    sent = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(500)]
    told = [e.payload["text"] for e in sent if e.type == "notification.requested"]
    assert "reopened and escalated" in told[-1]  # en, with its due time in Shanghai:
    assert "new answer within 48 hours (by 6 Aug 05:00)." in told[-1]  # T0 + 60 h
    assert reopened.next_deadline_at == T0 + 36 * H  # half of the new round
    clock.set(T0 + 48 * H)  # the first round's breach time: it was resolved, nothing for it
    assert await service.sweep() == 1  # the new round's 75 % (its 50 %: superseded)
    clock.set(T0 + 60 * H)
    assert await service.sweep() == 1  # the new round's breach (its 90 %: superseded)
    assert await milestones(resolution) == ["sla_warning", "sla_breached"]
    events = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(500)]
    breach = next(e.payload_as(CaseSlaMilestone) for e in events if e.type == "case.sla_breached")
    assert (breach.round, breach.notify, breach.due_at) == (2, "general_manager", T0 + 60 * H)
    case = await service.get_case("c-1")
    assert case.escalation_level == 2
    assert {"breach:2", "warning:2"} <= set(case.sla_fired)
    assert "breach" not in case.sla_fired
    breach_entry = next(e for e in case.timeline if e.step == "sla_breach")
    assert (breach_entry.round, breach_entry.stage) == (2, None)


async def test_a_case_reopened_under_older_code_gets_its_new_rounds_due_time_at_start(
    make_settings: Callable[..., Settings], resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    await resolved_then_reopened(service, clock)
    case = await service.get_case("c-1")
    await overwrite(resolution, case, due_at=T0 + 48 * H)  # registration + 48 h
    async with another_instance(make_settings, clock) as upgraded:
        clock.set(T0 + 20 * H)
        assert await service_of(upgraded).sweep() == 0
        assert (await service_of(upgraded).get_case("c-1")).due_at == T0 + 60 * H


async def test_rescheduling_at_start_reaches_every_open_case_page_by_page(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    for i in range(2, 7):
        await service.on_complaint_registered(complaint_registered(f"c-{i}", at=T0))
    for i in range(1, 7):
        await overwrite(resolution, await service.get_case(f"c-{i}"), next_deadline_at=None)
    assert await service.reschedule_open_cases(page=2) == 6
    for i in range(1, 7):
        assert (await service.get_case(f"c-{i}")).next_deadline_at is not None


async def test_a_silent_case_reminds_its_owner_to_update_the_customer_once_per_silence(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    async with one_case(make_settings(stage_budgets=""), clock) as runtime:
        service = service_of(runtime)
        await owned(service, clock)  # the owner called the customer at 0.5 h
        clock.set(T0 + 24.5 * H)
        await service.sweep()
        clock.set(T0 + 30 * H)
        await service.sweep()
        events = [
            EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(500)
        ]
        due = [
            e.payload_as(CaseSlaMilestone) for e in events if e.type == "case.customer_update_due"
        ]
        assert [(d.notify, d.due_at) for d in due] == [("owner", T0 + 24.5 * H)]
        await service.take_step(
            "c-1", Step.RECORD_CONTACT, RecordContact(summary="告知配件到货时间"), actor=OWNER
        )
        case = await service.get_case("c-1")
        assert f"customer_update@{(T0 + H / 2).isoformat()}" in case.sla_fired
        assert case.next_deadline_at == T0 + 36 * H  # the 75 % warning; news due at 54 h
        clock.set(T0 + 54 * H)
        await service.sweep()
        events = [
            EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(500)
        ]
        again = [e for e in events if e.type == "case.customer_update_due"]
        assert len(again) == 2
        assert (
            f"customer_update@{(T0 + 30 * H).isoformat()}"
            in (await service.get_case("c-1")).sla_fired
        )
