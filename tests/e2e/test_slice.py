"""`complaints up` as a user runs it: a complaint posted over HTTP travels through all three
services over the embedded Kafka broker and shows up as a case and in the analytics count."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.broker.embedded import free_port
from tests.support.processes import CommandProcess, clean_env, mint_token
from tests.support.waiting import eventually

COMPLAINT = {
    "channel": "hotline",
    "customer": {"name": "张伟", "phone": "138 1234 5678"},
    "content": "新车高速刹车时方向盘抖动，要求检查。",
}


@dataclass
class System:
    url: str
    data_dir: Path
    process: CommandProcess

    def token(self, role: str, *extra: str) -> str:
        return mint_token(self.data_dir, f"test-{role}", role, *extra)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    port = free_port()
    process = CommandProcess(
        "up",
        "--port",
        str(port),
        "--data-dir",
        str(tmp_path),
        env={"COMPLAINTS_LOG_LEVEL": "WARNING"},
    )
    try:
        line = process.wait_for_line("Complaints is running")
        assert f":{port}" in line
        yield System(url=f"http://127.0.0.1:{port}", data_dir=tmp_path, process=process)
    finally:
        process.stop()


@pytest.fixture
async def client(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=system.url, timeout=30) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def drive_to_closed(
    client: httpx.AsyncClient,
    complaint_id: str,
    *,
    agent: dict[str, str],
    owner: dict[str, str],
    head: dict[str, str],
) -> list[str]:
    """Every step of the closed loop over HTTP, each answered 200; the steps taken."""
    steps: list[tuple[dict[str, str], str, dict[str, Any]]] = [
        (agent, "triage", {"valid": True}),
        (head, "assign", {"department": "after_sales", "owner": "olga"}),
        (owner, "start_investigation", {}),
        (owner, "record_findings", {
            "findings": "刹车盘变形", "causes": ["product_quality"],
            "primary_cause": "product_quality", "responsible_staff": "王强",
        }),
        (owner, "propose_remedy", {
            "types": ["repair"], "amount": 0, "message_to_customer": "保修更换刹车盘",
        }),
        (owner, "submit_for_approval", {}),
        (head, "approve", {}),
        (owner, "start_execution", {}),
        (owner, "resolve", {"customer_notified": True}),
        (owner, "request_feedback", {}),
        (agent, "record_feedback", {"satisfaction": 5, "comment": "满意"}),
    ]  # fmt: skip
    for who, step, body in steps:
        response = await client.post(
            f"/resolution/cases/{complaint_id}/{step}", json=body, headers=who
        )
        assert response.status_code == 200, f"{step}: {response.text}"
    return [step for _, step, _ in steps]


async def test_a_complaint_becomes_a_case_and_is_counted(
    system: System, client: httpx.AsyncClient
) -> None:
    agent = bearer(system.token("agent"))
    quality = bearer(system.token("quality"))
    owner = bearer(system.token("owner"))

    created = await client.post("/intake/complaints", json=COMPLAINT, headers=agent)
    assert created.status_code == 201, created.text
    body = created.json()
    complaint_id = body["id"]
    assert body["customer"]["phone_masked"] == "138****5678"
    assert body["ticket_no"].startswith("TS-")
    assert created.headers["location"].endswith(f"/intake/complaints/{complaint_id}")

    fetched = await client.get(f"/intake/complaints/{complaint_id}", headers=agent)
    assert fetched.json() == {
        key: value for key, value in body.items() if key not in ("outcome", "acknowledgement")
    }

    async def case() -> httpx.Response:
        return await client.get(f"/resolution/cases/{complaint_id}", headers=agent)

    opened = await eventually(case, lambda r: r.status_code == 200, what="the case")
    unowned = await client.get(f"/resolution/cases/{complaint_id}", headers=owner)
    assert unowned.status_code == 403  # the desk reads any case, an owner only theirs
    case_body = opened.json()
    assert case_body["status"] == "registered"
    assert case_body["ticket_no"] == body["ticket_no"]
    hours = (_ts(case_body["due_at"]) - _ts(body["registered_at"])) / 3600
    assert hours == 48

    async def summary() -> dict[str, Any]:
        response = await client.get("/analytics/summary", headers=quality)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    # the registration and the case come on two topics, read independently: in any order
    counted = await eventually(
        summary,
        lambda s: s["cases_opened"] == 1 and s["complaints_registered"] == 1,
        what="the analytics count",
    )
    assert counted["by_channel"] == {"hotline": 1}


async def test_malformed_input_is_a_problem_document_and_stores_nothing(
    system: System, client: httpx.AsyncClient
) -> None:
    agent = bearer(system.token("agent"))
    broken = await client.post(
        "/intake/complaints",
        content=b'{"channel": "hotline", "customer": ',
        headers={**agent, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"] == "application/problem+json"
    assert broken.json()["errors"][0]["type"] == "json_invalid"

    invalid = await client.post(
        "/intake/complaints",
        json={**COMPLAINT, "customer": {"name": "张伟", "phone": "12345"}},
        headers=agent,
    )
    assert invalid.status_code == 422
    problem = invalid.json()
    assert problem["status"] == 422
    assert [e["path"] for e in problem["errors"]] == ["body.customer.phone"]

    with sqlite3.connect(system.data_dir / "intake.db") as db:
        assert db.execute("SELECT COUNT(*) FROM complaints").fetchone() == (0,)
        assert db.execute("SELECT COUNT(*) FROM outbox").fetchone() == (0,)


async def test_identity_is_checked_on_every_business_route(
    system: System, client: httpx.AsyncClient
) -> None:
    routes = [
        ("POST", "/intake/complaints"),
        ("GET", "/intake/complaints/x"),
        ("GET", "/resolution/cases/x"),
        ("GET", "/analytics/summary"),
    ]
    for method, path in routes:
        response = await client.request(method, path, json=COMPLAINT)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"].startswith("Bearer")
        forged = await client.request(method, path, json=COMPLAINT, headers=bearer("a.b.c"))
        assert forged.status_code == 401, path

    quality = bearer(system.token("quality"))
    assert (
        await client.post("/intake/complaints", json=COMPLAINT, headers=quality)
    ).status_code == 403
    agent = bearer(system.token("agent"))
    assert (await client.get("/analytics/summary", headers=agent)).status_code == 403


async def test_health_readiness_and_metrics(system: System, client: httpx.AsyncClient) -> None:
    for service in ("intake", "resolution", "analytics"):
        assert (await client.get(f"/{service}/healthz")).json()["status"] == "ok"
        ready = await client.get(f"/{service}/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"store": "ok", "broker": "ok"}
        metrics = await client.get(f"/{service}/metrics")
        assert "outbox_pending" in metrics.text
        assert "http_requests_total" in metrics.text
        assert 'route="/readyz"' in metrics.text  # by route template, mounted under a prefix
        docs = await client.get(f"/{service}/docs")  # the API's docs work offline
        assert docs.status_code == 200 and "cdn.jsdelivr.net" not in docs.text
        script = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', docs.text)
        assert script and script.group(1).startswith(f"/{service}/docs-assets/")
        assert (await client.get(script.group(1))).status_code == 200
        assert f"/{service}/openapi.json" in docs.text


def test_ctrl_c_stops_everything_cleanly(system: System) -> None:
    pid = system.process.process.pid
    children = {
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    }
    assert children, "the embedded broker runs as a child process"
    assert system.process.interrupt() in (0, 130)  # 130: the conventional Ctrl-C exit
    output = system.process.output()
    assert "Traceback" not in output
    assert "Error" not in output
    for child in children:
        assert not Path(f"/proc/{child}").exists() or _zombie(child), f"child {child} survived"


def _zombie(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] == "Z"


def _ts(value: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(value).timestamp()


def test_bulk_import_reports_bad_rows_by_line_and_imports_the_rest(
    system: System, tmp_path: Path
) -> None:
    csv_file = tmp_path / "complaints.csv"
    csv_file.write_text(
        "channel,name,phone,content,vin,demands\n"
        "hotline,陈一,13811110001,交车等待三个小时没人理,,repair;apology\n"
        "walk_in,周二,not-a-phone,保养价格与报价不符,,\n"
        'phone,吴三,13811110003,"保险理赔手续太慢,\n拖了两周",,explanation\n'
        "hotline,郑四,13811110004,刹车异响,LSVAA4182E2123450,\n"
        "service_desk,Wang Wu,13811110005,Waited 3 hours for an oil change.,,apology\n",
        encoding="utf-8-sig",
    )
    result = subprocess.run(
        [sys.executable, "-m", "shared.cli", "import", str(csv_file), "--url", system.url,
         "--data-dir", str(system.data_dir)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert "3 imported (3 new" in result.stdout
    assert "2 rejected" in result.stdout
    assert "line 3: customer.phone" in result.stdout
    assert "line 6: vehicle.vin" in result.stdout  # the quoted cell spans lines 4-5
    assert "Traceback" not in result.stderr


async def test_a_complaint_is_driven_through_every_step_to_closed(
    system: System, client: httpx.AsyncClient
) -> None:
    agent = bearer(system.token("agent"))
    owner = bearer(mint_token(system.data_dir, "olga", "owner"))
    head = bearer(
        mint_token(system.data_dir, "hu", "department_head", "--department", "after_sales")
    )
    created = await client.post("/intake/complaints", json=COMPLAINT, headers=agent)
    complaint_id = created.json()["id"]

    async def case() -> httpx.Response:
        return await client.get(f"/resolution/cases/{complaint_id}", headers=agent)

    suggested = await eventually(
        case,
        lambda r: r.status_code == 200 and r.json().get("suggestion") is not None,
        what="the case with analytics' predicted cause",
    )
    suggestion = suggested.json()["suggestion"]
    assert suggestion["primary_cause"] == "product_quality"
    assert suggestion["model_version"] and suggestion["explanation"]
    steps = await drive_to_closed(client, complaint_id, agent=agent, owner=owner, head=head)
    closed = (await case()).json()
    assert closed["status"] == "closed"
    assert [entry["step"] for entry in closed["timeline"]] == steps
    assert closed["sla"]["breached"] is False

    quality = bearer(system.token("quality"))

    async def by_cause() -> dict[str, Any]:
        response = await client.get("/analytics/reports/breakdown?by=cause", headers=quality)
        assert response.status_code == 200, response.text
        return {row["key"]: row["figures"] for row in response.json()["rows"]}

    counted = await eventually(
        by_cause, lambda rows: rows.get("product_quality", {}).get("closed") == 1,
        what="the closed complaint in the cause report",
    )  # fmt: skip
    assert counted["product_quality"]["satisfaction_avg"] == 5
    staff = await client.get("/analytics/reports/breakdown?by=responsible_staff", headers=quality)
    assert [(r["key"], r["figures"]["closed"]) for r in staff.json()["rows"]] == [("王强", 1)]
    stages = await client.get("/analytics/reports/stages?lang=en", headers=quality)
    assert stages.status_code == 200, stages.text
    rows = {row["stage"]: row for row in stages.json()["stages"]}
    assert set(rows) == {"triage", "investigate", "propose", "approve", "execute", "feedback"}
    assert rows["approve"]["cases"] == 1 and rows["approve"]["over_budget"] == 0
    assert rows["approve"]["label"] == "Approval"

    # the customer asks to be forgotten: intake erases, the others follow over Kafka
    admin = bearer(system.token("admin"))

    async def erase() -> httpx.Response:  # 409 until intake has seen case.closed
        return await client.post("/intake/erasures", json={"phone": "13812345678"}, headers=admin)

    erasure = await eventually(
        erase, lambda r: r.status_code != 409, what="intake to take the erasure"
    )
    assert erasure.status_code == 200, erasure.text
    assert [e["erasure_reason"] for e in erasure.json()["erased"]] == ["customer_request"]
    forgotten = (
        await eventually(
            case, lambda r: r.json()["erasure_reason"] is not None, what="the case erased"
        )
    ).json()
    assert (forgotten["customer_name"], forgotten["content"]) == ("", "")
    assert forgotten["status"] == "closed" and forgotten["causes"] == ["product_quality"]

    def analytics_text() -> str:
        with sqlite3.connect(system.data_dir / "analytics.db") as db:
            row = db.execute("SELECT doc FROM facts WHERE complaint_id = ?", (complaint_id,))
            return str(row.fetchone()[0])

    async def analytics_erased() -> bool:
        return '"erased_at":null' not in analytics_text()

    await eventually(analytics_erased, bool, what="analytics to drop the words")
    assert "方向盘抖动" not in analytics_text()
    assert (await by_cause())["product_quality"]["closed"] == 1  # still counted


async def test_a_low_rating_on_the_3_day_call_reopens_the_case_in_every_service(
    system: System, client: httpx.AsyncClient
) -> None:
    agent = bearer(system.token("agent"))
    owner = bearer(mint_token(system.data_dir, "olga", "owner"))
    head = bearer(
        mint_token(system.data_dir, "hu", "department_head", "--department", "after_sales")
    )
    complaint_id = (await client.post("/intake/complaints", json=COMPLAINT, headers=agent)).json()[
        "id"
    ]
    await eventually(
        lambda: client.get(f"/resolution/cases/{complaint_id}", headers=agent),
        lambda r: r.status_code == 200,
        what="the case",
    )
    await drive_to_closed(client, complaint_id, agent=agent, owner=owner, head=head)

    async def complaint() -> dict[str, Any]:
        response = await client.get(f"/intake/complaints/{complaint_id}", headers=agent)
        assert response.status_code == 200, response.text
        return dict(response.json())

    quality = bearer(system.token("quality"))

    async def overview() -> dict[str, Any]:
        response = await client.get("/analytics/reports/overview", headers=quality)
        assert response.status_code == 200, response.text
        return dict(response.json()["figures"])

    await eventually(complaint, lambda c: c["closed_at"] is not None, what="intake: closed")
    await eventually(overview, lambda f: f["closed"] == 1, what="analytics: closed")
    call = {"reached": True, "satisfaction": 1, "summary": "刹车还是抖，客户很不满意"}
    reopened = await client.post(
        f"/resolution/cases/{complaint_id}/record_follow_up_call", json=call, headers=agent
    )
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["escalation_level"]) == ("investigating", 1)
    again = await eventually(complaint, lambda c: c["closed_at"] is None, what="intake: open")
    assert again["open"] is True
    follow_up = await client.post(
        "/intake/complaints",
        json={**COMPLAINT, "content": "新车高速刹车时方向盘还是抖动，上次没修好。"},
        headers=agent,
    )
    assert follow_up.json()["outcome"] == "linked" and follow_up.json()["id"] == complaint_id

    figures = await eventually(overview, lambda f: f["closed"] == 0, what="analytics: open again")
    # reopened while it is worked again: counted at once (of the one concluded, one reopened)
    assert (figures["complaints"], figures["reopen_rate"]) == (1, 1.0)


async def test_analytics_rebuild_replays_the_topics_into_the_same_reports(
    system: System, client: httpx.AsyncClient
) -> None:
    agent = bearer(system.token("agent"))
    quality = bearer(system.token("quality"))
    texts = ["发动机冷启动异响", "销售承诺的免费保养没有兑现", "服务顾问态度冷淡，等了三个小时"]
    for i, text in enumerate(texts):
        body = {**COMPLAINT, "content": text, "customer": {"name": "陈", "phone": f"1391111000{i}"}}
        assert (
            await client.post("/intake/complaints", json=body, headers=agent)
        ).status_code == 201

    async def pareto() -> dict[str, Any]:
        response = await client.get("/analytics/reports/pareto", headers=quality)
        result: dict[str, Any] = response.json()
        return result

    before = await eventually(pareto, lambda p: p["total"] == 3, what="three complaints counted")
    bus = system.process.wait_for_line("bus: embedded broker at")
    bootstrap = bus.split("embedded broker at ")[1].split(";")[0]
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shared.cli", "analytics", "rebuild", "--bootstrap", bootstrap,
         "--data-dir", str(system.data_dir)],
        env=clean_env(), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rebuilt from" in result.stdout
    assert await pareto() == before
