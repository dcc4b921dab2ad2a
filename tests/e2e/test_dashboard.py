"""The quality dashboard in a real browser against `complaints up`: the new complaint is
counted, charts are drawn, a prevention action is opened and moved, labels follow the
language, and a department head sees only their department."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import fill_in, screenshot
from tests.e2e.test_pages import Site, _start, api_complaint, api_steps, sign_in
from tests.support.waiting import Deadline


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    process, started = _start(tmp_path_factory.mktemp("dashboard"))
    try:
        yield started
    finally:
        process.stop()


def count_on_dashboard(page: Page, site: Site) -> int:
    page.goto(f"{site.url}/analytics/ui/")
    return int(page.locator("[data-kpi=complaints]").inner_text())


def test_the_dashboard_shows_the_new_count_and_draws_its_charts(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("quinn", "quality"), then="/analytics/ui/")
    expect(page.locator("h1")).to_contain_text("质量看板")
    before = count_on_dashboard(page, site)
    complaint_id = api_complaint(
        site, "13955556666", content="服务顾问态度恶劣，等了三个小时没人管"
    )
    head = site.token("hu", "department_head", "--department", "after_sales")
    agent = site.token("amy", "agent")
    api_steps(
        site,
        complaint_id,
        [
            (agent, "triage", {"valid": True}),
            (head, "assign", {"department": "after_sales", "owner": "olga"}),
        ],
    )
    deadline = Deadline(60)
    assigned = page.locator("#department-table tr[data-key=after_sales]")
    while count_on_dashboard(page, site) != before + 1 or assigned.count() != 1:
        assert not deadline.passed, "the dashboard never counted the new, assigned complaint"
        page.wait_for_timeout(300)
    expect(page.locator("[data-chart=pareto][data-rendered=true] svg")).to_have_count(1)
    expect(page.locator("#pareto-table tbody tr")).not_to_have_count(0)
    expect(page.locator("#department-table tr[data-key=after_sales]")).to_have_count(1)
    screenshot(page, "dashboard-quality")


def test_a_prevention_action_is_opened_and_moved_to_do(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("quinn", "quality"), then="/analytics/ui/")
    page.click("details.new-action summary")
    fill_in(
        page,
        {
            "#a-title": "接待礼仪培训",
            "#a-type": "training",
            "#a-dimension": "cause",
            "#a-bucket-cause": "service_attitude_efficiency",
        },
    )
    page.click("#new-action button[type=submit]")
    action = page.locator("article.action[data-action='接待礼仪培训']")
    expect(action.locator("[data-stage]")).to_have_attribute("data-stage", "plan")
    expect(action.locator("[data-chart][data-rendered=true]")).to_have_count(1)
    action.locator("button[data-next=do]").click()
    expect(action.locator("[data-stage]")).to_have_attribute("data-stage", "do")
    screenshot(page, "dashboard-action")


def test_the_dashboard_in_english(page: Page, site: Site) -> None:
    sign_in(page, site, site.token("gao", "general_manager"), then="/analytics/ui/?lang=en")
    expect(page.locator("h1")).to_have_text("Quality dashboard")
    expect(page.locator("#kpis")).to_contain_text("SLA compliance")
    expect(page.locator("details.new-action")).to_have_count(0)  # the GM reads, quality acts
    screenshot(page, "dashboard-english")


def test_a_head_sees_only_their_department_and_an_owner_is_refused(page: Page, site: Site) -> None:
    api_complaint(site, "13977778888")
    sign_in(page, site, site.token("hu", "department_head", "--department", "after_sales"))
    page.goto(f"{site.url}/analytics/ui/")
    rows = page.locator("#department-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-key", "after_sales")
    page.context.clear_cookies()
    sign_in(page, site, site.token("olga", "owner"))
    response = page.goto(f"{site.url}/analytics/ui/")
    assert response is not None and response.status == 403
    expect(page.locator("body")).to_contain_text(re.compile("quality|质量"))
