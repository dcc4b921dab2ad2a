"""The staff directory on a real SQLite store: kept by the administrator (a head their own
department), read by whoever assigns; once a department has staff, only they own its cases,
and the customer is told the owner's name, not a login."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from services.resolution.bootstrap import bootstrap
from shared.auth import Principal, Role
from shared.contracts.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Department
from tests.support.events import complaint_registered

PEOPLE = {
    "agent": Principal(user="amy", role=Role.AGENT),
    "owner": Principal(user="olga", role=Role.OWNER, department=Department.AFTER_SALES),
    "head": Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES),
    "sales_head": Principal(user="sun", role=Role.DEPARTMENT_HEAD, department=Department.SALES),
    "admin": Principal(user="root", role=Role.ADMIN),
    "quality": Principal(user="q", role=Role.QUALITY),
}
OLGA = {"name": "王丽", "department": "after_sales", "title": "售后服务顾问"}


@pytest.fixture
async def resolution(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings())
    await runtime.store.open()
    await runtime.app.state.service.on_complaint_registered(complaint_registered("c-1"))
    try:
        yield runtime
    finally:
        await runtime.store.close()


@pytest.fixture
async def call(resolution: ServiceRuntime) -> AsyncIterator[Callable[..., Any]]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
    ) as client:

        async def as_(who: str, method: str, path: str, body: Any = None) -> httpx.Response:
            token = resolution.tokens.issue(PEOPLE[who])
            return await client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}"}
            )

        yield as_


async def assign(call: Callable[..., Any], owner: str) -> httpx.Response:
    response: httpx.Response = await call(
        "head", "POST", "/cases/c-1/assign", {"department": "after_sales", "owner": owner}
    )
    return response


async def test_the_directory_is_kept_by_the_admin_and_read_by_those_who_assign(
    call: Callable[..., Any],
) -> None:
    put = await call("admin", "PUT", "/staff/olga", OLGA)
    assert put.status_code == 200, put.text
    assert put.json() == {**OLGA, "user": "olga", "active": True}
    sales = {"name": "孙强", "department": "sales"}
    assert (await call("admin", "PUT", "/staff/sam", sales)).status_code == 200
    listed = await call("agent", "GET", "/staff?department=after_sales")
    assert [m["user"] for m in listed.json()] == ["olga"]
    assert [m["user"] for m in (await call("head", "GET", "/staff")).json()] == ["olga", "sam"]

    refused = await call("quality", "PUT", "/staff/x", OLGA)
    assert (refused.status_code, refused.json()["code"]) == (403, "role_not_allowed")
    poached = await call("head", "PUT", "/staff/sam", {**sales, "department": "after_sales"})
    assert (poached.status_code, poached.json()["code"]) == (403, "other_department")
    assert (
        await call("sales_head", "PUT", "/staff/sam", {**sales, "title": "销售顾问"})
    ).is_success
    bad = await call("admin", "PUT", "/staff/x", {"name": "", "department": "moon"})
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"body.name", "body.department"}
    for login in ("olga%3Fx%3D1", "olga%23x", "a%20b"):  # not a login: 422, olga untouched
        odd = await call("admin", "PUT", f"/staff/{login}", {"name": "冒名"})
        assert (odd.status_code, odd.json()["errors"][0]["path"]) == (422, "path.user")
    assert (await call("admin", "GET", "/staff?department=after_sales")).json()[0]["name"] == "王丽"


async def test_a_department_with_staff_takes_only_its_active_people_as_owners(
    resolution: ServiceRuntime, call: Callable[..., Any]
) -> None:
    assert (await call("admin", "PUT", "/staff/olga", OLGA)).is_success
    assert (
        await call("admin", "PUT", "/staff/otto", {**OLGA, "name": "吴涛", "active": False})
    ).is_success
    assert (await call("agent", "POST", "/cases/c-1/triage", {"valid": True})).is_success
    before = len(await resolution.store.pending_outbox(100))

    typo = await assign(call, "olgaa")
    assert typo.status_code == 422
    [error] = typo.json()["errors"]
    assert (error["path"], error["type"]) == ("body.owner", "owner_not_in_department")
    assert error["params"]["choices"] == "olga"  # the one still active
    left = await assign(call, "otto")
    assert (left.status_code, left.json()["errors"][0]["type"]) == (422, "owner_inactive")
    assert len(await resolution.store.pending_outbox(100)) == before  # nothing half-written
    stored = await resolution.app.state.service.get_case("c-1")
    assert (stored.version, stored.owner) == (2, None)

    # who may assign, and whether the case can be, are answered before the directory
    by_owner = await call(
        "owner", "POST", "/cases/c-1/assign", {"department": "after_sales", "owner": "olgaa"}
    )
    assert by_owner.status_code == 403
    unknown = await call(
        "head", "POST", "/cases/c-9/assign", {"department": "after_sales", "owner": "olgaa"}
    )
    assert unknown.status_code == 404

    assigned = await assign(call, "olga")
    assert assigned.status_code == 200, assigned.text
    sent = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(100)]
    told = next(e for e in sent if e.type == "notification.requested")
    assert "王丽" in told.payload["text"] and "olga" not in told.payload["text"]


async def test_a_department_nobody_entered_yet_takes_any_name(
    resolution: ServiceRuntime, call: Callable[..., Any]
) -> None:
    sales = {"name": "孙强", "department": "sales"}
    assert (await call("admin", "PUT", "/staff/sam", sales)).is_success
    assert (await call("agent", "POST", "/cases/c-1/triage", {"valid": True})).is_success
    assigned = await assign(call, "olga")
    assert assigned.status_code == 200, assigned.text
    sent = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(100)]
    told = next(e for e in sent if e.type == "notification.requested")
    assert "olga" in told.payload["text"]  # no entry: the name as given
