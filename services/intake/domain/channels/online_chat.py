"""Online chat and live-stream sales transcripts: only what the visitor wrote is the complaint."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, StringConstraints, field_validator, model_validator

from services.intake.domain.channels._common import (
    ChannelPayload,
    OptionalEmail,
    OptionalName,
    OptionalPhone,
    OptionalShortText,
    clip,
    language_from_tag,
)
from services.intake.domain.record import CustomerIn, RecordDraft, ShortText
from shared.vocab import Channel

ANONYMOUS_NAME = "在线访客"
MAX_CONTENT = 5000
ChatText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CONTENT)]


class Visitor(ChannelPayload):
    name: OptionalName = None
    phone: OptionalPhone = None
    email: OptionalEmail = None

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.phone or self.email):
            raise ValueError(
                "the visitor left no phone or email: ask for one in the chat before registering"
            )
        return self


class ChatLine(ChannelPayload):
    sender: Literal["visitor", "agent", "bot"] = Field(alias="from")
    text: ChatText
    at: AwareDatetime


class ChatTranscriptPayload(ChannelPayload):
    """A closed chat session as the chat platform exports it."""

    session_id: ShortText
    channel_source: Literal["website", "app", "live_stream", "wechat_mini_program"]
    started_at: AwareDatetime
    visitor: Visitor
    messages: list[ChatLine] = Field(min_length=1, max_length=500)
    locale: OptionalShortText = None
    live_room: OptionalShortText = Field(default=None, description="Live-stream room id.")

    @field_validator("messages")
    @classmethod
    def _visitor_spoke(cls, messages: list[ChatLine]) -> list[ChatLine]:
        if len(visitor_words(messages)) < 2:
            raise ValueError("the transcript has no words from the visitor: nothing to register")
        return messages


def visitor_lines(messages: list[ChatLine]) -> list[ChatLine]:
    return [line for line in messages if line.sender == "visitor" and line.text]


def visitor_words(messages: list[ChatLine]) -> str:
    return clip("\n".join(line.text for line in visitor_lines(messages)), MAX_CONTENT)


def references(payload: ChatTranscriptPayload) -> dict[str, str]:
    refs: dict[str, str] = {"chat_source": payload.channel_source}
    if payload.live_room:
        refs["live_room"] = payload.live_room
    return refs


def to_draft(payload: ChatTranscriptPayload) -> RecordDraft:
    visitor = payload.visitor
    return RecordDraft(
        channel=Channel.ONLINE_CHAT,
        customer=CustomerIn(
            name=visitor.name or ANONYMOUS_NAME, phone=visitor.phone, email=visitor.email
        ),
        content=visitor_words(payload.messages),
        language=language_from_tag(payload.locale),
        received_at=visitor_lines(payload.messages)[0].at,
        external_id=payload.session_id,
        references=references(payload),
    )
