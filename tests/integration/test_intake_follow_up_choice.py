"""The agent says which open complaint a call follows up (``follow_up_of``, a ticket number):
intake links it there whatever the words, if it is open and the same customer's; otherwise
a 422 or a 409 and nothing is written. Over HTTP on a real SQLite store, events checked in
the outbox (the relay is not running here)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx
import pytest

from services.intake.bootstrap import bootstrap
from services.intake.service import IntakeService
from services.intake.store import IntakeStore
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.resolution import CASE_CLOSED, CaseOpened
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.pages import TOKEN_COOKIE

AGENT = Principal(user="agent-7", role=Role.AGENT)
ADMIN = Principal(user="admin-1", role=Role.ADMIN)
PHONE = "13900001111"
VIN = "LSVAA4182E2123451"
FLOOR_MATS = "销售顾问承诺送的脚垫没有给，提车时说下周到货，到现在一个月了还没有消息。"
CHASER = "脚垫还是没给，我已经第三次打电话了"


def complaint(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline",
        "customer": {"name": "王强", "phone": PHONE},
        "vehicle": {"vin": VIN},
        "content": FLOOR_MATS,
    }
    body.update(changes)
    return body


def chaser(**changes: Any) -> dict[str, Any]:
    """The customer calling again, from the same phone, without the VIN."""
    return complaint(channel="phone", vehicle={}, content=CHASER, **changes)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))  # past: tokens stay valid


@pytest.fixture
async def intake(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


class FreshToken(httpx.Auth):
    """A token minted per request: the tests move the clock on."""

    def __init__(self, runtime: ServiceRuntime, principal: Principal) -> None:
        self._runtime, self._principal = runtime, principal

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self._runtime.tokens.issue(self._principal)}"
        yield request


@pytest.fixture
async def client(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        auth=FreshToken(intake, AGENT),
    ) as client:
        yield client


@pytest.fixture
async def browser(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    """The agent's browser: signed in by the pages' cookie."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        cookies={TOKEN_COOKIE: intake.tokens.issue(AGENT)},
    ) as browser:
        yield browser


async def outbox(runtime: ServiceRuntime) -> list[EventEnvelope]:
    return [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(1000)]


def store_of(runtime: ServiceRuntime) -> IntakeStore:
    return cast(IntakeStore, runtime.store)


