"""The quality dashboard's page over HTTP, in process (no browser): who may see it, what its
filters do, and that a refused PDCA stage or a bad filter is a message, not a crash."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.web.pages import TOKEN_COOKIE
from tests.support.analytics_events import registered, step
from tests.support.analytics_runtime import PEOPLE, seeded_analytics

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)


@pytest.fixture
async def analytics(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = await seeded_analytics(make_settings(), now=NOW, complaints=9)
    try:
        yield runtime
    finally:
        await runtime.store.close()


@pytest.fixture
async def as_user(analytics: ServiceRuntime) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def client(who: str) -> httpx.AsyncClient:
        token = analytics.tokens.issue(PEOPLE[who])
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=analytics.app),
            base_url="http://analytics",
            cookies={TOKEN_COOKIE: token},  # the pages' sign-in
            headers={"Authorization": f"Bearer {token}"},  # the JSON API, to check
        )
        clients.append(made)
        return made

    yield client
    for made in clients:
        await made.aclose()


def kpi(html: str, name: str) -> int:
    found = re.search(rf'data-kpi="{name}">(\d+)<', html)
    assert found, f"no {name} figure on the page"
    return int(found.group(1))


def charts(html: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', html)
    assert found
    data: dict[str, Any] = json.loads(found.group(1))
    return data


async def test_quality_sees_every_department_and_the_filters_narrow_everything(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    quality = as_user("quality")
    page = await quality.get("/ui/")
    assert page.status_code == 200
    assert kpi(page.text, "complaints") == 9
    assert set(charts(page.text)) >= {"pareto", "trend", "heatmap", "sla", "touchpoints"}
    assert page.text.count('data-key="') >= 3  # a department row each
    narrowed = await quality.get("/ui/", params={"department": "sales", "channel": "hotline"})
    assert kpi(narrowed.text, "complaints") == 2  # sales: c-1, c-4, c-7; hotline: odd ones
    assert "department=sales" in narrowed.text


async def test_every_csv_link_on_the_dashboard_downloads_with_the_sign_in_cookie_alone(
    analytics: ServiceRuntime,
) -> None:
    """The links are followed by a browser: it has the sign-in cookie, not a bearer token."""
    cookie = {TOKEN_COOKIE: analytics.tokens.issue(PEOPLE["quality"])}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=analytics.app),
        base_url="http://analytics",
        cookies=cookie,
    ) as browser:
        page = await browser.get("/ui/", params={"department": "sales"})
        links = [
            html.unescape(href) for href in re.findall(r'href="([^"]*/ui/export/[^"]*)"', page.text)
        ]
        assert len(links) == 8  # pareto, trend, heat map, departments, touchpoints, ...
        for link in links:
            exported = await browser.get(link)
            assert exported.status_code == 200, (link, exported.text)
            assert exported.headers["content-type"].startswith("text/csv"), link
            assert "attachment" in exported.headers["content-disposition"], link
        heat = next(link for link in links if "/export/heatmap" in link)
        rows = list(csv.reader(io.StringIO((await browser.get(heat)).content.decode("utf-8-sig"))))
        assert rows[0][0] == "department" and [r[0] for r in rows[1:]] == ["sales"]
        missing = await browser.get("/ui/export/nothing")
        assert missing.status_code == 404 and "无法导出" in missing.text


async def test_a_head_sees_their_department_and_an_agent_is_refused(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    page = await as_user("head").get("/ui/")
    assert page.status_code == 200
    assert kpi(page.text, "complaints") == 3
    assert 'id="new-action"' not in page.text  # heads read; quality acts
    options = re.search(r'<select id="f-department".*?</select>', page.text, re.S)
    assert options and re.findall(r'<option value="([^"]*)"', options.group(0)) == ["after_sales"]
    assert (await as_user("head").get("/ui/", params={"department": "sales"})).status_code == 403
    refused = await as_user("agent").get("/ui/")
    assert refused.status_code == 403
    assert (
        "当前角色：坐席/前台。此页面供以下角色使用：部门经理、总经理、质量专员、管理员。"
        in refused.text
    )


async def test_a_head_sees_only_their_own_departments_trend_alerts(
    analytics: ServiceRuntime, as_user: Callable[[str], httpx.AsyncClient]
) -> None:
    """Cause and touchpoint alerts count the whole dealership: a head, who reads only their
    own department everywhere else, sees the alerts of their department alone."""
    service = analytics.app.state.service
    for i, department in enumerate(["after_sales"] * 8 + ["sales"] * 6):  # a week's surge
        cid, at = f"surge-{i}", NOW - timedelta(minutes=10 + i)
        await service.on_event(registered(cid, at, content="刹车异响，踩刹车时吱吱响"))
        await service.on_event(step(cid, "assign", at, to_status="assigned", department=department))
    assert (await as_user("quality").post("/alerts/check")).status_code == 200

    def buckets(alerts: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(a["dimension"], a["value"]) for a in alerts}

    everything = buckets((await as_user("quality").get("/alerts")).json())
    assert {("department", "after_sales"), ("department", "sales")} <= everything
    assert any(dimension == "cause" for dimension, _ in everything)  # dealership-wide
    assert buckets((await as_user("gm").get("/alerts")).json()) == everything
    head = (await as_user("head").get("/alerts")).json()
    assert buckets(head) == {("department", "after_sales")}
    assert head[0]["count"] == 9  # their department's own complaints this week

    page = await as_user("head").get("/ui/")
    card = re.search(r'<section class="card" id="alerts">.*?</section>', page.text, re.S)
    assert card and card.group(0).count('class="alert-row"') == 1
    assert '<span class="count">1</span>' in card.group(0)  # the card's badge
    assert "原因</span>" not in card.group(0) and "接触点</span>" not in card.group(0)
    quality_page = await as_user("quality").get("/ui/")
    everyone = re.search(
        r'<section class="card" id="alerts">.*?</section>', quality_page.text, re.S
    )
    assert everyone and everyone.group(0).count('class="alert-row"') == len(everything)


async def test_a_bad_date_range_is_a_message_and_the_default_period(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    page = await as_user("gm").get("/ui/", params={"start": "2026-03-10", "end": "2026-03-01"})
    assert page.status_code == 200
    assert "开始日期不能晚于结束日期" in page.text and "start must not" not in page.text
    assert kpi(page.text, "complaints") == 9
    english = await as_user("gm").get(
        "/ui/", params={"start": "2026-03-10", "end": "2026-03-01", "lang": "en"}
    )
    assert "The start date must not be after the end date" in english.text


async def test_an_unreadable_date_or_a_too_long_period_is_a_message_too(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    garbage = await as_user("gm").get("/ui/", params={"start": "garbage"})
    assert garbage.status_code == 200 and "日期格式不正确（例如 2026-11-23）" in garbage.text
    years = await as_user("gm").get("/ui/", params={"start": "2020-01-01", "end": "2026-03-01"})
    assert years.status_code == 200 and "一次最多统计 1098 天" in years.text
    assert kpi(years.text, "complaints") == 9  # the default period meanwhile


async def test_an_action_is_opened_moved_and_a_refused_stage_is_a_message(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    quality = as_user("quality")
    opened = await quality.post(
        "/ui/actions",
        data={
            "title": "接待礼仪培训",
            "type": "training",
            "dimension": "department",
            "bucket_department": "sales",
            "owner": "quinn",
            "due_date": "2026-04-30",
            "effective_from": "2026-03-02",
        },
    )
    assert opened.status_code == 303
    action = (await quality.get("/actions")).json()[0]
    assert (action["dimension"], action["value"], action["stage"]) == (
        "department",
        "sales",
        "plan",
    )
    page = await quality.get("/ui/")
    assert "接待礼仪培训" in page.text and f"effect-{action['id']}" in charts(page.text)

    moved = await quality.post(f"/ui/actions/{action['id']}/stage", data={"stage": "do"})
    assert moved.status_code == 303
    stale = await quality.post(f"/ui/actions/{action['id']}/stage", data={"stage": "do"})
    assert stale.status_code == 409  # a second click on the same button: already in do
    assert "该措施处于“执行”阶段，下一步只能推进到“检查”" in stale.text  # the 409, in Chinese

    bad = await quality.post("/ui/actions", data={"title": "x", "type": "training"})
    assert bad.status_code == 422
    assert 'class="alert alert-error"' in bad.text


async def test_a_form_posted_from_another_site_is_refused(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    quality = as_user("quality")
    form = {"title": "接待礼仪培训", "type": "training", "dimension": "department"}
    form |= {"bucket_department": "sales", "owner": "quinn", "due_date": "2026-04-30"}
    for source in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}):
        refused = await quality.post("/ui/actions", data=form, headers=source)
        assert refused.status_code == 403
        assert "此请求来自其他网站" in refused.text
    forged_signin = await quality.post(
        "/ui/signin", data={"token": "x"}, headers={"Origin": "null"}
    )
    assert forged_signin.status_code == 403
    assert (await quality.get("/actions")).json() == []  # nothing was written

    same_site = await quality.post("/ui/actions", data=form, headers={"Origin": "http://analytics"})
    assert same_site.status_code == 303
    assert len((await quality.get("/actions")).json()) == 1


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"Origin": "http://analytics"}, True),
        ({"Origin": "http://analytics:80"}, True),  # the default port, spelt out
        ({"Origin": "https://analytics", "X-Forwarded-Proto": "https"}, True),
        ({"Origin": "https://analytics", "Host": "analytics:443",
          "X-Forwarded-Proto": "https"}, True),
        ({"Origin": "https://public.example", "X-Forwarded-Host": "public.example",
          "X-Forwarded-Proto": "https"}, True),  # behind a proxy that says so
        ({"Origin": "http://analytics:8080"}, False),  # another port is another site
        ({"Origin": "https://analytics"}, False),  # another scheme's default port
        ({"Origin": "null"}, False),
        ({"Referer": "http://evil.example/"}, False),
    ],
)  # fmt: skip
async def test_the_origin_check_compares_host_and_effective_port(
    as_user: Callable[[str], httpx.AsyncClient], headers: dict[str, str], allowed: bool
) -> None:
    answer = await as_user("quality").post("/ui/signin", data={"token": "x"}, headers=headers)
    assert (answer.status_code != 403) is allowed, answer.status_code


async def test_a_trusted_origin_is_accepted(make_settings: Callable[..., Settings]) -> None:
    """A proxy that rewrites Host: the public origin is named in the settings instead."""
    settings = make_settings(trusted_origins="https://crm.example.com/, https://other.example")
    runtime = await seeded_analytics(settings, now=NOW, complaints=1)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app), base_url="http://analytics:8000"
        ) as client:
            for origin, allowed in (
                ("https://crm.example.com", True),
                ("https://CRM.example.com", True),
                ("http://crm.example.com", False),
                ("https://crm.example.com:8443", False),
            ):
                answer = await client.post(
                    "/ui/signin", data={"token": "x"}, headers={"Origin": origin}
                )
                assert (answer.status_code != 403) is allowed, origin
    finally:
        await runtime.store.close()


@pytest.mark.parametrize(
    ("headers", "secure"), [({}, False), ({"X-Forwarded-Proto": "https"}, True)]
)
async def test_the_sign_in_cookie_is_secure_behind_https(
    analytics: ServiceRuntime, headers: dict[str, str], secure: bool
) -> None:
    token = analytics.tokens.issue(PEOPLE["quality"])
    transport = httpx.ASGITransport(app=analytics.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://analytics") as client:
        answer = await client.post("/ui/signin", data={"token": token}, headers=headers)
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert ("; secure" in cookie) is secure


async def test_a_refused_action_form_comes_back_as_typed_with_every_field_error(
    as_user: Callable[[str], httpx.AsyncClient],
) -> None:
    typed = {
        "title": "X",
        "type": "periodic_review",
        "dimension": "department",
        "bucket_department": "parts",
        "owner": "",
        "due_date": "2026-13-45",
        "effective_from": "2026-03-02",
    }
    refused = await as_user("quality").post("/ui/actions", data=typed)
    assert refused.status_code == 422
    form = re.search(r'<form[^>]*id="new-action".*?</form>', refused.text, re.S)
    assert form
    html = form.group(0)
    assert 'name="title" value="X"' in html
    assert '<option value="periodic_review" selected>' in html
    assert '<option value="parts" selected>' in html
    assert 'name="due_date" value="2026-13-45"' in html
    assert html.count('class="field-error"') >= 2  # the owner and the due date, not only one
