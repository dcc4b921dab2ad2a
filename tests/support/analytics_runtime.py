"""An analytics service on a real SQLite store, seeded with assigned complaints."""

from __future__ import annotations

from datetime import datetime, timedelta

from services.analytics.bootstrap import bootstrap
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.vocab import Channel, Department
from tests.support.analytics_events import registered, step

PEOPLE = {
    "agent": Principal(user="amy", role=Role.AGENT),
    "quality": Principal(user="quinn", role=Role.QUALITY),
    "gm": Principal(user="gao", role=Role.GENERAL_MANAGER),
    "head": Principal(user="hu", role=Role.DEPARTMENT_HEAD, department=Department.AFTER_SALES),
}
DEPARTMENTS = [Department.AFTER_SALES, Department.SALES, Department.PARTS]


async def seeded_analytics(settings: Settings, *, now: datetime, complaints: int) -> ServiceRuntime:
    """One complaint a day back from ``now``: channels alternate, departments rotate."""
    runtime = bootstrap(settings, clock=ManualClock(now))
    await runtime.store.open()
    service = runtime.app.state.service
    for i in range(complaints):
        cid, at = f"c-{i}", now - timedelta(days=i)
        channel = Channel.HOTLINE if i % 2 else Channel.WECHAT
        await service.on_event(registered(cid, at, channel=channel))
        department = DEPARTMENTS[i % 3].value
        await service.on_event(step(cid, "assign", at, to_status="assigned", department=department))
    return runtime
