from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.social import NO_CONTACT, SocialMentionPayload
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]


def _errors(payload: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        SocialMentionPayload.model_validate(payload)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_chinese_weibo_post(example: Example) -> None:
    draft = adapt("social", example("social", "zh"))
    assert draft.channel is Channel.WEIBO
    assert draft.customer.name == "开车的小周"
    assert draft.customer.phone == "15912345678"
    assert draft.customer.customer_id == "weibo:6012345678"
    assert draft.content.startswith("@某某汽车4S店 新车交付第三天中控屏就黑屏")
    assert draft.external_id == "5042817736104993"
    assert draft.references == {
        "platform": "weibo",
        "post_url": "https://weibo.com/6012345678/Oa1bC2dE3",
        "followers": "3820",
        "reposts": "57",
    }
    assert draft.language is None


def test_english_xiaohongshu_post(example: Example) -> None:
    draft = adapt("social", example("social", "en"))
    assert draft.channel is Channel.SOCIAL
    assert draft.customer.phone == "18600002222"
    assert draft.customer.email == "emma.liu@example.org"
    assert draft.customer.customer_id == "xiaohongshu:5f8e21c3000000000101a2b3"
    assert draft.references["platform"] == "xiaohongshu"


@pytest.mark.parametrize("platform", ["douyin", "autohome", "dongchedi", "other"])
def test_other_platforms_are_social(example: Example, platform: str) -> None:
    payload = example("social", "zh")
    payload["platform"] = platform
    draft = adapt("social", payload)
    assert draft.channel is Channel.SOCIAL
    assert draft.customer.customer_id == f"{platform}:6012345678"


@pytest.mark.parametrize("phone", [None, ""])
def test_a_post_without_a_contact_phone_cannot_be_registered(
    example: Example, phone: str | None
) -> None:
    payload = example("social", "zh")
    if phone is None:
        del payload["contact_phone"]
    else:
        payload["contact_phone"] = phone
    [(loc, msg)] = _errors(payload)
    assert loc == ("contact_phone",)
    assert NO_CONTACT in msg


def test_an_email_alone_is_not_enough(example: Example) -> None:
    payload = example("social", "en")
    del payload["contact_phone"]
    assert [loc for loc, _ in _errors(payload)] == [("contact_phone",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("platform", "facebook"), ("post_url", "weibo.com/x"), ("followers", -1), ("text", "")],
)
def test_invalid_fields_are_named(example: Example, field: str, value: Any) -> None:
    payload = example("social", "zh")
    payload[field] = value
    assert [loc for loc, _ in _errors(payload)] == [(field,)]
