"""Analytics' composition root."""

from __future__ import annotations

import structlog

from services.analytics import pages
from services.analytics.handlers import handlers
from services.analytics.routes import router
from services.analytics.service import AnalyticsService
from services.analytics.store import create_analytics_store
from shared.clock import Clock, SystemClock
from shared.runtime import Periodic, ServiceRuntime
from shared.settings import Settings
from shared.web.pages import install_pages

log = structlog.get_logger(__name__)


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    store = create_analytics_store(settings)
    service = AnalyticsService(
        store=store,
        clock=clock,
        zone=settings.zone,
        retrain_min_confirmations=settings.retrain_min_confirmations,
        trend_weeks=settings.trend_baseline_weeks,
        trend_alpha=settings.trend_alpha,
        trend_min_cases=settings.trend_min_cases,
    )
    runtime = ServiceRuntime(
        name="analytics",
        settings=settings,
        store=store,
        clock=clock,
        routers=[router],
        handlers=handlers(service),
        app_state={"service": service},
        description="Why customers complain, where it gets worse, and what prevention achieved.",
        periodic=[
            # the first run trains the first model when there is none
            Periodic("classifier-retrain", settings.retrain_check_seconds, service.retrain_if_due),
            Periodic("trend-alerts", settings.trend_check_seconds, service.check_trends),
        ],
    )
    service.on_commit(runtime.relay.notify)

    async def prepare_cube() -> None:
        """A cube of older code or another zone is recomputed before consuming; with stored
        complaints that takes minutes, so the other services need not wait for it."""
        if await service.cube_is_stale():
            log.info("recomputing the cube from the stored facts: reports answer 503 until done")
            runtime.catch_up_in_background()
        await service.prepare_cube()

    runtime.add_prepare(prepare_cube)
    install_pages(runtime.app, pages.router)
    return runtime
