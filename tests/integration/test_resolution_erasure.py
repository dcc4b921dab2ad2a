"""Intake's erasure reaches a closed case on the real SQLite store: the customer's copies go
(beside the case too), a redelivery changes nothing, nobody is notified, the page still
renders and says the data was erased."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.case import RecordFeedback, Step
from services.resolution.store import SqliteResolutionStore
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.contracts.analytics import CAUSE_PREDICTED, CauseEvidence, CausePredicted
from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_ERASED, ComplaintErased
from shared.runtime import ServiceRuntime
from shared.vocab import Department, ErasureReason
from shared.web.pages import TOKEN_COOKIE
from tests.support.cases import AGENT, LOOP
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 1, 0, tzinfo=UTC)
ERASED_AT = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)  # 10:00 on 1 September in Shanghai
HEAD = Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES)
WORDS = ("Li", "139****0000", "salesman", "粤A***45", "方向盘抖动", "异响")
"""What the customer's copies hold: none of it may be left anywhere in the file."""


def erased(event_id: str | None = None) -> EventEnvelope:
    event = new_event(
        payload=ComplaintErased(
            complaint_id="c-1",
            ticket_no="TS-20260302-0001",
            reason=ErasureReason.CUSTOMER_REQUEST,
            erased_at=ERASED_AT,
        ),
        event_type=COMPLAINT_ERASED,
        complaint_id="c-1",
        actor=Actor(id="dpo", role="admin"),
        producer="intake",
        occurred_at=ERASED_AT,
    )
    return event.model_copy(update={"event_id": event_id}) if event_id else event


def predicted() -> EventEnvelope:
    return new_event(
        payload=CausePredicted(
            complaint_id="c-1",
            causes=["product_quality"],
            primary_cause="product_quality",
            confidence=0.8,
            model_version="m1",
            explanation=["product_quality: cue 方向盘抖动 (+2.0)"],
            evidence=[
                CauseEvidence(cause="product_quality", terms=["方向盘抖动"], negated=["异响"])
            ],
        ),
        event_type=CAUSE_PREDICTED,
        complaint_id="c-1",
        actor=Actor.service("analytics"),
        producer="analytics",
    )


@pytest.fixture
async def resolution(make_settings: Any) -> AsyncIterator[ServiceRuntime]:
    """c-1 closed (a satisfied customer), with a predicted cause quoting the complaint."""
    clock = ManualClock(T0)
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    service = runtime.app.state.service
    await service.on_complaint_registered(
        complaint_registered("c-1", at=T0, plate_masked="粤A***45", demand_note="salesman")
    )
    await service.on_cause_predicted(predicted())
    feedback = (Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=5, comment="Li: fine"), AGENT)
    for step, command, actor in (*LOOP, feedback):
        clock.advance(timedelta(hours=1))
        await service.take_step("c-1", step, command, actor=actor)
    try:
        yield runtime
    finally:
        await runtime.store.close()


async def stored_text(runtime: ServiceRuntime) -> str:
    """Everything the file holds about the case: its document and its suggestion."""
    store = runtime.store
    assert isinstance(store, SqliteResolutionStore)
    cursor = await store.conn.execute(
        "SELECT doc || coalesce(suggestion, '') FROM cases LEFT JOIN suggestions"
        " USING (complaint_id) WHERE complaint_id = 'c-1'"
    )
    row = await cursor.fetchone()
    assert row is not None
    return str(row[0])


async def page(runtime: ServiceRuntime, path: str) -> str:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: runtime.tokens.issue(HEAD)},
    ) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.text


