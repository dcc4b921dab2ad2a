"""A random stream of complaints and case events, folded by the analytics service into
its SQLite read models, gives the same figures as counting the stream directly."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.analytics.domain.cube import close_time_bucket, stage_time_bucket
from services.analytics.domain.reports import Filters
from services.analytics.service import AnalyticsService
from services.analytics.store import SqliteAnalyticsStore
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.contracts.resolution import StageTime
from shared.settings import Settings
from shared.vocab import Channel, Department, Urgency
from tests.support.analytics_events import breached, opened, registered, step

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday
CAUSES = ["product_quality", "service_attitude_efficiency", "process_policy"]
TEXTS = ["变速箱顿挫，多次维修没修好", "销售承诺的保养没兑现", "服务顾问态度很差，等了三小时"]
MODELS = ["帕萨特", "途观L", "朗逸", None]
STAFF = ["王强", "sa-li", None]
STAGES = ["triage", "investigate", "propose", "approve", "execute", "feedback"]


@dataclass
class Truth:
    cid: str
    registered_at: datetime
    channel: str
    department: str = "unassigned"
    cause: str | None = None
    text: str = ""
    closed_hours: float | None = None
    breached: bool = False
    satisfaction: int | None = None
    reopened: bool = False
    """A dissatisfied customer reopened it (at the rating or on the 3-day call)."""
    call_reopened: bool = False
    """The 3-day call reopened it: it is being worked again, no longer closed."""
    amount: float = 0.0
    remedy_types: list[str] = field(default_factory=list)
    stage_times: list[StageTime] = field(default_factory=list)
    call_late: bool | None = None
    """None: no 3-day call reached the customer."""
    call_satisfaction: int | None = None
    vehicle_model: str | None = None
    responsible_staff: str | None = None
    events: list[EventEnvelope] = field(default_factory=list)

    @property
    def outcome(self) -> str | None:
        if self.closed_hours is None:
            return None
        if self.amount > 0 or {"refund", "compensation", "goodwill"} & set(self.remedy_types):
            return "monetary_relief"
        if {"repair", "replacement", "apology"} & set(self.remedy_types):
            return "non_monetary_relief"
        return "explanation"

    @property
    def concluded(self) -> bool:
        """Closed at least once, or reopened by the rating that would have closed it: the
        reopen rate's base."""
        return self.closed_hours is not None or self.reopened

    @property
    def day(self) -> date:
        return self.registered_at.astimezone(ZONE).date()


