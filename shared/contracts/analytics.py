"""Events published by analytics."""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

CAUSE_PREDICTED: Final = "analytics.cause_predicted"


class CauseEvidence(BaseModel):
    """Why the classifier suggests one cause, in words an investigator reads: the phrases
    of the complaint that pushed it up, and the cues it saw negated ("没有异响")."""

    model_config = ConfigDict(frozen=True)

    cause: str
    terms: list[str] = Field(default_factory=list)
    negated: list[str] = Field(default_factory=list)


class CausePredicted(BaseModel):
    """The classifier's reading of a complaint, shown to the investigator as a suggestion."""

    model_config = ConfigDict(frozen=True)

    complaint_id: str
    causes: list[str]
    primary_cause: str
    confidence: float = Field(ge=0, le=1)
    model_version: str
    explanation: list[str] = Field(default_factory=list)
    """Per cause, the weighted features (for analysts); ``evidence`` is for people."""
    touchpoint: str | None = None
    vehicle_system: str | None = None
    evidence: list[CauseEvidence] = Field(default_factory=list)


TREND_ALERT_RAISED: Final = "analytics.trend_alert_raised"


class TrendAlertRaised(BaseModel):
    """A bucket rose significantly this week against its trailing baseline."""

    model_config = ConfigDict(frozen=True)

    dimension: str
    value: str
    week: str
    count: int
    baseline: float
    p_value: float
