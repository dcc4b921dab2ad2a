"""Resolution's composition root."""

from __future__ import annotations

from decimal import Decimal

from services.resolution.handlers import handlers
from services.resolution.routes import router
from services.resolution.service import ResolutionService
from services.resolution.store import create_resolution_store
from shared.clock import Clock, SystemClock
from shared.runtime import Periodic, ServiceRuntime
from shared.settings import Settings


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    store = create_resolution_store(settings)
    service = ResolutionService(
        store=store,
        clock=clock,
        sla_hours=settings.sla_hours,
        second_approval_above=Decimal(str(settings.second_approval_above)),
    )
    runtime = ServiceRuntime(
        name="resolution",
        settings=settings,
        store=store,
        clock=clock,
        routers=[router],
        handlers=handlers(service),
        app_state={"service": service},
        description="The seven-step workflow inside a 48-hour closed loop.",
        periodic=[Periodic("sla-sweeper", settings.sla_sweep_seconds, service.sweep)],
    )
    service.on_commit(runtime.relay.notify)
    return runtime
