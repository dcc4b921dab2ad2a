"""The pre-aggregated read model: what one complaint adds to each cell of the cube.

A cell is (grain, period, department, channel, cause, dimension, value); its measures
add up. When an event changes a complaint, the store applies the difference between
the complaint's old and new contributions, so every report stays a sum of cells and
answers without touching individual complaints. Complaints are counted in the period
they were registered in (a cohort): "of March's complaints, how many breached".
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from operator import add, attrgetter, neg
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.analytics.domain.facts import ComplaintFact

CUBE_SCHEMA = 6
"""Bumped whenever cells change shape or meaning (2: time by stage and stages over budget;
3: the 3-day call, the confirmed touchpoint; 4: calls that reopened a case, reopenings
counted among the closed; 5: roll-ups of vehicle models, the responsible staff; 6: the
reopen rate's base, ``concluded``, and a reopened case counted as reopened while it is open
again): a cube stored by other code is recomputed from the facts when the service starts."""
GRAINS = ("day", "week", "month")
DIMENSIONS = (
    "all",
    "touchpoint",
    "vehicle_model",
    "responsible_staff",
    "urgency",
    "vehicle_system",
    "cause_any",
    "outcome",
    "close_time",
    "stage_time",
    "stage_over",
)
KEY_COLUMNS = ("department", "channel", "cause")
"""Dimensions that are also filters: every cell carries them."""
ROLLED_UP = frozenset({"vehicle_model", "responsible_staff"})
"""Dimensions with an open-ended set of values (every model sold, everyone on staff): their
cells are also written rolled up to ``ANY`` in all but one key column, and in all three, so
a report with one filter or none reads only its own cells. Without them a year's breakdown
by model sums every model × department × channel × cause (about 130,000 cells at 1M
complaints). Two filters or more narrow the cells themselves enough."""

CLOSE_TIME_BUCKETS: tuple[int, ...] = (
    *range(2, 97, 2),
    *range(120, 24 * 30 + 1, 24),
)
"""Upper bounds in hours of the time-to-close histogram (2-hour steps to 4 days, then daily)."""
OVER_LAST_BUCKET = 99_999
STAGE_TIME_BUCKETS: tuple[int, ...] = tuple(
    hours * 60 for hours in (1, 2, 4, 8, 12, 16, 24, 36, 48, 72, 120)
)
"""Upper bounds in minutes of the time-in-stage histogram: coarse on purpose, as six stages
of histograms in every cell combination would otherwise outgrow the rest of the cube; a
stage's p90 reads "within 16 h"."""
UNASSIGNED = "unassigned"
UNKNOWN = "unknown"
ANY = "*"
"""The channel and cause of cells that are not split by them; as a department, every
department together (a case's whole time in a stage, however many held it)."""


class Cell(NamedTuple):
    grain: str
    period: str
    department: str
    channel: str
    cause: str
    dimension: str
    value: str


MEASURES = (
    "n",
    "closed",
    "on_time",
    "breached",
    "sat_n",
    "sat_sum",
    "reopened",
    "concluded",
    "repeat",
    "cost",
    "call_due",
    "called",
    "called_late",
    "call_sat_n",
    "call_sat_sum",
)


@dataclass(frozen=True, slots=True)
class Measures:
    n: int = 0
    closed: int = 0
    on_time: int = 0
    breached: int = 0
    sat_n: int = 0
    sat_sum: int = 0
    reopened: int = 0
    """The customer reopened it (a rating below 3 of the remedy or on the 3-day call), open
    again or closed again since: a share of ``concluded``, the reopen rate."""
    concluded: int = 0
    """Its loop came to an end at least once: it was closed (it may be open again), or the
    customer's rating of the remedy, the step that closes a case, reopened it instead. Not
    ``closed``, which counts only the complaints closed now."""
    repeat: int = 0
    cost: float = 0.0
    call_due: int = 0
    """Closed after a remedy: the 3-day call is owed."""
    called: int = 0
    """Of those, the call reached the customer."""
    called_late: int = 0
    """Of those, after its due time."""
    call_sat_n: int = 0
    call_sat_sum: int = 0

    def __add__(self, other: Measures) -> Measures:
        return Measures(*map(add, self.values(), other.values()))

    def __neg__(self) -> Measures:
        return Measures(*map(neg, self.values()))  # type: ignore[arg-type]

    def values(self) -> tuple[float, ...]:
        """In the order of :data:`MEASURES` (the store's columns); not ``astuple``, which
        deep-copies every field and was most of the cube's CPU time."""
        return _MEASURE_VALUES(self)

    @property
    def is_zero(self) -> bool:
        return not any(self.values())


