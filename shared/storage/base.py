"""What every service store offers besides its own data: the outbox and liveness.

The outbox holds events written in the same atomic unit as the state they describe;
the relay (``shared.bus.outbox``) publishes them and marks them sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.contracts.envelope import EventEnvelope
from shared.contracts.topics import topic_for


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One event waiting to be published; ``position`` orders the outbox."""

    position: str
    event_id: str
    topic: str
    key: str
    value: bytes
    event_type: str

    @classmethod
    def from_event(cls, event: EventEnvelope, position: str = "") -> OutboxMessage:
        return cls(
            position=position,
            event_id=event.event_id,
            topic=topic_for(event.type),
            key=event.complaint_id,
            value=event.to_bytes(),
            event_type=event.type,
        )


class OutboxStore(Protocol):
    async def pending_outbox(self, limit: int) -> list[OutboxMessage]:
        """Unpublished events, oldest first."""
        ...

    async def mark_published(self, positions: Sequence[str]) -> None: ...

    async def count_pending_outbox(self) -> int: ...

    async def requeue_since(self, cutoff: datetime) -> int:
        """Mark events written since ``cutoff`` unsent again; returns how many.

        The embedded broker keeps messages in memory only: after it restarts, events
        it had accepted but nobody consumed yet are gone, so they are sent again and
        the consumers' inbox drops those already applied.
        """
        ...

    async def purge_published(self, before: datetime) -> int:
        """Delete events published and written before ``before``; returns how many.

        Published rows only serve a replay to a fresh embedded broker; kept for ever they
        would hold every customer's name and words long after erasure and retention."""
        ...


class ServiceStore(OutboxStore, Protocol):
    async def ping(self) -> None:
        """Raise if the store cannot be reached."""
        ...

    async def forget_deleted(self) -> bool:
        """Leave no copy of what was just erased or deleted in the store's files (after a
        personal data erasure or an outbox purge); False when some copy may remain for now."""
        ...

    async def close(self) -> None: ...


class OpenableStore(ServiceStore, Protocol):
    async def open(self) -> None:
        """Connect and create the schema or indexes; StartupError when impossible."""
        ...
