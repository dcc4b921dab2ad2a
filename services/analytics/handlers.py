"""Analytics' Kafka subscriptions: every intake and case event it folds."""

from __future__ import annotations

from services.analytics.domain.facts import FOLDED_TYPES
from services.analytics.service import AnalyticsService
from shared.runtime import Handlers


def handlers(service: AnalyticsService) -> Handlers:
    return dict.fromkeys(sorted(FOLDED_TYPES), service.on_event)
