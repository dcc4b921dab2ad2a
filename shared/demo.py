"""Demo data for `complaints up --demo`: four weeks of complaints, entered and worked
through the public APIs, so every page has something to show.

Complaints are registered at the times they happened (the system runs on an
:class:`~shared.clock.OffsetClock` that the loader moves), and each is driven as far
through the seven steps as its age allows: old ones mostly closed, some reopened by a
low rating, some stuck past their 48 hours; recent ones waiting for approval, warned,
or still new.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from shared.auth import Principal, Role, TokenService
from shared.clock import OffsetClock
from shared.demo_scenarios import EN_NAMES, PLATE_PREFIXES, SCENARIOS, ZH_NAMES, Scenario
from shared.secrets import token_secret
from shared.server import RunningSystem
from shared.settings import Settings
from shared.vocab import AGENT_CHANNELS, LABELS, Cause, Department, PreventionType

DEMO_USERS: dict[str, Principal] = {
    "agent": Principal(user="demo-agent", role=Role.AGENT),
    "owner": Principal(user="demo-owner", role=Role.OWNER, department=Department.AFTER_SALES),
    "head": Principal(
        user="demo-head", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES
    ),
    "general_manager": Principal(user="demo-gm", role=Role.GENERAL_MANAGER),
    "quality": Principal(user="demo-quality", role=Role.QUALITY),
    "admin": Principal(user="demo-admin", role=Role.ADMIN),
}

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "channels"
DAYS = 28
FLOW: tuple[tuple[str, float], ...] = (
    ("triage", 0.3),
    ("assign", 0.8),
    ("record_contact", 1.5),
    ("start_investigation", 2),
    ("record_findings", 6),
    ("propose_remedy", 9),
    ("submit_for_approval", 9.5),
    ("approve", 13),
    ("start_execution", 15),
    ("resolve", 26),
    ("request_feedback", 27),
    ("record_feedback", 34),
)
"""The seven steps as the API names them, with when (hours after the complaint) each is done;
the owner's first call to the customer comes right after assignment (within the 2 hours,
unless the case runs at the slow pace)."""
PENDING_APPROVAL = 7  # steps taken when a remedy waits for the head
FOLLOW_UP_CALL = ("record_follow_up_call", FLOW[-1][1] + 44)
"""The 3-day call, about 2.5 days after resolution: made for most closed loops old enough."""
SLOW_PACE = 2.0


def demo_tokens(settings: Settings) -> dict[str, str]:
    tokens = TokenService(token_secret(settings), ttl=timedelta(hours=12))
    return {label: tokens.issue(principal) for label, principal in DEMO_USERS.items()}


@dataclass
class Plan:
    """One demo complaint: what the agent records, and how far its case gets."""

    received_at: datetime
    body: dict[str, Any]
    scenario: Scenario
    department: Department
    owner: str
    steps: int
    invalid: bool = False
    satisfaction: int = 5
    pace: float = 1.0
    """How slowly the steps are taken: 2.0 closes the loop only after its 48 hours."""
    unhappy_on_call: bool = False
    """Rates the outcome 2 on the 3-day call, which reopens the closed case."""
    complaint_id: str = field(default="")


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def _vin(rng: random.Random) -> str:
    from services.intake.domain.validators import vin_check_digit

    letters = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    raw = (
        "LSV"
        + "".join(rng.choice(letters) for _ in range(5))
        + "0"
        + "".join(rng.choice("0123456789") for _ in range(8))
    )
    return raw[:8] + vin_check_digit(raw) + raw[9:]


def _owner(department: Department, rng: random.Random) -> str:
    if department is Department.AFTER_SALES:
        return rng.choice(("demo-owner", "demo-owner", "demo-owner", "wang-tech"))
    return f"{department.value.replace('_', '-')}-owner"


def _steps_for(age_hours: float, rng: random.Random) -> tuple[int, bool, int]:
    """(steps taken, triaged invalid, satisfaction) for a complaint of this age."""
    possible = sum(1 for _, at in FLOW if at < age_hours - 0.1)
    if possible == len(FLOW):
        roll = rng.random()
        if roll < 0.07:
            return 1, True, 5
        if roll < 0.17:
            return len(FLOW), False, rng.choice((1, 2))  # reopened by a low rating
        if roll < 0.30:
            return rng.randint(3, 8), False, 5  # stuck past its 48 hours
        return len(FLOW), False, rng.choice((3, 4, 5, 5, 5))
    return rng.randint(max(0, possible - 3), possible), False, 5


def plan_complaints(now: datetime, count: int, seed: int = 6) -> list[Plan]:
    """``count`` complaints over the last four weeks, more of them recent."""
    rng = random.Random(seed)
    channels = sorted(AGENT_CHANNELS)
    plans: list[Plan] = []
    for index in range(count):
        scenario = SCENARIOS[index % len(SCENARIOS)]
        age = timedelta(hours=DAYS * 24 * rng.random() ** 1.6 + 0.2)
        name = rng.choice(ZH_NAMES if scenario.language == "zh" else EN_NAMES)
        vehicle: dict[str, str] = {"model": scenario.model}
        if rng.random() < 0.6:
            vehicle["plate"] = f"{rng.choice(PLATE_PREFIXES)}{rng.randrange(10**5):05d}"
        if rng.random() < 0.4:
            vehicle["vin"] = _vin(rng)
        received_at = now - age
        body = {
            "channel": rng.choice(channels),
            "customer": {"name": name, "phone": _phone(rng)},
            "vehicle": vehicle,
            "content": scenario.content,
            "demands": [demand.value for demand in scenario.demands],
            "language": scenario.language,
            "received_at": received_at.isoformat(),
        }
        steps, invalid, satisfaction = _steps_for(age.total_seconds() / 3600, rng)
        department = scenario.department
        plans.append(
            Plan(received_at, body, scenario, department, _owner(department, rng), steps, invalid)
        )
        plans[-1].satisfaction = satisfaction
    _some_late(plans, now, random.Random(seed + 1))
    _some_waiting_for_approval(plans, now)
    closed = [p for p in plans if p.steps == len(FLOW) and not p.invalid and p.pace == 1.0]
    for plan in closed[3::12]:  # a few: the call is where a dissatisfied customer says so
        plan.unhappy_on_call = True
    return sorted(plans, key=lambda plan: plan.received_at)


def _some_late(plans: list[Plan], now: datetime, rng: random.Random) -> None:
    """A few closed loops took too long: resolved after their 48 hours (an SLA breach)."""
    slow = SLOW_PACE * FLOW[-1][1] + 1
    for plan in plans:
        old_enough = (now - plan.received_at).total_seconds() / 3600 > slow
        if plan.steps == len(FLOW) and not plan.invalid and old_enough and rng.random() < 0.1:
            plan.pace = SLOW_PACE


def _some_waiting_for_approval(plans: list[Plan], now: datetime) -> None:
    """The head's inbox is never empty: a few after-sales remedies wait for a decision."""
    recent = [
        p
        for p in plans
        if timedelta(hours=10) < now - p.received_at < timedelta(hours=44) and not p.invalid
    ]
    for plan in recent[:5]:
        plan.steps = PENDING_APPROVAL
        plan.department = Department.AFTER_SALES
        plan.owner = "demo-owner"


