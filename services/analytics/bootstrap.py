"""Analytics' composition root."""

from __future__ import annotations

from services.analytics.handlers import handlers
from services.analytics.routes import router
from services.analytics.service import AnalyticsService
from services.analytics.store import create_analytics_store
from shared.clock import Clock, SystemClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    store = create_analytics_store(settings)
    service = AnalyticsService(store=store)
    return ServiceRuntime(
        name="analytics",
        settings=settings,
        store=store,
        clock=clock,
        routers=[router],
        handlers=handlers(service),
        app_state={"service": service},
        description="Why customers complain, where it gets worse, and what prevention achieved.",
    )
