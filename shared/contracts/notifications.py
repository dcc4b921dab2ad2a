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
    step: str | None = None
    """The case step whose news this is (resolution's messages), so a case can say which
    message did not reach the customer."""


NOTIFICATION_SETTLED: Final = "notification.settled"

DeliveryStatus = Literal["sent", "recorded", "manual", "undeliverable", "failed", "expired"]
"""How a requested message ended: ``sent`` (the gateway accepted it), ``recorded`` (no
gateway is configured: kept for the record, nobody was messaged), ``manual`` (the medium
needs a person: a reply on the social platform, to the manufacturer or the regulator),
``undeliverable`` (no address, or the customer's data was erased), ``failed`` (the gateway
refused it, or kept failing), ``expired`` (it came too late to be sent: stale news is
not sent, the owner calls instead)."""

ReasonCode = Literal[
    "no_gateway", "manual_medium", "no_address", "erased", "refused", "unreachable", "too_late"
]
"""Why a message was not sent, as a code pages translate (never the gateway's own words,
which may echo the customer's number)."""


class NotificationSettled(BaseModel):
    """What became of one ``notification.requested`` (``request_id`` is its event id)."""

    model_config = ConfigDict(frozen=True)

    request_id: str
    complaint_id: str
    ticket_no: str
    purpose: Purpose
    medium: str
    status: DeliveryStatus
    attempts: int
    reason: ReasonCode | None = None
    step: str | None = None
