"""Erasing a customer's personal data at intake (PIPL): on request by an administrator, and
when the retention period is over; on a real SQLite store, events checked in the outbox."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import httpx
import pytest

from services.intake.bootstrap import bootstrap
from services.intake.service import IntakeService
from services.intake.store import IntakeStore, SqliteIntakeStore
from shared.auth import Principal, Role, issue_contact_grant
from shared.clock import ManualClock
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_ERASED, ComplaintErased
from shared.contracts.resolution import CASE_CLOSED, CaseOpened
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.pages import TOKEN_COOKIE

AGENT = Principal(user="agent-7", role=Role.AGENT)
ADMIN = Principal(user="admin-1", role=Role.ADMIN)
PHONE = "13812345678"
EXAMPLES = Path(__file__).parents[2] / "examples" / "channels"


def complaint(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": PHONE, "id_number": "11010519491231002X"},
        "vehicle": {"vin": "LSVAA4182E2123451", "plate": "粤A12345", "model": "帕萨特"},
        "content": "保养后发动机异响，请打13900001111找我。",
        "demand_note": "希望尽快回电",
        "demands": ["repair"],
    }
    body.update(changes)
    return body


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2025, 1, 6, 9, 0, tzinfo=UTC))  # + 400 days: still past


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
    """A token minted per request: the tests move the clock past a token's lifetime."""

    def __init__(self, runtime: ServiceRuntime, principal: Principal) -> None:
        self._runtime, self._principal = runtime, principal

    def auth_flow(self, request: httpx.Request) -> Any:
        request.headers["Authorization"] = f"Bearer {self._runtime.tokens.issue(self._principal)}"
        yield request


def client_for(runtime: ServiceRuntime, principal: Principal | None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://intake",
        auth=FreshToken(runtime, principal) if principal else None,
    )


@pytest.fixture
async def agent(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(intake, AGENT) as client:
        yield client


@pytest.fixture
async def admin(intake: ServiceRuntime) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(intake, ADMIN) as client:
        yield client


def service_of(runtime: ServiceRuntime) -> IntakeService:
    return cast(IntakeService, runtime.app.state.service)


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
    assert await service_of(runtime).on_case_closed(closed)


async def erasures(runtime: ServiceRuntime) -> list[EventEnvelope]:
    events = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(1000)]
    return [e for e in events if e.type == COMPLAINT_ERASED]