async def test_an_erasure_applies_once_and_tells_nobody(resolution: ServiceRuntime) -> None:
    service = resolution.app.state.service
    before = await service.get_case("c-1")
    held = await stored_text(resolution)
    assert before.status == "closed" and [w for w in WORDS if w not in held] == []
    outbox = await resolution.store.pending_outbox(100)

    event = erased()
    assert await service.on_complaint_erased(event) is True
    after = await service.get_case("c-1")
    assert await service.on_complaint_erased(event) is False  # redelivered
    assert await service.on_complaint_erased(erased("another-id")) is False  # erased before
    assert await service.get_case("c-1") == after

    assert (after.erased_at, after.erasure_reason) == (ERASED_AT, "customer_request")
    assert after.version == before.version + 1
    assert [e.step for e in after.timeline] == [
        *(e.step for e in before.timeline),
        "personal_data_erased",
    ]
    assert (after.causes, after.remedy, after.closed_at) == (
        before.causes,
        before.remedy,
        before.closed_at,
    )
    assert after.suggestion is not None and after.suggestion.primary_cause == "product_quality"
    text = await stored_text(resolution)
    assert [w for w in WORDS if w in text] == []
    assert await resolution.store.pending_outbox(100) == outbox  # no notification, no event


async def test_a_late_prediction_does_not_bring_the_words_back(
    resolution: ServiceRuntime,
) -> None:
    service = resolution.app.state.service
    await service.on_complaint_erased(erased())
    await service.on_cause_predicted(predicted())  # a new event: a re-scoring, say
    case = await service.get_case("c-1")
    assert case.suggestion is not None and case.suggestion.evidence == []
    assert [w for w in WORDS if w in await stored_text(resolution)] == []


async def test_an_erasure_for_no_case_is_refused_for_the_dead_letters(
    resolution: ServiceRuntime,
) -> None:
    event = erased()
    stray = event.model_copy(
        update={
            "complaint_id": "c-404",
            "payload": {**event.payload, "complaint_id": "c-404"},
        }
    )
    with pytest.raises(LookupError):
        await resolution.app.state.service.on_complaint_erased(stray)


async def test_an_erased_case_still_renders_and_says_so(resolution: ServiceRuntime) -> None:
    assert "data-contact" in await page(resolution, "/ui/cases/c-1")
    await resolution.app.state.service.on_complaint_erased(erased())
    zh = await page(resolution, "/ui/cases/c-1")
    assert "客户个人信息已删除（客户要求删除，2026-09-01）" in zh
    assert 'data-step="personal_data_erased"' in zh and "删除客户个人信息" in zh
    assert "data-contact" not in zh  # no number left to show
    assert [w for w in WORDS if w in zh] == []
    en = await page(resolution, "/ui/cases/c-1?lang=en")
    assert "Customer&#39;s personal data erased (At the customer&#39;s request, 2026-09-01)" in en
    queue = await page(resolution, "/ui/cases?scope=all")
    assert "个人信息已删除" in queue


async def test_the_case_json_of_an_erased_case(resolution: ServiceRuntime) -> None:
    await resolution.app.state.service.on_complaint_erased(erased())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
    ) as client:
        token = resolution.tokens.issue(HEAD)
        response = await client.get("/cases/c-1", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    case = response.json()
    assert (case["erasure_reason"], case["customer_name"], case["content"]) == (
        "customer_request",
        "",
        "",
    )
    assert case["status"] == "closed" and case["stages"] and case["causes"]


async def test_no_contact_grant_for_an_erased_customer(resolution: ServiceRuntime) -> None:
    async def grant() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
        ) as client:
            token = resolution.tokens.issue(HEAD)
            return await client.post(
                "/cases/c-1/contact_grant", headers={"Authorization": f"Bearer {token}"}
            )

    assert (await grant()).status_code == 200
    await resolution.app.state.service.on_complaint_erased(erased())
    refused = await grant()
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "personal_data_erased"


async def test_an_erasure_deletes_the_cases_events_already_sent_and_sends_the_rest(
    resolution: ServiceRuntime,
) -> None:
    store = resolution.store
    assert isinstance(store, SqliteResolutionStore)
    sent = await store.pending_outbox(100)
    await store.mark_published([m.position for m in sent[:-1]])
    assert len(sent) > 2 and {m.key for m in sent} == {"c-1"}
    await resolution.app.state.service.on_complaint_erased(erased())
    assert [m.event_id for m in await store.pending_outbox(100)] == [sent[-1].event_id]
    cursor = await store.conn.execute("SELECT count(*) FROM outbox")
    assert tuple(await cursor.fetchone() or ()) == (1,)
