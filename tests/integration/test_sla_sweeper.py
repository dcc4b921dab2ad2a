"""The SLA sweeper with a fake clock on a real SQLite store: warning at 36 h, breach and
escalation at 48 h, general manager at 72 h; on hold the clock stops; each milestone fires
exactly once — across a restart and with two instances sweeping at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.case import (
    Actor,
    Assign,
    PutOnHold,
    RecordContact,
    Resume,
    Step,
    Triage,
)
from services.resolution.service import ResolutionService
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Department
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
HEAD = Actor(user="hu", role="department_head", department="after_sales")
OWNER = Actor(user="olga", role="owner", department="after_sales")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
async def resolution(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    await service_of(runtime).on_complaint_registered(complaint_registered("c-1", at=T0))
    try:
        yield runtime
    finally:
        await runtime.store.close()


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


async def test_warning_breach_and_gm_escalation_fire_on_time_and_once(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    await owned(service, clock)
    clock.set(T0 + 36 * H - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.set(T0 + 36 * H)
    assert await service.sweep() == 1
    assert await service.sweep() == 0
    assert await milestones(resolution) == ["sla_warning"]
    clock.set(T0 + 48 * H)
    assert await service.sweep() == 1
    case = await service.get_case("c-1")
    assert case.escalation_level == 1 and "breach" in case.sla_fired
    clock.set(T0 + 72 * H)
    assert await service.sweep() == 1
    assert await milestones(resolution) == [
        "sla_warning", "sla_breached", "escalated_to_general_manager"
    ]  # fmt: skip
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
    clock.set(T0 + 40 * H + 36 * H - 10 * H - timedelta(seconds=1))  # 30 h paused
    assert await service.sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert await service.sweep() == 1
    due = (await service.get_case("c-1")).next_deadline_at
    assert due == T0 + 48 * H + 30 * H


async def test_a_restart_loses_no_deadline_and_repeats_none(
    resolution: ServiceRuntime, clock: ManualClock, make_settings: Callable[..., Settings]
) -> None:
    await owned(service_of(resolution), clock)
    clock.set(T0 + 36 * H)
    assert await service_of(resolution).sweep() == 1
    await resolution.store.close()

    restarted = bootstrap(make_settings(), clock=clock)
    await restarted.store.open()
    try:
        assert await service_of(restarted).sweep() == 0
        clock.set(T0 + 48 * H)
        assert await service_of(restarted).sweep() == 1
        assert await milestones(restarted) == ["sla_warning", "sla_breached"]
    finally:
        await restarted.store.close()
        await resolution.store.open()  # the fixture closes it again


async def test_two_instances_sweeping_at_once_escalate_once(
    resolution: ServiceRuntime, clock: ManualClock, make_settings: Callable[..., Settings]
) -> None:
    await owned(service_of(resolution), clock)
    other = bootstrap(make_settings(), clock=clock)  # same SQLite file, own connection
    await other.store.open()
    try:
        clock.set(T0 + 72 * H)
        fired = await asyncio.gather(service_of(resolution).sweep(), service_of(other).sweep())
        assert sum(fired) == 3
        assert sorted(await milestones(resolution)) == [
            "escalated_to_general_manager", "sla_breached", "sla_warning"
        ]  # fmt: skip
    finally:
        await other.store.close()


async def test_the_three_day_call_falls_due_after_resolution(
    resolution: ServiceRuntime, clock: ManualClock
) -> None:
    service = service_of(resolution)
    case = await service.get_case("c-1")
    resolved = case.model_copy(update={"resolved_at": T0 + 20 * H, "version": case.version + 1})
    async with resolution.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        await uow.save_case(service._scheduled(resolved, T0 + 20 * H))
    clock.set(T0 + 20 * H + timedelta(days=3) - timedelta(seconds=1))
    assert await service.sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert await service.sweep() == 1
    assert await milestones(resolution) == ["follow_up_call_due"]
