from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.manufacturer import ManufacturerReferralPayload
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]


def _locs(payload: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        ManufacturerReferralPayload.model_validate(payload)
    return [e["loc"] for e in caught.value.errors()]


def test_chinese_referral(example: Example) -> None:
    draft = adapt("manufacturer", example("manufacturer", "zh"))
    assert draft.channel is Channel.MANUFACTURER
    assert draft.customer.name == "刘强"
    assert draft.customer.phone == "13944445555"
    assert draft.vehicle.vin == "LFV3A23C4N3041287"
    assert draft.vehicle.model == "迈腾"
    assert draft.content.startswith("客户致电厂家400热线反映")
    assert draft.demand_note == "要求更换变速箱总成并延长质保"
    assert draft.demands == []
    assert draft.external_id == "FAW-VW-CC-202409-104417"
    assert draft.references == {
        "manufacturer": "一汽-大众",
        "manufacturer_case": "FAW-VW-CC-202409-104417",
        "deadline_hours": "24",
    }
    assert draft.language is None


def test_english_referral_without_deadline(example: Example) -> None:
    draft = adapt("manufacturer", example("manufacturer", "en"))
    assert draft.customer.name == "Michael Brown"
    assert draft.vehicle.plate is None
    assert draft.demand_note == "Refund of the repair charge and a written explanation"
    assert "deadline_hours" not in draft.references
    assert draft.references["manufacturer_case"] == "BBA-CIC-2024-0917-0031"


def test_a_blank_demand_is_no_demand_note(example: Example) -> None:
    payload = {**example("manufacturer", "en"), "customer_demand": "  "}
    assert adapt("manufacturer", payload).demand_note is None


@pytest.mark.parametrize(
    "field", ["manufacturer", "manufacturer_case_no", "customer", "summary", "forwarded_at"]
)
def test_required_fields(example: Example, field: str) -> None:
    payload = example("manufacturer", "zh")
    del payload[field]
    assert _locs(payload) == [(field,)]


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("customer", {"name": "刘强", "phone": "139"}, ("customer", "phone")),
        ("vehicle", {"plate": "X12345"}, ("vehicle", "plate")),
        ("deadline_hours", 0, ("deadline_hours",)),
        ("customer_demand", "要" * 501, ("customer_demand",)),
    ],
)
def test_invalid_fields_are_named(
    example: Example, field: str, value: Any, loc: tuple[Any, ...]
) -> None:
    assert _locs({**example("manufacturer", "zh"), field: value}) == [loc]
