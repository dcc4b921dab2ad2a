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
    touchpoint: str | None = None
    vehicle_system: str | None = None


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
