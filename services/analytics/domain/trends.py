"""Trend alerts: a bucket whose count this week is improbably high against its baseline.

For each cause, touchpoint and department, this week's count is compared with the mean
of the trailing weeks; the rise is significant when the Poisson upper tail
P(X ≥ count | baseline mean) is below ``alpha`` and at least ``min_cases`` happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict
from scipy.stats import poisson

TREND_DIMENSIONS = ("cause", "touchpoint", "department")
BASELINE_FLOOR = 0.5
"""A bucket that never happened still has some chance: this keeps one case from alerting."""


class Spike(BaseModel):
    model_config = ConfigDict(frozen=True)

    dimension: str
    value: str
    week: str
    count: int
    baseline: float
    p_value: float


NOT_YET_KNOWN = frozenset({"", "unassigned", "unclassified", "unknown"})
"""Buckets of complaints not yet assigned or classified: this week's are always many (they
are new), so a rise there says nothing about a department, cause or touchpoint."""


def baseline_weeks(week: date, weeks: int) -> list[str]:
    """The ``weeks`` Monday dates before ``week``, oldest first."""
    return [(week - timedelta(weeks=i)).isoformat() for i in range(weeks, 0, -1)]


def detect_spikes(
    counts: Mapping[tuple[str, str], Mapping[str, int]],
    *,
    week: date,
    weeks: int = 8,
    alpha: float = 0.01,
    min_cases: int = 5,
) -> list[Spike]:
    """``counts``: (dimension, value) → week start → complaints."""
    history = baseline_weeks(week, weeks)
    spikes = []
    for (dimension, value), by_week in sorted(counts.items()):
        if value in NOT_YET_KNOWN:
            continue
        count = by_week.get(week.isoformat(), 0)
        if count < min_cases:
            continue
        mean = sum(by_week.get(w, 0) for w in history) / weeks
        p_value = float(poisson.sf(count - 1, max(mean, BASELINE_FLOOR)))
        if p_value < alpha:
            spikes.append(
                Spike(
                    dimension=dimension,
                    value=value,
                    week=week.isoformat(),
                    count=count,
                    baseline=round(mean, 3),
                    p_value=p_value,
                )
            )
    return spikes
