"""The web pages in a real browser against `complaints up`: agents record complaints,
owners and heads work a case from the queue to closed, refusals are messages, and the
pages speak Chinese or English."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from shared.broker.embedded import free_port
from tests.e2e.browser import fill_in, screenshot
from tests.support.processes import CommandProcess, mint_token
from tests.support.waiting import Deadline

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "channels"


@dataclass
class Site:
    url: str
    data_dir: Path

    def token(self, user: str, role: str, *extra: str) -> str:
        return mint_token(self.data_dir, user, role, *extra)


def _start(data_dir: Path, *extra: str) -> tuple[CommandProcess, Site]:
    port = free_port()
    process = CommandProcess(
        "up", "--port", str(port), "--data-dir", str(data_dir), *extra,
        env={"COMPLAINTS_LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    process.wait_for_line("Complaints is running")
    return process, Site(url=f"http://127.0.0.1:{port}", data_dir=data_dir)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    process, started = _start(tmp_path_factory.mktemp("pages"))
    try:
        yield started
    finally:
        process.stop()


def sign_in(page: Page, site: Site, token: str, then: str = "") -> None:
    page.goto(f"{site.url}/")
    expect(page).to_have_url(re.compile(r"/intake/ui/signin"))
    page.fill("#f-token", token)
    page.click("form.form button[type=submit]")
    if then:
        page.goto(site.url + then)


def api_complaint(site: Site, phone: str, **extra: Any) -> str:
    """Register a complaint through the API and wait for its case; its id."""
    body = {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": phone},
        "content": "新车高速刹车时方向盘抖动，要求检查。",
        **extra,
    }
    return api_registered(site, "/intake/complaints", body)


def api_registered(site: Site, path: str, body: dict[str, Any]) -> str:
    """POST ``body`` to an intake ``path`` as an agent and wait for the case; its id."""
    agent = {"Authorization": f"Bearer {site.token('api-agent', 'agent')}"}
    with httpx.Client(base_url=site.url, timeout=30) as client:
        created = client.post(path, json=body, headers=agent)
        assert created.status_code == 201, created.text
        complaint_id: str = created.json()["id"]
        deadline = Deadline(60)
        while client.get(f"/resolution/cases/{complaint_id}", headers=agent).status_code != 200:
            assert not deadline.passed, "no case was opened"
    return complaint_id


def api_steps(site: Site, complaint_id: str, steps: list[tuple[str, str, dict[str, Any]]]) -> None:
    with httpx.Client(base_url=site.url, timeout=30) as client:
        for token, step, body in steps:
            response = client.post(
                f"/resolution/cases/{complaint_id}/{step}",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, f"{step}: {response.text}"


def take(page: Page, step: str) -> None:
    """Submit the form of ``step`` on the case page and expect it done."""
    page.click(f"form[data-step={step}] button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()


# -- agents ------------------------------------------------------------------------------


def test_an_agent_records_a_complaint_and_sees_the_ticket(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("alice", "agent"))
    expect(page.locator("nav.nav")).to_contain_text("登记投诉")
    page.click("nav.nav >> text=登记投诉")
    fill_in(
        page,
        {
            "#f-channel": "service_desk",
            "#f-customer-name": "李娜",
            "#f-customer-phone": "139 1111 2222",
            "#f-vehicle-plate": "粤B12345",
            "#f-vehicle-model": "丰田 凯美瑞",
            "#f-content": "保养预约了上午九点，结果等了三个小时才开始做。",
        },
    )
    page.check("input[name=demands][value=apology]")
    page.click("form.complaint-form button[type=submit]")

    ticket = page.locator("[data-ticket]")
    expect(ticket).to_have_text(re.compile(r"^TS-\d{8}-\d{4}$"))
    expect(page.locator("[data-ack]")).to_contain_text(ticket.inner_text())
    screenshot(page, "agent-registered")

    number = ticket.inner_text()
    page.goto(f"{site.url}/intake/ui/search?by=ticket&q={number}")
    expect(page.locator("table.table tbody tr")).to_have_count(1)
    expect(page.locator("table.table")).to_contain_text("李娜")
    page.select_option("#f-by", "plate")
    page.fill("#f-q", "粤B12345")
    page.click("form.inline-form button[type=submit]")
    expect(page.locator("table.table")).to_contain_text(number)
    screenshot(page, "agent-search")


def test_the_complaint_names_a_staff_member_and_reaches_that_departments_head(
    page: Page, site: Site
) -> None:
    sign_in(page, site, site.token("alice", "agent"), then="/intake/ui/complaints/new")
    fill_in(
        page,
        {
            "#f-customer-name": "周敏",
            "#f-customer-phone": "139 5555 6666",
            "#f-content": "试驾时销售顾问一直催促签单，态度很差。",
            "#f-target-staff_name": "王强",
            "#f-target-department": "sales",
        },
    )
    page.click("form.complaint-form button[type=submit]")
    about = page.locator("[data-target]")
    expect(about).to_have_attribute("data-target", "staff")  # said by the name typed
    expect(about).to_contain_text("王强")

    case_url = page.locator("a[href*='/resolution/ui/cases/']").get_attribute("href")
    assert case_url is not None
    page.context.clear_cookies()
    sign_in(page, site, site.token("su", "department_head", "--department", "sales"))
    deadline = Deadline(60)
    while True:  # the case opens once resolution has read the registration from Kafka
        page.goto(site.url + case_url)
        if page.locator("[data-target]").count():
            break
        assert not deadline.passed, "no case was opened"
    expect(page.locator("[data-target]")).to_contain_text("销售部 · 王强")
    complaint_id = case_url.rsplit("/", 1)[-1]
    api_steps(site, complaint_id, [(site.token("alice", "agent"), "triage", {"valid": True})])
    page.reload()  # the head's assignment starts at the department complained about
    expect(page.locator("form[data-step=assign] select[name=department]")).to_have_value("sales")
    page.fill("form[data-step=assign] input[name=owner]", "olga")
    take(page, "assign")

    page.context.clear_cookies()  # the investigation of who is responsible starts from the name
    sign_in(page, site, site.token("olga", "owner"), then=case_url)
    take(page, "start_investigation")
    expect(page.locator("#responsible_staff")).to_have_value("王强")


def test_the_agent_makes_the_three_day_call_from_the_queue(page: Page, site: Site) -> None:
    complaint_id = api_complaint(site, "13966667777")
    agent = site.token("alice", "agent")
    owner = site.token("olga", "owner")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(
        site,
        complaint_id,
        [
            *_to_approval(agent, head, owner),
            (head, "approve", {}),
            (owner, "start_execution", {}),
            (owner, "resolve", {"customer_notified": True}),
            (owner, "request_feedback", {}),
            (agent, "record_feedback", {"satisfaction": 5}),
        ],
    )
    sign_in(page, site, agent, then="/resolution/ui/cases")
    page.click("[data-scope=follow_up]")
    row = page.locator("table.queue tr", has=page.locator(f"a[href$='{complaint_id}']"))
    expect(row.locator("[data-follow-up-due]")).to_be_visible()
    row.locator(f"a[href$='{complaint_id}']").click()
    page.check("form[data-step=record_follow_up_call] input[name=reached][value=true]")
    page.select_option("#follow_up-satisfaction", "5")
    page.fill("#record_follow_up_call-summary", "刹车已正常，客户满意")
    take(page, "record_follow_up_call")
    expect(page.locator("[data-follow-up-call]")).to_contain_text("★★★★★")
    expect(page.locator("[data-follow-up-due]")).to_have_count(0)
    page.goto(f"{site.url}/resolution/ui/cases?scope=follow_up")
    expect(page.locator(f"table.queue a[href$='{complaint_id}']")).to_have_count(0)


def test_a_validation_error_is_shown_next_to_its_field(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("alice", "agent"), then="/intake/ui/complaints/new")
    fill_in(
        page, {"#f-customer-name": "张伟", "#f-customer-phone": "12345", "#f-content": "刹车异响"}
    )
    page.click("form.complaint-form button[type=submit]")

    error = page.locator(".field.has-error:has(#f-customer-phone) .field-error")
    expect(error).to_contain_text("不是有效的中国大陆电话号码")  # the API's refusal, in Chinese
    expect(page.locator("#f-customer-phone")).to_have_value("12345")  # what was typed stays
    expect(page.locator("#f-content")).to_have_value("刹车异响")
    screenshot(page, "agent-validation")


def test_the_agent_is_warned_of_an_open_complaint(page: Page, site: Site) -> None:
    api_complaint(site, "13922223333", vehicle={"vin": "LSVAA4182E2123451"})
    sign_in(page, site, site.token("alice", "agent"), then="/intake/ui/complaints/new")
    page.fill("#f-customer-phone", "139 2222 3333")
    page.locator("#f-customer-phone").dispatch_event("change")
    warning = page.locator("[data-open-complaints]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("该客户或该车辆已有未结案的投诉")
    screenshot(page, "agent-open-warning")
    # the same car, another phone (a relative calls): the warning follows the VIN
    page.fill("#f-customer-phone", "13700009999")
    page.locator("#f-customer-phone").dispatch_event("change")
    expect(warning).to_have_count(0)
    page.fill("#f-vehicle-vin", "LSVAA4182E2123451")
    page.locator("#f-vehicle-vin").dispatch_event("change")
    expect(page.locator("[data-open-complaints] li[data-matched='vin']")).to_be_visible()


def test_an_agent_turns_away_an_invalid_complaint_only_with_an_explanation(
    page: Page, site: Site
) -> None:
    complaint_id = api_complaint(site, "13944445555")
    sign_in(page, site, site.token("alice", "agent"), then=f"/resolution/ui/cases/{complaint_id}")
    page.check("form[data-step=triage] input[name=valid][value=false]")
    page.click("form[data-step=triage] button[type=submit]")
    error = page.locator("form[data-step=triage] [data-field=explanation]")
    expect(error).to_contain_text("不受理的投诉须填写给客户的解释")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "registered")

    page.check("form[data-step=triage] input[name=valid][value=false]")
    page.fill("#triage-explanation", "该车辆非本店售出，请联系购车门店。")
    take(page, "triage")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "closed")


# -- owners and heads ---------------------------------------------------------------------


def test_owner_and_head_take_a_case_from_queue_to_closed(page: Page, site: Site) -> None:
    complaint_id = api_complaint(site, "13933334444")
    agent = site.token("alice", "agent")
    owner = site.token("olga", "owner")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(site, complaint_id, [(agent, "triage", {"valid": True})])

    sign_in(page, site, head, then="/resolution/ui/cases")
    waiting = page.locator("table.queue tr", has=page.locator(f"a[href$='{complaint_id}']"))
    expect(waiting.locator("[data-to-assign]")).to_be_visible()  # new: in the head's queue
    screenshot(page, "head-queue-to-assign")
    waiting.locator(f"a[href$='{complaint_id}']").click()
    expect(page.locator("[data-sla]")).to_have_attribute("data-sla", "ok")
    page.fill("form[data-step=assign] input[name=owner]", "olga")
    take(page, "assign")
    page.click("nav.nav >> text=本部门案件")
    row = page.locator("table.queue tr", has=page.locator(f"a[href$='{complaint_id}']"))
    expect(row).to_contain_text("olga")
    expect(row.locator("[data-sla]")).to_have_attribute("data-sla", "ok")

    page.context.clear_cookies()
    sign_in(page, site, owner, then="/resolution/ui/cases")
    page.click(f"a[href$='{complaint_id}']")
    take(page, "start_investigation")
    page.fill("#findings", "刹车盘变形")
    page.check("form[data-step=record_findings] input[value=product_quality]")
    page.select_option("#primary_cause", "product_quality")
    take(page, "record_findings")
    page.check("form[data-step=propose_remedy] input[value=repair]")
    page.fill("#message_to_customer", "保修更换刹车盘")
    take(page, "propose_remedy")
    take(page, "submit_for_approval")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "pending_approval")

    page.context.clear_cookies()
    sign_in(page, site, head, then="/resolution/ui/approvals")
    item = page.locator(f"article.approval:has(a[href$='{complaint_id}'])")
    expect(item).to_contain_text("保修更换刹车盘")
    screenshot(page, "head-approvals")
    item.locator("button[data-step=approve]").click()
    expect(page.locator(".alert-success")).to_contain_text("批准")
    expect(page.locator(f"article.approval:has(a[href$='{complaint_id}'])")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, site, owner, then=f"/resolution/ui/cases/{complaint_id}")
    take(page, "start_execution")
    page.check("form[data-step=resolve] input[name=customer_notified]")
    take(page, "resolve")
    take(page, "request_feedback")

    page.context.clear_cookies()
    sign_in(page, site, agent, then=f"/resolution/ui/cases/{complaint_id}")
    page.select_option("#satisfaction", "5")
    page.fill("#comment", "满意")
    take(page, "record_feedback")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "closed")
    steps = page.locator("ol.timeline li").evaluate_all("els => els.map(e => e.dataset.step)")
    assert steps[0] == "record_feedback" and steps[-1] == "triage"
    screenshot(page, "owner-closed")


def test_the_owner_sees_the_customers_number_on_purpose_and_the_view_is_recorded(
    page: Page, site: Site
) -> None:
    complaint_id = api_complaint(site, "13955556666")
    agent = site.token("alice", "agent")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(
        site,
        complaint_id,
        [
            (agent, "triage", {"valid": True}),
            (head, "assign", {"department": "after_sales", "owner": "olga"}),
        ],
    )
    sign_in(page, site, site.token("otto", "owner"), then=f"/resolution/ui/cases/{complaint_id}")
    expect(page.locator("body")).to_contain_text("无权访问")  # not otto's case at all
    expect(page.locator("button[data-contact]")).to_have_count(0)
    page.context.clear_cookies()
    sign_in(page, site, site.token("q", "quality"), then=f"/resolution/ui/cases/{complaint_id}")
    expect(page.locator("dl.facts")).to_contain_text("139****6666")
    expect(page.locator("button[data-contact]")).to_have_count(0)  # quality reads, never calls

    page.context.clear_cookies()
    sign_in(page, site, site.token("olga", "owner"), then=f"/resolution/ui/cases/{complaint_id}")
    expect(page.locator("body")).not_to_contain_text("13955556666")
    page.click("button[data-contact]")
    expect(page.locator("[role=note]")).to_contain_text("会被记录")
    page.click("button[data-contact-continue]")
    card = page.locator("[data-contact-card]")
    expect(card.locator("a[data-phone]")).to_have_text("13955556666")
    expect(card.locator("a[data-phone]")).to_have_attribute("href", "tel:13955556666")
    screenshot(page, "owner-contact")
    page.goto(page.url)  # the grant is not in the address: opening it again goes to the case
    expect(page).to_have_url(re.compile(rf"/resolution/ui/cases/{complaint_id}$"))

    quality = {"Authorization": f"Bearer {site.token('q', 'quality')}"}
    with httpx.Client(base_url=site.url, timeout=30) as client:
        views = client.get(f"/intake/complaints/{complaint_id}/contact_views", headers=quality)
    assert views.status_code == 200, views.text
    assert [(v["user"], v["role"]) for v in views.json()] == [("olga", "owner")]


def test_the_queue_refreshes_itself_without_a_reload(page: Page, site: Site) -> None:
    head = site.token("hu", "department_head", "--department", "after_sales")
    sign_in(page, site, head, then="/resolution/ui/cases")
    page.evaluate("window.notReloaded = true")
    complaint_id = api_complaint(site, "13922221111")  # meanwhile, a new complaint
    page.evaluate("document.querySelector('#queue').dispatchEvent(new Event('refresh'))")
    # (every 60 s it does this by itself; the event only saves the test a minute)
    expect(page.locator(f"table.queue a[href$='{complaint_id}']")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("section#queue")).to_have_count(1)  # swapped in place, not nested


def test_the_head_keeps_the_staff_directory_and_assigns_only_from_it(
    page: Page, tmp_path: Path
) -> None:
    process, own = _start(tmp_path)  # its own site: a directory changes who others may assign
    try:
        head = own.token("hu", "department_head", "--department", "after_sales")
        sign_in(page, own, head, then="/resolution/ui/staff")
        expect(page.locator(".empty")).to_be_visible()
        fill_in(page, {"#f-user": "olga", "#f-name": "王丽", "#f-title": "售后服务顾问"})
        page.click("form.staff-form button[type=submit]")
        expect(page.locator(".alert-success")).to_contain_text("olga")
        expect(page.locator("tr[data-staff=olga]")).to_contain_text("售后")
        screenshot(page, "head-staff-directory")

        agent = own.token("alice", "agent")
        complaint_id = api_complaint(own, "13955556666")
        api_steps(own, complaint_id, [(agent, "triage", {"valid": True})])
        page.goto(f"{own.url}/resolution/ui/cases/{complaint_id}")
        offered = page.locator("#assign-owners option")
        expect(offered).to_have_count(1)
        expect(offered).to_have_attribute("value", "olga")
        page.fill("form[data-step=assign] input[name=owner]", "olga2")
        page.click("form[data-step=assign] button[type=submit]")
        error = page.locator("form[data-step=assign] .field-error")
        expect(error).to_contain_text("不在该部门的员工名录中")
        page.fill("form[data-step=assign] input[name=owner]", "olga")
        take(page, "assign")
        told = ""  # the assignment's news reaches intake over Kafka
        deadline = Deadline(60)
        with httpx.Client(base_url=own.url, timeout=30) as client:
            while "负责处理" not in told:
                assert not deadline.passed, f"no assignment message; last: {told!r}"
                sent = client.get(
                    f"/intake/complaints/{complaint_id}/messages",
                    headers={"Authorization": f"Bearer {agent}"},
                ).json()
                told = " ".join(m["text"] for m in sent)
                time.sleep(0.2)
        assert "专人王丽负责处理" in told and "olga" not in told
    finally:
        process.stop()


def test_the_owner_reads_the_weibo_reply_to_post_by_hand(page: Page, site: Site) -> None:
    agent = site.token("api-agent", "agent")
    post = json.loads((EXAMPLES / "social.zh.json").read_text(encoding="utf-8"))
    post.update(post_id="9900000000000001", contact_phone="15977778888")
    complaint_id = api_registered(site, "/intake/channels/social", post)
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(
        site,
        complaint_id,
        [
            (agent, "triage", {"valid": True}),
            (head, "assign", {"department": "after_sales", "owner": "olga"}),
        ],
    )
    sign_in(page, site, site.token("olga", "owner"), then=f"/resolution/ui/cases/{complaint_id}")
    expect(page.locator("[data-notice=manual]").first).to_be_visible()  # intake settled it
    page.click("[data-read-messages] button")
    page.click("[data-contact-continue]")
    manual = page.locator("[data-message=manual] [data-manual-text]").first
    expect(manual).to_have_value(re.compile("受理单号"))
    screenshot(page, "owner-messages")


def test_the_owner_attaches_a_photo_and_downloads_it(
    page: Page, site: Site, tmp_path: Path
) -> None:
    complaint_id = api_complaint(site, "13966667777")
    agent = site.token("alice", "agent")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(
        site,
        complaint_id,
        [
            (agent, "triage", {"valid": True}),
            (head, "assign", {"department": "after_sales", "owner": "olga"}),
        ],
    )
    photo = tmp_path / "车门划痕.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8)
    sign_in(page, site, site.token("olga", "owner"), then=f"/resolution/ui/cases/{complaint_id}")
    page.click("[data-open-attachments] button")
    page.click("[data-contact-continue]")
    expect(page.locator(".empty")).to_contain_text("还没有附件")
    page.set_input_files("[data-upload] input[type=file]", str(photo))
    page.click("[data-upload] button[type=submit]")
    expect(page.locator("[data-added]")).to_contain_text("车门划痕.jpg")
    screenshot(page, "owner-attachments")
    with page.expect_download() as downloading:
        page.click("[data-attachment] [data-download]")
    saved = tmp_path / "downloaded.jpg"
    downloading.value.save_as(saved)
    assert saved.read_bytes() == photo.read_bytes()
    assert downloading.value.suggested_filename == "车门划痕.jpg"
    # intake announced it on the bus: the case lists a photo, and its timeline says so
    page.goto(f"{site.url}/resolution/ui/cases/{complaint_id}")
    late = Deadline(30)
    while page.locator("[data-evidence-count='1']").count() == 0:
        assert not late.passed, "the attachment never reached the case"
        page.wait_for_timeout(300)
        page.reload()
    expect(page.locator("[data-evidence-count]")).to_contain_text("照片 1")
    expect(page.locator("li[data-step=evidence_added]")).to_contain_text("照片")


def test_a_head_rejects_with_a_reason(page: Page, site: Site) -> None:
    complaint_id = api_complaint(site, "13944445555")
    agent, owner = site.token("alice", "agent"), site.token("olga", "owner")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(site, complaint_id, _to_approval(agent, head, owner))
    sign_in(page, site, head, then="/resolution/ui/approvals")
    item = page.locator(f"article.approval:has(a[href$='{complaint_id}'])")
    item.locator("input[name=reason]").fill("金额依据不足")
    item.locator("button[data-step=reject]").click()
    expect(page.locator(".alert-success")).to_contain_text("驳回")
    page.goto(f"{site.url}/resolution/ui/cases/{complaint_id}")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "proposed")
    expect(page.locator("body")).to_contain_text("金额依据不足")


def test_a_refused_or_stale_step_is_a_message_not_a_crash(page: Page, site: Site) -> None:
    complaint_id = api_complaint(site, "13955556677")
    agent, owner = site.token("alice", "agent"), site.token("olga", "owner")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(site, complaint_id, _to_approval(agent, head, owner)[:1])  # triaged, nobody's

    sales_head = site.token("su", "department_head", "--department", "sales")
    sign_in(page, site, sales_head, then=f"/resolution/ui/cases/{complaint_id}")
    departments = page.locator("form[data-step=assign] select[name=department] option")
    expect(departments).to_have_count(1)  # a head is offered their own department only
    departments.evaluate("option => { option.value = 'after_sales' }")  # a page gone stale
    page.fill("form[data-step=assign] input[name=owner]", "olga")
    page.click("form[data-step=assign] button[type=submit]")
    refusal = page.locator(".alert-error[data-failed-step=assign]")
    expect(refusal).to_contain_text("无权访问")  # 403: a head assigns into their own department
    screenshot(page, "step-refused")
    api_steps(site, complaint_id, _to_approval(agent, head, owner)[1:])
    page.goto(f"{site.url}/resolution/ui/cases/{complaint_id}")  # after_sales' case now:
    expect(page.locator("body")).to_contain_text("无权访问")  # the sales head may not open it
    expect(page.locator("form[data-step]")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, site, head, then=f"/resolution/ui/cases/{complaint_id}")
    api_steps(site, complaint_id, [(head, "approve", {})])  # meanwhile, elsewhere
    page.fill("form[data-step=reject] textarea[name=reason]", "太晚了")
    page.click("form[data-step=reject] button[type=submit]")
    conflict = page.locator(".alert-error[data-failed-step=reject]")
    expect(conflict).to_contain_text("当前不能执行此步骤")  # 409: the case moved on
    expect(conflict).to_contain_text("刚被其他人更新")  # the API's 409, in Chinese
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "approved")
    page.fill("form[data-step=start_execution] input[name=note]", "")  # the page is current again


def test_a_form_is_sent_once_however_often_it_is_submitted(page: Page, site: Site) -> None:
    complaint_id = api_complaint(site, "13955557788")
    agent, owner = site.token("alice", "agent"), site.token("olga", "owner")
    head = site.token("hu", "department_head", "--department", "after_sales")
    api_steps(site, complaint_id, _to_approval(agent, head, owner)[:2])  # assigned to olga
    sign_in(page, site, owner, then=f"/resolution/ui/cases/{complaint_id}")
    held: list[Route] = []

    def hold(route: Route) -> None:  # a slow server: the answer waits
        held.append(route)

    page.route("**/start_investigation", hold)
    button = page.locator("form[data-step=start_investigation] button[type=submit]")
    box = button.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)  # a second click while the first request waits
    page.wait_for_timeout(500)
    assert len(held) == 1  # one request: a second would arrive stale, "updated by someone"
    held[0].continue_()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator(".alert-error")).to_have_count(0)


def _to_approval(agent: str, head: str, owner: str) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (agent, "triage", {"valid": True}),
        (head, "assign", {"department": "after_sales", "owner": "olga"}),
        (owner, "start_investigation", {}),
        (owner, "record_findings", {
            "findings": "保养漏检", "causes": ["service_attitude_efficiency"],
            "primary_cause": "service_attitude_efficiency",
        }),
        (owner, "propose_remedy", {
            "types": ["repair", "apology"], "amount": 800, "message_to_customer": "免费维修并致歉",
        }),
        (owner, "submit_for_approval", {}),
    ]  # fmt: skip


# -- identity and language ------------------------------------------------------------------


def test_pages_need_a_sign_in_and_the_right_role(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/resolution/ui/approvals")
    expect(page).to_have_url(re.compile(r"/resolution/ui/signin\?next="))
    expect(page.locator("[data-demo]")).to_have_count(0)  # no demo users without --demo
    page.fill("#f-token", "not-a-token")
    page.click("form.form button[type=submit]")
    expect(page.locator(".alert-error")).to_contain_text("令牌无效")

    page.fill("#f-token", site.token("alice", "agent"))
    page.click("form.form button[type=submit]")
    expect(page.locator("h1")).to_have_text("无权访问")  # agents approve nothing: 403
    expect(page.locator("nav.nav a")).to_have_text(["登记投诉", "查询投诉", "案件列表", "我的提醒"])
    screenshot(page, "forbidden")


def test_the_language_switch_shows_english_labels(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("alice", "agent"), then="/intake/ui/complaints/new")
    expect(page.locator("h1")).to_have_text("登记客户投诉")
    page.click("a.lang-switch")
    expect(page.locator("h1")).to_have_text("Record a complaint")
    expect(page.locator("label[for=f-channel]")).to_contain_text("Channel")
    expect(page.locator("#f-channel option[value=hotline]")).to_have_text("400 hotline")
    expect(page.locator("nav.nav a")).to_have_text(["New complaint", "Search", "Cases", "Alerts"])
    page.goto(f"{site.url}/resolution/ui/cases")  # the choice is kept across services
    expect(page.locator("h1")).to_contain_text("Cases")
    screenshot(page, "english-queue")
    page.goto(f"{site.url}/intake/ui/complaints/new?lang=zh")
    expect(page.locator("h1")).to_have_text("登记客户投诉")


# -- the demo -------------------------------------------------------------------------------


def test_the_demo_offers_its_users_and_has_cases_to_show(
    page: Page, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data_dir = tmp_path_factory.mktemp("demo")
    process, demo = _start(data_dir, "--demo")
    try:
        page.goto(f"{demo.url}/")
        expect(page.locator("[data-demo]")).to_have_count(6)
        screenshot(page, "demo-signin")
        page.click("[data-demo=head]")
        page.click("nav.nav >> text=本部门案件")
        expect(page.locator("table.queue [data-sla=breached]").first).to_be_visible()
        screenshot(page, "demo-head-queue")
        page.click("th a[data-sort-key=urgency]")
        expect(page.locator("table.queue")).to_have_attribute("data-sort", "urgency")
        page.click("nav.nav >> text=待我审批")
        expect(page.locator("article.approval").first).to_be_visible()
        page.click("nav.nav >> text=我的提醒")  # what the sweeper told the head meanwhile
        first = page.locator("table.alerts tr[data-alert]").first
        expect(first).to_be_visible()
        screenshot(page, "demo-head-alerts")
        unread = int(page.locator("[data-unread]").get_attribute("data-unread") or "0")
        first.locator("button").click()  # marked read: one fewer
        expect(page.locator("[data-unread]")).to_have_attribute("data-unread", str(unread - 1))
        page.context.clear_cookies()
        page.goto(f"{demo.url}/")
        page.click("[data-demo=owner]")
        page.click("nav.nav >> text=我的案件")
        page.locator("table.queue tbody tr a").first.click()
        expect(page.locator("ol.timeline li").first).to_be_visible()
        stages = page.locator("table[data-stages] tbody tr[data-stage]")
        expect(
            stages.nth(4)
        ).to_be_visible()  # the five budgeted stages (and feedback, once reached)
        triage = page.locator("table[data-stages] tr[data-stage=triage]")
        expect(triage).to_contain_text("受理与分派")
        screenshot(page, "demo-owner-case")
        page.context.clear_cookies()
        page.goto(f"{demo.url}/")
        page.click("[data-demo=quality]")
        page.goto(f"{demo.url}/analytics/ui/")
        loaded = int(page.locator("[data-kpi=complaints]").inner_text())
        assert loaded > 50
        expect(page.locator("article.action [data-stage]")).to_have_attribute("data-stage", "do")
        late = Deadline(30)  # loops closed late and cases stuck past 48 h are counted
        while int(page.locator("[data-kpi=breached]").inner_text()) == 0:
            assert not late.passed, "the demo's SLA breaches never reached the dashboard"
            page.wait_for_timeout(500)
            page.reload()
        expect(page.locator("[data-chart=pareto][data-rendered=true] svg")).to_have_count(1)
        # the demo's investigators confirmed causes: the model's agreement with them shows
        agreement = page.locator("#models td[data-agreement]").first
        expect(agreement).not_to_have_attribute("data-agreement", "")
        # closed loops by how they ended (CFPB style), with their cost
        expect(page.locator("#outcomes tr[data-outcome]").first).to_be_visible()
        expect(page.locator("[data-chart=outcomes][data-rendered=true] svg")).to_have_count(1)
        screenshot(page, "demo-dashboard")
    finally:
        process.stop()
    again, restarted = _start(data_dir, "--demo")  # `make run` a second time
    try:
        assert "no demo data loaded again" in again.output()
        page.context.clear_cookies()
        page.goto(f"{restarted.url}/")
        page.click("[data-demo=quality]")
        page.goto(f"{restarted.url}/analytics/ui/")
        assert int(page.locator("[data-kpi=complaints]").inner_text()) == loaded
    finally:
        again.stop()
