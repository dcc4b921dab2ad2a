"""Resolution's composition root."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

from services.resolution import pages
from services.resolution.alert_push import (
    AlertPusher,
    AlertSender,
    JsonWebhookSender,
    WeComRobotSender,
)
from services.resolution.alert_routes import router as alert_router
from services.resolution.domain.sla import SlaPolicy
from services.resolution.handlers import handlers
from services.resolution.routes import router
from services.resolution.service import ResolutionService
from services.resolution.staff_routes import router as staff_router
from services.resolution.store import create_resolution_store
from shared.calendar import business_calendar
from shared.clock import Clock, SystemClock
from shared.runtime import Periodic, ServiceRuntime
from shared.settings import Settings, stage_shares
from shared.web.pages import install_pages


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    store = create_resolution_store(settings)
    service = ResolutionService(
        store=store,
        clock=clock,
        sla_hours=settings.sla_hours,
        second_approval_above=Decimal(str(settings.second_approval_above)),
        policy=sla_policy(settings),
        dealer_name=settings.dealer_name,
    )
    runtime = ServiceRuntime(
        name="resolution",
        settings=settings,
        store=store,
        clock=clock,
        routers=[router, staff_router, alert_router],
        handlers=handlers(service),
        app_state={"service": service},
        description="The seven-step workflow inside a 48-hour closed loop.",
        periodic=[Periodic("sla-sweeper", settings.sla_sweep_seconds, service.sweep)],
    )
    if settings.staff_alert_webhook_url:
        pusher = AlertPusher(
            store=store,
            clock=clock,
            sender=alert_sender(settings, settings.staff_alert_webhook_url),
            language=settings.staff_alert_language,
            zone=service.policy.zone,
            public_url=settings.public_url,
            window=timedelta(hours=settings.staff_alert_push_window_hours),
        )
        runtime.add_periodic(
            Periodic("alert-push", settings.staff_alert_push_seconds, pusher.push_due)
        )
    if settings.alert_keep_days:
        keep = timedelta(days=settings.alert_keep_days)
        runtime.add_periodic(
            Periodic(
                "alert-purge",
                settings.outbox_purge_seconds,
                partial(service.purge_read_alerts, keep=keep),
            )
        )
    service.on_commit(runtime.relay.notify)
    install_pages(runtime.app, pages.router)
    return runtime


def alert_sender(settings: Settings, url: str) -> AlertSender:
    """The push channel the settings name."""
    if settings.staff_alert_webhook_kind == "json":
        return JsonWebhookSender(url, token=settings.staff_alert_webhook_token)
    return WeComRobotSender(url)


def sla_policy(settings: Settings) -> SlaPolicy:
    """The SLA policy the settings describe (calendar hours unless business hours are set)."""
    return SlaPolicy(
        resolve_hours=settings.sla_hours,
        first_contact_hours=settings.first_contact_hours,
        owner_hours=settings.owner_hours,
        customer_update_hours=settings.customer_update_hours,
        calendar=business_calendar(settings),
        zone=settings.zone,
        stage_shares=stage_shares(settings.stage_budgets),
    )