async def register(client: httpx.AsyncClient, **changes: Any) -> dict[str, Any]:
    response = await client.post("/complaints", json=complaint(**changes))
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def test_an_admin_erases_a_customer_across_their_complaints_and_the_record_stays(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await register(
        agent, customer={"name": "张伟", "phone": PHONE, "email": "zw@example.cn"}
    )
    clock.advance(timedelta(days=60))
    second = await register(agent, content="空调不制冷，第二次来店。")
    by_email = await register(
        agent,
        customer={"name": "张伟", "phone": "13700002222", "email": "zw@example.cn"},
        vehicle={},
        content="喷漆颜色不一致。",
    )
    other = await register(agent, customer={"name": "李娜", "phone": "13900003333"}, vehicle={})
    for c in (first, second, by_email, other):
        await close_case(intake, c["id"], clock.now())

    response = await admin.post("/erasures", json={"phone": PHONE})

    assert response.status_code == 200, response.text
    erased = response.json()["erased"]
    assert {e["ticket_no"] for e in erased} == {
        first["ticket_no"], second["ticket_no"], by_email["ticket_no"]
    }  # fmt: skip
    assert {e["erasure_reason"] for e in erased} == {"customer_request"}
    for c in (first, second, by_email):
        shown = (await agent.get(f"/complaints/{c['id']}")).json()
        assert shown["erased_at"] and shown["erasure_reason"] == "customer_request"
        assert shown["customer"] == {
            "name": "", "phone_masked": None, "email_masked": None, "id_number_masked": None,
            "customer_id": None, "wechat_openid_masked": None,
        }  # fmt: skip
        assert shown["content"] == "" and shown["demand_note"] is None
        assert shown["vehicle"]["vin"] is None and shown["vehicle"]["plate"] is None
        assert shown["channel"] == "hotline" and shown["demands"] == ["repair"]
        assert shown["registered_at"] == c["registered_at"]
    assert (await agent.get(f"/complaints/{other['id']}")).json()["customer"]["name"] == "李娜"
    # no search or repeat link finds the customer any more
    assert (await agent.get("/complaints", params={"phone": PHONE})).json() == []
    assert (await agent.get("/complaints", params={"vin": "LSVAA4182E2123451"})).json() == []
    fresh = await register(agent, content="新的问题：雨刮异响。")
    assert fresh["repeat_complainant"] is False
    # and nothing of it is left in the file, not even encrypted or hashed
    store = cast(SqliteIntakeStore, intake.store)
    with sqlite3.connect(store.path) as db:
        rows = db.execute(
            "SELECT phone_hash, email_hash, vin, plate, retain_from, doc FROM complaints"
            " WHERE id = ?",
            (first["id"],),
        ).fetchone()
    assert rows[:5] == (None, None, None, None, None)
    assert "13900001111" not in rows[5] and "张伟" not in rows[5] and 'encrypted": "' not in rows[5]
    events = await erasures(intake)
    assert sorted(e.complaint_id for e in events) == sorted(
        c["id"] for c in (first, second, by_email)
    )
    payload = events[0].payload_as(ComplaintErased)
    assert payload.reason == "customer_request" and events[0].actor.id == "admin-1"


async def test_nothing_is_erased_while_one_of_the_customers_cases_is_open(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    closed = await register(agent)
    await close_case(intake, closed["id"], clock.now())
    still_open = await register(agent, content="另一件事：车窗异响。", vehicle={})

    response = await admin.post("/erasures", json={"phone": PHONE})

    assert response.status_code == 409
    assert response.json()["code"] == "complaint_open"
    assert still_open["ticket_no"] in response.json()["tickets"]
    assert (await agent.get(f"/complaints/{closed['id']}")).json()["customer"]["name"] == "张伟"
    assert await erasures(intake) == []


async def test_one_ticket_is_erased_once_and_asking_again_changes_nothing(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await register(agent)
    await close_case(intake, c["id"], clock.now())
    first = await admin.post("/erasures", json={"ticket_no": c["ticket_no"]})
    clock.advance(timedelta(hours=1))
    again = await admin.post("/erasures", json={"ticket_no": c["ticket_no"]})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(await erasures(intake)) == 1
    assert (await admin.post("/erasures", json={"phone": PHONE})).status_code == 404
    assert (
        await admin.post("/erasures", json={"ticket_no": "TS-20260101-9999"})
    ).status_code == 404


async def test_erasure_is_for_administrators_and_names_one_target(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    assert (await agent.post("/erasures", json={"phone": PHONE})).status_code == 403
    async with client_for(intake, None) as anonymous:
        assert (await anonymous.post("/erasures", json={"phone": PHONE})).status_code == 401
    for body in ({}, {"phone": PHONE, "ticket_no": "TS-20260101-0001"}):
        response = await admin.post("/erasures", json=body)
        assert response.status_code == 422
        assert response.json()["errors"][0]["type"] == "erasure_target"
    bad_phone = await admin.post("/erasures", json={"phone": "12345"})
    assert bad_phone.status_code == 422
    assert bad_phone.json()["errors"][0]["path"] == "body.phone"


async def test_retention_erases_complaints_closed_longer_ago_than_the_period(
    intake: ServiceRuntime, agent: httpx.AsyncClient, clock: ManualClock
) -> None:
    old = await register(agent)
    await close_case(intake, old["id"], clock.now())
    still_open = await register(agent, customer={"name": "李娜", "phone": "13900003333"})
    clock.advance(timedelta(days=400))
    recent = await register(agent, customer={"name": "王强", "phone": "13600004444"}, vehicle={})
    await close_case(intake, recent["id"], clock.now())
    service = service_of(intake)

    assert await service.erase_past_retention(365) == 1
    assert await service.erase_past_retention(365) == 0  # nothing left to do
    assert await service.erase_past_retention(0) == 0  # 0: kept for ever

    shown = (await agent.get(f"/complaints/{old['id']}")).json()
    assert shown["erasure_reason"] == "retention" and shown["customer"]["name"] == ""
    for kept in (still_open, recent):
        assert (await agent.get(f"/complaints/{kept['id']}")).json()["erased_at"] is None
    events = await erasures(intake)
    assert [e.complaint_id for e in events] == [old["id"]]
    assert events[0].actor.kind == "service"


async def test_complaints_closed_before_closings_were_recorded_are_retained_from_registration(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    async with client_for(runtime, AGENT) as agent:
        c = await register(agent)
    store = cast(SqliteIntakeStore, runtime.store)
    await runtime.store.close()
    with sqlite3.connect(store.path) as db:  # as an older version left it: closed, no column
        doc = db.execute("SELECT doc FROM complaints WHERE id = ?", (c["id"],)).fetchone()[0]
        db.execute(
            "UPDATE complaints SET doc = ?, retain_from = NULL WHERE id = ?",
            (doc.replace('"open":true', '"open":false'), c["id"]),
        )
        db.execute("PRAGMA user_version = 0")
    clock.advance(timedelta(days=30))

    upgraded = bootstrap(make_settings(), clock=clock)
    await upgraded.store.open()
    try:
        found = await cast(IntakeStore, upgraded.store).retained_before(clock.now(), 10)
        assert [f.id for f in found] == [c["id"]]
        assert await service_of(upgraded).erase_past_retention(29) == 1
    finally:
        await upgraded.store.close()


async def test_an_admin_erases_from_the_search_page_and_an_agent_is_not_offered_it(
    intake: ServiceRuntime, agent: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await register(agent)
    await close_case(intake, c["id"], clock.now())
    search = {"by": "ticket", "q": c["ticket_no"]}
    transport = httpx.ASGITransport(app=intake.app)

    def browser(principal: Principal) -> httpx.AsyncClient:
        cookie = {TOKEN_COOKIE: intake.tokens.issue(principal)}
        return httpx.AsyncClient(transport=transport, base_url="http://intake", cookies=cookie)

    async with browser(AGENT) as page:
        assert "data-erase-form" not in (await page.get("/ui/search", params=search)).text
        refused = await page.post(
            f"/ui/complaints/{c['id']}/erase", data={"ticket_no": c["ticket_no"]}
        )
        assert refused.status_code == 403
    async with browser(ADMIN) as page:
        assert "data-erase-form" in (await page.get("/ui/search", params=search)).text
        done = await page.post(
            f"/ui/complaints/{c['id']}/erase",
            data={"ticket_no": c["ticket_no"], "confirm": "on"},
            follow_redirects=True,
        )
        assert done.status_code == 200
        assert "个人信息已删除" in done.text and "客户要求删除" in done.text
        assert "张伟" not in done.text and "data-erase-form" not in done.text


async def test_an_erased_customers_contact_is_not_shown_even_with_a_grant(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await register(agent)
    await close_case(intake, c["id"], clock.now())
    assert (await admin.post("/erasures", json={"ticket_no": c["ticket_no"]})).status_code == 200
    olga = Principal(user="olga", role=Role.OWNER)
    async with client_for(intake, olga) as owner:
        refused = await owner.post(
            f"/complaints/{c['id']}/contact",
            json={"grant": issue_contact_grant(intake.tokens, olga, complaint_id=c["id"])},
        )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "personal_data_erased"
    assert await service_of(intake).contact_views(c["id"]) == []  # nothing shown, no view


async def test_once_erased_the_customer_is_nowhere_in_the_files(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    """The row is rewritten, the events already sent leave the outbox (those not yet sent
    go out, then leave), and SQLite's free space and write-ahead log hold no old copy."""
    c = await register(agent)
    await close_case(intake, c["id"], clock.now())
    store = cast(SqliteIntakeStore, intake.store)
    words = ("张伟".encode(), "发动机异响".encode(), "希望尽快回电".encode(), b"LSVAA4182E2123451")

    def held() -> list[bytes]:
        files = [store.path, store.path.with_name(store.path.name + "-wal")]
        data = b"".join(f.read_bytes() for f in files if f.exists())
        return [w for w in words if w in data]

    assert held() == list(words)
    secure = await (await store.conn.execute("PRAGMA secure_delete")).fetchone()
    assert secure is not None and secure[0] == 1  # freed space is zeroed, whatever the build
    await store.forget_deleted()  # the words are in the database file itself now
    assert held() == list(words)
    sent = await store.pending_outbox(100)
    await store.mark_published([m.position for m in sent[:-1]])  # the last is not sent yet
    assert (await admin.post("/erasures", json={"phone": PHONE})).status_code == 200
    unsent = [m.event_id for m in await store.pending_outbox(100)]
    assert unsent[0] == sent[-1].event_id and len(unsent) == 2  # it and the erasure go out
    await store.mark_published([m.position for m in await store.pending_outbox(100)])
    assert held() == []  # once sent, the one with the words is deleted too
    assert await store.purge_published(datetime.now(UTC) + timedelta(minutes=1)) == 1


async def test_erasure_leaves_no_sent_event_of_the_complaint_in_the_outbox(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    c = await register(agent)
    await close_case(intake, c["id"], clock.now())
    store = cast(SqliteIntakeStore, intake.store)
    await store.mark_published([m.position for m in await store.pending_outbox(100)])
    other = await register(agent, customer={"name": "李娜", "phone": "13900001111"})
    assert (await admin.post("/erasures", json={"phone": PHONE})).status_code == 200
    with sqlite3.connect(store.path) as db:
        kept = db.execute("SELECT key, event_type, published FROM outbox").fetchall()
    assert (c["id"], "complaint.erased", 0) in kept
    assert {k for k, _, _ in kept} == {c["id"], other["id"]}
    assert [t for k, t, _ in kept if k == c["id"]] == ["complaint.erased"]
    assert b"\xe5\xbc\xa0\xe4\xbc\x9f" not in store.path.read_bytes()  # 张伟


def channel_example(name: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads((EXAMPLES / name).read_text(encoding="utf-8")))


async def register_from(
    client: httpx.AsyncClient, channel: str, payload: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(f"/channels/{channel}", json=payload)
    assert response.status_code == 201, response.text
    return cast(dict[str, Any], response.json())


async def erase_ticket(
    runtime: ServiceRuntime, admin: httpx.AsyncClient, c: dict[str, Any], at: datetime
) -> None:
    await close_case(runtime, c["id"], at)
    assert (await admin.post("/erasures", json={"ticket_no": c["ticket_no"]})).status_code == 200


def message_keys(runtime: ServiceRuntime) -> list[str]:
    with sqlite3.connect(cast(SqliteIntakeStore, runtime.store).path) as db:
        return [k for (k,) in db.execute("SELECT key FROM message_keys")]


async def test_an_erased_social_complaint_loses_the_link_to_the_post(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    mention = channel_example("social.zh.json")
    c = await register_from(agent, "social", mention)
    assert c["references"]["post_url"] == mention["post_url"]
    await erase_ticket(intake, admin, c, clock.now())
    shown = (await agent.get(f"/complaints/{c['id']}")).json()
    assert "post_url" not in shown["references"]
    assert shown["references"]["platform"] == "weibo"  # the channel's own facts stay
    with sqlite3.connect(cast(SqliteIntakeStore, intake.store).path) as db:
        (doc,) = db.execute("SELECT doc FROM complaints WHERE id = ?", (c["id"],)).fetchone()
    assert mention["post_url"] not in doc and mention["author_handle"] not in doc
    assert mention["post_id"] not in doc and mention["author_id"] not in doc
    keys = message_keys(intake)
    assert keys and not any(mention["post_id"] in k for k in keys)
    again = await agent.post("/channels/social", json=mention)  # the listening tool redelivers
    assert again.status_code == 200 and again.json()["id"] == c["id"]


async def test_erasure_rekeys_a_message_id_kept_in_the_clear_before_ids_were_hashed(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    mention = channel_example("social.zh.json")
    c = await register_from(agent, "social", mention)
    store = cast(SqliteIntakeStore, intake.store)
    await store.conn.execute(
        "UPDATE message_keys SET key = ? WHERE complaint_id = ?",
        (f"msg:weibo:{mention['post_id']}", c["id"]),
    )
    await store.conn.commit()
    assert (await agent.post("/channels/social", json=mention)).json()["id"] == c["id"]
    await erase_ticket(intake, admin, c, clock.now())
    keys = message_keys(intake)
    assert len(keys) == 1 and mention["post_id"] not in keys[0]
    assert (await agent.post("/channels/social", json=mention)).json()["id"] == c["id"]


async def test_an_agency_case_number_stays_after_the_erasure(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    """The dealership still answers to the regulator for its case."""
    case = channel_example("regulator.zh.json")
    c = await register_from(agent, "regulator", case)
    await erase_ticket(intake, admin, c, clock.now())
    assert (await agent.get(f"/complaints/{c['id']}")).json()["external_id"] == case["case_no"]


async def test_an_erased_complaint_loses_the_ids_of_its_follow_ups_messages(
    intake: ServiceRuntime, agent: httpx.AsyncClient, admin: httpx.AsyncClient, clock: ManualClock
) -> None:
    chat = channel_example("chat.zh.json")
    c = await register_from(agent, "chat", chat)
    again = {**chat, "session_id": "CS-20240816-0B91C4"}  # the customer comes back next day
    linked = await agent.post("/channels/chat", json=again)
    assert linked.status_code == 200 and linked.json()["outcome"] == "linked"
    assert linked.json()["follow_ups"][0]["external_id"] == again["session_id"]
    store = cast(SqliteIntakeStore, intake.store)
    await store.conn.execute(  # the follow-up's id as kept before ids were hashed
        "UPDATE message_keys SET key = ? WHERE rowid = (SELECT max(rowid) FROM message_keys)",
        (f"msg:online_chat:{again['session_id']}",),
    )
    await store.conn.commit()
    await erase_ticket(intake, admin, c, clock.now())
    shown = (await agent.get(f"/complaints/{c['id']}")).json()
    assert [f["external_id"] for f in shown["follow_ups"]] == [None]
    with sqlite3.connect(store.path) as db:
        (doc,) = db.execute("SELECT doc FROM complaints WHERE id = ?", (c["id"],)).fetchone()
    assert chat["session_id"] not in doc and again["session_id"] not in doc
    assert not any(again["session_id"] in k for k in message_keys(intake))
    replayed = await agent.post("/channels/chat", json=again)
    assert replayed.status_code == 200 and replayed.json()["id"] == c["id"]


async def test_complaints_erased_by_an_older_version_are_erased_again_at_start(
    make_settings: Callable[..., Settings], clock: ManualClock
) -> None:
    """Version 1 kept the chat session id, in the record and in the clear as a message key,
    and the events already sent: the next start drops them and announces the erasure again,
    keeping who erased it, why and when."""
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    chat = channel_example("chat.zh.json")
    session = chat["session_id"]
    store = cast(SqliteIntakeStore, runtime.store)
    async with client_for(runtime, AGENT) as agent, client_for(runtime, ADMIN) as admin:
        c = await register_from(agent, "chat", chat)
        await store.mark_published([m.position for m in await store.pending_outbox(100)])
        with sqlite3.connect(store.path) as db:
            sent = db.execute("SELECT * FROM outbox WHERE key = ?", (c["id"],)).fetchall()
        await erase_ticket(runtime, admin, c, clock.now())
        before = (await agent.get(f"/complaints/{c['id']}")).json()
    await runtime.store.close()
    with sqlite3.connect(store.path) as db:  # as version 1 left it
        (doc,) = db.execute("SELECT doc FROM complaints WHERE id = ?", (c["id"],)).fetchone()
        old = {**json.loads(doc), "external_id": session}
        del old["erasure_version"]
        db.execute(
            "UPDATE complaints SET doc = ? WHERE id = ?",
            (json.dumps(old, ensure_ascii=False), c["id"]),
        )
        db.execute("DROP INDEX complaints_erasure")  # the column came with version 2
        db.execute("ALTER TABLE complaints DROP COLUMN erasure_version")
        db.execute("UPDATE message_keys SET key = ?", (f"msg:online_chat:{session}",))
        db.execute("DELETE FROM outbox")
        db.executemany(f"INSERT INTO outbox VALUES ({', '.join('?' * len(sent[0]))})", sent)
        db.execute("PRAGMA user_version = 1")

    upgraded = bootstrap(make_settings(), clock=clock)
    service = service_of(upgraded)
    assert service.erase_again_where_older in upgraded._prepare
    await upgraded.store.open()
    try:
        assert await service.erase_again_where_older() == 1
        assert await service.erase_again_where_older() == 0
        async with client_for(upgraded, AGENT) as agent:
            shown = (await agent.get(f"/complaints/{c['id']}")).json()
            assert shown["external_id"] is None
            for kept in ("erased_at", "erasure_reason", "ticket_no", "registered_at"):
                assert shown[kept] == before[kept]
            replayed = await agent.post("/channels/chat", json=chat)
            assert replayed.status_code == 200 and replayed.json()["id"] == c["id"]
        assert not any(session in k for k in message_keys(upgraded))
        with sqlite3.connect(store.path) as db:
            kept_events = db.execute(
                "SELECT event_type, published FROM outbox WHERE key = ?", (c["id"],)
            ).fetchall()
        assert kept_events == [("complaint.erased", 0)]
        (event,) = await erasures(upgraded)
        payload = event.payload_as(ComplaintErased)
        assert payload.reason == "customer_request"
        assert payload.erased_at.isoformat().startswith(before["erased_at"][:19])
        assert session.encode() not in store.path.read_bytes()
    finally:
        await upgraded.store.close()