def generate(n: int, seed: int = 11) -> list[Truth]:
    rng = random.Random(seed)
    truths = []
    for i in range(n):
        at = START + timedelta(minutes=rng.randrange(70 * 24 * 60))
        cid = f"c-{i:04d}"
        t = Truth(cid, at, rng.choice(list(Channel)).value, text=rng.choice(TEXTS))
        t.vehicle_model = rng.choice(MODELS)
        intake = [
            registered(
                cid,
                at,
                content=t.text,
                channel=Channel(t.channel),
                urgency=rng.choice(list(Urgency)),
                vehicle_model=t.vehicle_model,
            )
        ]
        case = [opened(cid, at + timedelta(seconds=1))]
        hour = 1.0
        if rng.random() < 0.85:
            t.department = rng.choice(list(Department)).value
            case.append(
                step(
                    cid,
                    "assign",
                    at + timedelta(hours=hour),
                    to_status="assigned",
                    department=t.department,
                )
            )
        if rng.random() < 0.8:
            t.cause = rng.choice(CAUSES)
            t.responsible_staff = rng.choice(STAFF)
            hour += rng.uniform(0.5, 5)
            case.append(
                step(
                    cid,
                    "record_findings",
                    at + timedelta(hours=hour),
                    to_status="investigating",
                    causes=[t.cause],
                    responsible_staff=t.responsible_staff,
                )
            )
        if rng.random() < 0.3:
            t.breached = True
            case.append(breached(cid, at + timedelta(hours=48)))
        if rng.random() < 0.7:
            t.amount = float(rng.choice([0, 200, 800, 6000]))
            t.remedy_types = rng.choice(
                [["explanation"], ["repair"], ["apology", "explanation"], ["goodwill"], ["refund"]]
            )
            case.append(
                step(
                    cid,
                    "propose_remedy",
                    at + timedelta(hours=hour + 1),
                    to_status="proposed",
                    amount=str(t.amount),
                    remedy_types=t.remedy_types,
                )
            )
            if rng.random() < 0.2:
                t.reopened = True
                t.satisfaction = 1
                case.append(
                    step(
                        cid,
                        "record_feedback",
                        at + timedelta(hours=hour + 2),
                        from_status="awaiting_feedback",
                        to_status="investigating",
                        satisfaction=1,
                    )
                )
                if rng.random() < 0.4:  # still being worked again: never closed
                    t.events = _interleaved(rng, intake, case)
                    truths.append(t)
                    continue
            hour += rng.uniform(2, 120)
            t.closed_hours = hour
            t.satisfaction = rng.randint(3, 5)
            # some stages shared with the front desk or another department (reassigned)
            t.stage_times = [
                StageTime(
                    stage=stage,
                    department=rng.choice([t.department, t.department, "sales", None]),
                    seconds=rng.randrange(60, 30 * 3600),
                    over=stage != "feedback" and rng.random() < 0.2,  # feedback: no budget
                )
                for stage in STAGES
                for _ in range(rng.choice([0, 1, 1, 1, 2]))
            ]
            done = at + timedelta(hours=hour)
            call_due = done + timedelta(days=3)
            for closed in (False, True):  # the step, then case.closed with the same payload
                case.append(
                    step(
                        cid,
                        "record_feedback",
                        done,
                        to_status="closed",
                        satisfaction=t.satisfaction,
                        closed=closed,
                        stage_times=t.stage_times,
                        follow_up_due_at=call_due,
                    )
                )
            if rng.random() < 0.7:  # the 3-day call: on time or not, rated or not
                called = done + timedelta(hours=rng.uniform(20, 100))
                t.call_late = called > call_due
                t.call_reopened = rng.random() < 0.2  # rated below 3: reopened, worked again
                t.call_satisfaction = rng.choice([1, 2] if t.call_reopened else [None, 4, 5])
                unreached = dict(follow_up_due_at=call_due)
                reached = dict(
                    follow_up_due_at=call_due,
                    follow_up_call_at=called,
                    follow_up_satisfaction=t.call_satisfaction,
                )
                for extra in ([unreached] if rng.random() < 0.3 else []) + [reached]:
                    reopens = t.call_reopened and extra is reached
                    case.append(
                        step(
                            cid,
                            "record_follow_up_call",
                            called,
                            from_status="closed",
                            to_status="investigating" if reopens else "closed",
                            **extra,
                        )
                    )
                if t.call_reopened:
                    t.reopened, t.closed_hours = True, None
        t.events = _interleaved(rng, intake, case)
        truths.append(t)
    return truths


def _interleaved(
    rng: random.Random, intake: list[EventEnvelope], case: list[EventEnvelope]
) -> list[EventEnvelope]:
    """The two topics interleave at random; each keeps its own order."""
    merged: list[EventEnvelope] = []
    while intake or case:
        source = intake if intake and (not case or rng.random() < 0.3) else case
        merged.append(source.pop(0))
    return merged


@pytest.fixture
async def service(make_settings: Callable[..., Settings]) -> AsyncIterator[AnalyticsService]:
    settings = make_settings()
    store = SqliteAnalyticsStore(settings.sqlite_path("analytics"))
    await store.open()
    try:
        yield AnalyticsService(
            store=store, clock=ManualClock(START + timedelta(weeks=11)), zone=ZONE
        )
    finally:
        await store.close()


