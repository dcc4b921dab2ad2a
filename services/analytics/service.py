"""Analytics use cases: fold events into read models, answer reports."""

from __future__ import annotations

from services.analytics.domain.counters import Summary, increments_for, summarize
from services.analytics.store import AnalyticsStore
from shared.contracts.envelope import EventEnvelope

SERVICE = "analytics"


class AnalyticsService:
    def __init__(self, *, store: AnalyticsStore) -> None:
        self._store = store

    async def on_event(self, event: EventEnvelope) -> bool:
        return await self._store.apply_increments(
            consumer=SERVICE, event_id=event.event_id, increments=increments_for(event)
        )

    async def summary(self) -> Summary:
        return summarize(await self._store.counters())
