"""Report latency on a large read model (the embedded SQLite store).

Loads N synthetic complaints (default 1,000,000, spread over two years) into the cube
— each complaint's cells computed by the same ``contributions`` the service uses,
written in batches — then times every report over random date ranges and filters
and prints p50 / p99 per report. The event path itself (fold + classify + write, one
transaction per event) is timed separately on a smaller sample.

    .venv/bin/python -m benchmarks.analytics_reports --complaints 1000000

With ``--keep DIR --events 0`` the loaded store stays in DIR and the next run with the
same option times the reports again without the half-hour load (on a quiet machine).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from services.analytics.domain.cube import Cell, Measures, contributions, merge
from services.analytics.domain.facts import ComplaintFact, PredictedCause
from services.analytics.domain.reports import Filters
from services.analytics.service import AnalyticsService
from services.analytics.store import SqliteAnalyticsStore
from shared.clock import ManualClock
from shared.contracts.resolution import StageTime
from shared.logging import configure_logging
from shared.vocab import (
    DEFAULT_STAGE_SHARES,
    Cause,
    Channel,
    Department,
    Touchpoint,
    Urgency,
    VehicleSystem,
)

ZONE = ZoneInfo("Asia/Shanghai")
DAYS = 730
END = date(2026, 11, 22)
FIRST = END - timedelta(days=DAYS - 1)
MODELS = [f"model-{i:02d}" for i in range(30)]
STAFF = [f"staff-{i:02d}" for i in range(40)]
"""Whom investigations find responsible (about 7 in 10 closed complaints name someone)."""
BATCH = 50_000
STAGE_MEANS = {
    "triage": 2 * 3600, "investigate": 10 * 3600, "propose": 2 * 3600,
    "approve": 3 * 3600, "execute": 10 * 3600, "feedback": 20 * 3600,
}  # fmt: skip
"""Mean seconds per stage of the synthetic closed loops."""
BUDGETS = {stage: 48 * 3600 * share / 100 for stage, share in DEFAULT_STAGE_SHARES}
"""Seconds per budgeted stage of a 48-hour loop; feedback has none."""


def synthetic_fact(i: int, rng: random.Random) -> ComplaintFact:
    at = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(DAYS * 24 * 60)
    )
    cause = rng.choice(list(Cause)).value
    closed = rng.random() < 0.8
    stages = {stage: int(rng.expovariate(1 / mean)) for stage, mean in STAGE_MEANS.items()}
    department = rng.choice([*(d.value for d in Department), None])
    return ComplaintFact(
        complaint_id=f"c{i}",
        registered=True,
        registered_at=at,
        channel=rng.choice(list(Channel)).value,
        urgency=rng.choice(list(Urgency)).value,
        vehicle_model=rng.choice(MODELS),
        department=department,
        repeat_complainant=rng.random() < 0.1,
        prediction=PredictedCause(
            causes=[cause],
            primary_cause=cause,
            confidence=0.8,
            touchpoint=rng.choice(list(Touchpoint)).value,
            vehicle_system=rng.choice(list(VehicleSystem)).value,
            model_version="bench",
        ),
        responsible_staff=rng.choice(STAFF) if closed and rng.random() < 0.7 else None,
        confirmed_causes=[cause] if closed else [],
        confirmed_primary=cause if closed else None,
        closed_at=at + timedelta(hours=rng.expovariate(1 / 30)) if closed else None,
        breached=rng.random() < 0.15,
        satisfaction=rng.randint(1, 5) if closed else None,
        reopened=int(rng.random() < 0.05),
        remedy_amount=float(rng.choice([0, 0, 200, 800, 3000])),
        remedy_types=rng.choice([["repair"], ["explanation"], ["apology", "goodwill"]]),
        upheld=rng.random() > 0.05,
        stage_times=[
            StageTime(
                stage=s, department=department, seconds=t, over=t > BUDGETS.get(s, float("inf"))
            )
            for s, t in stages.items()
        ]
        if closed
        else [],
    )


async def load(store: SqliteAnalyticsStore, count: int) -> float:
    rng = random.Random(42)
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        cells: dict[Cell, Measures] = merge(
            contributions(synthetic_fact(i, rng), ZONE)
            for i in range(first, min(count, first + BATCH))
        )
        async with store.unit_of_work() as uow:
            await uow.add_to_cube(cells)
        done = min(count, first + BATCH)
        print(
            f"  loaded {done:>9,} complaints ({time.perf_counter() - started:6.1f} s)", flush=True
        )
    return time.perf_counter() - started


def random_filters(rng: random.Random, max_days: int) -> Filters:
    length = rng.randint(7, max_days)
    start = FIRST + timedelta(days=rng.randrange(DAYS - length))
    return Filters(
        start=start,
        end=start + timedelta(days=length - 1),
        department=rng.choice([None, None, *(d.value for d in Department)]),
        channel=rng.choice([None, None, None, *(c.value for c in Channel)]),
    )


async def measure(
    name: str, runs: int, query: Callable[[random.Random], Awaitable[object]]
) -> tuple[str, float, float]:
    rng = random.Random(name)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await query(rng)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(0.99 * len(timings)))]
    return name, statistics.median(timings), p99


@asynccontextmanager
async def temporary_analytics(
    keep: Path | None = None,
) -> AsyncIterator[tuple[SqliteAnalyticsStore, AnalyticsService]]:
    """A SQLite store in a temporary directory (or in ``keep``, kept for the next run), and
    the service on it."""
    configure_logging("WARNING")
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        store = SqliteAnalyticsStore(folder / "analytics.db")
        await store.open()
        service = AnalyticsService(
            store=store, clock=ManualClock(datetime(2026, 11, 23, tzinfo=UTC)), zone=ZONE
        )
        try:
            yield store, service
        finally:
            await store.close()


async def cube_rows(store: SqliteAnalyticsStore) -> int:
    row = await (await store.conn.execute("SELECT COUNT(*) FROM cube")).fetchone()
    return int(row[0]) if row else 0


async def run(count: int, runs: int, events: int, keep: Path | None = None) -> None:
    async with temporary_analytics(keep) as (store, service):
        if rows := await cube_rows(store):  # a kept store: time the reports again only
            size = store.path.stat().st_size / 2**20
            print(f"reusing {store.path}: {rows:,} cube rows, {size:,.0f} MiB")
        else:
            print(f"Loading {count:,} synthetic complaints into the cube …")
            seconds = await load(store, count)
            rows = await cube_rows(store)
            size = store.path.stat().st_size / 2**20
            print(
                f"loaded in {seconds:.1f} s ({count / seconds:,.0f} complaints/s);"
                f" {rows:,} cube rows, {size:,.0f} MiB"
            )
        reports: list[tuple[str, Callable[[random.Random], Awaitable[object]]]] = [
            ("overview, ≤ 31 days", lambda r: service.overview(random_filters(r, 31))),
            ("overview, ≤ 1 year", lambda r: service.overview(random_filters(r, 366))),
            (
                "breakdown by cause, ≤ 1 year",
                lambda r: service.groups("cause", random_filters(r, 366)),
            ),
            (
                "breakdown by touchpoint, ≤ 1 year",
                lambda r: service.groups("touchpoint", random_filters(r, 366)),
            ),
            (
                "breakdown by vehicle model, ≤ 1 year",
                lambda r: service.groups("vehicle_model", random_filters(r, 366)),
            ),
            (
                "breakdown by responsible staff, ≤ 1 year",
                lambda r: service.groups("responsible_staff", random_filters(r, 366)),
            ),
            (
                "breakdown by outcome, ≤ 1 year",
                lambda r: service.groups("outcome", random_filters(r, 366)),
            ),
            (
                "breakdown by channel, ≤ 90 days",
                lambda r: service.groups("channel", random_filters(r, 90)),
            ),
            (
                "pareto of causes, ≤ 1 year",
                lambda r: service.pareto("cause", random_filters(r, 366), {}),
            ),
            (
                "weekly series by cause, ≤ 1 year",
                lambda r: service.series("cause", "week", random_filters(r, 366)),
            ),
            (
                "heat map department × cause, ≤ 1 year",
                lambda r: service.heatmap("department", "cause", random_filters(r, 366)),
            ),
            (
                "time by stage and department, ≤ 1 year",
                lambda r: service.stages(random_filters(r, 366), {}, {}),
            ),
            ("trend check (all buckets)", lambda r: service.check_trends()),
        ]
        print(f"\n{'report':<40} {'p50 ms':>8} {'p99 ms':>8}   ({runs} runs each)")
        for name, query in reports:
            _, p50, p99 = await measure(name, runs, query)
            print(f"{name:<40} {p50:8.1f} {p99:8.1f}")
        if events:
            await event_path(service, events)


async def event_path(service: AnalyticsService, count: int) -> None:
    """Registration events through the real handler: classify, fold, write, one by one."""
    from tests.support.analytics_events import registered

    rng = random.Random(1)
    texts = [
        "变速箱顿挫，多次维修没修好",
        "销售承诺的保养没兑现",
        "The dealer never called me back.",
    ]
    await service.classifier()  # train once, outside the timing
    started = time.perf_counter()
    for i in range(count):
        at = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(seconds=i)
        await service.on_event(registered(f"e{i}", at, content=rng.choice(texts)))
    seconds = time.perf_counter() - started
    print(f"\nevent path: {count} registrations in {seconds:.1f} s ({count / seconds:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument(
        "--keep",
        type=Path,
        help="Keep the loaded store in this folder; a later run with it times the reports"
        " again without loading (use --events 0 to leave the store as loaded).",
    )
    args = parser.parse_args()
    asyncio.run(run(args.complaints, args.runs, args.events, args.keep))


if __name__ == "__main__":
    main()
