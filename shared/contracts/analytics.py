"""Events published by analytics."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

CAUSE_PREDICTED: Final = "analytics.cause_predicted"


class CausePredicted(BaseModel):
    """The classifier's reading of a complaint, shown to the investigator as a suggestion."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    causes: list[str]
    primary_cause: str
    confidence: float = Field(ge=0, le=1)
    model_version: str
    explanation: list[str] = Field(default_factory=list)
