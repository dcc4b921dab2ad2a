from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.regulator import RegulatorReferralPayload
from shared.vocab import Channel

Example = Callable[[str, str], dict[str, Any]]


def _locs(payload: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        RegulatorReferralPayload.model_validate(payload)
    return [e["loc"] for e in caught.value.errors()]


def test_chinese_12315_referral(example: Example) -> None:
    draft = adapt("regulator", example("regulator", "zh"))
    assert draft.channel is Channel.REGULATOR
    assert draft.customer.name == "孙丽"
    assert draft.customer.phone == "15066667777"
    assert draft.customer.id_number == "110105198503150027"
    assert draft.content.startswith("消费者反映")
    assert draft.demand_note == "退还搭售费用8600元"
    assert draft.external_id == "1231520240918004567"
    assert draft.references == {
        "agency": "12315",
        "regulator_case": "1231520240918004567",
        "response_due": "2024-09-25",
    }


def test_english_consumer_association_referral(example: Example) -> None:
    draft = adapt("regulator", example("regulator", "en"))
    assert draft.customer.phone == "075583001234"  # a landline
    assert draft.customer.id_number is None
    assert draft.references["agency"] == "Consumer Association"
    assert draft.references["response_due"] == "2024-09-30"
    assert draft.demands == []


@pytest.mark.parametrize(
    "field", ["agency", "case_no", "customer", "complaint_text", "received_at", "response_due"]
)
def test_required_fields(example: Example, field: str) -> None:
    payload = example("regulator", "zh")
    del payload[field]
    assert _locs(payload) == [(field,)]


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("response_due", "25/09/2024", ("response_due",)),
        (
            "customer",
            {"name": "孙丽", "phone": "15066667777", "id_number": "11010519850315002X"},
            ("customer", "id_number"),
        ),
        ("received_at", "2024-09-18T10:12:00", ("received_at",)),
        ("complaint_text", "x", ("complaint_text",)),
    ],
)
def test_invalid_fields_are_named(
    example: Example, field: str, value: Any, loc: tuple[Any, ...]
) -> None:
    assert _locs({**example("regulator", "zh"), field: value}) == [loc]


def test_an_answer_due_before_the_referral_arrived_is_refused(example: Example) -> None:
    payload = {**example("regulator", "zh"), "response_due": "2024-09-17"}
    assert _locs(payload) == [("response_due",)]
    same_day = {**example("regulator", "zh"), "response_due": "2024-09-18"}
    assert RegulatorReferralPayload.model_validate(same_day).response_due.day == 18


def test_the_day_it_arrived_is_the_dealerships_day(example: Example) -> None:
    """16:30 UTC on the 18th is already the 19th in Beijing: an answer due on the 18th was
    overdue on arrival there, though not in UTC."""
    late = {**example("regulator", "zh"), "received_at": "2024-09-18T16:30:00Z"}
    due_18 = {**late, "response_due": "2024-09-18"}
    assert RegulatorReferralPayload.model_validate(due_18).response_due.day == 18
    beijing = {"zone": ZoneInfo("Asia/Shanghai")}
    with pytest.raises(ValidationError) as refused:
        RegulatorReferralPayload.model_validate(due_18, context=beijing)
    assert "2024-09-19" in str(refused.value)
    due_19 = {**late, "response_due": "2024-09-19"}
    assert RegulatorReferralPayload.model_validate(due_19, context=beijing).response_due.day == 19
