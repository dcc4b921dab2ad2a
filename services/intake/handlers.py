"""Intake's Kafka subscriptions: it listens only for the end of a complaint's case."""

from __future__ import annotations

from services.intake.service import IntakeService
from shared.contracts.resolution import CASE_CLOSED
from shared.runtime import Handlers


def handlers(service: IntakeService) -> Handlers:
    return {CASE_CLOSED: service.on_case_closed}
