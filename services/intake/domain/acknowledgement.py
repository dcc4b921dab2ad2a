"""The acknowledgement a customer receives at once: ticket number and the closed-loop
promise (``promise``: by when, from ``shared.calendar.promised_by``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.vocab import Channel, Language

Medium = Literal["sms", "wechat", "email", "app", "social_reply", "referral_reply"]

_MEDIUM_BY_CHANNEL: dict[Channel, Medium] = {
    Channel.WECHAT: "wechat",
    Channel.EMAIL: "email",
    Channel.APP: "app",
    Channel.WEIBO: "social_reply",
    Channel.SOCIAL: "social_reply",
    Channel.MANUFACTURER: "referral_reply",
    Channel.REGULATOR: "referral_reply",
}

_TEMPLATES: dict[Language, str] = {
    "zh": (
        "【{dealer}】尊敬的{name}，您好！您的投诉已受理，受理单号{ticket}。"
        "我们将指定专人负责，并{promise}处理完毕并回复您。如需补充，请回复本消息或致电客服。"
    ),
    "en": (
        "[{dealer}] Dear {name}, we have received your complaint, ticket {ticket}. "
        "One named person will handle it and we will resolve it and get back to you "
        "{promise}. Reply to this message or call us to add anything."
    ),
}

_FOLLOW_UP_TEMPLATES: dict[Language, str] = {
    "zh": "【{dealer}】尊敬的{name}，您补充的信息已记入投诉单{ticket}，负责人会一并处理。",
    "en": "[{dealer}] Dear {name}, what you added is now part of ticket {ticket}; "
    "the person in charge will handle it together.",
}


@dataclass(frozen=True)
class Acknowledgement:
    medium: Medium
    language: Language
    text: str


def medium_for(channel: Channel, *, has_phone: bool, has_email: bool) -> Medium:
    medium = _MEDIUM_BY_CHANNEL.get(channel)
    if medium is not None:
        return medium
    if has_phone:
        return "sms"
    return "email" if has_email else "sms"


def acknowledge(
    *,
    channel: Channel,
    language: Language,
    name: str,
    ticket_no: str,
    promise: str,
    dealer: str,
    has_phone: bool,
    has_email: bool,
    follow_up: bool = False,
) -> Acknowledgement:
    templates = _FOLLOW_UP_TEMPLATES if follow_up else _TEMPLATES
    text = templates[language].format(dealer=dealer, name=name, ticket=ticket_no, promise=promise)
    return Acknowledgement(
        medium=medium_for(channel, has_phone=has_phone, has_email=has_email),
        language=language,
        text=text,
    )
