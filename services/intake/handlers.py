"""Intake's Kafka subscriptions: the end of a complaint's case (and its reopening), and the
messages to send its customer."""

from __future__ import annotations

from services.intake.delivery import MessageDelivery
from services.intake.service import IntakeService
from shared.contracts.notifications import NOTIFICATION_REQUESTED
from shared.contracts.resolution import CASE_CLOSED, CASE_REOPENED
from shared.runtime import Handlers


def handlers(service: IntakeService, delivery: MessageDelivery) -> Handlers:
    return {
        CASE_CLOSED: service.on_case_closed,
        CASE_REOPENED: service.on_case_reopened,
        NOTIFICATION_REQUESTED: delivery.on_notification_requested,
    }