class _Api:
    """The services' HTTP APIs, in process, each call as a given user."""

    def __init__(self, system: RunningSystem, clients: dict[str, httpx.AsyncClient]) -> None:
        # real time, not the demo's moving clock: a token must outlive the time travel
        settings = system.runtime("intake").settings
        self._tokens = TokenService(token_secret(settings), ttl=timedelta(hours=12))
        self._clients = clients
        self._cache: dict[Principal, str] = {}
        self._sweep = system.runtime("resolution").app.state.service.sweep

    def headers(self, principal: Principal) -> dict[str, str]:
        if principal not in self._cache:
            self._cache[principal] = self._tokens.issue(principal)
        return {"Authorization": f"Bearer {self._cache[principal]}"}

    async def post(self, service: str, path: str, who: Principal, body: Any) -> httpx.Response:
        for _ in range(5):  # a concurrent SLA sweep may have moved the case on: try again
            response = await self._clients[service].post(path, json=body, headers=self.headers(who))
            if response.status_code != 409 or "allowed" in response.text:
                return response
        return response

    async def put(self, service: str, path: str, who: Principal, body: Any) -> httpx.Response:
        return await self._clients[service].put(path, json=body, headers=self.headers(who))

    async def get(self, service: str, path: str, who: Principal, **params: Any) -> httpx.Response:
        return await self._clients[service].get(path, params=params, headers=self.headers(who))

    async def sweep(self) -> None:
        """Resolution's SLA sweep now, on the demo's clock (its own timer runs in real time)."""
        await self._sweep()


@asynccontextmanager
async def _clients(system: RunningSystem) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clients: dict[str, httpx.AsyncClient] = {
        runtime.name: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app), base_url="http://demo", timeout=30
        )
        for runtime in system.runtimes
    }
    try:
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


def _travel(clock: OffsetClock | None, instant: datetime) -> None:
    if clock is not None:
        clock.travel_to(instant)