_MEASURE_VALUES = attrgetter(*MEASURES)
assert tuple(f.name for f in fields(Measures)) == MEASURES, "the store's columns"
ZERO = Measures()
ONE = Measures(n=1)


def period_start(day: date, grain: str) -> str:
    if grain == "day":
        return day.isoformat()
    if grain == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if grain == "month":
        return day.replace(day=1).isoformat()
    raise ValueError(f"unknown grain {grain!r}")


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def close_time_bucket(hours: float) -> int:
    return _bucket(hours, CLOSE_TIME_BUCKETS)


def stage_time_bucket(minutes: float) -> int:
    return _bucket(minutes, STAGE_TIME_BUCKETS)


def _bucket(amount: float, bounds: tuple[int, ...]) -> int:
    """The first bound at or above ``amount`` (bounds ascend)."""
    at = bisect_left(bounds, amount)
    return bounds[at] if at < len(bounds) else OVER_LAST_BUCKET


def stage_time_value(stage: str, minutes: float) -> str:
    """A ``stage_time`` cell's value: the stage and its bucket, ``investigate:000480``."""
    return f"{stage}:{stage_time_bucket(minutes):06d}"


def contributions(
    fact: ComplaintFact | None, zone: ZoneInfo, into: dict[Cell, Measures] | None = None
) -> dict[Cell, Measures]:
    """Every cell this complaint counts in; nothing until it is registered. ``into``: added
    to those cells and returned, so a batch of complaints adds up without a dict each and a
    merge (most of a cube recompute's time)."""
    cells: dict[Cell, Measures] = {} if into is None else into
    if fact is None or not fact.registered or fact.registered_at is None:
        return cells
    measures = _measures(fact)
    values: list[tuple[str, str, Measures]] = [
        ("all", "", measures),
        ("urgency", fact.urgency, measures),
        ("vehicle_model", fact.vehicle_model or UNKNOWN, measures),
    ]
    prediction = fact.prediction
    values.append(
        (
            "touchpoint",
            fact.touchpoint or (prediction.touchpoint if prediction else None) or UNKNOWN,
            measures,
        )
    )
    if fact.responsible_staff:
        values.append(("responsible_staff", fact.responsible_staff, measures))
    if prediction and prediction.vehicle_system and "product_quality" in fact.causes:
        values.append(("vehicle_system", prediction.vehicle_system, measures))
    values += [("cause_any", cause, measures) for cause in fact.causes]
    if fact.outcome is not None:
        values.append(("outcome", fact.outcome, measures))
    if fact.closed_at is not None:
        hours = max(0.0, (fact.closed_at - fact.registered_at).total_seconds() / 3600)
        values.append(("close_time", f"{close_time_bucket(hours):05d}", ONE))
    day = local_day(fact.registered_at, zone)
    department = fact.department or UNASSIGNED
    stage_values = _stage_values(fact)
    keys = (department, fact.channel, fact.cause)
    for grain in GRAINS:
        period = period_start(day, grain)
        for dimension, value, m in values:
            for d, channel, cause in rollups(keys) if dimension in ROLLED_UP else [keys]:
                _add(cells, Cell(grain, period, d, channel, cause, dimension, value), m)
        for holder, dimension, value in stage_values:
            _add(cells, Cell(grain, period, holder, ANY, ANY, dimension, value), ONE)
    return cells


