from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from services.intake.domain.channels import NotAComplaint, adapt
from services.intake.domain.channels.survey import (
    DEFAULT_LOW_SCORE_THRESHOLD,
    SurveyResponsePayload,
    to_draft,
)
from shared.vocab import Channel, Department

Example = Callable[[str, str], dict[str, Any]]


def _payload(example: Example, which: str = "zh", **changes: Any) -> SurveyResponsePayload:
    return SurveyResponsePayload.model_validate({**example("survey", which), **changes})


def _locs(payload: dict[str, Any]) -> list[tuple[int | str, ...]]:
    with pytest.raises(ValidationError) as caught:
        SurveyResponsePayload.model_validate(payload)
    return [e["loc"] for e in caught.value.errors()]


def test_chinese_low_score_after_service(example: Example) -> None:
    draft = adapt("survey", example("survey", "zh"))
    assert draft.channel is Channel.SURVEY
    assert draft.customer.name == "陈静"
    assert draft.customer.phone == "13822223333"
    assert draft.customer.customer_id == "C0098812"
    assert draft.vehicle.vin == "LVGBE40KXRG017845"
    assert draft.vehicle.plate == "粤A3N8P2"
    assert draft.target is not None and draft.target.department is Department.AFTER_SALES
    assert draft.content == "等了三个小时，洗车也没洗干净，服务顾问态度敷衍。"
    assert draft.demands == []
    assert draft.language == "zh"
    assert draft.external_id == "R-5512093"
    assert draft.references == {"survey_id": "SV-AS-2024Q3", "score": "3/10"}


def test_english_low_score_without_comment(example: Example) -> None:
    draft = adapt("survey", example("survey", "en"))
    assert draft.content == "Satisfaction survey score 2/5, no comment left"
    assert draft.target is not None and draft.target.department is Department.SALES
    assert draft.references["score"] == "2/5"
    assert draft.language == "en"


def test_chinese_sentence_when_no_comment(example: Example) -> None:
    draft = to_draft(_payload(example, comment="   "))
    assert draft.content == "满意度回访评分 3/10，未留言"


def test_a_one_character_comment_is_kept_in_the_sentence(example: Example) -> None:
    assert to_draft(_payload(example, comment="差")).content == "满意度回访评分 3/10，留言：差"


def test_without_a_language_the_sentence_is_chinese(example: Example) -> None:
    draft = to_draft(_payload(example, "en", language=None))
    assert draft.content == "满意度回访评分 2/5，未留言"
    assert draft.language is None


def test_default_threshold_is_a_fraction_of_the_scale() -> None:
    assert 0 < DEFAULT_LOW_SCORE_THRESHOLD < 1


@pytest.mark.parametrize(("score", "scale_max"), [(6, 10), (0, 10), (3, 5), (1, 5)])
def test_at_or_below_the_threshold_is_a_complaint(
    example: Example, score: int, scale_max: int
) -> None:
    draft = to_draft(_payload(example, score=score, scale_max=scale_max))
    assert draft.references["score"] == f"{score}/{scale_max}"


@pytest.mark.parametrize(("score", "scale_max"), [(7, 10), (10, 10), (4, 5)])
def test_above_the_threshold_is_not_a_complaint(
    example: Example, score: int, scale_max: int
) -> None:
    with pytest.raises(NotAComplaint, match=f"score {score}/{scale_max} is above the"):
        to_draft(_payload(example, score=score, scale_max=scale_max))


def test_adapt_applies_the_default_threshold(example: Example) -> None:
    with pytest.raises(NotAComplaint):
        adapt("survey", {**example("survey", "zh"), "score": 8})


def test_the_threshold_can_be_raised_or_lowered(example: Example) -> None:
    assert to_draft(_payload(example, score=8), threshold=0.8).external_id == "R-5512093"
    with pytest.raises(NotAComplaint, match="above the complaint threshold"):
        to_draft(_payload(example, score=3), threshold=0.2)


def test_a_threshold_outside_the_scale_is_refused(example: Example) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        to_draft(_payload(example), threshold=6)


def test_a_score_above_the_scale_is_named(example: Example) -> None:
    payload = {**example("survey", "en"), "score": 7}
    assert _locs(payload) == [("score",)]


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("scale_max", 7, ("scale_max",)),
        ("touchpoint", "car_wash", ("touchpoint",)),
        ("customer", {"name": "陈静"}, ("customer", "phone")),
        ("vin", "LVGBE40K0RG017845", ("vin",)),
        ("answered_at", "2024-09-03T16:20:00", ("answered_at",)),
    ],
)
def test_invalid_fields_are_named(
    example: Example, field: str, value: Any, loc: tuple[Any, ...]
) -> None:
    assert _locs({**example("survey", "zh"), field: value}) == [loc]


@pytest.mark.parametrize("field", ["survey_id", "response_id", "customer", "score", "answered_at"])
def test_required_fields(example: Example, field: str) -> None:
    payload = example("survey", "zh")
    del payload[field]
    assert _locs(payload) == [(field,)]