async def load_demo(
    system: RunningSystem, clock: OffsetClock | None = None, count: int = 84
) -> int:
    """Register the demo complaints, work their cases; returns how many were registered."""
    for runtime in system.runtimes:
        runtime.app.state.demo_users = DEMO_USERS  # the sign-in page offers them
    intake_store: Any = system.runtime("intake").store
    if await intake_store.count_complaints():
        return 0  # a data dir that has complaints keeps them: the demo is loaded once
    now = datetime.now(UTC)
    plans = plan_complaints(now, count)
    agent = DEMO_USERS["agent"]
    try:
        async with _clients(system) as clients:
            api = _Api(system, clients)
            await _fill_staff_directory(api)
            for plan in plans:
                _travel(clock, plan.received_at)
                response = await api.post("intake", "/complaints", agent, plan.body)
                response.raise_for_status()
                if response.json()["outcome"] == "registered":
                    plan.complaint_id = response.json()["id"]
                    await _wait_for_case(api, plan.complaint_id)  # opened at its own time
            channel_count = await _post_channel_examples(api, clock, now)
            registered = [plan for plan in plans if plan.complaint_id]
            await _wait_for_cases(api, {plan.complaint_id for plan in registered})
            await _work(api, registered, clock)
            _travel(clock, now)
            await _open_prevention_action(api, registered, now)
    finally:
        if clock is not None:
            clock.reset()
    return len(plans) + channel_count


DEMO_STAFF: dict[str, tuple[str, str, Department]] = {
    "demo-owner": ("李娜", "售后服务顾问", Department.AFTER_SALES),
    "wang-tech": ("王建国", "维修技师", Department.AFTER_SALES),
    "sales-owner": ("孙强", "销售顾问", Department.SALES),
    "parts-owner": ("刘洋", "配件专员", Department.PARTS),
    "finance-insurance-owner": ("陈静", "金融保险专员", Department.FINANCE_INSURANCE),
    "customer-relations-owner": ("赵敏", "客户关系专员", Department.CUSTOMER_RELATIONS),
}
"""Everyone the demo assigns cases to (``_owner``), so its messages name a person."""


async def _fill_staff_directory(api: _Api) -> None:
    for user, (name, title, department) in DEMO_STAFF.items():
        body = {"name": name, "title": title, "department": department.value}
        response = await api.put("resolution", f"/staff/{user}", DEMO_USERS["admin"], body)
        response.raise_for_status()


async def _open_prevention_action(api: _Api, plans: list[Plan], now: datetime) -> None:
    """The quality team's first prevention action, on the cause investigators confirmed most
    often, opened and started through analytics' API (its effect is measured from today)."""
    confirmed = Counter(
        plan.scenario.cause for plan in plans if plan.steps >= 4 and not plan.invalid
    )
    if not confirmed:
        return
    cause = confirmed.most_common(1)[0][0]
    quality = DEMO_USERS["quality"]
    response = await api.post(
        "analytics",
        "/actions",
        quality,
        {
            "title": f"{LABELS[Cause][cause][0]}专项改进：班前会案例复盘与培训",
            "type": PreventionType.TRAINING.value,
            "dimension": "cause",
            "value": cause.value,
            "owner": quality.user,
            "due_date": (now + timedelta(days=30)).date().isoformat(),
        },
    )
    if response.status_code == 201:
        path = f"/actions/{response.json()['id']}/stage"
        await api.post("analytics", path, quality, {"stage": "do", "note": "培训计划已发布"})
    await api.post("analytics", "/alerts/check", quality, {})


async def _post_channel_examples(api: _Api, clock: OffsetClock | None, now: datetime) -> int:
    """Each channel's example payloads (examples/channels/), as the channels deliver them."""
    if not EXAMPLES.is_dir():
        return 0
    rng = random.Random(11)
    posted = 0
    for path in sorted(EXAMPLES.iterdir()):
        channel = path.name.split(".")[0]
        if path.suffix == ".json":
            payload: Any = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".eml":
            payload = {"raw": path.read_text(encoding="utf-8")}
        else:
            continue
        if "response_due" in payload:  # the agency's date, as near as a fresh referral's
            days = 1 if path.name.endswith(".zh.json") else 6
            payload["response_due"] = (now + timedelta(days=days)).date().isoformat()
        _travel(clock, now - timedelta(hours=rng.uniform(1, 30)))
        response = await api.post("intake", f"/channels/{channel}", DEMO_USERS["agent"], payload)
        posted += response.status_code in (200, 201)
        if response.status_code == 201 and response.json().get("outcome") == "registered":
            await _wait_for_case(api, response.json()["id"])
    return posted


