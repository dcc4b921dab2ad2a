"""Staff alerts pushed to a WeChat Work robot (or a JSON webhook), on a real SQLite store
and a real HTTP server: each alert once, with the owner @-mentioned and a link to the case;
tried again while the robot is down or refuses; never twice from two instances; not at all
once too old, or when no webhook is set."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from services.resolution.alert_push import AlertPusher, PushError
from services.resolution.bootstrap import bootstrap
from services.resolution.domain.alerts import Alert
from services.resolution.domain.case import Actor, Assign, RecordContact, Step, Triage
from services.resolution.domain.staff import StaffMember
from services.resolution.service import ResolutionService
from services.resolution.store import ResolutionStore
from shared.clock import ManualClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Department
from tests.support.events import complaint_registered
from tests.support.gateway import Gateway, running_gateway

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
HEAD = Actor(user="hu", role="department_head", department="after_sales")
OWNER = Actor(user="olga", role="owner", department="after_sales")
QUIET = {"stage_budgets": "", "customer_update_hours": 0}


@pytest.fixture
def robot() -> Iterator[Gateway]:
    with running_gateway() as gateway:
        yield gateway


@asynccontextmanager
async def resolution(settings: Settings, clock: ManualClock) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(settings, clock=clock)
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


def service_of(runtime: ServiceRuntime) -> ResolutionService:
    service: ResolutionService = runtime.app.state.service
    return service


def push_job(runtime: ServiceRuntime) -> Callable[[], Any]:
    [job] = [job for job in runtime._periodic if job.name == "alert-push"]
    return job.run


async def owned_case(runtime: ServiceRuntime, complaint: str = "c-1") -> None:
    """Registered at T0, owned by olga (王丽 in the directory), the customer called."""
    service = service_of(runtime)
    await service.put_staff(
        StaffMember(user="olga", name="王丽", department=Department.AFTER_SALES)
    )
    await service.on_complaint_registered(complaint_registered(complaint, at=T0))
    await service.take_step(complaint, Step.TRIAGE, Triage(valid=True), actor=HEAD)
    assign = Assign(department=Department.AFTER_SALES, owner="olga")
    await service.take_step(complaint, Step.ASSIGN, assign, actor=HEAD)
    await service.take_step(
        complaint, Step.RECORD_CONTACT, RecordContact(summary="已联系"), actor=OWNER
    )


async def test_each_alert_reaches_the_robot_once_naming_the_owner_and_linking_the_case(
    make_settings: Callable[..., Settings], robot: Gateway
) -> None:
    clock = ManualClock(T0)
    settings = make_settings(
        **QUIET, staff_alert_webhook_url=robot.url, public_url="https://complaints.example/"
    )
    async with resolution(settings, clock) as runtime:
        await owned_case(runtime)
        push = push_job(runtime)
        assert await push() == 0  # nothing fired yet
        clock.set(T0 + 24 * H)
        assert await service_of(runtime).sweep() == 1
        assert await push() == 1
        assert await push() == 0  # once
        [message] = robot.received
        assert message["msgtype"] == "text"
        assert message["text"]["mentioned_list"] == ["olga"]
        content = message["text"]["content"]
        assert content.startswith("【投诉提醒】TS-20260302-0001 时限提醒（已用50%）")
        assert "负责人 王丽 · 闭环期限 08-05 17:00" in content  # T0 + 48 h, Shanghai time
        assert content.endswith("\nhttps://complaints.example/resolution/ui/cases/c-1")

        clock.set(T0 + 43.2 * H)  # the head's 90 % warning: nobody @-mentioned
        assert await service_of(runtime).sweep() == 1
        assert await push() == 1
        assert robot.received[-1]["text"]["mentioned_list"] == []
        assert "已用90%" in robot.received[-1]["text"]["content"]


async def test_a_robot_that_is_down_or_refuses_is_tried_again_then_given_up(
    make_settings: Callable[..., Settings], robot: Gateway
) -> None:
    clock = ManualClock(T0)
    settings = make_settings(**QUIET, staff_alert_webhook_url=robot.url)
    async with resolution(settings, clock) as runtime:
        await owned_case(runtime)
        push = push_job(runtime)
        clock.set(T0 + 24 * H)
        await service_of(runtime).sweep()
        robot.answer(503)
        assert await push() == 0
        assert await push() == 0  # not before its retry time
        clock.advance(timedelta(seconds=31))
        robot.replies.append({"errcode": 93000, "errmsg": "invalid webhook url"})
        assert await push() == 0  # 200, but the robot refused it
        for wait in (2, 10, 10):  # minutes: the backoff, up to five tries in all
            clock.advance(timedelta(minutes=wait, seconds=1))
            robot.answer(500)
            assert await push() == 0
        clock.advance(timedelta(hours=1))
        assert await push() == 0  # given up: it stays in the inbox
        assert len(robot.received) == 5
        [alert] = await service_of(runtime).alerts_for(OWNER)
        assert alert.read_at is None


async def test_two_instances_push_an_alert_once_and_old_news_is_not_pushed(
    make_settings: Callable[..., Settings], robot: Gateway
) -> None:
    clock = ManualClock(T0)
    settings = make_settings(**QUIET, staff_alert_webhook_url=robot.url)
    async with resolution(settings, clock) as first, resolution(settings, clock) as second:
        await owned_case(first)
        clock.set(T0 + 24 * H)
        await service_of(first).sweep()
        pushed = await asyncio.gather(push_job(first)(), push_job(second)())
        assert sorted(pushed) == [0, 1] and len(robot.received) == 1

        await owned_case(first, "c-2")  # its 50 % alert fires, then nobody pushes for a day
        clock.set(T0 + 25 * H)
        await service_of(first).sweep()
        clock.set(T0 + 49 * H)
        assert await push_job(second)() == 0
        assert len(robot.received) == 1


async def test_a_json_webhook_gets_the_alert_with_its_key_and_token(
    make_settings: Callable[..., Settings], robot: Gateway
) -> None:
    clock = ManualClock(T0)
    settings = make_settings(
        **QUIET,
        staff_alert_webhook_url=robot.url,
        staff_alert_webhook_kind="json",
        staff_alert_webhook_token="s3cret",
        staff_alert_language="en",
    )
    async with resolution(settings, clock) as runtime:
        await owned_case(runtime)
        clock.set(T0 + 24 * H)
        await service_of(runtime).sweep()
        assert await push_job(runtime)() == 1
        [body], [headers] = robot.received, robot.headers
        assert body["alert"]["milestone"] == "early_warning" and body["mentions"] == ["olga"]
        assert body["text"].startswith("【Complaint alert】TS-20260302-0001 SLA")
        assert headers["Idempotency-Key"] == body["alert"]["id"]
        assert headers["Authorization"] == "Bearer s3cret"


def test_without_a_webhook_nothing_is_pushed(make_settings: Callable[..., Settings]) -> None:
    runtime = bootstrap(make_settings())
    assert "alert-push" not in [job.name for job in runtime._periodic]


async def test_a_send_that_outlives_its_lease_does_not_undo_the_next_claimants_push(
    make_settings: Callable[..., Settings], robot: Gateway
) -> None:
    """The first instance's send hangs past its lease; the second claims, pushes and records
    it; the first then fails: its outcome is dropped, so the alert is not pushed again."""
    clock = ManualClock(T0)
    settings = make_settings(**QUIET, staff_alert_webhook_url=robot.url)
    async with resolution(settings, clock) as runtime:
        await owned_case(runtime)
        clock.set(T0 + 24 * H)
        await service_of(runtime).sweep()
        second = push_job(runtime)

        class Stalled:
            async def send(self, alert: Alert, text: str, mentions: list[str]) -> None:
                clock.advance(timedelta(minutes=3))  # past the 2-minute lease
                assert await second() == 1
                raise PushError("timed out at last")

        first = AlertPusher(
            store=cast(ResolutionStore, runtime.store),
            clock=clock,
            sender=Stalled(),
            language="zh",
            zone=ZoneInfo("Asia/Shanghai"),
            public_url=None,
            window=timedelta(hours=6),
        )
        assert await first.push_due() == 0
        clock.advance(timedelta(hours=1))
        assert await first.push_due() == 0 and await second() == 0
        assert len(robot.received) == 1
