"""Events published by intake. Personal data travels masked, never in clear."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from shared.vocab import (
    Channel,
    Demand,
    Department,
    ErasureReason,
    EvidenceKind,
    Language,
    TargetKind,
    Urgency,
)

COMPLAINT_REGISTERED: Final = "complaint.registered"
COMPLAINT_UPDATED: Final = "complaint.updated"
COMPLAINT_ERASED: Final = "complaint.erased"
COMPLAINT_ATTACHMENT_ADDED: Final = "complaint.attachment_added"


class ComplaintRegistered(BaseModel):
    """A complaint was recorded once and needs a case."""

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
    urgency_reasons: list[str] = Field(default_factory=list)
    repeat_complainant: bool = False
    demands: list[Demand] = Field(default_factory=list)
    demand_note: str | None = None
    vehicle_model: str | None = None
    plate_masked: str | None = None
    target_kind: TargetKind | None = None
    target_department: Department | None = None
    target_staff: str | None = None
    references: dict[str, str] = Field(default_factory=dict)


class ComplaintUpdated(BaseModel):
    """The customer added to an open complaint (a follow-up): the case gets it, no new case."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    ticket_no: str
    kind: str = "follow_up"
    channel: Channel
    content: str
    received_at: datetime
    urgency: Urgency
    urgency_reasons: list[str] = Field(default_factory=list)


class ComplaintAttachmentAdded(BaseModel):
    """Evidence was attached to a complaint (a photo of the damage, an invoice, a recording):
    the case shows there is some, and who added it when. The file and its name stay at intake
    (a name may well name the customer); a grant from resolution opens them there."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    ticket_no: str
    attachment_id: str
    kind: EvidenceKind
    content_type: str
    size: int
    added_at: datetime
    added_by: str
    added_role: str


PERSONAL_REFERENCES: Final = frozenset({"post_url", "wechat_media_id"})
"""References that point at the customer (their post, their voice message): erased with
them. The others name the channel or an agency's case and stay."""


class ComplaintErased(BaseModel):
    """A closed complaint's personal data was erased at intake: every service that keeps a
    copy (the customer's name and words, masked numbers, plate) drops it too. What the
    dealership must still count (dates, channel, causes, remedy, SLA) stays."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    ticket_no: str
    reason: ErasureReason
    erased_at: datetime
