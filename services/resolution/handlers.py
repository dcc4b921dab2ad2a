"""Resolution's Kafka subscriptions: which events it applies, and with what."""

from __future__ import annotations

from services.resolution.service import ResolutionService
from shared.contracts.analytics import CAUSE_PREDICTED
from shared.contracts.intake import (
    COMPLAINT_ATTACHMENT_ADDED,
    COMPLAINT_ERASED,
    COMPLAINT_REGISTERED,
    COMPLAINT_UPDATED,
)
from shared.contracts.notifications import NOTIFICATION_SETTLED
from shared.runtime import Handlers


def handlers(service: ResolutionService) -> Handlers:
    return {
        COMPLAINT_REGISTERED: service.on_complaint_registered,
        COMPLAINT_UPDATED: service.on_complaint_updated,
        COMPLAINT_ERASED: service.on_complaint_erased,
        COMPLAINT_ATTACHMENT_ADDED: service.on_attachment_added,
        CAUSE_PREDICTED: service.on_cause_predicted,
        NOTIFICATION_SETTLED: service.on_notification_settled,
    }
