"""The case pages over HTTP, in process (no browser): a stage over its budget shows in the
queue, and the case page shows time by stage and what a hold waits for."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.resolution import pages
from services.resolution.bootstrap import bootstrap
from services.resolution.domain.alerts import Reader
from services.resolution.domain.case import (
    Actor,
    Approve,
    Assign,
    ProposeRemedy,
    PutOnHold,
    RecordFeedback,
    RecordFindings,
    Reject,
    RequestFeedback,
    Resolve,
    StartExecution,
    StartInvestigation,
    Step,
    SubmitForApproval,
    Triage,
)
from services.resolution.domain.staff import StaffMember
from shared.auth import InvalidTokenError, Principal, Role, verify_contact_grant
from shared.clock import ManualClock
from shared.contracts.analytics import CAUSE_PREDICTED, CauseEvidence, CausePredicted
from shared.contracts.envelope import Actor as EnvelopeActor
from shared.contracts.envelope import new_event
from shared.runtime import ServiceRuntime
from shared.vocab import Cause, Department, HoldReason
from shared.web.pages import TOKEN_COOKIE
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)
HEAD = Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES)
HEAD_READER = Reader(user="hu", role="department_head", department="after_sales")


@pytest.fixture
async def resolution(make_settings: Any) -> AsyncIterator[tuple[ServiceRuntime, ManualClock]]:
    clock = ManualClock(T0)
    runtime = bootstrap(make_settings(), clock=clock)
    await runtime.store.open()
    service = runtime.app.state.service
    head = Actor(user="hu", role="department_head", department="after_sales")
    owner = Actor(user="olga", role="owner", department="after_sales")
    for complaint_id in ("c-1", "c-2"):
        await service.on_complaint_registered(complaint_registered(complaint_id, at=T0))
        steps = [
            (Step.TRIAGE, Triage(valid=True), head),
            (Step.ASSIGN, Assign(department=Department.AFTER_SALES, owner="olga"), head),
            (Step.START_INVESTIGATION, StartInvestigation(), owner),
            (
                Step.RECORD_FINDINGS,
                RecordFindings(
                    findings="刹车盘磨损",
                    causes=[Cause.PRODUCT_QUALITY],
                    primary_cause=Cause.PRODUCT_QUALITY,
                ),
                owner,
            ),
            (
                Step.PROPOSE_REMEDY,
                ProposeRemedy(types=["repair"], amount=Decimal(300), message_to_customer="更换"),
                owner,
            ),
            (Step.SUBMIT_FOR_APPROVAL, SubmitForApproval(), owner),
        ]
        for step, command, actor in steps:
            await service.take_step(complaint_id, step, command, actor=actor)
    hold = PutOnHold(reason="等配件到店", waiting_for=HoldReason.PARTS)
    await service.take_step("c-2", Step.PUT_ON_HOLD, hold, actor=head)
    clock.set(T0 + 6 * H)  # the approval has waited longer than its 4.8 h
    try:
        yield runtime, clock
    finally:
        await runtime.store.close()


async def page(runtime: ServiceRuntime, path: str, who: Principal = HEAD) -> str:
    token = runtime.tokens.issue(who)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: token},
    ) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return response.text


OWNER = Actor(user="olga", role="owner", department="after_sales")
HEAD_ACTOR = Actor(user="hu", role="department_head", department="after_sales")


async def resolve_and_ask(runtime: ServiceRuntime, complaint_id: str) -> None:
    """Approved, executed, resolved: the customer is asked for their rating."""
    service = runtime.app.state.service
    head = Actor(user="hu", role="department_head", department="after_sales")
    await service.take_step(complaint_id, Step.APPROVE, Approve(), actor=head)
    for step, command in (
        (Step.START_EXECUTION, StartExecution()),
        (Step.RESOLVE, Resolve(customer_notified=True)),
        (Step.REQUEST_FEEDBACK, RequestFeedback()),
    ):
        await service.take_step(complaint_id, step, command, actor=OWNER)


async def test_the_queue_flags_a_stage_over_its_budget(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    html = await page(runtime, "/ui/cases")
    assert html.count('data-stage-over="approve"') == 1  # c-1; c-2 went on hold at once
    assert "审批 · 超出环节预算" in html


async def test_the_case_page_shows_time_by_stage_and_what_a_hold_waits_for(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    html = await page(runtime, "/ui/cases/c-2?lang=en")
    assert 'data-stage="approve"' in html and "On hold" in html
    assert 'data-paused="parts"' in html and "Waiting for parts" in html
    assert "Next customer update" in html  # the assignment told the customer; news in 24 h
    assert "Times on this page are in Asia/Shanghai (UTC+08:00)" in html
    assert "Not counted" in html


async def test_a_reopened_case_shows_the_clock_of_its_new_round(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, clock = resolution
    await resolve_and_ask(runtime, "c-1")
    clock.set(T0 + 50 * H)  # past the first round's 48 h: it was resolved in time
    feedback = RecordFeedback(satisfaction=2)
    await runtime.app.state.service.take_step("c-1", Step.RECORD_FEEDBACK, feedback, actor=OWNER)
    clock.set(T0 + 60 * H)
    html = await page(runtime, "/ui/cases/c-1")
    assert 'data-round="2"' in html and "第2轮" in html
    assert 'data-sla="ok"' in html  # 38 h left of the new round, not "overdue"
    english = await page(runtime, "/ui/cases/c-1?lang=en")
    assert "1d 14h left" in english and "round 2" in english


async def test_a_reclassified_cause_shows_what_it_was_on_the_timeline(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await resolve_and_ask(runtime, "c-1")
    reopen = RecordFeedback(satisfaction=1)  # investigated again
    await service.take_step("c-1", Step.RECORD_FEEDBACK, reopen, actor=OWNER)
    findings = RecordFindings(
        findings="客户误解保修条款：刹车盘属易损件",
        causes=[Cause.CUSTOMER_MISUNDERSTANDING, Cause.PROCESS_POLICY],
        primary_cause=Cause.CUSTOMER_MISUNDERSTANDING,
    )
    await service.take_step("c-1", Step.RECORD_FINDINGS, findings, actor=OWNER)
    html = await page(runtime, "/ui/cases/c-1")
    assert 'data-causes="customer_misunderstanding process_policy"' in html
    assert 'data-reclassified-from="product_quality"' in html and "重新归类，原为" in html
    assert html.count("data-reclassified-from") == 1  # the first finding replaced nothing
    english = await page(runtime, "/ui/cases/c-1?lang=en")
    assert "reclassified; was" in english


async def test_the_queue_flags_cases_whose_customer_is_owed_news(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, clock = resolution
    assert 'data-update-due="true"' not in await page(runtime, "/ui/cases")
    clock.set(T0 + 25 * H)  # a day since the assignment told them who handles it
    html = await page(runtime, "/ui/cases")
    assert html.count('data-update-due="true"') == 2 and "该向客户通报了" in html  # c-2 on hold


async def test_the_suggested_cause_shows_the_complaints_own_phrases(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    prediction = CausePredicted(
        complaint_id="c-1",
        causes=["process_policy"],
        primary_cause="process_policy",
        confidence=0.81,
        model_version="m007",
        explanation=["process_policy: cue 金融服务费 (+3.10), 收取 (+0.4)"],
        evidence=[
            CauseEvidence(cause="process_policy", terms=["金融服务费", "收取"], negated=["异响"])
        ],
    )
    event = new_event(
        payload=prediction,
        event_type=CAUSE_PREDICTED,
        complaint_id="c-1",
        actor=EnvelopeActor.service("analytics"),
        producer="analytics",
    )
    await runtime.app.state.service.on_cause_predicted(event)
    html = await page(runtime, "/ui/cases/c-1")
    assert "流程与政策：依据 <q>金融服务费</q>、<q>收取</q>" in html
    assert "<q>异响</q>" in html and "(+3.10)" not in html  # no weights for people
    english = await page(runtime, "/ui/cases/c-1?lang=en")
    assert "<q>金融服务费</q>, <q>收取</q>" in english and "：" not in english.split("<main")[-1]


async def test_a_referral_case_shows_the_regulators_number_and_due_date(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    referral = complaint_registered(
        "c-9",
        at=T0,
        channel="regulator",
        urgency="high",
        urgency_reasons=["regulator_referral"],
        plate_masked="粤A***45",
        references={
            "agency": "广州市12315",
            "regulator_case": "1231520240918004567",
            "response_due": "2024-09-25",
            "post_url": "javascript:alert(1)",
        },
    )
    await runtime.app.state.service.on_complaint_registered(referral)
    html = await page(runtime, "/ui/cases/c-9")
    assert "监管案件号" in html and "1231520240918004567" in html
    assert "<strong>2024-09-25</strong>" in html and "粤A***45" in html
    assert 'data-urgency-reason="regulator_referral"' in html
    assert 'href="javascript:' not in html  # a channel's link is shown, never followed blindly


async def test_assigning_suggests_the_people_who_own_cases(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await service.on_complaint_registered(complaint_registered("c-5", at=T0))
    desk = Actor(user="amy", role="agent")
    await service.take_step("c-5", Step.TRIAGE, Triage(valid=True), actor=desk)
    html = await page(runtime, "/ui/cases/c-5")
    suggested = re.search(r'<datalist id="assign-owners">(.*?)</datalist>', html, re.S)
    assert suggested and re.findall(r'value="([^"]+)"', suggested.group(1)) == ["olga"]


async def test_a_head_assigns_into_their_department_the_general_manager_anywhere(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await service.on_complaint_registered(complaint_registered("c-6", at=T0))
    await service.take_step(
        "c-6", Step.TRIAGE, Triage(valid=True), actor=Actor(user="amy", role="agent")
    )

    def offered(html: str) -> list[str]:
        found = re.search(r'<select id="assign-department"[^>]*>(.*?)</select>', html, re.S)
        assert found is not None
        return re.findall(r'value="([^"]+)"', found.group(1))

    assert offered(await page(runtime, "/ui/cases/c-6")) == ["after_sales"]
    gm = Principal(user="gao", role=Role.GENERAL_MANAGER)
    assert offered(await page(runtime, "/ui/cases/c-6", gm)) == [d.value for d in Department]


async def test_a_rejected_remedy_is_revised_from_what_was_proposed(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await service.take_step("c-1", Step.REJECT, Reject(reason="金额不足"), actor=HEAD_ACTOR)
    html = await page(runtime, "/ui/cases/c-1", Principal(user="olga", role=Role.OWNER))
    form = re.search(r'<form[^>]*data-step="propose_remedy".*?</form>', html, re.S)
    assert form is not None
    assert re.findall(r'value="(\w+)" checked', form.group(0)) == ["repair"]
    assert 'id="amount" name="amount" type="number" min="0" step="0.01" value="300"' in form.group(
        0
    )
    assert ">更换</textarea>" in form.group(0)


async def test_a_refused_case_page_says_why_in_the_pages_language(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    sales_head = Principal(user="sun", role=Role.DEPARTMENT_HEAD, department=Department.SALES)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: runtime.tokens.issue(sales_head)},
    ) as client:
        zh = await client.get("/ui/cases/c-1")
        en = await client.get("/ui/cases/c-1", params={"lang": "en"})
    assert zh.status_code == 403 and "此案件属于其他部门或其他负责人" in zh.text
    assert "This case is another department&#39;s or another owner&#39;s" in en.text


async def test_closed_cases_do_not_crowd_open_ones_out_of_the_queue(
    resolution: tuple[ServiceRuntime, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    for complaint_id in ("c-3", "c-4"):  # closed at triage; due before c-1 and c-2
        await service.on_complaint_registered(complaint_registered(complaint_id, at=T0 - 9 * H))
        turned_away = Triage(valid=False, explanation="非本店车辆")
        await service.take_step(complaint_id, Step.TRIAGE, turned_away, actor=HEAD_ACTOR)
    monkeypatch.setattr(pages, "QUEUE_LIMIT", 2)  # a year of closed cases, in small
    monkeypatch.setattr(pages, "HISTORY_PAGE", 2)
    gm = Principal(user="gao", role=Role.GENERAL_MANAGER)  # sees every case, closed ones too
    html = await page(runtime, "/ui/cases", gm)
    assert "/ui/cases/c-1" in html and "/ui/cases/c-2" in html

    newest = await page(runtime, "/ui/cases?scope=all", gm)  # a history: newest first
    assert "/ui/cases/c-1" in newest and "/ui/cases/c-3" not in newest
    assert "data-page-older" in newest and "data-page-newer" not in newest
    older = await page(runtime, "/ui/cases?scope=all&page=1", gm)
    assert "/ui/cases/c-3" in older and "/ui/cases/c-4" in older
    assert "/ui/cases/c-1" not in older
    assert "data-page-newer" in older and "data-page-older" not in older
    assert "第 2 页" in older


async def test_the_3_day_view_lists_the_calls_still_to_make_with_owners_by_name(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await service.put_staff(
        StaffMember(user="olga", name="王丽", department=Department.AFTER_SALES)
    )
    await resolve_and_ask(runtime, "c-1")
    desk = Actor(user="amy", role="agent")
    await service.take_step("c-1", Step.RECORD_FEEDBACK, RecordFeedback(satisfaction=5), actor=desk)
    html = await page(runtime, "/ui/cases?scope=follow_up")
    assert "/ui/cases/c-1" in html and "/ui/cases/c-2" not in html
    assert '<span title="olga">王丽</span>' in html
    case_page = await page(runtime, "/ui/cases/c-1")
    assert 'data-owner="olga">王丽</span>' in case_page
    timeline = case_page[case_page.index('class="timeline') :]
    assert '<span title="olga">王丽</span> (' in timeline  # the owner's steps, by name


async def test_the_approvals_inbox_names_who_proposed(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    await service.put_staff(
        StaffMember(user="olga", name="王丽", department=Department.AFTER_SALES)
    )
    html = await page(runtime, "/ui/approvals", Principal(
        user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES
    ))  # fmt: skip
    assert "/ui/cases/c-1" in html and '<span title="olga">王丽</span>' in html


async def test_a_case_whose_owner_left_is_flagged_for_its_head(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    service = runtime.app.state.service
    olga = StaffMember(user="olga", name="王丽", department=Department.AFTER_SALES)
    await service.put_staff(olga)
    queue = await page(runtime, "/ui/cases")
    assert "/ui/cases/c-1" in queue and "data-owner-left" not in queue
    await service.put_staff(olga.model_copy(update={"active": False}))
    queue = await page(runtime, "/ui/cases")
    row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*/ui/cases/c-1".*?</tr>', queue, re.S)
    assert row and "data-owner-left" in row.group(0) and "已离职，请重新指派" in row.group(0)
    assert "data-owner-left" in await page(runtime, "/ui/cases/c-1")
    inbox = await page(runtime, "/ui/alerts")
    left = re.search(r'<tr data-alert="owner_left".*?</tr>', inbox, re.S)
    assert left and "负责人已离职或调岗" in left.group(0) and "王丽" in left.group(0)


async def test_the_sweepers_alerts_reach_each_inbox_and_are_marked_read(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, clock = resolution
    service = runtime.app.state.service
    clock.set(T0 + 40 * H)  # c-1 waits for approval past 75 % of its 48 hours
    assert await service.sweep() > 0
    token = runtime.tokens.issue(Principal(user="olga", role=Role.OWNER))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        headers={"Authorization": f"Bearer {token}"},
    ) as api:
        mine = (await api.get("/alerts")).json()
        assert "warning" in {a["milestone"] for a in mine}  # 50 % was superseded by 75 %
        assert {a["notify"] for a in mine} == {"owner"} and {a["owner"] for a in mine} == {"olga"}
        quality = runtime.tokens.issue(Principal(user="q", role=Role.QUALITY))
        refused = await api.get("/alerts", headers={"Authorization": f"Bearer {quality}"})
        assert refused.status_code == 403

    html = await page(runtime, "/ui/alerts")  # the head's inbox
    assert "时限预警（已用75%）" not in html  # the owner's, not the head's
    overdue = re.search(r'<tr data-alert="stage_overdue".*?</tr>', html, re.S)
    assert overdue and "环节超出时限预算" in overdue.group(0) and "审批" in overdue.group(0)
    queue = await page(runtime, "/ui/cases")
    assert "data-unread-alerts" in queue

    head_alerts = await service.alerts_for(HEAD_READER)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: runtime.tokens.issue(HEAD)},
    ) as browser:
        for alert in head_alerts:
            marked = await browser.post(f"/ui/alerts/{alert.id}/read")
            assert marked.status_code == 303
        other = await browser.post(f"/ui/alerts/{mine[0]['id']}/read")
        assert other.status_code == 403  # the owner's alert is not the head's to clear
    assert await service.alerts_for(HEAD_READER, unread_only=True) == []
    assert "data-unread-alerts" not in await page(runtime, "/ui/cases")
    olga = Reader(user="olga", role="owner")
    assert await service.unread_alerts(olga) > 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: runtime.tokens.issue(Principal(user="olga", role=Role.OWNER))},
    ) as owner_browser:
        assert "data-read-all" in (await owner_browser.get("/ui/alerts")).text
        assert (await owner_browser.post("/ui/alerts/read")).status_code == 303
    assert await service.unread_alerts(olga) == 0


async def test_a_case_nobody_owns_yet_warns_the_front_desk_and_the_general_manager(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, clock = resolution
    service = runtime.app.state.service
    await service.on_complaint_registered(complaint_registered("c-6", at=T0 + 6 * H))
    clock.set(T0 + 50 * H)  # 44 of its 48 hours gone, nobody named, no department
    assert await service.sweep() > 0
    desk = await service.alerts_for(Reader(user="amy", role="agent"))
    gm = await service.alerts_for(Reader(user="gao", role="general_manager"))
    assert "first_contact_overdue" in {a.milestone for a in desk if a.complaint_id == "c-6"}
    assert "final_warning" in {a.milestone for a in gm if a.complaint_id == "c-6"}


async def test_the_case_page_opens_the_attachments_with_a_grant_for_them(
    resolution: tuple[ServiceRuntime, ManualClock],
) -> None:
    runtime, _ = resolution
    html = await page(runtime, "/ui/cases/c-1")
    assert 'action="/ui/cases/c-1/attachments"' in html and "附件（照片、单据、录音）" in html
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://resolution",
        cookies={TOKEN_COOKIE: runtime.tokens.issue(HEAD)},
    ) as browser:
        opened = await browser.post("/ui/cases/c-1/attachments")
    assert opened.status_code == 200, opened.text
    assert 'action="/intake/ui/complaints/c-1/attachments"' in opened.text
    [grant] = re.findall(r'name="grant" value="([^"]+)"', opened.text)
    verify_contact_grant(
        runtime.tokens, grant, principal=HEAD, complaint_id="c-1", purpose="attachments"
    )
    with pytest.raises(InvalidTokenError):  # it opens the files, not the phone
        verify_contact_grant(runtime.tokens, grant, principal=HEAD, complaint_id="c-1")
