"""Demo data for `complaints up --demo`, entered through the public intake API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from shared.auth import Principal, Role, TokenService
from shared.secrets import token_secret
from shared.server import RunningSystem
from shared.settings import Settings
from shared.vocab import Department

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

DEMO_COMPLAINTS: list[dict[str, Any]] = [
    {
        "channel": "hotline",
        "customer": {"name": "张伟", "phone": "13812345678"},
        "content": "新车提车才两周，高速上刹车时方向盘明显抖动，担心安全问题，要求尽快检查。",
    },
    {
        "channel": "service_desk",
        "customer": {"name": "李娜", "phone": "021-62345678"},
        "content": "保养预约了上午九点，结果等了三个小时才开始做，服务顾问态度也很冷淡。",
    },
    {
        "channel": "wechat",
        "customer": {"name": "王强", "phone": "+86 139 0000 1234"},
        "content": "购车时销售承诺送一年保养，现在售后说没有这个政策，要求兑现承诺。",
    },
    {
        "channel": "email",
        "customer": {"name": "Michael Chen", "phone": "13700001111"},
        "content": "The infotainment screen goes black every morning and the dealer "
        "has not called me back for a week.",
        "language": "en",
    },
    {
        "channel": "web",
        "customer": {"name": "Sarah Liu", "phone": "15900002222"},
        "content": "I was charged for parts that were supposed to be covered by the warranty.",
        "language": "en",
    },
]


def demo_tokens(settings: Settings) -> dict[str, str]:
    tokens = TokenService(token_secret(settings), ttl=timedelta(hours=12))
    return {label: tokens.issue(principal) for label, principal in DEMO_USERS.items()}


async def load_demo(system: RunningSystem) -> int:
    """Post the demo complaints to intake as the demo agent; returns how many went in."""
    intake = system.runtime("intake")
    token = intake.tokens.issue(DEMO_USERS["agent"])
    transport = httpx.ASGITransport(app=intake.app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://demo",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        for complaint in DEMO_COMPLAINTS:
            response = await client.post("/complaints", json=complaint)
            response.raise_for_status()
    return len(DEMO_COMPLAINTS)
