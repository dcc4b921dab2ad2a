"""Reports as pure functions of summed cube cells: overview, breakdowns, Pareto, series."""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from services.analytics.domain.cube import (
    ANY,
    KEY_COLUMNS,
    OVER_LAST_BUCKET,
    ROLLED_UP,
    STAGE_TIME_BUCKETS,
    Measures,
)


@dataclass(frozen=True, slots=True)
class Filters:
    """What every report can be narrowed by; ``None`` means all."""

    start: date
    end: date
    department: str | None = None
    channel: str | None = None
    cause: str | None = None


@dataclass(frozen=True, slots=True)
class PeriodRange:
    grain: str
    first: str
    last: str

    def periods(self) -> list[str]:
        """Each period's start in the range: the store looks each up by its key (with the
        filters after it) instead of scanning every cell between ``first`` and ``last``."""
        day, last = date.fromisoformat(self.first), date.fromisoformat(self.last)
        starts = []
        while day <= last:
            starts.append(day.isoformat())
            if self.grain == "month":
                day = _next_month(day)
            else:
                day += timedelta(days=7 if self.grain == "week" else 1)
        return starts


@dataclass(frozen=True, slots=True)
class KeyMatch:
    """Which cells of a dimension a sum reads, by their key columns: ``equal`` column →
    value; the ``not_rolled_up`` columns (grouped by) anything but ``ANY``."""

    equal: dict[str, str]
    not_rolled_up: tuple[str, ...] = ()


def key_match(dimension: str, filters: Filters, group_by: Sequence[str]) -> KeyMatch:
    """The filters' own values. On a rolled-up dimension (``cube.ROLLED_UP``) a sum that
    needs one key column or none (filtered or grouped by) reads the roll-up that keeps just
    that one, the others pinned to ``ANY``; one that needs more reads the cells themselves,
    every open column pinned to anything but ``ANY``. Either way each complaint counts once."""
    equal = {c: v for c in KEY_COLUMNS if (v := getattr(filters, c)) is not None}
    if dimension not in ROLLED_UP:
        return KeyMatch(equal)
    needed = [c for c in KEY_COLUMNS if c in equal or c in group_by]
    open_columns = tuple(c for c in KEY_COLUMNS if c not in equal)
    if len(needed) > 1:
        return KeyMatch(equal, open_columns)
    grouped = tuple(c for c in open_columns if c in group_by)
    equal.update({c: ANY for c in open_columns if c not in grouped})
    return KeyMatch(equal, grouped)


def decompose(start: date, end: date) -> list[PeriodRange]:
    """Whole months from the month cells, whole weeks of the ragged edges from the week
    cells, the days left over from the day cells.

    A year is then 12 month cells per combination plus at most ~8 weeks and ~24 days, so
    the work of a report does not grow with the length of the range.
    """
    if end < start:
        return []
    first_full = start if start.day == 1 else _next_month(start)
    last_day = calendar.monthrange(end.year, end.month)[1]
    last_full_end = end if end.day == last_day else end.replace(day=1) - timedelta(days=1)
    if first_full > last_full_end:
        return _by_weeks(start, end)
    ranges: list[PeriodRange] = []
    if start < first_full:
        ranges += _by_weeks(start, first_full - timedelta(days=1))
    ranges.append(
        PeriodRange("month", first_full.isoformat(), last_full_end.replace(day=1).isoformat())
    )
    if last_full_end < end:
        ranges += _by_weeks(last_full_end + timedelta(days=1), end)
    return ranges


def _by_weeks(start: date, end: date) -> list[PeriodRange]:
    """The whole weeks (Monday to Sunday) between ``start`` and ``end`` from the week
    cells, the days before and after them from the day cells."""
    monday = start + timedelta(days=-start.weekday() % 7)
    last_monday = end - timedelta(days=(end.weekday() + 1) % 7) - timedelta(days=6)
    if last_monday < monday:
        return [PeriodRange("day", start.isoformat(), end.isoformat())]
    ranges: list[PeriodRange] = []
    if start < monday:
        ranges.append(
            PeriodRange("day", start.isoformat(), (monday - timedelta(days=1)).isoformat())
        )
    ranges.append(PeriodRange("week", monday.isoformat(), last_monday.isoformat()))
    after = last_monday + timedelta(days=7)
    if after <= end:
        ranges.append(PeriodRange("day", after.isoformat(), end.isoformat()))
    return ranges


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


