"""A regulator's referral on a real SQLite store: the sweeper warns the head a day before
the agency's answer date and the general manager once it has passed, into their inboxes
and onto the bus; the queue and the case page show the date."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.case import Actor, Assign, Step, Triage
from services.resolution.service import ResolutionService
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.settings import Settings
from shared.vocab import Channel, Department
from shared.web.pages import TOKEN_COOKIE
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
DUE_END = datetime(2026, 8, 9, 16, 0, tzinfo=UTC)  # 2026-08-10 00:00 in Shanghai
HEAD = Actor(user="hu", role="department_head", department="after_sales")
GM = Actor(user="gao", role="general_manager")


async def test_the_head_then_the_general_manager_hear_of_the_agencys_date(
    make_settings: Callable[..., Settings],
) -> None:
    clock = ManualClock(T0)
    runtime = bootstrap(make_settings(stage_budgets="", customer_update_hours=0), clock=clock)
    service: ResolutionService = runtime.app.state.service
    await runtime.store.open()
    try:
        referral = complaint_registered(
            "c-1",
            at=T0,
            channel=Channel.REGULATOR,
            references={"agency": "12315", "regulator_case": "GS-1", "response_due": "2026-08-09"},
        )
        await service.on_complaint_registered(referral)
        await service.take_step("c-1", Step.TRIAGE, Triage(valid=True), actor=HEAD)
        owner = Assign(department=Department.AFTER_SALES, owner="olga")
        await service.take_step("c-1", Step.ASSIGN, owner, actor=HEAD)

        clock.set(DUE_END - 24 * H)
        await service.sweep()
        assert "regulator_due_soon" in {a.milestone for a in await service.alerts_for(HEAD)}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app),
            base_url="http://resolution",
            cookies={TOKEN_COOKIE: runtime.tokens.issue(Principal(
                user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES
            ))},
        ) as browser:  # fmt: skip
            queue = (await browser.get("/ui/cases")).text
            inbox = (await browser.get("/ui/alerts")).text
            case_page = (await browser.get("/ui/cases/c-1")).text
        assert re.search(r'data-regulator-due="[^"]+">监管答复截止', queue)
        assert "监管部门要求的答复日期将至" in inbox
        soon = inbox[inbox.index('data-alert="regulator_due_soon"') :].split("</tr>")[0]
        assert soon.count("<td>") == 5 and "<td>2026-08-10 00:00</td>" in soon  # the date itself
        assert "data-regulator-due" in case_page

        clock.set(DUE_END + H)
        await service.sweep()
        assert "regulator_overdue" in {a.milestone for a in await service.alerts_for(GM)}
        sent = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(200)]
        types = [e.type for e in sent]
        assert types.count("case.regulator_answer_due_soon") == 1
        assert types.count("case.regulator_answer_overdue") == 1
        await service.sweep()  # once each
        sent = [EventEnvelope.from_bytes(m.value) for m in await runtime.store.pending_outbox(200)]
        assert [e.type for e in sent].count("case.regulator_answer_overdue") == 1
    finally:
        await runtime.store.close()
