from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.online_chat import ChatTranscriptPayload
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]
CST = timezone(timedelta(hours=8))


def _errors(payload: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        ChatTranscriptPayload.model_validate(payload)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def test_chinese_live_stream_chat(example: Example) -> None:
    draft = adapt("chat", example("chat", "zh"))
    assert draft.channel is Channel.ONLINE_CHAT
    assert draft.customer.name == "赵先生"
    assert draft.customer.phone == "13511112222"
    assert draft.content == (
        "我上个月在直播间下单的车，说好的送五年保养，到店里说没有这个活动\n"
        "订单号DD2024071900312，直播回放里主播明明说了，要求按承诺兑现"
    )
    assert draft.received_at == datetime(2024, 8, 15, 20, 5, 40, tzinfo=CST)
    assert draft.external_id == "CS-20240815-7F3A21"
    assert draft.references == {"chat_source": "live_stream", "live_room": "DY-ROOM-889120"}
    assert draft.language is None


def test_english_website_chat_with_an_anonymous_visitor(example: Example) -> None:
    draft = adapt("chat", example("chat", "en"))
    assert draft.customer.name == "在线访客"
    assert draft.customer.email == "k.tanaka@example.net"
    assert draft.customer.phone is None
    assert "workshop for 9 days" in draft.content
    assert "Sorry for the wait" not in draft.content
    assert "How can we help" not in draft.content
    assert draft.received_at == datetime(2024, 8, 16, 10, 31, 25, tzinfo=CST)
    assert draft.language == "en"


def test_a_transcript_without_visitor_words_is_rejected(example: Example) -> None:
    payload = example("chat", "en")
    payload["messages"] = [m for m in payload["messages"] if m["from"] != "visitor"]
    [(loc, msg)] = _errors(payload)
    assert loc == ("messages",)
    assert "no words from the visitor" in msg


def test_an_empty_transcript_is_rejected(example: Example) -> None:
    payload = example("chat", "en")
    payload["messages"] = []
    assert [loc for loc, _ in _errors(payload)] == [("messages",)]


def test_a_visitor_who_left_no_contact_is_rejected(example: Example) -> None:
    payload = example("chat", "zh")
    payload["visitor"] = {"name": "赵先生"}
    [(loc, msg)] = _errors(payload)
    assert loc == ("visitor",)
    assert "no phone or email" in msg


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("messages", 1, "from"), "customer", ("messages", 1, "from")),
        (("messages", 1, "at"), "2024-08-15 20:05:40", ("messages", 1, "at")),
        (("visitor", "phone"), "555-0100", ("visitor", "phone")),
        (("channel_source",), "fax", ("channel_source",)),
    ],
)
def test_invalid_fields_are_named(
    example: Example, path: tuple[Any, ...], value: Any, loc: tuple[Any, ...]
) -> None:
    payload = example("chat", "zh")
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert [error_loc for error_loc, _ in _errors(payload)] == [loc]


@pytest.mark.parametrize("field", ["session_id", "visitor", "messages", "started_at"])
def test_required_fields(example: Example, field: str) -> None:
    payload = example("chat", "zh")
    del payload[field]
    assert [loc for loc, _ in _errors(payload)] == [(field,)]