async def register(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/complaints", json=complaint(**changes))
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def close_case(runtime: ServiceRuntime, complaint_id: str, at: datetime) -> None:
    closed = new_event(
        payload=CaseOpened(
            complaint_id=complaint_id, case_id="k", status="closed", opened_at=at, due_at=at
        ),
        event_type=CASE_CLOSED,
        complaint_id=complaint_id,
        actor=Actor.service("resolution"),
        producer="resolution",
        occurred_at=at,
    )
    assert await cast(IntakeService, runtime.app.state.service).on_case_closed(closed)


async def assert_nothing_written(
    runtime: ServiceRuntime, before: list[EventEnvelope], original: dict[str, Any]
) -> None:
    assert await outbox(runtime) == before
    assert await store_of(runtime).count_complaints() == 1
    stored = await store_of(runtime).get_complaint(original["id"])
    assert stored is not None and stored.follow_ups == []


async def test_the_chaser_call_the_agent_marks_is_linked_to_the_complaint_they_chose(
    intake: ServiceRuntime, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await register(client)
    clock.advance(timedelta(minutes=5))
    # the words share almost nothing: left alone, intake opens a second case
    follow = await client.post(
        "/complaints", json=chaser(follow_up_of=f"  {first['ticket_no'].lower()} ")
    )
    assert follow.status_code == 200, follow.text
    linked = follow.json()
    assert linked["outcome"] == "linked"
    assert (linked["id"], linked["ticket_no"]) == (first["id"], first["ticket_no"])
    assert [f["content"] for f in linked["follow_ups"]] == [CHASER]
    assert linked["follow_ups"][0]["channel"] == "phone"
    assert first["ticket_no"] in linked["acknowledgement"]["text"]

    again = (await client.get(f"/complaints/{first['id']}")).json()
    assert len(again["follow_ups"]) == 1
    assert len((await client.get("/complaints", params={"phone": PHONE})).json()) == 1
    assert await store_of(intake).count_complaints() == 1

    events = await outbox(intake)
    assert [e.type for e in events] == [
        "complaint.registered",
        "notification.requested",
        "complaint.updated",  # what resolution adds to the case: no second case
        "notification.requested",
    ]
    updated, notified = events[2:]
    assert updated.complaint_id == first["id"]
    assert updated.payload["ticket_no"] == first["ticket_no"]
    assert updated.payload["content"] == CHASER and updated.payload["channel"] == "phone"
    assert notified.payload["purpose"] == "follow_up_acknowledgement"
    assert notified.causation_id == updated.event_id


async def test_a_chosen_complaint_older_than_a_week_or_found_by_its_car_takes_the_follow_up(
    intake: ServiceRuntime, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await register(client)
    clock.advance(timedelta(days=20))  # past the automatic link's 7 days, still open
    late = await client.post("/complaints", json=chaser(follow_up_of=first["ticket_no"]))
    assert late.status_code == 200 and late.json()["outcome"] == "linked"
    # the car's new owner calls from another phone: the same VIN is the same matter
    by_car = complaint(
        customer={"name": "李娜", "phone": "13700002222"}, content="脚垫的事还没人联系我"
    )
    owner = await client.post("/complaints", json={**by_car, "follow_up_of": first["ticket_no"]})
    assert owner.status_code == 200 and owner.json()["outcome"] == "linked"
    assert len(owner.json()["follow_ups"]) == 2


async def test_an_unknown_or_malformed_ticket_is_a_422_at_its_field_and_nothing_is_written(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    first = await register(client)
    before = await outbox(intake)
    unknown = await client.post("/complaints", json=chaser(follow_up_of="TS-20991231-0001"))
    assert unknown.status_code == 422, unknown.text
    [error] = unknown.json()["errors"]
    assert error["path"] == "body.follow_up_of"
    assert error["type"] == "follow_up_unknown"
    assert error["params"] == {"ticket_no": "TS-20991231-0001"}
    malformed = await client.post("/complaints", json=chaser(follow_up_of="脚垫那件"))
    assert malformed.status_code == 422
    assert [e["path"] for e in malformed.json()["errors"]] == ["body.follow_up_of"]
    await assert_nothing_written(intake, before, first)


async def test_a_closed_or_erased_complaint_is_a_409_follow_up_closed_and_nothing_is_written(
    intake: ServiceRuntime, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await register(client)
    clock.advance(timedelta(hours=30))
    await close_case(intake, first["id"], clock.now())
    before = await outbox(intake)
    refused = await client.post("/complaints", json=chaser(follow_up_of=first["ticket_no"]))
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["code"] == "follow_up_closed"
    assert problem["ticket_no"] == first["ticket_no"]
    await assert_nothing_written(intake, before, first)

    service = cast(IntakeService, intake.app.state.service)
    await service.erase(actor=Actor(id=ADMIN.user, role="admin"), ticket_no=first["ticket_no"])
    erased = await client.post("/complaints", json=chaser(follow_up_of=first["ticket_no"]))
    assert erased.status_code == 409 and erased.json()["code"] == "follow_up_closed"
    # without the choice, the same call is a new complaint, as after any closing
    fresh = await client.post("/complaints", json=chaser())
    assert fresh.status_code == 201 and fresh.json()["outcome"] == "registered"


async def test_another_customers_complaint_is_a_409_and_nothing_is_written(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    first = await register(client)
    before = await outbox(intake)
    stranger = chaser(
        follow_up_of=first["ticket_no"], customer={"name": "赵六", "phone": "13600003333"}
    )
    refused = await client.post("/complaints", json=stranger)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "follow_up_other_customer"
    assert refused.json()["ticket_no"] == first["ticket_no"]
    assert "13900001111" not in refused.text and "王强" not in refused.text
    await assert_nothing_written(intake, before, first)


async def test_the_marked_call_sent_again_is_replayed_even_once_the_case_closed(
    intake: ServiceRuntime, client: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await register(client)
    headers = {"Idempotency-Key": "chaser-1"}
    body = chaser(follow_up_of=first["ticket_no"])
    linked = await client.post("/complaints", json=body, headers=headers)
    assert linked.json()["outcome"] == "linked"
    clock.advance(timedelta(days=1))
    await close_case(intake, first["id"], clock.now())
    again = await client.post("/complaints", json=body, headers=headers)
    assert again.status_code == 200 and again.json()["outcome"] == "replayed"
    assert len(again.json()["follow_ups"]) == 1


async def test_a_batch_item_names_its_follow_up_and_a_refused_one_is_reported_alone(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    first = await register(client)
    stranger = {"name": "赵六", "phone": "13600003333"}
    items = [
        chaser(follow_up_of=first["ticket_no"]),
        chaser(follow_up_of="TS-20991231-0001"),
        chaser(follow_up_of=first["ticket_no"], customer=stranger),
    ]
    response = await client.post("/complaints:batch", json=items)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["linked"], result["registered"], result["rejected"]) == (1, 0, 2)
    linked, unknown, other = result["results"]
    assert linked["outcome"] == "linked" and linked["id"] == first["id"]
    assert unknown["status"] == 422 and unknown["errors"][0]["path"] == "follow_up_of"
    assert unknown["errors"][0]["type"] == "follow_up_unknown"
    assert other["status"] == 409 and other["errors"][0]["type"] == "follow_up_other_customer"
    assert await store_of(intake).count_complaints() == 1


async def test_the_open_check_offers_each_open_complaint_as_the_follow_up_in_both_languages(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    first = await register(client)
    form = (await browser.get("/ui/complaints/new")).text
    assert "[name='follow_up_of']\"" in form  # the choice made goes along when it reloads

    async def fragment(**params: str) -> str:
        response = await browser.get("/ui/complaints/open-check", params=params)
        assert response.status_code == 200
        return response.text

    zh = await fragment(**{"customer.phone": PHONE})
    choice = f'<input type="radio" name="follow_up_of" value="{first["ticket_no"]}">'
    assert choice in zh and f'作为跟进并入 <span class="mono">{first["ticket_no"]}' in zh
    assert '<input type="radio" name="follow_up_of" value="" checked>' in zh
    assert "新登记将作为跟进并入原投诉" not in zh  # no promise of a merge it does not make
    assert "未选择时将登记为新投诉" in zh
    en = await fragment(**{"customer.phone": PHONE, "lang": "en"})
    assert f'Add as a follow-up to <span class="mono">{first["ticket_no"]}' in en
    assert "it will be linked to that complaint" not in en
    chosen = await fragment(**{"customer.phone": PHONE, "follow_up_of": first["ticket_no"]})
    assert f'value="{first["ticket_no"]}" checked>' in chosen
    assert 'value="" checked' not in chosen


def form_fields(form_page: str, **changes: str) -> dict[str, str]:
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', form_page)
    assert key
    return {
        "submission": key.group(1),
        "channel": "phone",
        "customer.name": "王强",
        "customer.phone": "139 0000 1111",
        "content": CHASER,
        **changes,
    }


async def test_the_form_posts_the_agents_choice_and_the_call_joins_that_complaint(
    intake: ServiceRuntime, client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    first = await register(client)
    form_page = (await browser.get("/ui/complaints/new")).text
    fields = form_fields(form_page, follow_up_of=first["ticket_no"])
    answer = await browser.post("/ui/complaints/new", data=fields)
    assert answer.status_code == 200, answer.text
    assert "已作为跟进并入原投诉" in answer.text
    assert f"data-ticket>{first['ticket_no']}<" in answer.text
    assert "data-attach-now" not in answer.text  # the case's own grants cover a follow-up
    types = [e.type for e in await outbox(intake)]
    assert types.count("complaint.registered") == 1 and types.count("complaint.updated") == 1
    unmarked = form_fields((await browser.get("/ui/complaints/new")).text)
    new_case = await browser.post("/ui/complaints/new", data=unmarked)
    assert "已作为跟进并入原投诉" not in new_case.text  # not chosen, other words: a new case


async def test_the_form_says_why_a_choice_was_refused_and_keeps_it(
    intake: ServiceRuntime,
    client: httpx.AsyncClient,
    browser: httpx.AsyncClient,
    clock: ManualClock,
) -> None:
    first = await register(client)
    form_page = (await browser.get("/ui/complaints/new")).text
    unknown = await browser.post(
        "/ui/complaints/new", data=form_fields(form_page, follow_up_of="TS-20991231-0001")
    )
    assert unknown.status_code == 422
    assert 'data-field="follow_up_of">没有投诉 TS-20991231-0001<' in unknown.text
    kept = '<input type="hidden" name="follow_up_of" value="TS-20991231-0001">'
    assert kept in unknown.text  # sent with the form, and with the open-check once it loads

    other = form_fields(form_page, follow_up_of=first["ticket_no"])
    other["customer.phone"] = "136 0000 3333"
    refused = await browser.post("/ui/complaints/new", data=other)
    assert refused.status_code == 400
    assert f"投诉 {first['ticket_no']} 属于其他客户" in refused.text

    clock.advance(timedelta(days=2))
    await close_case(intake, first["id"], clock.now())
    browser.cookies.set(TOKEN_COOKIE, intake.tokens.issue(AGENT))  # the clock moved on
    closed = await browser.post(
        "/ui/complaints/new?lang=en", data=form_fields(form_page, follow_up_of=first["ticket_no"])
    )
    assert closed.status_code == 400
    assert f"{first['ticket_no']} is closed and takes no more follow-ups" in closed.text
    assert await store_of(intake).count_complaints() == 1
