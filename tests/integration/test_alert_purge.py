"""Alerts read long ago are purged on a real SQLite store by the service's periodic job,
on the service's clock; unread ones stay, and a purged alert is 404, not a crash."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from services.resolution.bootstrap import bootstrap
from services.resolution.domain.case import Actor
from services.resolution.service import ResolutionService
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.settings import Settings
from tests.support.events import complaint_registered

T0 = datetime(2026, 8, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
DESK = Actor(user="amy", role="agent")


async def test_read_alerts_older_than_the_keep_days_are_purged_unread_ones_stay(
    make_settings: Callable[..., Settings],
) -> None:
    clock = ManualClock(T0)
    runtime = bootstrap(make_settings(alert_keep_days=30), clock=clock)
    assert "alert-purge" in [job.name for job in runtime._periodic]
    service: ResolutionService = runtime.app.state.service
    await runtime.store.open()
    try:
        for complaint in ("c-1", "c-2"):  # nobody triages: the front desk is reminded
            await service.on_complaint_registered(complaint_registered(complaint, at=T0))
        clock.set(T0 + 2 * DAY)
        assert await service.sweep() > 0
        alerts = await service.alerts_for(DESK)
        kept = {a.id for a in alerts if a.complaint_id == "c-2"}
        read = [a for a in alerts if a.complaint_id == "c-1"]
        assert kept and read
        for alert in read:
            await service.mark_alert_read(alert.id, DESK)

        clock.set(T0 + 31 * DAY)  # 29 days after reading: kept
        assert await service.purge_read_alerts(keep=30 * DAY) == 0
        clock.set(T0 + 33 * DAY)
        assert await service.purge_read_alerts(keep=30 * DAY, batch=1) == len(read)
        assert {a.id for a in await service.alerts_for(DESK)} == kept

        token = runtime.tokens.issue(Principal(user="amy", role=Role.AGENT))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=runtime.app), base_url="http://resolution"
        ) as api:
            gone = await api.post(
                f"/alerts/{read[0].id}/read", headers={"Authorization": f"Bearer {token}"}
            )
        assert gone.status_code == 404
    finally:
        await runtime.store.close()


def test_alerts_are_kept_forever_with_zero_keep_days(
    make_settings: Callable[..., Settings],
) -> None:
    runtime = bootstrap(make_settings(alert_keep_days=0))
    assert "alert-purge" not in [job.name for job in runtime._periodic]
