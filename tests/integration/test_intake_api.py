"""Intake over HTTP on a real SQLite store: registration, re-delivery, follow-ups, repeats,
search, batch, limits. Events are checked in the outbox (the relay is not running here)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from services.intake.bootstrap import bootstrap
from services.intake.domain.channels import ADAPTERS
from services.intake.store import ContactView, IntakeStore
from shared.auth import Principal, Role, issue_contact_grant
from shared.contracts.envelope import EventEnvelope
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.pages import TOKEN_COOKIE

AGENT = Principal(user="agent-7", role=Role.AGENT)
REGULATOR_EXAMPLE = Path(__file__).resolve().parents[2] / "examples/channels/regulator.zh.json"


def complaint(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": "13812345678"},
        "vehicle": {"vin": "LSVAA4182E2123451", "plate": "粤A12345", "model": "帕萨特"},
        "content": "保养后发动机异响，服务顾问说正常，我不认可。",
        "demands": ["repair", "explanation"],
    }
    body.update(changes)
    return body


@pytest.fixture
async def intake(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = bootstrap(make_settings(max_body_bytes=64 * 1024))
    await runtime.store.open()
    try:
        yield runtime
    finally:
        await runtime.store.close()


@pytest.fixture
async def client(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    token = intake.tokens.issue(AGENT)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


@pytest.fixture
async def browser(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    """The agent's browser: signed in by the pages' cookie, no bearer token."""
    cookie = {TOKEN_COOKIE: intake.tokens.issue(AGENT)}
    transport = httpx.ASGITransport(app=intake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://intake", cookies=cookie
    ) as client:
        yield client


async def outbox(runtime: ServiceRuntime) -> list[EventEnvelope]:
    return [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(1000)]


async def test_registration_is_stored_encrypted_and_published_with_an_acknowledgement(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    response = await client.post("/complaints", json=complaint())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "registered"
    assert body["ticket_no"].startswith("TS-") and body["ticket_no"].endswith("-0001")
    assert body["customer"]["phone_masked"] == "138****5678"
    assert "13812345678" not in response.text
    assert body["language"] == "zh"
    assert body["acknowledgement"]["medium"] == "sms"
    assert body["ticket_no"] in body["acknowledgement"]["text"]
    assert "48小时" in body["acknowledgement"]["text"]

    events = await outbox(intake)
    assert [e.type for e in events] == ["complaint.registered", "notification.requested"]
    registered, notification = events
    assert registered.payload["phone_masked"] == "138****5678"
    assert "13812345678" not in registered.model_dump_json()
    assert notification.causation_id == registered.event_id
    assert notification.payload["recipient_masked"] == "138****5678"

    db = intake.settings.sqlite_path("intake")
    db_bytes = db.read_bytes() + db.with_suffix(".db-wal").read_bytes()
    assert b"13812345678" not in db_bytes  # the phone is encrypted at rest


async def test_the_same_message_twice_returns_the_first_record_and_publishes_nothing(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "form-submit-42"}
    first = await client.post("/complaints", json=complaint(), headers=headers)
    again = await client.post("/complaints", json=complaint(), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["outcome"] == "replayed"
    assert again.json()["id"] == first.json()["id"]
    assert len(await outbox(intake)) == 2


async def test_concurrent_redeliveries_register_once(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    headers = {"Idempotency-Key": "double-click"}
    answers = await asyncio.gather(
        *(client.post("/complaints", json=complaint(), headers=headers) for _ in range(8))
    )
    assert sorted(a.status_code for a in answers) == [200] * 7 + [201]
    assert len({a.json()["id"] for a in answers}) == 1


async def test_a_similar_complaint_within_a_week_is_a_follow_up_not_a_new_case(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    first = await client.post("/complaints", json=complaint())
    follow = await client.post(
        "/complaints",
        json=complaint(
            channel="phone", content="发动机异响还是没解决，服务顾问一直说正常。", vehicle={}
        ),
    )
    assert follow.status_code == 200
    assert follow.json()["outcome"] == "linked"
    assert follow.json()["id"] == first.json()["id"]
    assert len(follow.json()["follow_ups"]) == 1
    types = [e.type for e in await outbox(intake)]
    assert types.count("complaint.registered") == 1
    assert types.count("complaint.updated") == 1


async def test_a_second_different_complaint_flags_a_repeat_complainant(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    await client.post("/complaints", json=complaint())
    second = await client.post(
        "/complaints",
        json=complaint(content="销售承诺的免费保养没有兑现，要求说明。", vehicle={}),
    )
    assert second.status_code == 201
    assert second.json()["repeat_complainant"] is True
    assert second.json()["urgency"] == "high"
    assert "repeat_complainant" in second.json()["urgency_reasons"]


@pytest.mark.parametrize(
    ("content", "urgency", "reason"),
    [
        ("高速上刹车失灵，差点出事故！", "critical", "safety"),
        ("The airbag warning light is on and the dealer ignores me.", "critical", "safety"),
        ("再不解决我就找媒体曝光。", "high", "media_exposure"),
        ("I will ask my lawyer to take legal action.", "high", "legal_action"),
        ("刹车没有任何问题，只是等待时间太长。", "normal", None),
    ],
)
async def test_urgency_follows_what_the_customer_says(
    client: httpx.AsyncClient, content: str, urgency: str, reason: str | None
) -> None:
    response = await client.post("/complaints", json=complaint(content=content))
    assert response.json()["urgency"] == urgency
    if reason:
        assert reason in response.json()["urgency_reasons"]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"vehicle": {"vin": "LSVAA4182E2123452"}}, "body.vehicle.vin"),
        ({"vehicle": {"vin": "LSVAA4182E212345"}}, "body.vehicle.vin"),
        ({"vehicle": {"plate": "粤I12345"}}, "body.vehicle.plate"),
        ({"customer": {"name": "张伟", "phone": "2345"}}, "body.customer.phone"),
        (
            {
                "customer": {
                    "name": "张伟",
                    "phone": "13812345678",
                    "id_number": "110105194912310021",
                }
            },
            "body.customer.id_number",
        ),
        ({"demands": ["a pony"]}, "body.demands[0]"),
        ({"channel": "wechat"}, "body"),
        ({"content": "x" * 5001}, "body.content"),
    ],
)
async def test_bad_input_is_a_problem_with_the_field_path_and_stores_nothing(
    intake: ServiceRuntime, client: httpx.AsyncClient, changes: dict[str, Any], path: str
) -> None:
    response = await client.post("/complaints", json=complaint(**changes))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert path in [error["path"] for error in response.json()["errors"]]
    assert await outbox(intake) == []


async def test_a_field_error_carries_a_stable_type_and_its_parameters(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/complaints", json=complaint(vehicle={"vin": "LSVAA4182E"}))
    (error,) = response.json()["errors"]
    assert error["path"] == "body.vehicle.vin"
    assert error["type"] == "vin_length" and error["params"] == {"length": 10}
    assert "17 characters" in error["message"]  # the API itself keeps speaking English
    short = (await client.post("/complaints", json=complaint(content="x"))).json()["errors"][0]
    assert (short["type"], short["params"]) == ("string_too_short", {"min_length": 2})


async def test_oversized_body_is_413(intake: ServiceRuntime, client: httpx.AsyncClient) -> None:
    response = await client.post("/complaints", json=complaint(demand_note="很" * 40_000))
    assert response.status_code == 413
    assert response.json()["status"] == 413
    assert await outbox(intake) == []


async def test_search_by_ticket_phone_vin_and_plate(client: httpx.AsyncClient) -> None:
    created = (await client.post("/complaints", json=complaint())).json()
    for query in (
        {"ticket": created["ticket_no"]},
        {"phone": "+86 138-1234-5678"},
        {"vin": "lsvaa4182e2123451"},
        {"plate": "粤A·12345"},
    ):
        found = await client.get("/complaints", params=query)
        assert found.status_code == 200, found.text
        assert [c["id"] for c in found.json()] == [created["id"]], query
    assert (await client.get("/complaints", params={"phone": "13900000000"})).json() == []
    assert (await client.get("/complaints")).status_code == 422
    assert (await client.get("/complaints", params={"vin": "short"})).status_code == 422


async def test_batch_registers_good_items_and_reports_bad_ones(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    items = [
        complaint(),
        complaint(customer={"name": "李四", "phone": "abc"}),
        complaint(
            customer={"name": "王五", "phone": "13900001111"},
            vehicle={},
            content="交车时等待时间超过三个小时。",
        ),
    ]
    response = await client.post("/complaints:batch", json=items)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["registered"], result["rejected"]) == (2, 1)
    bad = result["results"][1]
    assert bad["status"] == 422 and bad["errors"][0]["path"] == "customer.phone"
    assert [e.type for e in await outbox(intake)].count("complaint.registered") == 2


async def test_a_batch_items_own_key_makes_a_resent_item_a_replay(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    keyed = {**complaint(), "idempotency_key": "crm-4711"}
    first = (await client.post("/complaints:batch", json=[keyed])).json()
    assert first["registered"] == 1, first
    again = (await client.post("/complaints:batch", json=[keyed])).json()
    assert (again["replayed"], again["rejected"]) == (1, 0), again
    assert again["results"][0]["id"] == first["results"][0]["id"]
    assert [e.type for e in await outbox(intake)].count("complaint.registered") == 1
    bad_keys = [{**complaint(), "idempotency_key": key} for key in (7, "", "k" * 201)]
    refused = (await client.post("/complaints:batch", json=bad_keys)).json()
    assert refused["rejected"] == 3, refused
    assert {r["errors"][0]["path"] for r in refused["results"]} == {"idempotency_key"}
    assert [e.type for e in await outbox(intake)].count("complaint.registered") == 1


async def test_only_agents_and_admins_record_and_look_up(intake: ServiceRuntime) -> None:
    quality = intake.tokens.issue(Principal(user="q", role=Role.QUALITY))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app), base_url="http://intake"
    ) as client:
        headers = {"Authorization": f"Bearer {quality}"}
        assert (
            await client.post("/complaints", json=complaint(), headers=headers)
        ).status_code == 403
        assert (await client.get("/complaints?ticket=x", headers=headers)).status_code == 403
        assert (await client.post("/complaints", json=complaint())).status_code == 401


@pytest.mark.parametrize("channel", sorted(ADAPTERS))
async def test_every_channel_answers_malformed_payloads_with_field_paths(
    intake: ServiceRuntime, client: httpx.AsyncClient, channel: str
) -> None:
    for payload in ({}, {"unexpected": [1, 2, 3]}):
        response = await client.post(f"/channels/{channel}", json=payload)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        paths = [error["path"] for error in response.json()["errors"]]
        assert paths and all(path.startswith("body") for path in paths)
    not_json = await client.post(
        f"/channels/{channel}", content=b"\xff\xfe", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 422
    assert await outbox(intake) == []


async def test_an_unknown_channel_is_404(client: httpx.AsyncClient) -> None:
    response = await client.post("/channels/fax", json={})
    assert response.status_code == 404
    assert "wechat" in response.json()["detail"]


async def test_after_the_case_closes_the_same_matter_opens_a_new_complaint(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    from shared.contracts.envelope import Actor, new_event
    from shared.contracts.resolution import CASE_CLOSED, CaseOpened

    first = (await client.post("/complaints", json=complaint())).json()
    closed = new_event(
        payload=CaseOpened(
            complaint_id=first["id"], case_id="k", status="closed",
            opened_at=first["registered_at"], due_at=first["registered_at"],
        ),
        event_type=CASE_CLOSED,
        complaint_id=first["id"],
        actor=Actor.service("resolution"),
        producer="resolution",
    )  # fmt: skip
    service = intake.app.state.service
    assert await service.on_case_closed(closed)
    assert not await service.on_case_closed(closed)  # redelivered: nothing changes
    again = await client.post(
        "/complaints",
        json=complaint(content="发动机异响还是没解决，服务顾问一直说正常。", vehicle={}),
    )
    assert again.status_code == 201 and again.json()["outcome"] == "registered"
    assert again.json()["repeat_complainant"] is True


async def test_a_case_reopened_on_the_3_day_call_takes_the_customers_follow_ups_again(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    from shared.contracts.envelope import Actor, new_event
    from shared.contracts.resolution import CASE_CLOSED, CASE_REOPENED, CaseOpened

    first = (await client.post("/complaints", json=complaint())).json()

    def case_event(event_type: str, days: int) -> EventEnvelope:
        return new_event(
            payload=CaseOpened(
                complaint_id=first["id"], case_id="k", status="x",
                opened_at=first["registered_at"], due_at=first["registered_at"],
            ),
            event_type=event_type,
            complaint_id=first["id"],
            actor=Actor.service("resolution"),
            producer="resolution",
            occurred_at=datetime.now(UTC) + timedelta(days=days),
        )  # fmt: skip

    service = intake.app.state.service
    closed = case_event(CASE_CLOSED, 1)
    assert await service.on_case_closed(closed)
    reopened = case_event(CASE_REOPENED, 3)
    assert await service.on_case_reopened(reopened)
    assert not await service.on_case_reopened(reopened)  # redelivered: nothing changes
    same_matter = complaint(content="发动机异响还是没解决，服务顾问一直说正常。")
    again = await client.post("/complaints", json=same_matter)
    assert again.status_code == 200 and again.json()["outcome"] == "linked"
    assert again.json()["id"] == first["id"]
    stored = await cast(IntakeStore, intake.store).get_complaint(first["id"])
    assert stored is not None and stored.open and stored.retain_from is None
    # the closing replayed late (from the dead-letter topic) is older: it changes nothing
    replayed = closed.model_copy(update={"event_id": "replayed-closing"})
    assert await service.on_case_closed(replayed)
    still = await cast(IntakeStore, intake.store).get_complaint(first["id"])
    assert still is not None and still.open
    # closed again (t5) while a reopening (t4) waits in the dead-letter topic: replayed, no-op
    assert await service.on_case_closed(case_event(CASE_CLOSED, 5))
    assert await service.on_case_reopened(case_event(CASE_REOPENED, 4))
    # a closing that changes nothing (already closed) still stamps its time
    assert await service.on_case_closed(case_event(CASE_CLOSED, 7))
    assert await service.on_case_reopened(case_event(CASE_REOPENED, 6))
    final = await cast(IntakeStore, intake.store).get_complaint(first["id"])
    assert final is not None and not final.open


async def contact_views(intake: ServiceRuntime, complaint_id: str) -> list[ContactView]:
    store = cast(IntakeStore, intake.store)
    return await store.contact_views(complaint_id)


async def test_the_full_number_needs_a_grant_for_this_user_and_complaint_and_is_audited(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    first = (await client.post("/complaints", json=complaint())).json()["id"]
    other = (
        await client.post(
            "/complaints",
            json=complaint(customer={"name": "李娜", "phone": "13900001111"}, content="等太久"),
        )
    ).json()["id"]
    tokens = intake.tokens
    olga = Principal(user="olga", role=Role.OWNER)

    async def reveal(who: Principal, complaint_id: str, grant: str) -> httpx.Response:
        return await client.post(
            f"/complaints/{complaint_id}/contact",
            json={"grant": grant},
            headers={"Authorization": f"Bearer {tokens.issue(who)}"},
        )

    grant = issue_contact_grant(tokens, olga, complaint_id=first)
    shown = await reveal(olga, first, grant)
    assert shown.status_code == 200, shown.text
    assert shown.json()["phone"] == "13812345678" and shown.json()["name"] == "张伟"
    assert shown.headers["cache-control"] == "no-store"

    refusals = [
        await reveal(olga, other, grant),  # another complaint
        await reveal(Principal(user="otto", role=Role.OWNER), first, grant),  # another user
        await reveal(olga, first, tokens.issue(olga)),  # a bearer token is not a grant
        await reveal(olga, first, "not-a-token"),
    ]
    assert [r.status_code for r in refusals] == [403, 403, 403, 403]
    quality = Principal(user="q", role=Role.QUALITY)
    not_a_caller = await reveal(
        quality, first, issue_contact_grant(tokens, quality, complaint_id=first)
    )
    assert not_a_caller.status_code == 403
    as_bearer = await client.get(
        f"/complaints/{first}", headers={"Authorization": f"Bearer {grant}"}
    )
    assert as_bearer.status_code == 401  # a grant is not a bearer token

    audit = await client.get(
        f"/complaints/{first}/contact_views",
        headers={"Authorization": f"Bearer {tokens.issue(quality)}"},
    )
    assert audit.status_code == 200
    assert [(v["user"], v["role"]) for v in audit.json()] == [("olga", "owner")]
    assert (await client.get(f"/complaints/{first}/contact_views")).status_code == 403  # agent
    assert (await contact_views(intake, other)) == []


async def test_a_contact_grant_expires(intake: ServiceRuntime, client: httpx.AsyncClient) -> None:
    first = (await client.post("/complaints", json=complaint())).json()["id"]
    olga = Principal(user="olga", role=Role.OWNER)
    stale = issue_contact_grant(intake.tokens, olga, complaint_id=first, ttl=timedelta(seconds=-1))
    refused = await client.post(
        f"/complaints/{first}/contact",
        json={"grant": stale},
        headers={"Authorization": f"Bearer {intake.tokens.issue(olga)}"},
    )
    assert refused.status_code == 403 and "expired" in refused.json()["detail"]
    assert await contact_views(intake, first) == []


async def test_the_agent_form_sent_twice_registers_once_and_texts_once(
    intake: ServiceRuntime, browser: httpx.AsyncClient
) -> None:
    """A refresh of the result page or a double click posts the form again, same key."""
    form_page = await browser.get("/ui/complaints/new")
    key = re.search(r'name="submission" value="([0-9a-f]{32})"', form_page.text)
    assert key, "the form carries its own submission key"
    fields = {
        "submission": key.group(1),
        "channel": "hotline",
        "customer.name": "李娜",
        "customer.phone": "139 1111 2222",
        "content": "保养预约了上午九点，结果等了三个小时才开始做。",
    }
    first, again = [await browser.post("/ui/complaints/new", data=fields) for _ in range(2)]
    assert first.status_code == again.status_code == 200
    assert "该投诉此前已登记" in again.text and "该投诉此前已登记" not in first.text
    another = await browser.get("/ui/complaints/new")
    assert key.group(1) not in another.text  # a new form is a new complaint
    events = await outbox(intake)
    assert [e.type for e in events] == ["complaint.registered", "notification.requested"]
    edited = {**fields, "customer.name": "周敏", "customer.phone": "137 0000 1111"}
    back_and_changed = await browser.post("/ui/complaints/new", data=edited)  # Back, edit, send
    assert "该投诉此前已登记" not in back_and_changed.text
    assert len([e for e in await outbox(intake) if e.type == "complaint.registered"]) == 2


async def test_an_agent_with_a_chinese_name_submits_the_form(intake: ServiceRuntime) -> None:
    cookie = {TOKEN_COOKIE: intake.tokens.issue(Principal(user="王丽", role=Role.AGENT))}
    transport = httpx.ASGITransport(app=intake.app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://intake", cookies=cookie
    ) as wang:
        form_page = await wang.get("/ui/complaints/new")
        key = re.search(r'name="submission" value="([0-9a-f]{32})"', form_page.text)
        assert key
        fields = {
            "submission": key.group(1),
            "channel": "walk_in",
            "customer.name": "赵六",
            "customer.phone": "13600002222",
            "content": "展厅销售顾问态度冷淡。",
        }
        answer = await wang.post("/ui/complaints/new", data=fields)
    assert answer.status_code == 200 and "data-ticket" in answer.text


async def test_search_shows_when_we_received_it_and_when_the_customer_sent_it(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    late = complaint(received_at="2024-05-12T12:41:00+00:00")
    ticket = (await client.post("/complaints", json=late)).json()["ticket_no"]
    page = await browser.get("/ui/search", params={"by": "ticket", "q": ticket})
    row = page.text[page.text.index(ticket) :]
    assert "2024-05-12 20:41" in row  # the customer's own date, in the dealership's zone
    assert row.index("2024-05-12 20:41") > row.index("data-submitted")  # ...marked as such


async def test_numbers_written_into_the_complaint_travel_masked_and_stay_sealed(
    intake: ServiceRuntime, client: httpx.AsyncClient
) -> None:
    words = "刹车异响。备用电话 139 8765 4321，身份证11010519850315002X。"
    created = await client.post("/complaints", json=complaint(content=words))
    assert created.status_code == 201, created.text
    body = created.json()
    masked = "刹车异响。备用电话 139****4321，身份证1101**********002X。"
    assert body["content"] == masked
    events = await outbox(intake)
    assert events[0].payload["content"] == masked
    assert all("87654321" not in e.model_dump_json() for e in events)
    path = intake.settings.sqlite_path("intake")
    raw = b"".join(f.read_bytes() for f in path.parent.glob(path.name + "*"))  # and its WAL
    assert "刹车异响".encode() in raw  # the words are there, the numbers are not
    assert b"139 8765 4321" not in raw and b"13987654321" not in raw
    follow = await client.post(
        "/complaints", json=complaint(content=words + " 又响了，电话13987654321")
    )
    assert follow.json()["outcome"] == "linked"
    updated = [e for e in await outbox(intake) if e.type == "complaint.updated"]
    assert updated and "13987654321" not in updated[0].model_dump_json()

    olga = Principal(user="olga", role=Role.OWNER)
    grant = issue_contact_grant(intake.tokens, olga, complaint_id=body["id"])
    shown = await client.post(
        f"/complaints/{body['id']}/contact",
        json={"grant": grant},
        headers={"Authorization": f"Bearer {intake.tokens.issue(olga)}"},
    )
    assert shown.json()["words"] == [words, words + " 又响了，电话13987654321"]  # as written


WECHAT_EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "examples/channels/wechat.zh.json").read_text()
)


async def test_a_wechat_openid_is_masked_in_answers(client: httpx.AsyncClient) -> None:
    registered = await client.post("/channels/wechat", json=WECHAT_EXAMPLE)
    assert registered.status_code == 201, registered.text
    openid = WECHAT_EXAMPLE["FromUserName"]
    read = await client.get(f"/complaints/{registered.json()['id']}")
    assert read.json()["customer"]["wechat_openid_masked"] == openid[:4] + "***"
    assert openid not in registered.text and openid not in read.text


async def test_request_metrics_count_by_route_template(client: httpx.AsyncClient) -> None:
    """Not per complaint id, and not "unmatched" for routes of included routers."""
    for complaint_id in ("a", "b"):
        await client.get(f"/complaints/{complaint_id}")
    metrics = (await client.get("/metrics")).text
    assert 'route="/complaints/{complaint_id}",status="404"} 2.0' in metrics
    assert 'route="unmatched"' not in metrics


async def test_a_bad_phone_in_search_is_a_coded_field_error(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    answer = await client.get("/complaints", params={"phone": "12345"})
    assert answer.status_code == 422
    assert [(e["path"], e["type"]) for e in answer.json()["errors"]] == [("query.phone", "phone")]
    page = await browser.get("/ui/search", params={"by": "phone", "q": "12345"})
    assert "不是有效的中国大陆电话号码" in page.text and "not a mainland" not in page.text


async def test_the_agent_sees_why_a_complaint_is_urgent(browser: httpx.AsyncClient) -> None:
    fields = {
        "channel": "hotline",
        "customer.name": "王强",
        "customer.phone": "13922223344",
        "content": "高速上刹车失灵，差点出事，再不处理就找媒体曝光。",
    }
    page = await browser.post("/ui/complaints/new", data=fields)
    assert 'data-urgency-reason="safety"' in page.text and "涉及安全" in page.text
    assert 'data-urgency-reason="media_exposure"' in page.text


async def test_a_mistyped_page_address_is_a_page_and_an_api_one_a_problem(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    page = await browser.get("/ui/new")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "未找到" in page.text
    api = await client.get("/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_the_form_warns_of_open_complaints_by_phone_or_by_car(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    mine = (await client.post("/complaints", json=complaint())).json()
    form_page = (await browser.get("/ui/complaints/new")).text
    assert form_page.count("/ui/complaints/open-check") == 2  # under the phone and the VIN
    include = "[name='customer.phone'],[name='vehicle.vin'],[name='follow_up_of']"
    assert f'hx-include="{include}"' in form_page

    async def warning(**params: str) -> str:
        response = await browser.get("/ui/complaints/open-check", params=params)
        assert response.status_code == 200
        return response.text

    both = await warning(**{"customer.phone": "138 1234 5678", "vehicle.vin": "LSVAA4182E2123451"})
    assert both.count("<li") == 1 and 'data-matched="phone vin"' in both
    assert mine["ticket_no"] in both and "同一电话、同一车架号" in both
    # the car's new owner calls from another phone: the car's complaint still shows
    by_car = await warning(**{"customer.phone": "13900001111", "vehicle.vin": "LSVAA4182E2123451"})
    assert 'data-matched="vin"' in by_car and mine["ticket_no"] in by_car
    assert await warning(**{"customer.phone": "13900001111", "vehicle.vin": "LSVAA41"}) == ""
    assert await warning(**{"customer.phone": "12"}) == ""  # not typed far enough yet


async def test_a_regulator_date_is_checked_against_the_dealerships_day(
    client: httpx.AsyncClient,
) -> None:
    """Received at 16:30 UTC on the 18th, 00:30 on the 19th in Beijing (the default zone)."""
    referral = json.loads(REGULATOR_EXAMPLE.read_text(encoding="utf-8"))
    referral["received_at"] = "2024-09-18T16:30:00Z"
    response = await client.post(
        "/channels/regulator", json={**referral, "response_due": "2024-09-18"}
    )
    assert response.status_code == 422, response.text
    assert [error["path"] for error in response.json()["errors"]] == ["body.response_due"]
    accepted = await client.post(
        "/channels/regulator", json={**referral, "response_due": "2024-09-19"}
    )
    assert accepted.status_code in (200, 201), accepted.text