class Figures(BaseModel):
    """The headline measures of a set of complaints."""

    model_config = ConfigDict(frozen=True)

    complaints: int
    closed: int
    closed_on_time: int
    sla_breached: int
    sla_compliance: float | None
    satisfaction_avg: float | None
    satisfaction_n: int
    reopen_rate: float | None
    """Of the complaints closed at least once (or reopened at the rating before they
    closed), the share a dissatisfied customer reopened: counted at once, while the case is
    worked again, not only once it is closed again."""
    repeat_complainants: int
    remedy_cost: float
    follow_up_due: int
    """Closed after a remedy: a 3-day call is owed."""
    follow_up_rate: float | None
    """Share of those whose call reached the customer (回访率)."""
    follow_up_late_rate: float | None
    """Share of the calls made after their due time."""
    follow_up_satisfaction_avg: float | None
    """What customers said on the call, 1–5."""


def figures(m: Measures) -> Figures:
    judged = m.on_time + m.breached
    return Figures(
        complaints=m.n,
        closed=m.closed,
        closed_on_time=m.on_time,
        sla_breached=m.breached,
        sla_compliance=round(m.on_time / judged, 4) if judged else None,
        satisfaction_avg=round(m.sat_sum / m.sat_n, 2) if m.sat_n else None,
        satisfaction_n=m.sat_n,
        reopen_rate=round(m.reopened / m.concluded, 4) if m.concluded else None,
        repeat_complainants=m.repeat,
        remedy_cost=round(m.cost, 2),
        follow_up_due=m.call_due,
        follow_up_rate=round(m.called / m.call_due, 4) if m.call_due else None,
        follow_up_late_rate=round(m.called_late / m.called, 4) if m.called else None,
        follow_up_satisfaction_avg=round(m.call_sat_sum / m.call_sat_n, 2)
        if m.call_sat_n
        else None,
    )


class TimeToClose(BaseModel):
    model_config = ConfigDict(frozen=True)

    closed: int
    p50_hours: float | None
    p90_hours: float | None


def time_to_close(histogram: Mapping[str, int]) -> TimeToClose:
    """Percentiles from the close-time histogram, as the upper bound of their bucket."""
    buckets = sorted((int(bound), count) for bound, count in histogram.items() if count > 0)
    total = sum(count for _, count in buckets)
    return TimeToClose(
        closed=total,
        p50_hours=_percentile(buckets, total, 0.5),
        p90_hours=_percentile(buckets, total, 0.9),
    )


def _percentile(buckets: list[tuple[int, int]], total: int, q: float) -> float | None:
    if total == 0:
        return None
    seen = 0
    for bound, count in buckets:
        seen += count
        if seen >= q * total:
            return float(bound) if bound != OVER_LAST_BUCKET else None
    return None