async def _wait_for_case(api: _Api, complaint_id: str, attempts: int = 500) -> None:
    """Before the clock travels on: a case opened later would say it was opened after the
    steps the demo then takes in its past."""
    for _ in range(attempts):
        response = await api.get("resolution", f"/cases/{complaint_id}", DEMO_USERS["admin"])
        if response.status_code == 200:
            return
        await asyncio.sleep(0.02)


async def _wait_for_cases(api: _Api, ids: set[str], attempts: int = 150) -> None:
    """Resolution opens each case from the Kafka event; wait until it has them all."""
    for _ in range(attempts):
        response = await api.get("resolution", "/cases", DEMO_USERS["admin"], limit=500)
        if ids <= {case["complaint_id"] for case in response.json()}:
            return
        await asyncio.sleep(0.1)


def _step_body(plan: Plan, step: str) -> dict[str, Any]:
    scenario = plan.scenario
    english = scenario.language == "en"
    bodies: dict[str, dict[str, Any]] = {
        "triage": {"valid": not plan.invalid}
        | ({"explanation": "经核实属正常使用现象，已向客户说明。"} if plan.invalid else {}),
        "assign": {"department": plan.department.value, "owner": plan.owner},
        "record_findings": {
            "findings": scenario.findings,
            "causes": [scenario.cause.value],
            "primary_cause": scenario.cause.value,
        },
        "propose_remedy": {
            "types": list(scenario.remedy),
            "amount": scenario.amount,
            "message_to_customer": scenario.message,
        },
        "record_contact": {
            "summary": "Called the customer: heard them out and agreed when to look at it."
            if english
            else "已致电客户，了解情况并约定处理时间。"
        },
        "resolve": {"customer_notified": True},
        FOLLOW_UP_CALL[0]: {
            "reached": True,
            "satisfaction": 2 if plan.unhappy_on_call else max(plan.satisfaction, 4),
            "summary": (
                "3-day call: the problem is back."
                if english
                else "3日回访：问题再次出现，客户不满意。"
            )
            if plan.unhappy_on_call
            else ("3-day call: all fine now." if english else "3日回访：客户表示问题已解决。"),
        },
        "record_feedback": {
            "satisfaction": plan.satisfaction,
            "comment": ("Thank you." if english else "处理及时，满意。")
            if plan.satisfaction >= 3
            else ("Still not fixed." if english else "问题没有真正解决，不满意。"),
        },
    }
    return bodies.get(step, {})


def _calls_back(plan: Plan, index: int) -> bool:
    """Most closed loops get their 3-day call (one in seven is not made in time)."""
    return plan.steps == len(FLOW) and not plan.invalid and index % 7 != 3


def _actor(plan: Plan, step: str) -> Principal:
    if step in ("triage", "record_feedback", FOLLOW_UP_CALL[0]):
        return DEMO_USERS["agent"]
    head = (
        DEMO_USERS["head"]
        if plan.department is Department.AFTER_SALES
        else Principal(
            user=f"{plan.department.value.replace('_', '-')}-head",
            role=Role.DEPARTMENT_HEAD,
            department=plan.department,
        )
    )
    if step in ("assign", "approve"):
        return head
    return Principal(user=plan.owner, role=Role.OWNER, department=plan.department)


async def _work(api: _Api, plans: list[Plan], clock: OffsetClock | None) -> None:
    """Take every plan's steps at the hours they would have been taken, all cases together
    in time order: the clock only moves forward, so SLA milestones fire when they fell due
    and every case's timeline is in order."""
    now = datetime.now(UTC)
    agenda = sorted(
        (plan.received_at + timedelta(hours=hours * plan.pace), index, order, step)
        for index, plan in enumerate(plans)
        for order, (step, hours) in enumerate(
            (*FLOW[: plan.steps], *([FOLLOW_UP_CALL] if _calls_back(plan, index) else []))
        )
        if plan.received_at + timedelta(hours=hours * plan.pace) < now
    )
    finished: set[int] = set()
    for at, index, _, step in agenda:
        plan = plans[index]
        if index in finished and step != FOLLOW_UP_CALL[0]:  # the call follows the closing
            continue
        _travel(clock, at)
        if clock is not None:
            await api.sweep()  # the SLA milestones that came meanwhile, as the sweeper would
        path = f"/cases/{plan.complaint_id}/{step}"
        response = await api.post("resolution", path, _actor(plan, step), _step_body(plan, step))
        if response.status_code != 200:
            finished.add(index)  # the demo shows what happened; a refused step ends the story
            continue
        status = response.json()["status"]
        if step == "approve" and status == "pending_approval" and plan.steps > PENDING_APPROVAL + 1:
            await api.post("resolution", path, DEMO_USERS["general_manager"], {})
        if status == "closed":
            finished.add(index)
