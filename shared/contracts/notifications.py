"""Messages to customers, requested by any service and sent by a notification gateway."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

from shared.vocab import Language

NOTIFICATION_REQUESTED: Final = "notification.requested"


Purpose = Literal["acknowledgement", "follow_up_acknowledgement", "progress", "feedback_request"]


class NotificationRequested(BaseModel):
    """Send ``text`` to the complainant by ``medium``; the recipient is resolved by intake."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    ticket_no: str
    purpose: Purpose
    medium: str
    language: Language
    recipient_masked: str
    text: str
