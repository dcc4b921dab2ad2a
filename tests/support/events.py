"""Events as intake would publish them, for tests of their consumers."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.contracts.envelope import Actor, EventEnvelope, new_event
from shared.contracts.intake import COMPLAINT_REGISTERED, ComplaintRegistered
from shared.vocab import Channel, Department, Urgency


def complaint_registered(
    complaint_id: str,
    *,
    at: datetime | None = None,
    department: Department | None = None,
    **fields: object,
) -> EventEnvelope:
    """A registration as intake publishes it; ``fields`` override the payload's defaults."""
    now = at or datetime.now(UTC)
    return new_event(
        payload=ComplaintRegistered.model_validate(
            {
                "complaint_id": complaint_id,
                "ticket_no": "TS-20260302-0001",
                "channel": Channel.WECHAT,
                "received_at": now,
                "registered_at": now,
                "customer_name": "Li",
                "phone_masked": "139****0000",
                "content": "The salesman promised free maintenance.",
                "language": "en",
                "urgency": Urgency.NORMAL,
                "target_department": department,
                **fields,
            }
        ),
        event_type=COMPLAINT_REGISTERED,
        complaint_id=complaint_id,
        actor=Actor(id="agent-1", role="agent"),
        producer="intake",
        occurred_at=now,
    )
