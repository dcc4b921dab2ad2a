"""The envelope every event travels in, whatever service produced it."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field

PayloadT = TypeVar("PayloadT", bound=BaseModel)


class Actor(BaseModel):
    """Who caused the event: a signed-in user or a service acting on its own."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["user", "service"] = "user"
    id: str
    role: str | None = None

    @classmethod
    def service(cls, name: str) -> Actor:
        return cls(kind="service", id=name)


class EventEnvelope(BaseModel):
    """Metadata common to all events; ``complaint_id`` is also the Kafka key.

    Keying every event of a complaint by its id keeps them in order on one partition.
    """

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(default_factory=lambda: str(uuid4()))
    type: str
    schema_version: int = 1
    occurred_at: datetime
    complaint_id: str
    correlation_id: str
    causation_id: str | None = None
    actor: Actor
    producer: str
    payload: dict[str, Any]

    def payload_as(self, model: builtins.type[PayloadT]) -> PayloadT:
        return model.model_validate(self.payload)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> EventEnvelope:
        return cls.model_validate_json(raw)


def new_event(
    *,
    payload: BaseModel,
    event_type: str,
    complaint_id: str,
    actor: Actor,
    producer: str,
    occurred_at: datetime | None = None,
    cause: EventEnvelope | None = None,
    correlation_id: str | None = None,
) -> EventEnvelope:
    """Wrap a payload; an event caused by another inherits its correlation id."""
    event_id = str(uuid4())
    correlation = cause.correlation_id if cause is not None else correlation_id or event_id
    return EventEnvelope(
        event_id=event_id,
        type=event_type,
        occurred_at=occurred_at or datetime.now(UTC),
        complaint_id=complaint_id,
        correlation_id=correlation,
        causation_id=cause.event_id if cause is not None else None,
        actor=actor,
        producer=producer,
        payload=payload.model_dump(mode="json"),
    )