def rollups(keys: tuple[str, str, str]) -> list[tuple[str, str, str]]:
    """The cell's own keys, each one alone with the others rolled up to ``ANY``, and all
    three rolled up (five)."""
    department, channel, cause = keys
    return [keys, (department, ANY, ANY), (ANY, channel, ANY), (ANY, ANY, cause), (ANY, ANY, ANY)]


def _add(cells: dict[Cell, Measures], cell: Cell, measures: Measures) -> None:
    """Add in place; most cells are new, and a new one needs no addition."""
    earlier = cells.get(cell)
    cells[cell] = measures if earlier is None else earlier + measures


def _stage_values(fact: ComplaintFact) -> list[tuple[str, str, str]]:
    """(department, dimension, value) of each stage cell, in every grain.

    Stage time counts for the department that spent it, not the case's last department.
    Not split by channel or cause (``ANY``): six histograms per complaint in every cell
    combination would outgrow the rest of the cube, and where the hours go is a question
    about departments."""
    if fact.closed_at is None:
        return []
    whole: dict[str, tuple[int, bool]] = {}  # the case's own total per stage, for "everyone"
    for time in fact.stage_times:
        seconds, over = whole.get(time.stage, (0, False))
        whole[time.stage] = (seconds + time.seconds, over or time.over)
    parts = [(t.department or UNASSIGNED, t.stage, t.seconds, t.over) for t in fact.stage_times]
    totals = [(ANY, stage, seconds, over) for stage, (seconds, over) in whole.items()]
    values = []
    for holder, stage, seconds, over in parts + totals:
        values.append((holder, "stage_time", stage_time_value(stage, seconds / 60)))
        if over:
            values.append((holder, "stage_over", stage))
    return values


def _measures(fact: ComplaintFact) -> Measures:
    closed = fact.closed_at is not None
    return Measures(
        n=1,
        closed=int(closed),
        on_time=int(closed and not fact.breached),
        breached=int(fact.breached),
        sat_n=int(fact.satisfaction is not None),
        sat_sum=fact.satisfaction or 0,
        reopened=int(fact.reopened > 0),  # a share of the concluded: the reopen rate
        concluded=int(closed or fact.reopened > 0),  # a reopening needs a resolution first
        repeat=int(fact.repeat_complainant),
        cost=fact.remedy_amount if closed else 0.0,
        call_due=int(fact.call_due) + fact.reopening_calls,
        called=int(fact.call_due and fact.follow_up_call_at is not None) + fact.reopening_calls,
        called_late=int(fact.call_due and fact.called_late) + fact.reopening_calls_late,
        call_sat_n=int(fact.call_due and fact.follow_up_satisfaction is not None)
        + fact.reopening_calls,
        call_sat_sum=((fact.follow_up_satisfaction or 0) if fact.call_due else 0)
        + fact.reopening_call_rating_sum,
    )


def cube_layout(zone: ZoneInfo) -> str:
    """What a stored cube was computed with: its schema and the time zone that decides which
    day a complaint falls on (another zone moves complaints between periods)."""
    return f"{CUBE_SCHEMA}|{zone.key}"


def difference(old: Mapping[Cell, Measures], new: Mapping[Cell, Measures]) -> dict[Cell, Measures]:
    """What to add to the cube to move a complaint from ``old`` to ``new`` cells."""
    delta: dict[Cell, Measures] = {}
    for cell in old.keys() | new.keys():
        change = new.get(cell, ZERO) + -old.get(cell, ZERO)
        if not change.is_zero:
            delta[cell] = change
    return delta


def merge(deltas: Iterable[Mapping[Cell, Measures]]) -> dict[Cell, Measures]:
    """Many deltas as one (a batch is written in one go)."""
    total: dict[Cell, Measures] = {}
    for delta in deltas:
        for cell, change in delta.items():
            _add(total, cell, change)
    return {cell: m for cell, m in total.items() if not m.is_zero}