class Overview(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    figures: Figures
    time_to_close: TimeToClose


class BreakdownRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    figures: Figures


class Breakdown(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: str
    start: date
    end: date
    rows: list[BreakdownRow]


def breakdown(
    by: str, filters: Filters, groups: Mapping[str, Measures], labels: Mapping[str, str]
) -> Breakdown:
    rows = [
        BreakdownRow(key=key, label=labels.get(key, key), figures=figures(m))
        for key, m in sorted(groups.items(), key=lambda kv: (-kv[1].n, kv[0]))
        if m.n
    ]
    return Breakdown(by=by, start=filters.start, end=filters.end, rows=rows)


class ParetoRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    complaints: int
    share: float
    cumulative_share: float
    vital_few: bool


class Pareto(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: str
    start: date
    end: date
    total: int
    rows: list[ParetoRow]


def pareto(
    by: str, filters: Filters, groups: Mapping[str, Measures], labels: Mapping[str, str]
) -> Pareto:
    """Largest first with the running share; the 'vital few' make up the first 80 %."""
    ordered = sorted(((k, m.n) for k, m in groups.items() if m.n), key=lambda kv: (-kv[1], kv[0]))
    total = sum(n for _, n in ordered)
    rows: list[ParetoRow] = []
    running = 0
    for key, n in ordered:
        before = running / total if total else 0
        running += n
        rows.append(
            ParetoRow(
                key=key,
                label=labels.get(key, key),
                complaints=n,
                share=round(n / total, 4),
                cumulative_share=round(running / total, 4),
                vital_few=before < 0.8,
            )
        )
    return Pareto(by=by, start=filters.start, end=filters.end, total=total, rows=rows)


class SeriesPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    period: str
    key: str
    complaints: int


class Series(BaseModel):
    model_config = ConfigDict(frozen=True)

    by: str
    grain: str
    start: date
    end: date
    points: list[SeriesPoint]


class StageRow(BaseModel):
    """How long closed complaints spent in one stage of the loop, and how often too long."""

    model_config = ConfigDict(frozen=True)

    stage: str
    label: str
    cases: int
    """Closed cases that spent time in the stage (per department: the cases it held in
    that stage, for its own part of the time)."""
    p50_hours: float
    """Half the cases took at most this long: the upper bound of a histogram bucket."""
    p90_hours: float
    p50_above: bool = False
    """True: longer than the histogram's last bound, which p50_hours then is."""
    p90_above: bool = False
    over_budget: int | None
    """None for feedback, which has no budget."""
    over_budget_share: float | None


class DepartmentStages(BaseModel):
    model_config = ConfigDict(frozen=True)

    department: str
    label: str
    stages: list[StageRow]


class StageReport(BaseModel):
    """Time in each stage of closed complaints registered in the range: where the 48 hours
    go, overall (each case's whole time in the stage) and per department that spent it."""

    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    stages: list[StageRow]
    departments: list[DepartmentStages]


STAGE_ORDER = ("triage", "investigate", "propose", "approve", "execute", "feedback")
UNBUDGETED_STAGE = "feedback"


def stage_rows(
    histograms: Mapping[str, Mapping[int, int]],
    over: Mapping[str, int],
    labels: Mapping[str, str],
) -> list[StageRow]:
    """Per stage, in the loop's order: percentiles from its histogram (bucket bounds in
    minutes), and the stages that went over budget."""
    rows = []
    for stage in sorted(histograms, key=_stage_rank):
        buckets = sorted((bound, n) for bound, n in histograms[stage].items() if n > 0)
        cases = sum(n for _, n in buckets)
        if not cases:
            continue
        (p50, p50_above), (p90, p90_above) = (_bound(buckets, cases, q) for q in (0.5, 0.9))
        budgeted = stage != UNBUDGETED_STAGE
        rows.append(
            StageRow(
                stage=stage,
                label=labels.get(stage, stage),
                cases=cases,
                p50_hours=round(p50 / 60, 2),
                p90_hours=round(p90 / 60, 2),
                p50_above=p50_above,
                p90_above=p90_above,
                over_budget=over.get(stage, 0) if budgeted else None,
                over_budget_share=round(over.get(stage, 0) / cases, 4) if budgeted else None,
            )
        )
    return rows


def _bound(buckets: list[tuple[int, int]], total: int, q: float) -> tuple[int, bool]:
    """The bucket bound the q-quantile falls under, and whether it is past the last one."""
    bound = _percentile(buckets, total, q)
    return (STAGE_TIME_BUCKETS[-1], True) if bound is None else (int(bound), False)


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER else len(STAGE_ORDER), stage)


def stage_report(
    filters: Filters,
    histograms: Mapping[tuple[str, str], Mapping[int, int]],
    over: Mapping[tuple[str, str], int],
    stage_labels: Mapping[str, str],
    department_labels: Mapping[str, str],
) -> StageReport:
    """``histograms`` and ``over`` are keyed by (department, stage); department ``ANY``
    holds each case's whole time in a stage, the overall figures. Narrowed to one
    department, the overall figures are that department's."""
    departments = sorted({d for d, _ in histograms if d != ANY})
    overall = filters.department or ANY

    def rows(department: str) -> list[StageRow]:
        return stage_rows(
            {s: h for (d, s), h in histograms.items() if d == department},
            {s: n for (d, s), n in over.items() if d == department},
            stage_labels,
        )

    by_department = [
        DepartmentStages(department=d, label=department_labels.get(d, d), stages=stages)
        for d in departments
        if (stages := rows(d))
    ]
    return StageReport(
        start=filters.start,
        end=filters.end,
        stages=rows(overall),
        departments=by_department,
    )
