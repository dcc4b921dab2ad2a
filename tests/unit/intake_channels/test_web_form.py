from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import adapt
from services.intake.domain.channels.web_form import WebFormPayload, to_draft
from shared.vocab import Channel, Demand, Department, TargetKind

Example = Callable[[str, str], dict[str, Any]]
CST = timezone(timedelta(hours=8))


def _locs(payload: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        WebFormPayload.model_validate(payload)
    return [e["loc"] for e in caught.value.errors()]


def test_chinese_form(example: Example) -> None:
    draft = adapt("web", example("web", "zh"))
    assert draft.channel is Channel.WEB
    assert draft.customer.name == "张伟"
    assert draft.customer.phone == "13502468013"
    assert draft.customer.email is None  # the form sent "" for it
    assert draft.vehicle.vin == "LFV3A23C4N3041287"
    assert draft.vehicle.plate == "京AD12345"
    assert draft.vehicle.model == "一汽-大众 迈腾 2022款 330TSI"
    assert draft.target is not None
    assert draft.target.kind is TargetKind.DEPARTMENT
    assert draft.target.department is Department.AFTER_SALES
    assert draft.demands == [Demand.REPAIR, Demand.EXPLANATION, Demand.COMPENSATION]
    assert draft.content.startswith("5月8日在贵店做4万公里保养")
    assert draft.language == "zh"
    assert draft.external_id == "WF-20240512-000731"
    assert draft.received_at == datetime(2024, 5, 12, 20, 41, 7, tzinfo=CST)


def test_english_form(example: Example) -> None:
    draft = adapt("web", example("web", "en"))
    assert draft.customer.name == "David Miller"
    assert draft.customer.phone == "13912345678"
    assert draft.customer.email == "david.miller@example.com"
    assert draft.vehicle.vin is None
    assert draft.vehicle.plate == "沪A5K321"
    assert draft.target is not None and draft.target.department is Department.SALES
    assert draft.demands == [Demand.EXPLANATION, Demand.REFUND]
    assert draft.language == "en"
    assert draft.external_id == "WF-20240603-001142"


def test_language_is_left_to_detection_when_the_form_does_not_say(example: Example) -> None:
    payload = example("web", "zh")
    del payload["locale"]
    assert adapt("web", payload).language is None


def test_other_subject_leaves_the_target_to_triage(example: Example) -> None:
    payload = example("web", "zh")
    payload["subject"] = "other"
    assert adapt("web", payload).target is None


def test_finance_subject_targets_finance_and_insurance(example: Example) -> None:
    payload = example("web", "zh")
    payload["subject"] = "finance"
    target = to_draft(WebFormPayload.model_validate(payload)).target
    assert target is not None and target.department is Department.FINANCE_INSURANCE


@pytest.mark.parametrize("field", ["phone", "name", "message", "submission_id", "submitted_at"])
def test_required_fields(example: Example, field: str) -> None:
    payload = example("web", "zh")
    del payload[field]
    assert _locs(payload) == [(field,)]


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("phone", "1234", ("phone",)),
        ("vin", "LFV3A23C0N3041287", ("vin",)),
        ("plate", "AB12345", ("plate",)),
        ("email", "not-an-address", ("email",)),
        ("subject", "complaint", ("subject",)),
        ("demands", ["repair", "free car"], ("demands", 1)),
        ("message", "差", ("message",)),
        ("submitted_at", "2024-05-12T20:41:07", ("submitted_at",)),
    ],
)
def test_invalid_fields_are_named(
    example: Example, field: str, value: Any, loc: tuple[Any, ...]
) -> None:
    payload = example("web", "zh")
    payload[field] = value
    assert _locs(payload) == [loc]
