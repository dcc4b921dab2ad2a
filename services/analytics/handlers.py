"""Analytics' Kafka subscriptions."""

from __future__ import annotations

from services.analytics.service import AnalyticsService
from shared.contracts.intake import COMPLAINT_REGISTERED, COMPLAINT_UPDATED
from shared.contracts.resolution import CASE_OPENED
from shared.runtime import Handlers


def handlers(service: AnalyticsService) -> Handlers:
    return {
        COMPLAINT_REGISTERED: service.on_event,
        COMPLAINT_UPDATED: service.on_event,
        CASE_OPENED: service.on_event,
    }
