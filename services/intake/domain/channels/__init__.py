"""Channel adapters: each channel's own payload, validated as it arrives, turned into a record.

``POST /intake/channels/{name}`` looks the adapter up in :data:`ADAPTERS`; the payload model
names the platform's own fields, so a 422 tells the integrator which of *their* fields is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from services.intake.domain.channels import (
    email,
    manufacturer,
    mobile_app,
    online_chat,
    regulator,
    social,
    survey,
    web_form,
    wechat,
)
from services.intake.domain.channels._common import NotAComplaint
from services.intake.domain.record import RecordDraft

__all__ = ["ADAPTERS", "ChannelAdapter", "NotAComplaint", "adapt"]


@dataclass(frozen=True)
class ChannelAdapter:
    name: str
    payload_model: type[BaseModel]
    to_draft: Callable[[Any], RecordDraft]
    summary: str


_ALL = (
    ChannelAdapter(
        "web", web_form.WebFormPayload, web_form.to_draft, "Complaint form on the website"
    ),
    ChannelAdapter(
        "app", mobile_app.AppTicketPayload, mobile_app.to_draft, "Feedback ticket from the app"
    ),
    ChannelAdapter(
        "wechat",
        wechat.WeChatMessagePayload,
        wechat.to_draft,
        "Text or recognised voice message to the WeChat official account",
    ),
    ChannelAdapter(
        "social",
        social.SocialMentionPayload,
        social.to_draft,
        "Weibo, Douyin, Xiaohongshu, Autohome or Dongchedi post, once the author gave a phone",
    ),
    ChannelAdapter("email", email.EmailPayload, email.to_draft, "Raw RFC 5322 email message"),
    ChannelAdapter(
        "chat",
        online_chat.ChatTranscriptPayload,
        online_chat.to_draft,
        "Online chat or live-stream transcript; the visitor's lines are the complaint",
    ),
    ChannelAdapter(
        "survey",
        survey.SurveyResponsePayload,
        survey.to_draft,
        "Satisfaction survey answer with a low score",
    ),
    ChannelAdapter(
        "manufacturer",
        manufacturer.ManufacturerReferralPayload,
        manufacturer.to_draft,
        "Case forwarded by the manufacturer's hotline",
    ),
    ChannelAdapter(
        "regulator",
        regulator.RegulatorReferralPayload,
        regulator.to_draft,
        "Referral from 12315, a consumer association or the market regulator",
    ),
)

ADAPTERS: dict[str, ChannelAdapter] = {adapter.name: adapter for adapter in _ALL}


def adapt(name: str, payload: Mapping[str, Any], *, zone: ZoneInfo | None = None) -> RecordDraft:
    """The record for a channel payload; KeyError for an unknown channel, ValidationError for a
    payload that does not hold, :class:`NotAComplaint` for a valid payload that is not one.
    ``zone`` is the dealership's, whose days a referral's answer date counts in."""
    adapter = ADAPTERS[name]
    model = adapter.payload_model.model_validate(payload, context={"zone": zone})
    return adapter.to_draft(model)
