"""Messages to the dealer's WeChat official account (公众号), as WeChat pushes them, decrypted.

Only what a customer writes (text, or a voice note WeChat transcribed) can be a complaint.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from services.intake.domain.channels._common import (
    ChannelPayload,
    OptionalName,
    OptionalPhone,
    OptionalShortText,
)
from services.intake.domain.record import Code, Content, CustomerIn, RecordDraft
from shared.vocab import Channel

ACCEPTED_MSG_TYPES = ("text", "voice")
ANONYMOUS_NAME = "微信用户"


class WeChatMessagePayload(ChannelPayload):
    """The XML message WeChat posts, converted to JSON with WeChat's own field names."""

    to_user_name: Code = Field(alias="ToUserName", description="The official account (gh_...).")
    from_user_name: Code = Field(alias="FromUserName", description="The sender's openid.")
    create_time: int = Field(alias="CreateTime", gt=0, description="Unix seconds.")
    msg_type: Literal["text", "voice"] = Field(alias="MsgType")
    content: Content | None = Field(default=None, alias="Content")
    recognition: Content | None = Field(default=None, alias="Recognition")
    media_id: OptionalShortText = Field(default=None, alias="MediaId")
    msg_id: int | Code = Field(alias="MsgId")
    member_name: OptionalName = Field(default=None, description="From the dealer's member system.")
    member_phone: OptionalPhone = None

    @model_validator(mode="before")
    @classmethod
    def _words_always_checked(cls, data: Any) -> Any:
        """Absent Content/Recognition become nulls, so their checks run under their own names."""
        if isinstance(data, dict):
            return {"Content": None, "Recognition": None, **data}
        return data

    @field_validator("msg_type", mode="before")
    @classmethod
    def _only_words(cls, value: object) -> object:
        if value not in ACCEPTED_MSG_TYPES:
            raise ValueError(
                f"a WeChat {value!r} message cannot be registered as a complaint: only text"
                " messages and voice messages with speech recognition (Recognition) are accepted"
            )
        return value

    @field_validator("content")
    @classmethod
    def _text_has_content(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("msg_type") == "text" and value is None:
            raise ValueError("a text message carries its words in Content")
        return value

    @field_validator("recognition")
    @classmethod
    def _voice_was_recognised(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("msg_type") == "voice" and value is None:
            raise ValueError(
                "this voice message has no speech recognition text (Recognition):"
                " turn on 接收语音识别结果 for the account, or listen and register it by hand"
            )
        return value

    @property
    def words(self) -> str:
        text = self.content if self.msg_type == "text" else self.recognition
        assert text is not None  # guaranteed by the validators above
        return text


def customer_name(payload: WeChatMessagePayload) -> str:
    """The member's name when the openid is bound to one, else 微信用户 + last 4 of the openid."""
    return payload.member_name or f"{ANONYMOUS_NAME}{payload.from_user_name[-4:]}"


def references(payload: WeChatMessagePayload) -> dict[str, str]:
    refs = {"wechat_account": payload.to_user_name}
    if payload.msg_type == "voice":
        refs["wechat_msg_type"] = "voice"
        if payload.media_id:
            refs["wechat_media_id"] = payload.media_id
    return refs


def to_draft(payload: WeChatMessagePayload) -> RecordDraft:
    return RecordDraft(
        channel=Channel.WECHAT,
        customer=CustomerIn(
            name=customer_name(payload),
            phone=payload.member_phone,
            wechat_openid=payload.from_user_name,
        ),
        content=payload.words,
        received_at=datetime.fromtimestamp(payload.create_time, tz=UTC),
        external_id=str(payload.msg_id),
        references=references(payload),
    )
