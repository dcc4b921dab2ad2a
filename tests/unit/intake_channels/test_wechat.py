from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.wechat import WeChatMessagePayload
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]


def _errors(payload: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        WeChatMessagePayload.model_validate(payload)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_chinese_text_message_from_a_bound_member(example: Example) -> None:
    draft = adapt("wechat", example("wechat", "zh"))
    assert draft.channel is Channel.WECHAT
    assert draft.customer.wechat_openid == "oQx7s5Kk2mZ9pLrT4vWbY1cN8dEf"
    assert draft.customer.name == "王磊"
    assert draft.customer.phone == "13712345678"
    assert draft.content.startswith("你好，我上周六在你们店换的刹车片")
    assert draft.received_at == datetime.fromtimestamp(1718601234, tz=UTC)
    assert draft.received_at is not None and draft.received_at.utcoffset() is not None
    assert draft.external_id == "24601234567890123"
    assert draft.references == {"wechat_account": "gh_3f5a9c21d7e8"}
    assert draft.language is None


def test_english_voice_message_uses_the_recognition_text(example: Example) -> None:
    draft = adapt("wechat", example("wechat", "en"))
    assert draft.content.startswith("Hello, I was charged for a wheel alignment")
    assert draft.customer.name == "微信用户9gHi"
    assert draft.customer.phone is None
    assert draft.external_id == "24601298765432109"
    assert draft.references["wechat_msg_type"] == "voice"
    assert draft.references["wechat_media_id"].startswith("Kz9f")


@pytest.mark.parametrize("msg_type", ["image", "event", "location", "video", "link"])
def test_other_message_types_are_rejected_clearly(example: Example, msg_type: str) -> None:
    payload = example("wechat", "zh")
    payload["MsgType"] = msg_type
    [(loc, msg)] = _errors(payload)
    assert loc == ("MsgType",)
    assert f"'{msg_type}' message cannot be registered" in msg
    assert "only text" in msg


def test_a_text_message_needs_content(example: Example) -> None:
    payload = example("wechat", "zh")
    del payload["Content"]
    assert [loc for loc, _ in _errors(payload)] == [("Content",)]


def test_a_voice_message_needs_recognition(example: Example) -> None:
    payload = example("wechat", "en")
    del payload["Recognition"]
    [(loc, msg)] = _errors(payload)
    assert loc == ("Recognition",)
    assert "speech recognition" in msg


@pytest.mark.parametrize("field", ["ToUserName", "FromUserName", "CreateTime", "MsgType", "MsgId"])
def test_required_fields_are_named_as_wechat_names_them(example: Example, field: str) -> None:
    payload = example("wechat", "zh")
    del payload[field]
    assert [loc for loc, _ in _errors(payload)] == [(field,)]


def test_an_unbound_openid_gets_a_placeholder_name(example: Example) -> None:
    payload = example("wechat", "zh")
    del payload["member_name"], payload["member_phone"]
    draft = adapt("wechat", payload)
    assert draft.customer.name == "微信用户8dEf"
    assert draft.customer.phone is None


def test_a_bad_member_phone_is_named(example: Example) -> None:
    payload = example("wechat", "zh")
    payload["member_phone"] = "0000"
    assert [loc for loc, _ in _errors(payload)] == [("member_phone",)]
