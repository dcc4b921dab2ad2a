"""The dealership website's complaint form: the customer types every field, a phone is required."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from services.intake.domain.channels._common import (
    ChannelPayload,
    OptionalEmail,
    OptionalPlate,
    OptionalShortText,
    OptionalVin,
    Topic,
    language_from_tag,
    topic_target,
)
from services.intake.domain.record import (
    Content,
    CustomerIn,
    Name,
    PhoneNumber,
    RecordDraft,
    ShortText,
    VehicleIn,
)
from shared.vocab import Channel, Demand


class WebFormPayload(ChannelPayload):
    """What the form posts (the CMS adds page, captcha and tracking fields, ignored)."""

    submission_id: ShortText
    submitted_at: AwareDatetime
    name: Name
    phone: PhoneNumber
    email: OptionalEmail = None
    vin: OptionalVin = None
    plate: OptionalPlate = None
    car_model: OptionalShortText = None
    subject: Topic
    message: Content
    demands: list[Demand] = Field(default_factory=list, max_length=len(Demand))
    locale: OptionalShortText = Field(default=None, description="The page language, e.g. zh-CN.")


def to_draft(payload: WebFormPayload) -> RecordDraft:
    return RecordDraft(
        channel=Channel.WEB,
        customer=CustomerIn(name=payload.name, phone=payload.phone, email=payload.email),
        vehicle=VehicleIn(vin=payload.vin, plate=payload.plate, model=payload.car_model),
        target=topic_target(payload.subject),
        content=payload.message,
        demands=payload.demands,
        language=language_from_tag(payload.locale),
        received_at=payload.submitted_at,
        external_id=payload.submission_id,
    )
