"""Events published by intake."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict

from shared.vocab import Channel, Language, Urgency

COMPLAINT_REGISTERED: Final = "complaint.registered"


class ComplaintRegistered(BaseModel):
    """A complaint was recorded once; personal data travels masked, never in clear."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    ticket_no: str
    channel: Channel
    received_at: datetime
    registered_at: datetime
    customer_name: str
    phone_masked: str
    content: str
    language: Language
    urgency: Urgency
