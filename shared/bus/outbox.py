"""The outbox relay: publishes what services committed, in commit order.

At least once: an event is marked sent only after Kafka acknowledged it, so a crash
in between publishes it again and the consumers' inbox drops the copy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

from shared.metrics import ServiceMetrics
from shared.storage.base import OutboxMessage, OutboxStore

Publish = Callable[[OutboxMessage], Awaitable[None]]

log = structlog.get_logger(__name__)


class OutboxRelay:
    def __init__(
        self,
        store: OutboxStore,
        publish: Publish,
        *,
        poll_seconds: float,
        metrics: ServiceMetrics | None = None,
        batch_size: int = 200,
    ) -> None:
        self._store = store
        self._publish = publish
        self._poll_seconds = poll_seconds
        self._metrics = metrics
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def notify(self) -> None:
        """Something was committed: publish now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def drain(self) -> int:
        """Publish everything pending now; returns how many were published."""
        total = 0
        while True:
            batch = await self._store.pending_outbox(self._batch_size)
            if not batch:
                break
            for message in batch:
                await self._publish(message)
                await self._store.mark_published([message.position])
                if self._metrics is not None:
                    self._metrics.events_published.labels(message.topic).inc()
                total += 1
        if self._metrics is not None:
            self._metrics.outbox_pending.set(await self._store.count_pending_outbox())
        return total

    async def _run(self) -> None:
        backoff = self._poll_seconds
        while True:
            try:
                await self.drain()
                backoff = self._poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay failed; will retry", error=str(exc), retry_in=backoff)
                backoff = min(backoff * 2, 10.0)
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), backoff)
