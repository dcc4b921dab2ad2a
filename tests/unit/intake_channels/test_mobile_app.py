from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.mobile_app import AppTicketPayload
from shared.vocab import Channel, Department, TargetKind

Example = Callable[[str, str], dict[str, Any]]


def _locs(payload: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        AppTicketPayload.model_validate(payload)
    return [e["loc"] for e in caught.value.errors()]


def test_chinese_ticket(example: Example) -> None:
    payload = example("app", "zh")
    draft = adapt("app", payload)
    assert draft.channel is Channel.APP
    assert draft.customer.customer_id == "U20230911004512"
    assert draft.customer.name == "李女士"
    assert draft.customer.phone == "13987654321"
    assert draft.vehicle.vin == "LSVAU2180P2106453"
    assert draft.vehicle.plate == "粤B8M2Q7"
    assert draft.vehicle.model == "上汽大众 帕萨特"
    assert draft.target is not None and draft.target.kind is TargetKind.VEHICLE
    assert draft.content.startswith("车辆刚提一个月")
    assert "附件" not in draft.content
    assert draft.language == "zh"
    assert draft.external_id == "APP-TK-88213409"
    assert len(AppTicketPayload.model_validate(payload).attachments) == 2


def test_english_ticket(example: Example) -> None:
    draft = adapt("app", example("app", "en"))
    assert draft.customer.name == "Tom W."
    assert draft.vehicle.vin is None
    assert draft.vehicle.plate == "粤BD23456"
    assert draft.target is not None and draft.target.department is Department.AFTER_SALES
    assert draft.language == "en"
    assert draft.external_id == "APP-TK-88290117"


def test_unknown_app_language_is_left_to_detection(example: Example) -> None:
    payload = example("app", "zh")
    payload["app_language"] = "ja-JP"
    assert adapt("app", payload).language is None


@pytest.mark.parametrize(
    "field", ["ticket_id", "created_at", "app_user_id", "phone", "nickname", "category", "text"]
)
def test_required_fields(example: Example, field: str) -> None:
    payload = example("app", "zh")
    del payload[field]
    assert _locs(payload) == [(field,)]


def test_a_bad_vehicle_field_is_named_inside_the_vehicle(example: Example) -> None:
    payload = example("app", "zh")
    payload["vehicle"]["vin"] = "LSVAU2180P210645"
    assert _locs(payload) == [("vehicle", "vin")]


def test_the_vehicle_may_be_missing(example: Example) -> None:
    payload = example("app", "en")
    del payload["vehicle"]
    assert adapt("app", payload).vehicle.plate is None
