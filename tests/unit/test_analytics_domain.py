"""Analytics' pure domain: facts folded in any order, cube deltas, reports, trends, PDCA."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.analytics.domain.cube import (
    Cell,
    Measures,
    close_time_bucket,
    contributions,
    difference,
    merge,
    stage_time_value,
)
from services.analytics.domain.facts import ComplaintFact, PredictedCause, fold, with_prediction
from services.analytics.domain.prevention import IllegalStageError, advance, effect
from services.analytics.domain.reports import (
    Filters,
    KeyMatch,
    PeriodRange,
    decompose,
    figures,
    key_match,
    pareto,
    stage_report,
    time_to_close,
)
from services.analytics.domain.trends import detect_spikes
from shared.contracts.analytics import CauseEvidence
from shared.contracts.resolution import StageTime
from shared.vocab import Channel, PdcaStage
from tests.support.analytics_events import breached, erased, opened, registered, step

ZONE = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai


def lifecycle(cid: str = "c-1") -> list:  # type: ignore[type-arg]
    return [
        registered(cid, T0, content="刹车异响，电话13812345678"),
        opened(cid, T0),
        step(
            cid, "assign", T0 + timedelta(hours=1), to_status="assigned", department="after_sales"
        ),
        step(
            cid,
            "record_findings",
            T0 + timedelta(hours=3),
            to_status="investigating",
            causes=["service_attitude_efficiency", "product_quality"],
        ),
        step(cid, "propose_remedy", T0 + timedelta(hours=4), to_status="proposed", amount="800"),
        breached(cid, T0 + timedelta(hours=48)),
        step(
            cid,
            "record_feedback",
            T0 + timedelta(hours=50),
            to_status="investigating",
            satisfaction=2,
        ),
        step(
            cid,
            "record_feedback",
            T0 + timedelta(hours=60),
            to_status="closed",
            satisfaction=5,
        ),
        step(cid, "record_feedback", T0 + timedelta(hours=60), to_status="closed", closed=True),
    ]


def test_a_fact_is_the_same_whatever_order_the_two_topics_arrive_in() -> None:
    events = lifecycle()
    intake, cases = events[:1], events[1:]
    in_order = None
    for event in events:
        in_order = fold(in_order, event)
    cases_first = None
    for event in [*cases, *intake]:
        cases_first = fold(cases_first, event)
    assert in_order == cases_first
    assert in_order is not None
    assert in_order.cause == "service_attitude_efficiency"
    assert in_order.department == "after_sales"
    assert in_order.breached and in_order.reopened == 1 and in_order.satisfaction == 5
    assert in_order.closed_at == T0 + timedelta(hours=60)
    assert "13812345678" not in in_order.text


def test_a_low_rating_on_the_3_day_call_reopens_the_closed_case_until_it_closes_again() -> None:
    at = T0 + timedelta(hours=130)
    call = step(
        "c-1",
        "record_follow_up_call",
        at,
        from_status="closed",
        to_status="investigating",
        follow_up_due_at=at - timedelta(hours=2),
        follow_up_call_at=at,
        follow_up_satisfaction=2,
    )
    fact = None
    for event in [*lifecycle(), call]:
        fact = fold(fact, event)
    assert fact is not None and (fact.reopened, fact.closed_at) == (2, None)
    # open again: not closed, but reopened (of the concluded); the call was owed and made
    assert _day(fact) == {
        "closed": 0, "reopened": 1, "concluded": 1, "call_due": 1, "called": 1, "sat": 2
    }  # fmt: skip
    resolved_again = at + timedelta(hours=20)
    closing = step(
        "c-1",
        "record_feedback",
        resolved_again,
        to_status="closed",
        follow_up_due_at=resolved_again + timedelta(days=3),
    )
    fact = fold(fact, closing)
    assert fact.closed_at == resolved_again  # not the first closing
    # closed, reopened once; two calls owed (the one that reopened it, the next), one made
    assert _day(fact) == {
        "closed": 1, "reopened": 1, "concluded": 1, "call_due": 2, "called": 1, "sat": 2
    }  # fmt: skip


def test_the_reopen_rate_counts_a_reopened_case_while_it_is_worked_again() -> None:
    """Of the complaints closed at least once (or reopened by the rating that would have
    closed them), the share a dissatisfied customer reopened: one reopened on the 3-day call
    and one at the rating, both still being worked, count at once; "closed" stays the
    complaints closed now."""

    def folded(cid: str, *steps: tuple[str, str, str, int | None]) -> ComplaintFact:
        """Registered, then each (step, from, to, rating) ten hours apart."""
        fact = fold(fold(None, registered(cid, T0)), opened(cid, T0))
        for n, (name, source, target, rating) in enumerate(steps, start=1):
            at = T0 + timedelta(hours=10 * n)
            on_call = name == "record_follow_up_call"
            taken = step(
                cid, name, at, from_status=source, to_status=target,
                satisfaction=None if on_call else rating,
                follow_up_call_at=at if on_call else None,
                follow_up_satisfaction=rating if on_call else None,
            )  # fmt: skip
            fact = fold(fact, taken)
        return fact

    close = ("record_feedback", "awaiting_feedback", "closed", 5)
    satisfied = folded("c-1", close)
    reopened_on_the_call = folded(
        "c-2", close, ("record_follow_up_call", "closed", "investigating", 2)
    )
    reopened_at_the_rating = folded(
        "c-3", ("record_feedback", "awaiting_feedback", "investigating", 1)
    )
    still_open = folded("c-4", ("start_investigation", "assigned", "investigating", None))
    assert reopened_on_the_call.closed_at is None and reopened_on_the_call.reopened == 1
    total = Measures()
    for fact in (satisfied, reopened_on_the_call, reopened_at_the_rating, still_open):
        total = total + next(m for c, m in contributions(fact, ZONE).items() if _all_day(c))
    assert (total.n, total.closed, total.concluded, total.reopened) == (4, 1, 3, 2)
    assert figures(total).closed == 1
    assert figures(total).reopen_rate == round(2 / 3, 4)
    reclosed = fold(
        reopened_on_the_call,
        step("c-2", "record_feedback", T0 + timedelta(days=6), to_status="closed"),
    )
    again = next(m for c, m in contributions(reclosed, ZONE).items() if _all_day(c))
    assert (again.closed, again.concluded, again.reopened) == (1, 1, 1)  # counted once
    assert figures(Measures(n=1)).reopen_rate is None  # nothing concluded: nothing to judge


def _day(fact: ComplaintFact) -> dict[str, float]:
    m = next(m for c, m in contributions(fact, ZONE).items() if c == _all_day(c))
    return {
        "closed": m.closed,
        "reopened": m.reopened,
        "concluded": m.concluded,
        "call_due": m.call_due,
        "called": m.called,
        "sat": m.call_sat_sum,
    }


def _all_day(cell: Cell) -> Cell | None:
    return cell if cell.grain == "day" and cell.dimension == "all" else None


def test_nothing_is_counted_before_registration() -> None:
    fact = fold(None, opened("c-1", T0))
    assert contributions(fact, ZONE) == {}


@pytest.mark.parametrize(
    ("steps", "outcome"),
    [
        ([("triage", "closed", None, [])], "not_upheld"),  # invalid: closed at triage
        ([("propose_remedy", "proposed", "0", ["explanation"])], "explanation"),
        ([("propose_remedy", "proposed", "0", ["repair", "apology"])], "non_monetary_relief"),
        ([("propose_remedy", "proposed", "0", ["goodwill"])], "monetary_relief"),
        ([("propose_remedy", "proposed", "300", ["repair"])], "monetary_relief"),
    ],
)
def test_a_closed_complaint_has_an_outcome(
    steps: list[tuple[str, str, str | None, list[str]]], outcome: str
) -> None:
    fact = fold(fold(None, registered("c-1", T0)), opened("c-1", T0))
    for name, status, amount, types in steps:
        fact = fold(fact, step("c-1", name, T0, to_status=status, amount=amount,
                               remedy_types=types))  # fmt: skip
    closing = step("c-1", "record_feedback", T0 + timedelta(hours=5), to_status="closed")
    assert fact.outcome in (None, outcome)  # none until it is closed (unless closed already)
    closed = fold(fact, closing) if fact.closed_at is None else fact
    assert closed.outcome == outcome
    cells = contributions(closed, ZONE)
    assert {c.value for c in cells if c.dimension == "outcome"} == {outcome}


def test_the_confirmed_cause_wins_over_the_prediction() -> None:
    fact = with_prediction(
        fold(None, registered("c-1", T0)),
        PredictedCause(
            causes=["product_quality"],
            primary_cause="product_quality",
            confidence=0.9,
            model_version="m1",
        ),
    )
    assert fact.cause == "product_quality"
    confirmed = fold(
        fact,
        step("c-1", "record_findings", T0, to_status="investigating", causes=["process_policy"]),
    )
    assert confirmed.cause == "process_policy" and confirmed.causes == ["process_policy"]


QUOTING = PredictedCause(
    causes=["product_quality"],
    primary_cause="product_quality",
    confidence=0.9,
    model_version="m1",
    explanation=["刹车异响"],
    evidence=[CauseEvidence(cause="product_quality", terms=["刹车异响"], negated=["没有漏油"])],
)


def test_an_erased_complaint_keeps_its_counts_but_not_its_words() -> None:
    closed = None
    for event in lifecycle():
        closed = fold(closed, event)
    assert closed is not None
    closed = with_prediction(closed, QUOTING)
    gone = fold(closed, erased("c-1", T0 + timedelta(days=400)))
    assert gone.text == "" and gone.erased_at == T0 + timedelta(days=400)
    assert gone.prediction is not None
    assert gone.prediction.explanation == [] and gone.prediction.evidence == []
    assert gone.prediction.causes == ["product_quality"]  # what was predicted still counts
    assert contributions(gone, ZONE) == contributions(closed, ZONE)
    again = fold(gone, erased("c-1", T0 + timedelta(days=500)))
    assert again == gone  # the first erasure's time stands


def test_a_registration_folded_after_the_erasure_brings_no_words_back() -> None:
    """Topics interleave on a fresh start, and a rebuild replays the registration."""
    events = lifecycle()
    late = None
    for event in [*events[1:], erased("c-1", T0 + timedelta(days=400)), events[0]]:
        late = fold(late, event)
    assert late is not None and late.registered and late.text == ""
    late = with_prediction(late, QUOTING)
    assert late.prediction is not None and late.prediction.evidence == []
    replayed = fold(late, events[0])
    assert replayed.text == "" and replayed.erased_at is not None
    in_order = None
    for event in [*events, erased("c-1", T0 + timedelta(days=400))]:
        in_order = fold(in_order, event)
    assert in_order is not None
    assert contributions(late, ZONE) == contributions(in_order, ZONE)


def test_cube_deltas_move_a_complaint_between_cells_and_sum_to_the_final_state() -> None:
    fact: ComplaintFact | None = None
    applied: dict[Cell, Measures] = {}
    for event in lifecycle():
        after = fold(fact, event)
        applied = merge(
            [applied, difference(contributions(fact, ZONE), contributions(after, ZONE))]
        )
        fact = after
    assert applied == {c: m for c, m in contributions(fact, ZONE).items() if not m.is_zero}
    day = [c for c in applied if c.grain == "day" and c.dimension == "all"]
    assert len(day) == 1 and day[0].period == "2026-03-02" and day[0].department == "after_sales"
    totals = applied[day[0]]
    assert (totals.n, totals.closed, totals.on_time, totals.breached) == (1, 1, 0, 1)
    assert (totals.sat_n, totals.sat_sum, totals.reopened, totals.cost) == (1, 5, 1, 800.0)
    weeks = {c.period for c in applied if c.grain == "week"}
    months = {c.period for c in applied if c.grain == "month"}
    assert weeks == {"2026-03-02"} and months == {"2026-03-01"}
    close = [c for c in applied if c.dimension == "close_time" and c.grain == "day"]
    assert [c.value for c in close] == ["00060"]


def test_complaints_counted_into_one_batch_equal_their_merged_cells() -> None:
    facts: list[ComplaintFact] = []
    for cid in ("c-1", "c-2", "c-3"):
        fact = None
        for event in lifecycle(cid):
            fact = fold(fact, event)
        assert fact is not None
        facts.append(fact)
    batch: dict[Cell, Measures] = {}
    for fact in [*facts, None]:
        assert contributions(fact, ZONE, into=batch) is batch
    assert batch == merge(contributions(fact, ZONE) for fact in facts)
    assert batch[next(c for c in batch if c.dimension == "all")].n == 3


def test_measures_add_and_negate_field_by_field() -> None:
    a = Measures(n=2, closed=1, cost=10.5, call_sat_sum=4)
    b = Measures(n=1, breached=1, cost=0.25, call_sat_sum=1)
    assert a + b == Measures(n=3, closed=1, breached=1, cost=10.75, call_sat_sum=5)
    assert (a + -a).is_zero and not a.is_zero
    assert a.values()[0] == 2 and a.values()[-1] == 4 and len(a.values()) == 15


def test_registration_day_is_the_dealerships_local_day() -> None:
    late = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai
    cells = contributions(fold(None, registered("c-1", late)), ZONE)
    assert {c.period for c in cells if c.grain == "day"} == {"2026-03-02"}


def test_close_time_buckets() -> None:
    assert close_time_bucket(0.5) == 2
    assert close_time_bucket(47.9) == 48
    assert close_time_bucket(100) == 120
    assert close_time_bucket(10_000) == 99_999


def test_a_range_is_whole_months_plus_edge_weeks_and_days() -> None:
    assert decompose(date(2026, 1, 15), date(2026, 4, 10)) == [
        PeriodRange("day", "2026-01-15", "2026-01-18"),  # Thursday to Sunday
        PeriodRange("week", "2026-01-19", "2026-01-19"),
        PeriodRange("day", "2026-01-26", "2026-01-31"),  # a week cut by the month's end
        PeriodRange("month", "2026-02-01", "2026-03-01"),
        PeriodRange("day", "2026-04-01", "2026-04-10"),  # no whole week before the 10th
    ]
    assert decompose(date(2026, 2, 1), date(2026, 2, 28)) == [
        PeriodRange("month", "2026-02-01", "2026-02-01")
    ]
    assert decompose(date(2026, 2, 3), date(2026, 2, 20)) == [
        PeriodRange("day", "2026-02-03", "2026-02-08"),
        PeriodRange("week", "2026-02-09", "2026-02-09"),
        PeriodRange("day", "2026-02-16", "2026-02-20"),
    ]
    assert decompose(date(2026, 2, 3), date(2026, 2, 7)) == [
        PeriodRange("day", "2026-02-03", "2026-02-07")
    ]


def test_every_day_of_a_random_range_is_covered_exactly_once() -> None:
    rng = random.Random(7)
    for _ in range(500):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
        end = start + timedelta(days=rng.randrange(400))
        covered: list[date] = []
        for part in decompose(start, end):
            first, last = date.fromisoformat(part.first), date.fromisoformat(part.last)
            if part.grain == "day":
                covered += [first + timedelta(days=i) for i in range((last - first).days + 1)]
            elif part.grain == "week":
                assert first.weekday() == 0 and last.weekday() == 0  # week cells start Mondays
                weeks = (last - first).days // 7 + 1
                covered += [first + timedelta(days=i) for i in range(7 * weeks)]
            else:
                month = first
                while month <= last:
                    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
                    covered += [month + timedelta(days=i) for i in range((nxt - month).days)]
                    month = nxt
        assert covered == [start + timedelta(days=i) for i in range((end - start).days + 1)]
        assert sum(part.grain == "day" for part in decompose(start, end)) <= 4


def test_a_range_lists_each_period_it_holds() -> None:
    assert PeriodRange("month", "2025-11-01", "2026-02-01").periods() == [
        "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01",
    ]  # fmt: skip
    assert PeriodRange("week", "2026-03-02", "2026-03-16").periods() == [
        "2026-03-02", "2026-03-09", "2026-03-16",
    ]  # fmt: skip
    assert PeriodRange("day", "2026-02-27", "2026-03-01").periods() == [
        "2026-02-27", "2026-02-28", "2026-03-01",
    ]  # fmt: skip
    assert PeriodRange("day", "2026-03-02", "2026-03-01").periods() == []


def test_a_vehicle_model_is_counted_once_in_each_roll_up_and_read_from_one() -> None:
    fact = fold(None, registered("c-1", T0, channel=Channel.HOTLINE, vehicle_model="朗逸"))
    models = [c for c in contributions(fact, ZONE) if c.dimension == "vehicle_model"]
    day = {(c.department, c.channel, c.cause) for c in models if c.grain == "day"}
    assert len(day) == 5 and ("*", "*", "*") in day and len(models) == 15
    assert ("*", "hotline", "*") in day and ("unassigned", "*", "*") in day
    assert all(c.value == "朗逸" for c in models)
    window = Filters(start=T0.date(), end=T0.date(), channel="hotline")
    assert key_match("vehicle_model", window, ("value",)) == KeyMatch(
        {"channel": "hotline", "department": "*", "cause": "*"}
    )  # the channel's own roll-up
    assert key_match("vehicle_model", window, ("department", "value")) == KeyMatch(
        {"channel": "hotline"}, ("department", "cause")
    )  # two columns: the cells themselves, no roll-up among them
    everything = Filters(start=T0.date(), end=T0.date())
    assert key_match("vehicle_model", everything, ("cause",)) == KeyMatch(
        {"department": "*", "channel": "*"}, ("cause",)
    )
    assert key_match("touchpoint", window, ("value",)) == KeyMatch({"channel": "hotline"})


def test_percentiles_from_the_histogram() -> None:
    result = time_to_close({"00002": 5, "00024": 4, "00048": 1})
    assert (result.closed, result.p50_hours, result.p90_hours) == (10, 2.0, 24.0)
    assert time_to_close({}).p50_hours is None


def test_a_closed_case_counts_each_departments_stage_time_and_overruns() -> None:
    fact = ComplaintFact(
        complaint_id="c-1",
        registered=True,
        registered_at=T0,
        closed_at=T0 + timedelta(hours=30),
        department="after_sales",
        stage_times=[
            StageTime(stage="triage", department=None, seconds=1800),
            StageTime(stage="approve", department="sales", seconds=3 * 3600),
            StageTime(stage="approve", department="after_sales", seconds=9 * 3600, over=True),
        ],
    )
    month = {
        (c.department, c.dimension, c.value): m.n
        for c, m in contributions(fact, ZONE).items()
        if c.grain == "month" and c.dimension.startswith("stage")
    }
    assert month == {  # each department's own time, not all of it under the last one
        ("unassigned", "stage_time", "triage:000060"): 1,  # within the first hour
        ("sales", "stage_time", "approve:000240"): 1,  # within 4 h
        ("after_sales", "stage_time", "approve:000720"): 1,  # within 12 h
        ("after_sales", "stage_over", "approve"): 1,
        ("*", "stage_time", "triage:000060"): 1,  # the case's whole time, for everyone
        ("*", "stage_time", "approve:000720"): 1,  # 3 h + 9 h: within 12 h
        ("*", "stage_over", "approve"): 1,
    }
    assert stage_time_value("execute", 10_000 * 60) == "execute:099999"  # past the last bound
    open_case = fact.model_copy(update={"closed_at": None})
    assert not any(c.dimension.startswith("stage") for c in contributions(open_case, ZONE))


def test_stage_report_in_loop_order_with_percentiles_and_overruns() -> None:
    histograms = {
        ("sales", "approve"): {240: 3, 720: 1},
        ("sales", "triage"): {60: 4},
        ("after_sales", "approve"): {1440: 4},
        ("*", "approve"): {240: 3, 720: 1, 1440: 4},
        ("*", "triage"): {60: 4},
    }
    over = {("sales", "approve"): 1, ("after_sales", "approve"): 4, ("*", "approve"): 5}
    march = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))
    report = stage_report(march, histograms, over, {"approve": "审批"}, {})
    assert [(r.stage, r.cases) for r in report.stages] == [("triage", 4), ("approve", 8)]
    approve = report.stages[1]
    assert (approve.label, approve.p50_hours, approve.p90_hours) == ("审批", 12.0, 24.0)
    assert (approve.over_budget, approve.over_budget_share) == (5, 0.625)
    assert [d.department for d in report.departments] == ["after_sales", "sales"]
    sales = report.departments[1]
    assert [(r.stage, r.p50_hours, r.over_budget) for r in sales.stages] == [
        ("triage", 1.0, 0),
        ("approve", 4.0, 1),
    ]
    narrowed = dataclasses.replace(march, department="sales")
    only_sales = {k: v for k, v in histograms.items() if k[0] == "sales"}
    mine = stage_report(narrowed, only_sales, {("sales", "approve"): 1}, {"approve": "审批"}, {})
    assert mine.stages == sales.stages  # a head's overall figures are their department's
    slow = stage_report(
        march,
        {("*", "investigate"): {600: 1, 99_999: 9}, ("*", "feedback"): {60: 2}},
        {},
        {},
        {},
    )
    investigate, feedback = slow.stages
    assert (investigate.p90_hours, investigate.p90_above) == (120.0, True)  # "> 120 h"
    assert (investigate.p50_hours, investigate.p50_above) == (120.0, True)
    assert (feedback.over_budget, feedback.over_budget_share) == (None, None)  # no budget


def test_pareto_marks_the_vital_few() -> None:
    groups = {"a": Measures(n=70), "b": Measures(n=20), "c": Measures(n=10)}
    report = pareto("cause", Filters(date(2026, 1, 1), date(2026, 1, 31)), groups, {"a": "甲"})
    assert [(r.key, r.cumulative_share, r.vital_few) for r in report.rows] == [
        ("a", 0.7, True),
        ("b", 0.9, True),
        ("c", 1.0, False),
    ]
    assert report.rows[0].label == "甲"


def test_a_spike_alerts_and_a_normal_week_does_not() -> None:
    week = date(2026, 3, 2)
    history = {(week - timedelta(weeks=i)).isoformat(): 3 for i in range(1, 9)}
    counts = {
        ("cause", "process_policy"): {**history, week.isoformat(): 14},
        ("cause", "product_quality"): {**history, week.isoformat(): 5},
        ("department", "parts"): {week.isoformat(): 4},  # new, but fewer than 5
        ("department", "unassigned"): {week.isoformat(): 21},  # new complaints: not a trend
        ("cause", "unclassified"): {week.isoformat(): 9},
    }
    spikes = detect_spikes(counts, week=week)
    assert [(s.dimension, s.value, s.count) for s in spikes] == [("cause", "process_policy", 14)]
    assert spikes[0].baseline == 3 and spikes[0].p_value < 0.01


def test_pdca_moves_one_stage_at_a_time_and_turns() -> None:
    from services.analytics.domain.prevention import PreventionAction

    action = PreventionAction(
        id="a",
        title="培训",
        type="training",
        dimension="cause",
        value="service_attitude_efficiency",
        owner="quinn",
        due_date=date(2026, 4, 1),
        effective_from=date(2026, 3, 2),
        created_by="quinn",
        created_at=T0,
    )
    with pytest.raises(IllegalStageError):
        advance(action, PdcaStage.CHECK, by="quinn", at=T0)
    for stage in (PdcaStage.DO, PdcaStage.CHECK, PdcaStage.ACT, PdcaStage.PLAN):
        action = advance(action, stage, by="quinn", at=T0)
    assert action.stage is PdcaStage.PLAN and action.cycle == 2 and action.version == 5


def test_effect_compares_weekly_rates_before_and_after() -> None:
    start = date(2026, 3, 2)
    weekly = {(start - timedelta(weeks=i)).isoformat(): 10 for i in range(1, 9)}
    weekly.update({(start + timedelta(weeks=i)).isoformat(): 2 for i in range(8)})
    result = effect(weekly, effective_from=start, today=start + timedelta(weeks=8), weeks=8)
    assert (result.rate_before, result.rate_after, result.change) == (10, 2, -0.8)
    assert result.significant and result.p_value is not None and result.p_value < 0.001
    flat = {**weekly, **{(start + timedelta(weeks=i)).isoformat(): 10 for i in range(8)}}
    same = effect(flat, effective_from=start, today=start + timedelta(weeks=8), weeks=8)
    assert same.change == 0 and not same.significant
    early = effect(weekly, effective_from=start, today=start + timedelta(days=3), weeks=8)
    assert early.weeks_after == 0 and early.p_value is None and not early.significant


def test_weeks_before_the_data_began_are_not_counted_as_quiet() -> None:
    start = date(2026, 3, 2)
    weekly = {(start - timedelta(weeks=i)).isoformat(): 6 for i in (1, 2)}
    weekly.update({(start + timedelta(weeks=i)).isoformat(): 6 for i in range(2)})
    today = start + timedelta(weeks=2)
    began = start - timedelta(weeks=2)
    result = effect(weekly, effective_from=start, today=today, weeks=8, data_from=began)
    assert (result.weeks_before, result.rate_before, result.change) == (2, 6, 0)
    naive = effect(weekly, effective_from=start, today=today, weeks=8)
    assert (naive.weeks_before, naive.rate_before) == (8, 1.5)  # six empty weeks dilute it


def test_the_staff_the_investigation_found_responsible_are_counted_and_rolled_up() -> None:
    fact = fold(None, registered("c-1", T0))
    found = step("c-1", "record_findings", T0 + timedelta(hours=2), to_status="investigating",
                 causes=["service_attitude_efficiency"], responsible_staff=" 王强 ")  # fmt: skip
    fact = fold(fact, found)
    assert fact.responsible_staff == "王强"
    cells = [c for c in contributions(fact, ZONE) if c.dimension == "responsible_staff"]
    assert {c.value for c in cells} == {"王强"} and len(cells) == 15  # 3 grains × 5 roll-ups
    later = step("c-1", "propose_remedy", T0 + timedelta(hours=3), to_status="remedy_proposed")
    assert fold(fact, later).responsible_staff == "王强"  # a later step does not say
    again = step("c-1", "record_findings", T0 + timedelta(hours=4), to_status="investigating",
                 causes=["process_policy"])  # fmt: skip
    corrected = fold(fact, again)  # the findings recorded again name nobody
    assert corrected.responsible_staff is None
    assert not [c for c in contributions(corrected, ZONE) if c.dimension == "responsible_staff"]
