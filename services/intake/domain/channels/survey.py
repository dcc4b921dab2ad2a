"""Satisfaction-survey answers (满意度回访): a low score is a complaint the customer did not file.

Only answers at or below a threshold, a fraction of the scale, are registered.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints, ValidationInfo, field_validator

from services.intake.domain.channels._common import (
    ChannelPayload,
    NotAComplaint,
    OptionalCode,
    OptionalPlate,
    OptionalShortText,
    OptionalVin,
    PersonPayload,
    clip,
    department_target,
    language_from_tag,
)
from services.intake.domain.record import CustomerIn, RecordDraft, ShortText, VehicleIn
from shared.vocab import Channel, Department, Language

DEFAULT_LOW_SCORE_THRESHOLD = 0.6
"""A score at or below this fraction of the scale (6/10, 3/5) is treated as a complaint."""

MAX_CONTENT = 5000

Touchpoint = Literal["sales", "delivery", "service", "parts", "finance", "other"]
_TOUCHPOINT_DEPARTMENTS: dict[str, Department] = {
    "sales": Department.SALES,
    "delivery": Department.SALES,
    "service": Department.AFTER_SALES,
    "parts": Department.PARTS,
    "finance": Department.FINANCE_INSURANCE,
}
Comment = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_CONTENT)]


class SurveyCustomer(PersonPayload):
    customer_id: OptionalCode = None


class SurveyResponsePayload(ChannelPayload):
    """One answered survey, as the survey platform (or the DMS follow-up call) reports it."""

    survey_id: ShortText
    response_id: ShortText
    customer: SurveyCustomer
    vin: OptionalVin = None
    plate: OptionalPlate = None
    touchpoint: Touchpoint
    scale_max: Literal[5, 10] = 10
    score: int = Field(ge=0)
    comment: Comment = ""
    answered_at: AwareDatetime
    language: OptionalShortText = Field(default=None, description="The survey's language, zh/en.")

    @field_validator("score")
    @classmethod
    def _on_the_scale(cls, score: int, info: ValidationInfo) -> int:
        scale_max = info.data.get("scale_max")
        if scale_max is not None and score > scale_max:
            raise ValueError(f"the score {score} is above the scale's maximum {scale_max}")
        return score


def score_of(payload: SurveyResponsePayload) -> str:
    return f"{payload.score}/{payload.scale_max}"


def is_low(payload: SurveyResponsePayload, threshold: float) -> bool:
    return payload.score / payload.scale_max <= threshold


def content_of(payload: SurveyResponsePayload, language: Language | None) -> str:
    """The customer's comment; when there is none (or a single character), a sentence saying so."""
    score = score_of(payload)
    if len(payload.comment) >= 2:
        return payload.comment
    if language == "en":
        said = f", comment: {payload.comment}" if payload.comment else ", no comment left"
        return f"Satisfaction survey score {score}{said}"
    said = f"，留言：{payload.comment}" if payload.comment else "，未留言"
    return clip(f"满意度回访评分 {score}{said}", MAX_CONTENT)


def to_draft(payload: SurveyResponsePayload, *, threshold: float | None = None) -> RecordDraft:
    """The low-score answer as a record; :class:`NotAComplaint` when the score is above it."""
    limit = DEFAULT_LOW_SCORE_THRESHOLD if threshold is None else threshold
    if not 0 <= limit <= 1:
        raise ValueError(f"the threshold is a fraction of the scale between 0 and 1, not {limit}")
    if not is_low(payload, limit):
        raise NotAComplaint(
            f"score {score_of(payload)} is above the complaint threshold"
            f" ({limit:.0%} of the scale): a satisfied answer, not a complaint"
        )
    language = language_from_tag(payload.language)
    customer = payload.customer
    return RecordDraft(
        channel=Channel.SURVEY,
        customer=CustomerIn(
            name=customer.name, phone=customer.phone, customer_id=customer.customer_id
        ),
        vehicle=VehicleIn(vin=payload.vin, plate=payload.plate),
        target=department_target(_TOUCHPOINT_DEPARTMENTS.get(payload.touchpoint)),
        content=content_of(payload, language),
        language=language,
        received_at=payload.answered_at,
        external_id=payload.response_id,
        references={
            "survey_id": payload.survey_id,
            "score": f"{payload.score}/{payload.scale_max}",
        },
    )
