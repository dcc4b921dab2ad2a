"""Turns a Kafka record into one applied event: parse, apply once, or dead-letter.

The apply function of each service claims the event id in its inbox inside the same
transaction as its state change, so a redelivered event changes nothing. A record
that cannot be parsed or keeps failing goes to the dead-letter topic with the reason,
and the consumer moves on. Errors that say the store is unreachable are raised
instead, so the record is redelivered once the store is back.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from enum import StrEnum
from typing import Protocol

import structlog
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure

from shared.contracts.envelope import EventEnvelope
from shared.contracts.topics import DEAD_LETTERS, topic_for
from shared.errors import TransientStoreError
from shared.metrics import ServiceMetrics

log = structlog.get_logger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientStoreError,
    ConnectionFailure,
    sqlite3.OperationalError,
    OSError,
)


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


Apply = Callable[[EventEnvelope], Awaitable[bool]]
"""Applies an event; returns False when the inbox says it was applied before."""


class RawRecord(Protocol):
    """The parts of a Kafka record the consumer needs (FastStream's message has them)."""

    @property
    def body(self) -> bytes: ...

    @property
    def headers(self) -> dict[str, str]: ...


class DeadLetterPublish(Protocol):
    async def __call__(
        self, value: bytes, *, key: bytes | None, headers: dict[str, str]
    ) -> None: ...


class EventConsumer:
    def __init__(
        self,
        *,
        consumer: str,
        handlers: Mapping[str, Apply],
        dead_letter: DeadLetterPublish,
        max_attempts: int,
        metrics: ServiceMetrics | None = None,
        retry_delay: float = 0.2,
    ) -> None:
        self._consumer = consumer
        self._handlers = dict(handlers)
        self._dead_letter = dead_letter
        self._max_attempts = max_attempts
        self._metrics = metrics
        self._retry_delay = retry_delay

    @property
    def topics(self) -> list[str]:
        return sorted({topic_for(event_type) for event_type in self._handlers})

    async def process(self, value: bytes, *, topic: str, key: bytes | None = None) -> Outcome:
        outcome = await self._process(value, topic, key)
        if self._metrics is not None:
            self._metrics.events_consumed.labels(topic, outcome.value).inc()
        return outcome

    async def _process(self, value: bytes, topic: str, key: bytes | None) -> Outcome:
        try:
            event = EventEnvelope.from_bytes(value)
        except ValidationError as exc:
            reason = f"not an event envelope: {exc}"
            await self._send_to_dead_letters(value, topic, key, reason, None)
            return Outcome.DEAD_LETTERED
        apply = self._handlers.get(event.type)
        if apply is None:
            return Outcome.IGNORED
        for attempt in range(1, self._max_attempts + 1):
            try:
                applied = await apply(event)
            except TRANSIENT_ERRORS:
                raise
            except Exception as exc:
                if attempt < self._max_attempts:
                    log.warning(
                        "event failed; retrying",
                        consumer=self._consumer,
                        event_id=event.event_id,
                        attempt=attempt,
                        error=str(exc),
                    )
                    await asyncio.sleep(self._retry_delay * attempt)
                    continue
                reason = f"{type(exc).__name__}: {exc}"
                await self._send_to_dead_letters(value, topic, key, reason, event)
                return Outcome.DEAD_LETTERED
            return Outcome.APPLIED if applied else Outcome.DUPLICATE
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send_to_dead_letters(
        self,
        value: bytes,
        topic: str,
        key: bytes | None,
        reason: str,
        event: EventEnvelope | None,
    ) -> None:
        log.error("event dead-lettered", consumer=self._consumer, topic=topic, reason=reason[:500])
        headers = {
            "x-original-topic": topic,
            "x-consumer": self._consumer,
            "x-error": reason[:2000],
        }
        if event is not None:
            headers["x-event-id"] = event.event_id
            headers["x-event-type"] = event.type
        await self._dead_letter(value, key=key, headers=headers)


def dead_letter_publisher(
    publish: Callable[..., Awaitable[object]],
) -> DeadLetterPublish:
    """Adapts a FastStream ``broker.publish`` to the dead-letter signature."""

    async def send(value: bytes, *, key: bytes | None, headers: dict[str, str]) -> None:
        await publish(value, topic=DEAD_LETTERS, key=key, headers=headers)

    return send
