"""The closed loop over HTTP on a real SQLite store: every step by the person the manual
names, 409 for a step out of turn or a stale version, 403 for the wrong person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.alerts import Reader
from shared.auth import InvalidTokenError, Principal, Role, verify_contact_grant
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.notifications import NOTIFICATION_SETTLED, NotificationSettled
from shared.contracts.resolution import CaseStepTaken
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Department
from tests.support.events import complaint_registered

PEOPLE = {
    "agent": Principal(user="amy", role=Role.AGENT),
    "owner": Principal(user="olga", role=Role.OWNER, department=Department.AFTER_SALES),
    "other_owner": Principal(user="otto", role=Role.OWNER, department=Department.AFTER_SALES),
    "head": Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES),
    "sales_head": Principal(user="sun", role=Role.DEPARTMENT_HEAD, department=Department.SALES),
    "gm": Principal(user="gao", role=Role.GENERAL_MANAGER),
    "quality": Principal(user="q", role=Role.QUALITY),
}


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
async def http(resolution: ServiceRuntime) -> AsyncIterator[Callable[..., Any]]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
    ) as client:

        async def call(
            who: str, step: str, body: dict[str, Any] | None = None, **headers: str
        ) -> httpx.Response:
            token = resolution.tokens.issue(PEOPLE[who])
            return await client.post(
                f"/cases/c-1/{step}",
                json=body or {},
                headers={"Authorization": f"Bearer {token}", **headers},
            )

        call.client = client  # type: ignore[attr-defined]
        yield call


async def read(
    resolution: ServiceRuntime, http: Callable[..., Any], who: str, path: str
) -> httpx.Response:
    """GET ``path`` as one of PEOPLE."""
    client: httpx.AsyncClient = http.client  # type: ignore[attr-defined]
    token = resolution.tokens.issue(PEOPLE[who])
    return await client.get(path, headers={"Authorization": f"Bearer {token}"})


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def investigate(http: Callable[..., Any], amount: int = 800) -> None:
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    ok(await http("owner", "start_investigation"))
    ok(
        await http(
            "owner",
            "record_findings",
            {
                "findings": "保养时漏检刹车盘",
                "causes": ["service_attitude_efficiency", "product_quality"],
                "primary_cause": "service_attitude_efficiency",
            },
        )
    )
    ok(
        await http(
            "owner",
            "propose_remedy",
            {"types": ["repair", "apology"], "amount": amount, "message_to_customer": "免费更换"},
        )
    )
    ok(await http("owner", "submit_for_approval"))


async def test_the_whole_loop_over_http_publishes_each_step(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    await investigate(http)
    ok(await http("head", "approve"))
    held = ok(await http("owner", "put_on_hold", {"reason": "配件在途", "waiting_for": "parts"}))
    assert held["holds"][-1]["waiting_for"] == "parts"
    assert [p["waiting_for"] for p in held["paused"]] == ["parts"]
    await asyncio.sleep(0.01)  # on hold, the due time moves on with the clock
    later = ok(await read(resolution, http, "owner", "/cases/c-1"))
    assert datetime.fromisoformat(later["due_at"]) == datetime.fromisoformat(later["sla"]["due_at"])
    assert datetime.fromisoformat(later["due_at"]) > datetime.fromisoformat(held["due_at"])
    ok(await http("owner", "resume"))
    wrong = await http("owner", "put_on_hold", {"reason": "x", "waiting_for": "lunch"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "body.waiting_for"
    ok(await http("owner", "start_execution"))
    ok(await http("owner", "resolve", {"customer_notified": True}))
    ok(await http("owner", "request_feedback"))
    closed = ok(await http("agent", "record_feedback", {"satisfaction": 4, "comment": "满意"}))
    assert closed["status"] == "closed"
    assert closed["allowed_steps"] == ["record_follow_up_call"]  # the 3-day call comes next
    assert closed["sla"]["breached"] is False
    assert [e["step"] for e in closed["timeline"]][-1] == "record_feedback"

    events = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(100)]
    types = [e.type for e in events if e.type.startswith("case.")]
    assert types[0] == "case.opened"
    assert "case.remedy_approved" in types
    assert types[-2:] == ["case.feedback_recorded", "case.closed"]
    told = [e.payload for e in events if e.type == "notification.requested"]
    # assigned, approved, executing, resolved (please rate us), closed
    assert [n["purpose"] for n in told] == [
        "progress", "progress", "progress", "feedback_request", "progress"
    ]  # fmt: skip
    assert "olga" in told[0]["text"] and "TS-" in told[0]["text"]
    hold = next(e for e in events if e.type == "case.put_on_hold")
    assert hold.payload["waiting_for"] == "parts"
    ending = next(e for e in events if e.type == "case.closed").payload["stage_times"]
    assert {(t["stage"], t["department"]) for t in ending} == {
        ("triage", None), ("investigate", "after_sales"), ("propose", "after_sales"),
        ("approve", "after_sales"), ("execute", "after_sales"), ("feedback", "after_sales"),
    }  # fmt: skip
    assert not any(t["over"] for t in ending)
    assert closed["stages"][0]["stage"] == "triage"

    # the 3-day call (3日DC): due until it reaches the customer, and told to the other services
    assert closed["follow_up_due_at"] is not None
    missed = ok(
        await http("agent", "record_follow_up_call", {"reached": False, "summary": "无人接听"})
    )
    assert missed["follow_up_due_at"] == closed["follow_up_due_at"]
    called = ok(
        await http(
            "agent",
            "record_follow_up_call",
            {"reached": True, "satisfaction": 5, "summary": "刹车已正常，客户满意"},
        )
    )
    assert (called["status"], called["follow_up_due_at"]) == ("closed", None)
    assert called["follow_up_satisfaction"] == 5 and called["follow_up_call_at"] is not None
    sent = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(100)]
    assert [e.type for e in sent][-2:] == ["case.follow_up_call_recorded"] * 2
    unreached, reached = (e.payload_as(CaseStepTaken) for e in sent[-2:])  # for analytics
    assert unreached.follow_up_due_at == reached.follow_up_due_at is not None
    assert (unreached.follow_up_call_at, unreached.follow_up_satisfaction) == (None, None)
    assert reached.follow_up_call_at is not None and reached.follow_up_satisfaction == 5


async def test_a_low_rating_on_the_3_day_call_reopens_the_closed_case(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    await investigate(http)
    for role, step, body in (
        ("head", "approve", None),
        ("owner", "start_execution", None),
        ("owner", "resolve", {"customer_notified": True}),
        ("owner", "request_feedback", None),
        ("agent", "record_feedback", {"satisfaction": 4}),
    ):
        ok(await http(role, step, body))
    said = {"reached": True, "satisfaction": 2, "summary": "刹车又响了，客户很不满意"}
    reopened = ok(await http("agent", "record_follow_up_call", said))
    assert (reopened["status"], reopened["reopened"], reopened["escalation_level"]) == (
        "investigating", 1, 1,
    )  # fmt: skip
    assert reopened["remedy"] is None and reopened["sla"]["breached"] is False
    assert "propose_remedy" in reopened["allowed_steps"]
    sent = [EventEnvelope.from_bytes(m.value) for m in await resolution.store.pending_outbox(100)]
    assert [e.type for e in sent][-3:] == [
        "case.follow_up_call_recorded", "notification.requested", "case.reopened",
    ]  # fmt: skip
    assert "is reopened" in sent[-2].payload["text"]  # the customer hears by when, in writing
    assert sent[-1].payload_as(CaseStepTaken).from_status == "closed"
    head = Reader(user="hu", role="department_head", department="after_sales")
    [told] = await resolution.app.state.service.alerts_for(head)  # at once, not at 90 %
    assert (told.milestone, told.round, told.owner) == ("reopened", 2, "olga")


async def test_a_step_out_of_turn_is_409_naming_the_allowed_steps(
    http: Callable[..., Any],
) -> None:
    response = await http("head", "approve")
    assert response.status_code == 409
    assert response.json()["allowed_steps"][0] == "triage"


async def test_the_wrong_person_is_403(http: Callable[..., Any]) -> None:
    await investigate(http)
    assert (await http("sales_head", "approve")).status_code == 403
    assert (await http("owner", "approve")).status_code == 403  # role not an approver
    assert (await http("quality", "escalate", {"reason": "x"})).status_code == 403
    ok(await http("head", "approve"))
    assert (await http("other_owner", "start_execution")).status_code == 403


async def test_bad_command_bodies_are_422_with_field_paths(http: Callable[..., Any]) -> None:
    response = await http("agent", "triage", {"valid": "perhaps"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "body.valid"


async def test_above_the_threshold_the_gm_must_approve_too(http: Callable[..., Any]) -> None:
    await investigate(http, amount=12_000)
    assert ok(await http("head", "approve"))["status"] == "pending_approval"
    assert ok(await http("gm", "approve"))["status"] == "approved"


async def test_concurrent_conflicting_commands_one_wins(http: Callable[..., Any]) -> None:
    await investigate(http)
    approve, reject = await asyncio.gather(
        http("head", "approve"), http("gm", "reject", {"reason": "太贵"})
    )
    assert sorted([approve.status_code, reject.status_code]) == [200, 409]


async def test_a_stale_version_is_409(http: Callable[..., Any]) -> None:
    triaged = ok(await http("agent", "triage", {"valid": True}))
    stale = str(triaged["version"] - 1)
    response = await http(
        "head", "assign", {"department": "after_sales", "owner": "olga"}, **{"If-Match": stale}
    )
    assert response.status_code == 409


async def test_queues_and_the_approval_inbox(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    await investigate(http)

    async def get(who: str, path: str) -> list[dict[str, Any]]:
        response = await read(resolution, http, who, path)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    assert [c["complaint_id"] for c in await get("owner", "/cases")] == ["c-1"]
    assert await get("other_owner", "/cases") == []
    assert [c["complaint_id"] for c in await get("head", "/approvals")] == ["c-1"]
    assert await get("sales_head", "/approvals") == []
    assert await get("gm", "/approvals") == []  # ¥800: the head's alone
    ok(await http("head", "approve"))
    assert await get("head", "/approvals") == []
    assert [c["complaint_id"] for c in await get("gm", "/cases?order=newest")] == ["c-1"]
    assert await get("gm", "/cases?order=newest&offset=1") == []
    bad = await read(resolution, http, "gm", "/cases?order=sideways&offset=-1")
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"query.order", "query.offset"}


async def test_a_large_remedy_waits_for_the_head_then_the_general_manager(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    await investigate(http, amount=8000)

    async def inbox(who: str) -> list[str]:
        response = await read(resolution, http, who, "/approvals")
        assert response.status_code == 200, response.text
        return [c["complaint_id"] for c in response.json()]

    assert (await inbox("head"), await inbox("gm")) == (["c-1"], ["c-1"])
    ok(await http("head", "approve"))
    assert (await inbox("head"), await inbox("gm")) == ([], ["c-1"])
    approved = ok(await http("gm", "approve"))
    assert approved["status"] == "approved"
    assert (await inbox("head"), await inbox("gm")) == ([], [])


async def test_a_new_case_waits_in_every_heads_queue_until_it_is_assigned(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:

    async def queue(who: str) -> list[str]:
        response = await read(resolution, http, who, "/cases")
        assert response.status_code == 200, response.text
        return [c["complaint_id"] for c in response.json()]

    assert await queue("head") == ["c-1"]  # registered: any head may have to assign it
    assert await queue("sales_head") == ["c-1"]
    ok(await http("agent", "triage", {"valid": True}))
    assert await queue("sales_head") == ["c-1"]  # triaged, still nobody's
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    assert await queue("head") == ["c-1"]
    assert await queue("sales_head") == []  # another department's now


async def test_a_prediction_arriving_meanwhile_neither_conflicts_nor_is_lost(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    from shared.contracts.analytics import CAUSE_PREDICTED, CausePredicted
    from shared.contracts.envelope import Actor, new_event

    seen = ok(await http("agent", "triage", {"valid": True}))["version"]
    prediction = CausePredicted(
        complaint_id="c-1", causes=["product_quality"], primary_cause="product_quality",
        confidence=0.9, model_version="m001", explanation=["product_quality: 刹车"],
    )  # fmt: skip
    event = new_event(
        payload=prediction, event_type=CAUSE_PREDICTED, complaint_id="c-1",
        actor=Actor.service("analytics"), producer="analytics",
    )  # fmt: skip
    assert await resolution.app.state.service.on_cause_predicted(event)
    assigned = ok(
        await http(
            "head",
            "assign",
            {"department": "after_sales", "owner": "olga"},
            **{"If-Match": str(seen)},
        )
    )
    assert assigned["suggestion"]["model_version"] == "m001"
    case = await resolution.app.state.service.get_case("c-1")
    assert case.owner == "olga" and case.suggestion is not None


async def test_a_new_case_naming_a_department_waits_in_that_heads_queue_only(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    service = resolution.app.state.service
    await service.on_complaint_registered(
        complaint_registered(
            "c-2", department=Department.SALES, target_kind="staff", target_staff="王强"
        )
    )

    async def queue(who: str) -> list[str]:
        response = await read(resolution, http, who, "/cases")
        assert response.status_code == 200, response.text
        return sorted(c["complaint_id"] for c in response.json())

    assert await queue("sales_head") == ["c-1", "c-2"]  # c-1 names no department
    assert await queue("head") == ["c-1"]  # c-2 is about sales: sales' head assigns it
    assert await queue("gm") == ["c-1", "c-2"]
    target = (await read(resolution, http, "gm", "/cases/c-2")).json()
    assert (target["target_department"], target["target_kind"], target["target_staff"]) == (
        "sales",
        "staff",
        "王强",
    )


async def test_the_case_version_is_its_entity_tag(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    seen = await read(resolution, http, "agent", "/cases/c-1")
    assert seen.headers["etag"] == f'"{seen.json()["version"]}"'
    triaged = await http("agent", "triage", {"valid": True}, **{"If-Match": seen.headers["etag"]})
    assert triaged.status_code == 200 and triaged.headers["etag"] == '"2"'
    weak = {"If-Match": 'W/"2"'}
    assigned = await http("head", "assign", {"department": "after_sales", "owner": "olga"}, **weak)
    assert assigned.status_code == 200, assigned.text
    stale = await http("owner", "start_investigation", **{"If-Match": '"2"'})
    assert stale.status_code == 409 and stale.json()["code"] == "case_changed"
    garbage = await http("owner", "start_investigation", **{"If-Match": "*x"})
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["path"] == "header.If-Match"


async def test_another_heads_new_case_neither_opens_nor_moves(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    service = resolution.app.state.service
    await service.on_complaint_registered(complaint_registered("c-2", department=Department.SALES))
    client: httpx.AsyncClient = http.client  # type: ignore[attr-defined]

    async def step(who: str, name: str, body: dict[str, Any]) -> httpx.Response:
        token = resolution.tokens.issue(PEOPLE[who])
        headers = {"Authorization": f"Bearer {token}"}
        return await client.post(f"/cases/c-2/{name}", json=body, headers=headers)

    assert (await read(resolution, http, "head", "/cases/c-2")).status_code == 403
    refused = await step("head", "triage", {"valid": True})  # after-sales' head
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "other_department_case"
    assert refused.json()["department"] == "sales"
    assert (await service.get_case("c-2")).version == 1  # nothing written
    assert (await read(resolution, http, "sales_head", "/cases/c-2")).status_code == 200
    ok(await step("sales_head", "triage", {"valid": True}))
    moved = await step("head", "assign", {"department": "after_sales", "owner": "olga"})
    assert moved.status_code == 403 and moved.json()["code"] == "other_department_case"
    assert (await read(resolution, http, "head", "/cases/c-2")).status_code == 403
    ok(await step("gm", "assign", {"department": "after_sales", "owner": "olga"}))  # the GM may
    assert (await read(resolution, http, "head", "/cases/c-2")).status_code == 200  # now theirs


async def test_a_contact_grant_goes_to_whoever_may_call_this_customer(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    answers = {who: await http(who, "contact_grant") for who in PEOPLE}
    assert {who: r.status_code for who, r in answers.items()} == {
        "agent": 200,
        "owner": 200,
        "other_owner": 403,  # not otto's case
        "head": 200,
        "sales_head": 403,  # another department's
        "gm": 200,
        "quality": 403,  # quality reads cases but does not call customers
    }
    granted = answers["owner"].json()
    assert granted["contact_url"] == "/intake/complaints/c-1/contact"
    verify_contact_grant(
        resolution.tokens, granted["grant"], principal=PEOPLE["owner"], complaint_id="c-1"
    )
    with pytest.raises(InvalidTokenError):
        verify_contact_grant(
            resolution.tokens, granted["grant"], principal=PEOPLE["agent"], complaint_id="c-1"
        )
    with pytest.raises(InvalidTokenError):  # a grant for the phone reads no messages
        verify_contact_grant(
            resolution.tokens,
            granted["grant"],
            principal=PEOPLE["owner"],
            complaint_id="c-1",
            purpose="messages",
        )
    texts = ok(await http("owner", "contact_grant?purpose=messages"))
    assert texts["contact_url"] == "/intake/complaints/c-1/messages"
    verify_contact_grant(
        resolution.tokens,
        texts["grant"],
        principal=PEOPLE["owner"],
        complaint_id="c-1",
        purpose="messages",
    )
    odd = await http("owner", "contact_grant?purpose=everything")
    assert (odd.status_code, odd.json()["errors"][0]["path"]) == (422, "query.purpose")


async def test_an_invalid_complaint_without_an_explanation_is_422_and_changes_nothing(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    before = ok(await read(resolution, http, "agent", "/cases/c-1"))
    queued = len(await resolution.store.pending_outbox(100))
    refused = await http("agent", "triage", {"valid": False, "note": "客户无理取闹"})
    assert refused.status_code == 422
    assert [(e["path"], e["type"]) for e in refused.json()["errors"]] == [
        ("body.explanation", "explanation_required")
    ]
    assert ok(await read(resolution, http, "agent", "/cases/c-1")) == before
    assert len(await resolution.store.pending_outbox(100)) == queued  # nothing to send

    closed = ok(await http("agent", "triage", {"valid": False, "explanation": "非本店车辆"}))
    assert (closed["status"], closed["primary_cause"]) == ("closed", "customer_misunderstanding")
    assert (closed["allowed_steps"], closed["follow_up_due_at"]) == (
        [],
        None,
    )  # no remedy to call about
    no_call = await http("agent", "record_follow_up_call", {"reached": True, "summary": "x"})
    assert (no_call.status_code, no_call.json()["code"]) == (409, "nothing_to_follow_up")


async def test_a_step_that_needs_another_first_is_409_and_a_bad_primary_cause_is_422(
    http: Callable[..., Any],
) -> None:
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    ok(await http("owner", "start_investigation"))
    early = await http(
        "owner", "propose_remedy", {"types": ["apology"], "message_to_customer": "致歉"}
    )
    assert early.status_code == 409
    assert (early.json()["code"], early.json()["step"]) == ("findings_first", "propose_remedy")
    mixed = await http(
        "owner",
        "record_findings",
        {"findings": "x", "causes": ["process_policy"], "primary_cause": "product_quality"},
    )
    assert mixed.status_code == 422
    assert [(e["path"], e["type"]) for e in mixed.json()["errors"]] == [
        ("body.primary_cause", "primary_not_a_cause")
    ]


async def test_a_case_opens_for_its_people_and_not_for_another_department_or_owner(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:

    async def opens(who: str) -> int:
        return (await read(resolution, http, who, "/cases/c-1")).status_code

    assert (await opens("sales_head"), await opens("other_owner")) == (200, 403)  # new: any head
    turn_away = {"valid": False, "explanation": "非本店车辆"}
    assert (await http("owner", "triage", turn_away)).status_code == 403  # the desk's
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    readers = {who: await opens(who) for who in PEOPLE}
    assert readers == {
        "agent": 200,
        "owner": 200,
        "other_owner": 403,
        "head": 200,
        "sales_head": 403,  # another department's now
        "gm": 200,
        "quality": 200,
    }
    refused = await read(resolution, http, "sales_head", "/cases/c-1")
    assert refused.json()["code"] == "not_your_case"  # a code the pages translate
    stepped = await http("other_owner", "start_investigation")
    assert (stepped.status_code, stepped.json()["code"]) == (403, "owned_by_other")
    assert stepped.json()["owner"] == "olga"
    ok(await http("owner", "start_investigation"))
    ok(await http("head", "reassign", {"department": "after_sales", "owner": "otto"}))
    assert (await opens("owner"), await opens("other_owner")) == (200, 200)  # olga worked on it


async def test_a_remedy_the_head_proposed_waits_for_the_general_manager(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    ok(await http("head", "start_investigation"))
    findings = {"findings": "x", "causes": ["process_policy"], "primary_cause": "process_policy"}
    ok(await http("head", "record_findings", findings))
    remedy = {"types": ["apology"], "amount": 300, "message_to_customer": "致歉"}
    ok(await http("head", "propose_remedy", remedy))
    ok(await http("head", "submit_for_approval"))

    async def inbox(who: str) -> list[str]:
        return [c["complaint_id"] for c in (await read(resolution, http, who, "/approvals")).json()]

    assert (await inbox("head"), await inbox("gm")) == ([], ["c-1"])  # not their own proposal
    assert ok(await http("gm", "approve"))["status"] == "approved"


def settled(request_id: str, status: str, complaint_id: str = "c-1") -> EventEnvelope:
    return new_event(
        payload=NotificationSettled(
            request_id=request_id,
            complaint_id=complaint_id,
            ticket_no="TS-1",
            purpose="progress",
            medium="sms",
            status=status,
            attempts=5 if status == "failed" else 1,
            reason="unreachable" if status == "failed" else None,
        ),
        event_type=NOTIFICATION_SETTLED,
        complaint_id=complaint_id,
        actor=Actor.service("intake-delivery"),
        producer="intake",
        occurred_at=datetime.now(UTC),
    )


async def test_the_case_shows_what_became_of_each_message_to_the_customer(
    resolution: ServiceRuntime, http: Callable[..., Any]
) -> None:
    service = resolution.app.state.service
    ok(await http("agent", "triage", {"valid": True}))
    ok(await http("head", "assign", {"department": "after_sales", "owner": "olga"}))
    sent, failed = settled("e-1", "sent"), settled("e-2", "failed")
    assert await service.on_notification_settled(sent)
    assert await service.on_notification_settled(failed)
    assert not await service.on_notification_settled(failed)  # redelivered: nothing new
    notices = (await read(resolution, http, "owner", "/cases/c-1/notices")).json()
    assert [(n["request_id"], n["status"], n["attempts"]) for n in notices] == [
        ("e-1", "sent", 1),
        ("e-2", "failed", 5),
    ]
    case = ok(await read(resolution, http, "owner", "/cases/c-1"))
    assert case["version"] == 3  # the notices moved no version: no step turned into a conflict
    refused = await read(resolution, http, "sales_head", "/cases/c-1/notices")
    assert (refused.status_code, refused.json()["code"]) == (403, "not_your_case")
    early = settled("e-3", "sent", complaint_id="c-2")  # settled before its case is opened
    assert await service.on_notification_settled(early)
    await service.on_complaint_registered(complaint_registered("c-2"))
    later = (await read(resolution, http, "head", "/cases/c-2/notices")).json()
    assert [n["request_id"] for n in later] == ["e-3"]