async def test_reports_match_counts_computed_from_the_stream(service: AnalyticsService) -> None:
    truths = generate(400)
    rng = random.Random(3)
    events = [e for t in truths for e in t.events]
    for event in events:
        assert await service.on_event(event)
    for event in rng.sample(events, 100):  # redeliveries change nothing
        assert not await service.on_event(event)
    predicted = {text: (await service.predict(text)).primary_cause for text in TEXTS}
    for t in truths:
        t.cause = t.cause or predicted[t.text]

    start, end = date(2026, 1, 20), date(2026, 3, 3)
    chosen = [t for t in truths if start <= t.day <= end]
    assert len(chosen) > 200

    overview = await service.overview(Filters(start=start, end=end))
    figures = overview.figures
    closed = [t for t in chosen if t.closed_hours is not None]
    assert figures.complaints == len(chosen)
    assert figures.closed == len(closed)
    assert figures.sla_breached == sum(t.breached for t in chosen)
    assert figures.closed_on_time == sum(not t.breached for t in closed)
    rated_remedies = [t.satisfaction for t in chosen if t.satisfaction is not None]
    assert figures.satisfaction_n == len(rated_remedies)
    assert figures.satisfaction_avg == round(sum(rated_remedies) / len(rated_remedies), 2)
    # of the complaints closed at least once, the share reopened: also those being worked again
    concluded = [t for t in chosen if t.concluded]
    worked_again = [t for t in concluded if t.reopened and t.closed_hours is None]
    assert {t.call_reopened for t in worked_again} == {True, False}  # on the call, at the rating
    assert figures.reopen_rate == round(sum(t.reopened for t in concluded) / len(concluded), 4)
    assert figures.remedy_cost == sum(t.amount for t in closed)
    # each call owed: the closed cases', and the ones whose call reopened the case
    owed = closed + [t for t in chosen if t.call_reopened]
    called = [t for t in owed if t.call_late is not None]
    rated = [t.call_satisfaction for t in called if t.call_satisfaction is not None]
    assert figures.follow_up_due == len(owed)
    assert figures.follow_up_rate == round(len(called) / len(owed), 4)
    assert figures.follow_up_late_rate == round(
        sum(bool(t.call_late) for t in called) / len(called), 4
    )
    assert figures.follow_up_satisfaction_avg == round(sum(rated) / len(rated), 2)
    hours = sorted(t.closed_hours or 0 for t in closed)
    for q, reported in (
        (0.5, overview.time_to_close.p50_hours),
        (0.9, overview.time_to_close.p90_hours),
    ):
        exact = hours[math.ceil(q * len(hours)) - 1]
        assert reported == close_time_bucket(exact)

    for by in ("department", "channel", "cause"):
        groups = await service.groups(by, Filters(start=start, end=end))
        assert {k: m.n for k, m in groups.items()} == Counter(getattr(t, by) for t in chosen)

    outcomes = await service.groups("outcome", Filters(start=start, end=end))
    expected_outcomes = Counter(t.outcome for t in chosen if t.outcome)
    assert {k: m.n for k, m in outcomes.items()} == expected_outcomes
    assert {k: m.cost for k, m in outcomes.items()} == {
        o: sum(t.amount for t in chosen if t.outcome == o) for o in expected_outcomes
    }

    report = await service.stages(Filters(start=start, end=end), {}, {})
    stints = [time for t in closed for time in t.stage_times]
    assert [row.stage for row in report.stages] == [
        s for s in STAGES if any(time.stage == s for time in stints)
    ]
    for row in report.stages:  # overall: each case's whole time in the stage
        wholes = [
            (sum(x.seconds for x in t.stage_times if x.stage == row.stage) / 60,
             any(x.over for x in t.stage_times if x.stage == row.stage))
            for t in closed if any(x.stage == row.stage for x in t.stage_times)
        ]  # fmt: skip
        minutes = sorted(m for m, _ in wholes)
        assert row.cases == len(minutes)
        exact = minutes[math.ceil(0.9 * len(minutes)) - 1]
        assert row.p90_hours == min(round(stage_time_bucket(exact) / 60, 2), 120)
        over = sum(o for _, o in wholes)
        assert row.over_budget == (None if row.stage == "feedback" else over)
    by_department = {d.department: d for d in report.departments}
    assert {r.stage: r.cases for r in by_department["sales"].stages} == Counter(
        time.stage for time in stints if time.department == "sales"
    )
    front_desk = Counter(t.stage for t in stints if t.department in (None, "unassigned"))
    assert {r.stage: r.cases for r in by_department["unassigned"].stages} == front_desk
    sales_only = await service.stages(Filters(start=start, end=end, department="sales"), {}, {})
    assert [d.department for d in sales_only.departments] == ["sales"]

    hotline = Filters(start=start, end=end, channel="hotline")
    by_cause = await service.groups("cause", hotline)
    expected = Counter(t.cause for t in chosen if t.channel == "hotline")
    assert {k: m.n for k, m in by_cause.items()} == expected

    # models: rolled-up cells for every combination of filters, the same counts
    sample = chosen[0]
    for narrowed in (
        {},
        {"department": sample.department},
        {"channel": sample.channel},
        {"cause": sample.cause},
        {"channel": sample.channel, "cause": sample.cause},
        {"department": sample.department, "channel": sample.channel, "cause": sample.cause},
    ):
        models = await service.groups("vehicle_model", Filters(start=start, end=end, **narrowed))
        kept = [t for t in chosen if all(getattr(t, k) == v for k, v in narrowed.items())]
        assert {k: m.n for k, m in models.items()} == Counter(
            t.vehicle_model or "unknown" for t in kept
        ), narrowed
        assert sum(m.cost for m in models.values()) == sum(
            t.amount for t in kept if t.closed_hours is not None
        )
    for narrowed in ({}, {"department": sample.department}):
        staff = await service.groups("responsible_staff", Filters(start=start, end=end, **narrowed))
        kept = [t for t in chosen if all(getattr(t, k) == v for k, v in narrowed.items())]
        assert {k: m.n for k, m in staff.items()} == Counter(
            t.responsible_staff for t in kept if t.responsible_staff
        ), narrowed
    years_of_days = Filters(start=start - timedelta(days=500), end=end)  # scanned, not looked up
    daily = await service.series("vehicle_model", "day", years_of_days)
    assert sum(p.complaints for p in daily.points) == sum(t.day <= end for t in truths)
    weekly_models = await service.series("vehicle_model", "week", Filters(start=start, end=end))
    first_monday, last_monday = (d - timedelta(days=d.weekday()) for d in (start, end))
    assert sum(p.complaints for p in weekly_models.points) == sum(
        first_monday <= t.day - timedelta(days=t.day.weekday()) <= last_monday for t in truths
    )

    series = await service.series("department", "week", Filters(start=START.date(), end=end))
    weekly = Counter(
        ((t.day - timedelta(days=t.day.weekday())).isoformat(), t.department) for t in truths
    )
    # a week-grain series counts whole weeks, up to the week the range ends in
    points = {(p.period, p.key): p.complaints for p in series.points}
    last_week = (end - timedelta(days=end.weekday())).isoformat()
    assert points == {k: v for k, v in weekly.items() if k[0] <= last_week}


async def test_rebuild_from_the_same_events_gives_the_same_reports(
    service: AnalyticsService,
) -> None:
    truths = generate(120, seed=5)
    events = sorted((e for t in truths for e in t.events), key=lambda e: e.occurred_at)
    for event in events:
        await service.on_event(event)
    window = Filters(start=START.date(), end=START.date() + timedelta(days=80))
    before = (await service.overview(window), await service.groups("cause", window))
    await service.reset()
    assert (await service.overview(window)).figures.complaints == 0
    assert await service.replay(events) == len(events)
    assert (await service.overview(window), await service.groups("cause", window)) == before
    fact = await service._store.get_fact(truths[0].cid)
    assert fact is not None and fact.prediction_published  # never published again later
