"""Public posts about the dealership on Weibo and other platforms, picked up by social listening.

A post is not yet a registrable complaint: someone must have got a phone number from the author.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, field_validator

from services.intake.domain.channels._common import ChannelPayload, OptionalEmail, OptionalPhone
from services.intake.domain.record import Content, CustomerIn, Name, RecordDraft, ShortText
from shared.vocab import Channel

Platform = Literal["weibo", "douyin", "xiaohongshu", "autohome", "dongchedi", "other"]
PostUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=8, max_length=200, pattern=r"^https?://"),
]
AuthorId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]

NO_CONTACT = (
    "a social mention needs a contact phone before it can be registered"
    " (reply to the author to ask for one)"
)


class SocialMentionPayload(ChannelPayload):
    """A mention as the social-listening tool exports it."""

    platform: Platform
    post_id: ShortText
    post_url: PostUrl
    author_handle: Name
    author_id: AuthorId
    text: Content
    posted_at: AwareDatetime
    followers: int = Field(default=0, ge=0)
    repost_count: int = Field(default=0, ge=0)
    contact_phone: OptionalPhone = Field(default=None, validate_default=True)
    contact_email: OptionalEmail = None

    @field_validator("contact_phone")
    @classmethod
    def _reachable(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError(NO_CONTACT)
        return value


def channel_of(platform: Platform) -> Channel:
    return Channel.WEIBO if platform == "weibo" else Channel.SOCIAL


def references(payload: SocialMentionPayload) -> dict[str, str]:
    return {
        "platform": payload.platform,
        "post_url": payload.post_url,
        "followers": str(payload.followers),
        "reposts": str(payload.repost_count),
    }


def to_draft(payload: SocialMentionPayload) -> RecordDraft:
    return RecordDraft(
        channel=channel_of(payload.platform),
        customer=CustomerIn(
            name=payload.author_handle,
            phone=payload.contact_phone,
            email=payload.contact_email,
            customer_id=f"{payload.platform}:{payload.author_id}",
        ),
        content=payload.text,
        received_at=payload.posted_at,
        external_id=payload.post_id,
        references=references(payload),
    )
