"""Intake's composition root."""

from __future__ import annotations

from datetime import timedelta

from services.intake import pages
from services.intake.attachment_routes import router as attachment_router
from services.intake.attachments import Attachments
from services.intake.delivery import MessageDelivery
from services.intake.handlers import handlers
from services.intake.routes import router
from services.intake.senders import MessageSender, WebhookSender
from services.intake.service import IntakePolicy, IntakeService
from services.intake.store import create_intake_store
from shared.calendar import business_calendar
from shared.clock import Clock, SystemClock
from shared.crypto import FieldCipher
from shared.runtime import Periodic, ServiceRuntime
from shared.secrets import data_key
from shared.settings import Settings
from shared.web.pages import install_pages


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> ServiceRuntime:
    clock = clock or SystemClock()
    store = create_intake_store(settings)
    cipher = FieldCipher(data_key(settings))
    runtime = ServiceRuntime(
        name="intake",
        settings=settings,
        store=store,
        clock=clock,
        routers=[router, attachment_router],
        app_state={
            "channel_options": {"survey": {"threshold": settings.survey_complaint_threshold}},
            "zone": settings.zone,
        },
        description="Every channel becomes one validated registration record.",
    )
    service = IntakeService(
        store=store,
        clock=clock,
        cipher=cipher,
        policy=IntakePolicy(
            sla_hours=settings.sla_hours,
            dealer_name=settings.dealer_name,
            zone=settings.zone,
            calendar=business_calendar(settings),
        ),
        on_commit=runtime.relay.notify,
    )
    runtime.app.state.service = service
    delivery = MessageDelivery(
        store=store,
        clock=clock,
        cipher=cipher,
        sender=message_sender(settings),
        max_age=timedelta(hours=settings.message_max_age_hours),
        on_commit=runtime.relay.notify,
    )
    runtime.app.state.delivery = delivery
    attachments = Attachments(
        store=store, clock=clock, cipher=cipher, on_commit=runtime.relay.notify
    )
    runtime.app.state.attachments = attachments
    runtime.add_prepare(attachments.announce_backlog)
    runtime.add_prepare(delivery.start)
    runtime.add_periodic(
        Periodic("message-sender", settings.message_send_seconds, delivery.send_due)
    )
    if settings.retention_days:
        runtime.add_periodic(
            Periodic(
                "retention",
                settings.retention_check_seconds,
                lambda: service.erase_past_retention(settings.retention_days),
            )
        )
    runtime.add_prepare(service.erase_again_where_older)
    install_pages(runtime.app, pages.router, home=True)
    runtime.subscribe(handlers(service, delivery))
    return runtime


def message_sender(settings: Settings) -> MessageSender | None:
    """The configured gateway; None sends nothing and only records each message."""
    if not settings.message_gateway_url:
        return None
    return WebhookSender(settings.message_gateway_url, token=settings.message_gateway_token)
