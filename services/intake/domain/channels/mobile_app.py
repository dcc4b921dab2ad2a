"""The brand/dealer mobile app's feedback screen: a logged-in user, so identity comes with it."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from services.intake.domain.channels._common import (
    ChannelPayload,
    OptionalShortText,
    Topic,
    VehiclePayload,
    language_from_tag,
    topic_target,
)
from services.intake.domain.record import (
    Code,
    Content,
    CustomerIn,
    Name,
    PhoneNumber,
    RecordDraft,
    ShortText,
)
from shared.vocab import Channel


class AppTicketPayload(ChannelPayload):
    """A ticket as the app backend forwards it."""

    ticket_id: ShortText
    created_at: AwareDatetime
    app_user_id: Code
    phone: PhoneNumber
    nickname: Name
    vehicle: VehiclePayload = VehiclePayload()
    category: Topic
    text: Content
    attachments: list[str] = Field(
        default_factory=list, max_length=20, description="Photo/video URLs; fetched elsewhere."
    )
    app_language: OptionalShortText = Field(default=None, description="zh-CN or en-US.")


def to_draft(payload: AppTicketPayload) -> RecordDraft:
    return RecordDraft(
        channel=Channel.APP,
        customer=CustomerIn(
            name=payload.nickname, phone=payload.phone, customer_id=payload.app_user_id
        ),
        vehicle=payload.vehicle.to_vehicle(),
        target=topic_target(payload.category),
        content=payload.text,
        language=language_from_tag(payload.app_language),
        received_at=payload.created_at,
        external_id=payload.ticket_id,
    )
