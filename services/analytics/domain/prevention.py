"""Prevention actions (manual ch. 6.3) run as a PDCA loop, and their measured effect.

The effect compares the bucket's weekly complaint rate before the action started with
the rate after it, as two Poisson rates: given the total, the count after is binomial
with p = weeks_after / (weeks_before + weeks_after) when nothing changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import binomtest

from shared.vocab import PdcaStage, PreventionType

BucketDimension = Literal["cause", "touchpoint", "department"]
SIGNIFICANCE = 0.05

NEXT_STAGE: dict[PdcaStage, PdcaStage] = {
    PdcaStage.PLAN: PdcaStage.DO,
    PdcaStage.DO: PdcaStage.CHECK,
    PdcaStage.CHECK: PdcaStage.ACT,
    PdcaStage.ACT: PdcaStage.PLAN,
}
"""Act closes a cycle and starts the next plan: PDCA never ends, it turns."""


class StageChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: PdcaStage
    at: datetime
    by: str
    note: str = ""


class PreventionAction(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    type: PreventionType
    dimension: BucketDimension
    value: str
    owner: str
    due_date: date
    stage: PdcaStage = PdcaStage.PLAN
    cycle: int = 1
    effective_from: date
    created_by: str
    created_at: datetime
    version: int = 1
    history: list[StageChange] = Field(default_factory=list)


class IllegalStageError(ValueError):
    """Not the next stage; ``expected`` is."""

    def __init__(self, current: PdcaStage, expected: PdcaStage, requested: PdcaStage) -> None:
        super().__init__(
            f"an action in stage {current.value} moves to {expected.value}, not {requested.value}"
        )
        self.current = current
        self.expected = expected
        self.requested = requested


def advance(
    action: PreventionAction, to: PdcaStage, *, by: str, at: datetime, note: str = ""
) -> PreventionAction:
    """Move to the next PDCA stage; any other jump is refused."""
    expected = NEXT_STAGE[action.stage]
    if to is not expected:
        raise IllegalStageError(action.stage, expected, to)
    return action.model_copy(
        update={
            "stage": to,
            "cycle": action.cycle + (1 if to is PdcaStage.PLAN else 0),
            "version": action.version + 1,
            "history": [*action.history, StageChange(stage=to, at=at, by=by, note=note)],
        }
    )


class WeekCount(BaseModel):
    model_config = ConfigDict(frozen=True)

    week: str
    complaints: int


class Effect(BaseModel):
    model_config = ConfigDict(frozen=True)

    weeks_before: int
    weeks_after: int
    before: list[WeekCount]
    after: list[WeekCount]
    rate_before: float | None
    rate_after: float | None
    change: float | None
    """Relative change of the weekly rate (−0.4: 40 % fewer complaints a week)."""
    p_value: float | None
    significant: bool


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def effect(
    weekly: Mapping[str, int],
    *,
    effective_from: date,
    today: date,
    weeks: int,
    data_from: date | None = None,
) -> Effect:
    """``weekly``: week start → complaints of the bucket. Only complete weeks count after,
    and before, only weeks since the data began (``data_from``): a week before anything was
    recorded is unknown, not a week without complaints."""
    start = monday(effective_from)
    first = monday(data_from) if data_from else None
    before = [
        week
        for week in (start - timedelta(weeks=i) for i in range(weeks, 0, -1))
        if first is None or week >= first
    ]
    current = monday(today)
    after = [
        start + timedelta(weeks=i) for i in range(weeks) if start + timedelta(weeks=i) < current
    ]
    before_counts = [
        WeekCount(week=w.isoformat(), complaints=weekly.get(w.isoformat(), 0)) for w in before
    ]
    after_counts = [
        WeekCount(week=w.isoformat(), complaints=weekly.get(w.isoformat(), 0)) for w in after
    ]
    k1 = sum(w.complaints for w in before_counts)
    k2 = sum(w.complaints for w in after_counts)
    rate_before = k1 / len(before) if before else None
    rate_after = k2 / len(after) if after else None
    change = None
    if rate_before and rate_after is not None:
        change = round((rate_after - rate_before) / rate_before, 4)
    p_value = None
    if after and k1 + k2 > 0:
        share = len(after) / (len(before) + len(after))
        p_value = float(binomtest(k2, k1 + k2, share).pvalue)
    return Effect(
        weeks_before=len(before),
        weeks_after=len(after),
        before=before_counts,
        after=after_counts,
        rate_before=rate_before,
        rate_after=rate_after,
        change=change,
        p_value=p_value,
        significant=p_value is not None and p_value < SIGNIFICANCE,
    )
