"""Analytics over HTTP on a real SQLite store: roles, filters, CSV, alerts, PDCA, models."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from services.analytics.routes import spreadsheet_safe
from shared.contracts.resolution import StageTime
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from tests.support.analytics_events import step
from tests.support.analytics_runtime import PEOPLE, seeded_analytics

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=UTC)  # Wednesday, week of 9 March


@pytest.fixture
async def analytics(make_settings: Callable[..., Settings]) -> AsyncIterator[ServiceRuntime]:
    runtime = await seeded_analytics(make_settings(), now=NOW, complaints=12)
    try:
        yield runtime
    finally:
        await runtime.store.close()


@pytest.fixture
async def http(analytics: ServiceRuntime) -> AsyncIterator[Callable[..., Any]]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=analytics.app), base_url="http://analytics"
    ) as client:

        async def call(who: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
            headers = {}
            if who:
                headers["Authorization"] = f"Bearer {analytics.tokens.issue(PEOPLE[who])}"
            return await client.request(method, url, headers=headers, **kwargs)

        yield call


async def test_reports_need_a_report_role(http: Callable[..., Any]) -> None:
    assert (await http("", "GET", "/reports/overview")).status_code == 401
    refused = await http("agent", "GET", "/reports/overview")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (refused.json()["code"], refused.json()["role"]) == ("role_not_allowed", "agent")
    assert "quality" in refused.json()["allowed_roles"]
    assert (await http("gm", "GET", "/reports/overview")).status_code == 200


async def test_a_head_sees_only_their_department(http: Callable[..., Any]) -> None:
    mine = (await http("head", "GET", "/reports/breakdown?by=department")).json()
    assert [row["key"] for row in mine["rows"]] == ["after_sales"]
    assert (await http("head", "GET", "/reports/overview?department=sales")).status_code == 403
    everyone = (await http("quality", "GET", "/reports/breakdown?by=department")).json()
    assert {row["key"]: row["figures"]["complaints"] for row in everyone["rows"]} == {
        "after_sales": 4,
        "sales": 4,
        "parts": 4,
    }


async def test_filters_and_bad_parameters(http: Callable[..., Any]) -> None:
    week = await http("quality", "GET", "/reports/overview?start=2026-03-05&end=2026-03-11")
    assert week.json()["figures"]["complaints"] == 7
    hotline = await http("quality", "GET", "/reports/overview?channel=hotline")
    assert hotline.json()["figures"]["complaints"] == 6
    bad = await http("quality", "GET", "/reports/overview?start=2026-03-11&end=2026-03-01")
    assert bad.status_code == 422 and bad.json()["errors"][0]["path"] == "query.start"
    wrong = await http("quality", "GET", "/reports/breakdown?by=colour")
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "query.by"


async def test_labels_follow_the_language_and_csv_opens_in_excel(http: Callable[..., Any]) -> None:
    zh = (await http("quality", "GET", "/reports/pareto?by=department")).json()
    assert {row["label"] for row in zh["rows"]} == {"售后服务部", "销售部", "配件部"}
    en = (await http("quality", "GET", "/reports/pareto?by=department&lang=en")).json()
    assert {row["label"] for row in en["rows"]} == {"After-sales service", "Sales", "Parts"}
    exported = await http("quality", "GET", "/reports/breakdown?by=channel&format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["channel"]: r["complaints"] for r in rows} == {"hotline": "6", "wechat": "6"}


async def test_stage_times_are_each_departments_own_and_a_head_sees_theirs(
    analytics: ServiceRuntime, http: Callable[..., Any]
) -> None:
    service = analytics.app.state.service
    # c-0 (after_sales): reassigned from sales during the investigation; the approval ran over
    times = [
        StageTime(stage="triage", department=None, seconds=1800),
        StageTime(stage="investigate", department="sales", seconds=6 * 3600),
        StageTime(stage="investigate", department="after_sales", seconds=2 * 3600),
        StageTime(stage="approve", department="after_sales", seconds=7 * 3600, over=True),
    ]
    closed = step("c-0", "record_feedback", NOW, to_status="closed", satisfaction=5,
                  closed=True, stage_times=times)  # fmt: skip
    assert await service.on_event(closed)
    everyone = (await http("quality", "GET", "/reports/stages?lang=en")).json()
    assert {r["stage"]: (r["cases"], r["over_budget"]) for r in everyone["stages"]} == {
        "triage": (1, 0),
        "investigate": (1, 0),
        "approve": (1, 1),
    }  # fmt: skip  one case: its 8 h of investigation count once overall
    assert everyone["stages"][2]["label"] == "Approval"
    assert {d["department"] for d in everyone["departments"]} == {
        "unassigned", "sales", "after_sales"
    }  # fmt: skip
    hotline = (await http("quality", "GET", "/reports/stages?lang=en&channel=hotline")).json()
    assert hotline["stages"] == everyone["stages"]  # not split by channel (or cause)
    mine = (await http("head", "GET", "/reports/stages")).json()  # an after-sales head
    assert [d["department"] for d in mine["departments"]] == ["after_sales"]
    assert {r["stage"]: r["p90_hours"] for r in mine["stages"]} == {"investigate": 2, "approve": 8}
    assert (await http("head", "GET", "/reports/stages?department=sales")).status_code == 403
    assert (await http("agent", "GET", "/reports/stages")).status_code == 403
    exported = await http("quality", "GET", "/reports/stages?format=csv&lang=en")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["department"], r["stage"], r["p90_hours"], r["over_budget"]) for r in rows] == [
        ("all", "triage", "1.0", "0"),
        ("all", "investigate", "8.0", "0"),
        ("all", "approve", "8.0", "1"),
        ("after_sales", "investigate", "2.0", "0"),
        ("after_sales", "approve", "8.0", "1"),
        ("sales", "investigate", "8.0", "0"),
        ("unassigned", "triage", "1.0", "0"),
    ]


async def test_prevention_action_moves_through_pdca_and_reports_its_effect(
    http: Callable[..., Any],
) -> None:
    body = {
        "title": "服务礼仪培训",
        "type": "training",
        "dimension": "department",
        "value": "after_sales",
        "owner": "quinn",
        "due_date": "2026-04-30",
        "effective_from": "2026-03-02",
    }
    assert (await http("head", "POST", "/actions", json=body)).status_code == 403
    invalid = await http("quality", "POST", "/actions", json={**body, "value": "garage"})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["path"] == "body.value"
    overdue = await http("quality", "POST", "/actions", json={**body, "due_date": "2026-03-10"})
    assert overdue.status_code == 422  # the day before today (11 March)
    assert overdue.json()["errors"][0]["path"] == "body.due_date"
    assert overdue.json()["errors"][0]["message"] == "the due date is before today"
    assert (await http("quality", "GET", "/actions")).json() == []  # nothing written
    created = await http("quality", "POST", "/actions", json=body)
    assert created.status_code == 201, created.text
    action = created.json()
    assert action["stage"] == "plan"
    skipped = await http(
        "quality", "POST", f"/actions/{action['id']}/stage", json={"stage": "check"}
    )
    assert skipped.status_code == 409
    moved = await http("quality", "POST", f"/actions/{action['id']}/stage", json={"stage": "do"})
    assert moved.json()["stage"] == "do"
    result = (await http("gm", "GET", f"/actions/{action['id']}/effect?weeks=2")).json()
    assert result["weeks_before"] == 1 and result["weeks_after"] == 1  # 16 Feb: no data yet
    assert result["before"] == [{"week": "2026-02-23", "complaints": 0}]  # data, none here
    assert result["after"] == [{"week": "2026-03-02", "complaints": 3}]  # 2, 5 and 8 March


async def test_the_classifier_explains_itself_and_keeps_versions(
    http: Callable[..., Any],
) -> None:
    answer = await http(
        "agent", "POST", "/classifier/predict", json={"text": "4S店服务顾问态度恶劣，不回电话"}
    )
    assert answer.status_code == 200, answer.text
    prediction = answer.json()
    assert prediction["primary_cause"] == "service_attitude_efficiency"
    assert any("service_attitude_efficiency" in line for line in prediction["explanation"])
    service = next(e for e in prediction["evidence"] if e["cause"] == "service_attitude_efficiency")
    assert service["terms"] and all(
        term in "4S店服务顾问态度恶劣，不回电话" for term in service["terms"]
    )
    first = prediction["model_version"]
    assert (await http("agent", "POST", "/classifier/train")).status_code == 403
    trained = await http("quality", "POST", "/classifier/train")
    assert trained.status_code == 201
    models = (await http("quality", "GET", "/classifier/models")).json()
    assert [m["active"] for m in models] == [True, False]
    back = await http("quality", "POST", f"/classifier/models/{first}/activate")
    assert back.status_code == 200
    again = (await http("agent", "POST", "/classifier/predict", json={"text": "异响"})).json()
    assert again["model_version"] == first
    assert (await http("quality", "POST", "/classifier/models/nope/activate")).status_code == 404
    assert (await http("agent", "GET", "/classifier/agreement")).status_code == 403
    agreement = await http("quality", "GET", "/classifier/agreement")
    assert agreement.status_code == 200 and agreement.json() == []  # nothing confirmed yet


def test_csv_cells_a_spreadsheet_would_run_stay_text() -> None:
    cells = ['=HYPERLINK("http://x")', "+1", "-cmd", "@SUM(A1)", "帕萨特", 3, -2.5, None]
    assert [spreadsheet_safe(c) for c in cells] == [
        "'=HYPERLINK(\"http://x\")", "'+1", "'-cmd", "'@SUM(A1)", "帕萨特", 3, -2.5, None
    ]  # fmt: skip


async def test_a_head_sees_no_other_departments_actions_nor_dealership_totals(
    http: Callable[..., Any],
) -> None:
    body = {
        "title": "交车流程优化",
        "type": "process_optimisation",
        "owner": "quinn",
        "due_date": "2026-04-30",
    }
    actions = {}
    for dimension, value in (
        ("department", "sales"),
        ("department", "after_sales"),
        ("cause", "process_policy"),
    ):
        created = await http(
            "quality", "POST", "/actions", json={**body, "dimension": dimension, "value": value}
        )
        assert created.status_code == 201, created.text
        actions[value] = created.json()["id"]
    listed = (await http("head", "GET", "/actions")).json()
    assert {a["value"] for a in listed} == {"after_sales", "process_policy"}
    assert (await http("head", "GET", f"/actions/{actions['sales']}")).status_code == 403
    assert (await http("head", "GET", f"/actions/{actions['sales']}/effect")).status_code == 403
    assert (
        await http("head", "GET", f"/actions/{actions['after_sales']}/effect")
    ).status_code == 200
    assert len((await http("gm", "GET", "/actions")).json()) == 3
    assert (await http("head", "GET", "/summary")).status_code == 403
    assert (await http("gm", "GET", "/summary")).status_code == 200
