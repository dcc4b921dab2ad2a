"""Someone leaves (or moves department) on a real SQLite store: each open case they own is
an alert for its head at once, in the same write as the directory's change; the reminders
the sweeper would have sent them go to the head; and the token they still hold takes no
case step."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.alerts import OWNER_LEFT_ALERT, Alert
from services.resolution.domain.case import Actor
from services.resolution.service import ResolutionService
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Department
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
PEOPLE = {
    "olga": Principal(user="olga", role=Role.OWNER, department=Department.AFTER_SALES),
    "li": Principal(user="li", role=Role.OWNER, department=Department.AFTER_SALES),
    "head": Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES),
    "admin": Principal(user="root", role=Role.ADMIN),
}
OLGA = {"name": "王丽", "department": "after_sales"}
HEAD = Actor(user="hu", role="department_head", department="after_sales")


@pytest.fixture
async def resolution(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    settings = make_settings(stage_budgets="", customer_update_hours=0)
    runtime = bootstrap(settings, clock=ManualClock(T0))
    await runtime.store.open()
    for complaint in ("c-1", "c-2", "c-3"):
        await service_of(runtime).on_complaint_registered(complaint_registered(complaint, at=T0))
    try:
        yield runtime
    finally:
        await runtime.store.close()


def service_of(runtime: ServiceRuntime) -> ResolutionService:
    service: ResolutionService = runtime.app.state.service
    return service


@pytest.fixture
async def call(resolution: ServiceRuntime) -> AsyncIterator[Callable[..., Any]]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
    ) as client:

        async def as_(who: str, method: str, path: str, body: Any = None) -> httpx.Response:
            token = resolution.tokens.issue(PEOPLE[who])
            response = await client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )
            return response

        yield as_


async def own(call: Callable[..., Any], complaint: str, owner: str) -> None:
    assert (await call("head", "POST", f"/cases/{complaint}/triage", {"valid": True})).is_success
    assigned = await call(
        "head", "POST", f"/cases/{complaint}/assign", {"department": "after_sales", "owner": owner}
    )
    assert assigned.status_code == 200, assigned.text


async def head_alerts(service: ResolutionService) -> list[Alert]:
    return await service.alerts_for(HEAD)


async def test_a_leaver_leaves_each_open_case_to_the_head_and_takes_no_step(
    resolution: ServiceRuntime, call: Callable[..., Any]
) -> None:
    service = service_of(resolution)
    for login, name in (("olga", "王丽"), ("li", "李娜")):
        assert (await call("admin", "PUT", f"/staff/{login}", {**OLGA, "name": name})).is_success
    await own(call, "c-1", "olga")
    await own(call, "c-2", "olga")
    await own(call, "c-3", "li")
    started = await call("olga", "POST", "/cases/c-1/start_investigation", {})
    assert started.status_code == 200, started.text

    left = await call("head", "PUT", "/staff/olga", {**OLGA, "active": False})
    assert left.status_code == 200, left.text
    alerts = await head_alerts(service)
    assert sorted((a.milestone, a.complaint_id, a.owner) for a in alerts) == [
        (OWNER_LEFT_ALERT, "c-1", "olga"),
        (OWNER_LEFT_ALERT, "c-2", "olga"),
    ]  # li's case is li's
    again = await call("head", "PUT", "/staff/olga", {**OLGA, "active": False, "title": "前员工"})
    assert again.is_success
    assert len(await head_alerts(service)) == 2  # leaving once is told once

    before = await service.get_case("c-1")
    refused = await call("olga", "POST", "/cases/c-1/record_contact", {"summary": "已联系"})
    assert refused.status_code == 403
    assert (refused.json()["code"], refused.json()["user"]) == ("staff_inactive", "olga")
    assert (await service.get_case("c-1")).version == before.version  # nothing written
    for purpose in ("contact", "messages"):  # nor the customer's number or messages
        grant = await call("olga", "POST", f"/cases/c-1/contact_grant?purpose={purpose}")
        assert (grant.status_code, grant.json()["code"]) == (403, "staff_inactive")

    handed = await call(
        "head", "POST", "/cases/c-1/reassign", {"department": "after_sales", "owner": "li"}
    )
    assert handed.status_code == 200, handed.text
    assert (await call("li", "POST", "/cases/c-1/record_contact", {"summary": "已联系"})).is_success


async def test_moving_department_hands_over_too_but_a_new_entry_or_a_rename_does_not(
    resolution: ServiceRuntime, call: Callable[..., Any]
) -> None:
    service = service_of(resolution)
    assert (await call("admin", "PUT", "/staff/olga", OLGA)).is_success
    await own(call, "c-1", "olga")
    assert (await call("admin", "PUT", "/staff/olga", {**OLGA, "title": "组长"})).is_success
    assert (await call("admin", "PUT", "/staff/otto", {**OLGA, "active": False})).is_success
    assert await head_alerts(service) == []

    moved = await call("admin", "PUT", "/staff/olga", {**OLGA, "department": "sales"})
    assert moved.status_code == 200, moved.text
    [alert] = await head_alerts(service)
    assert (alert.milestone, alert.complaint_id, alert.department) == (
        OWNER_LEFT_ALERT,
        "c-1",
        "after_sales",
    )
    mover = Principal(user="olga", role=Role.OWNER, department=Department.SALES)
    PEOPLE["mover"] = mover
    try:
        stale = await call("mover", "POST", "/cases/c-1/record_contact", {"summary": "已联系"})
    finally:
        del PEOPLE["mover"]
    assert (stale.status_code, stale.json()["code"]) == (403, "staff_moved")
    resolution.app.state.clock.set(T0 + 24 * H)  # her old case's reminder: the head's
    assert await service.sweep() >= 1
    olga = Actor(user="olga", role="owner", department="sales")
    assert await service.alerts_for(olga) == []
    assert "early_warning" in {a.milestone for a in await head_alerts(service)}


async def test_the_reminders_a_leaver_would_get_go_to_their_head(
    resolution: ServiceRuntime, call: Callable[..., Any]
) -> None:
    service = service_of(resolution)
    clock = resolution.app.state.clock
    assert (await call("admin", "PUT", "/staff/olga", OLGA)).is_success
    await own(call, "c-1", "olga")
    contacted = await call("olga", "POST", "/cases/c-1/record_contact", {"summary": "已联系"})
    assert contacted.is_success
    clock.set(T0 + 24 * H)  # half the loop gone: the owner's reminder
    assert await service.sweep() >= 1
    olga = Actor(user="olga", role="owner", department="after_sales")
    assert [a.milestone for a in await service.alerts_for(olga)] == ["early_warning"]

    assert (await call("admin", "PUT", "/staff/olga", {**OLGA, "active": False})).is_success
    clock.set(T0 + 36 * H)  # 75 %: the owner's reminder again, now to the head
    assert await service.sweep() >= 1
    assert [a.milestone for a in await service.alerts_for(olga)] == ["early_warning"]
    head = sorted(a.milestone for a in await head_alerts(service))
    assert head == [OWNER_LEFT_ALERT, "warning"], head
    published = [
        EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(1000)
    ]
    told = [
        (e.payload["milestone"], e.payload["notify"])
        for e in published
        if e.type.startswith("case.sla_") and e.complaint_id == "c-1"
    ]  # the bus names whom the alert went to, and so does the timeline
    assert told == [("early_warning", "owner"), ("warning", "department_head")], told
    case = await service.get_case("c-1")
    assert case is not None
    assert case.timeline[-1].note and case.timeline[-1].note.endswith("department_head notified")
