"""A cube written by older code (no time-by-stage cells, no layout recorded) or in another
time zone is recomputed from the stored facts when analytics starts on the real broker,
before it consumes anything; a current cube is left as it is."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.analytics.bootstrap import bootstrap
from services.analytics.domain.cube import MEASURES, cube_layout
from shared.broker.embedded import EmbeddedBroker
from shared.clock import ManualClock
from shared.contracts.resolution import StageTime
from shared.errors import StartupError
from shared.settings import Settings
from tests.support.analytics_events import registered, step

NOW = datetime(2026, 3, 12, 3, 0, tzinfo=UTC)
LATE_EVENING = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
"""1 a.m. on 11 March in Shanghai, still 10 March in UTC."""
Rows = list[tuple[object, ...]]


async def seed(settings: Settings) -> Rows:
    """Three complaints, two closed with their time by stage, folded one event at a time
    into a new store; returns the cube."""
    runtime = bootstrap(settings, clock=ManualClock(NOW))
    await runtime.store.open()
    service = runtime.app.state.service
    try:
        assert await service.prepare_cube() == 0  # a new store: nothing to recompute
        for i in range(3):
            cid, at = f"c-{i}", LATE_EVENING - timedelta(days=i)
            await service.on_event(registered(cid, at))
            if i < 2:
                times = [StageTime(stage="investigate", department="after_sales", seconds=7200)]
                closing = step(
                    cid, "record_feedback", at + timedelta(hours=20), to_status="closed",
                    department="after_sales", satisfaction=4, closed=True, stage_times=times,
                )  # fmt: skip
                await service.on_event(closing)
        assert await service.prepare_cube() is None  # its layout is recorded
    finally:
        await runtime.store.close()
    return cube(settings)


def cube(settings: Settings) -> Rows:
    """Every cell that counts something (a complaint that moved leaves zeros behind), its
    measures by name: a column added to an older file comes last in it."""
    columns = ", ".join(("grain", "period", "department", "channel", "cause", "dimension"))
    measures = ", ".join(MEASURES)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        rows = db.execute(
            f"SELECT {columns}, value, {measures} FROM cube ORDER BY 1, 2, 3, 4, 5, 6, 7"
        ).fetchall()
    return [row for row in rows if any(row[7:])]


def layout(settings: Settings) -> str | None:
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        row = db.execute("SELECT value FROM meta WHERE name = 'cube_layout'").fetchone()
    return str(row[0]) if row else None


async def start_and_stop(settings: Settings, kafka: EmbeddedBroker) -> None:
    runtime = bootstrap(settings, clock=ManualClock(NOW))
    await runtime.start(kafka.bootstrap)
    await runtime.stop()


async def test_a_cube_of_older_code_is_recomputed_at_start(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    reference = await seed(settings)
    assert any(row[5] == "stage_time" for row in reference)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:  # as older code left it
        db.execute("DELETE FROM cube WHERE dimension IN ('stage_time', 'stage_over')")
        db.execute("DELETE FROM meta")
    assert cube(settings) != reference
    await start_and_stop(settings, kafka)
    assert cube(settings) == reference
    assert layout(settings) == cube_layout(settings.zone)


async def test_a_cube_without_the_3_day_call_columns_gets_them_and_is_recomputed(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    reference = await seed(settings)
    calls = ("call_due", "called", "called_late", "call_sat_n", "call_sat_sum")
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:  # as schema 2 left it
        for column in calls:
            db.execute(f"ALTER TABLE cube DROP COLUMN {column}")
        db.execute("UPDATE meta SET value = '2|Asia/Shanghai' WHERE name = 'cube_layout'")
    await start_and_stop(settings, kafka)
    assert cube(settings) == reference
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(cube)")]
    assert columns[-len(calls) :] == list(calls)


async def test_a_cube_without_the_reopen_rates_base_gets_it_and_is_recomputed(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    reference = await seed(settings)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:  # as schema 5 left it
        db.execute("ALTER TABLE cube DROP COLUMN concluded")
        db.execute("UPDATE meta SET value = '5|Asia/Shanghai' WHERE name = 'cube_layout'")
    await start_and_stop(settings, kafka)
    assert cube(settings) == reference
    assert layout(settings) == cube_layout(settings.zone)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(cube)")]
        concluded = db.execute(
            "SELECT SUM(concluded) FROM cube WHERE grain = 'day' AND dimension = 'all'"
        ).fetchone()[0]
    assert columns[-1] == "concluded" and concluded == 2  # the two closed complaints


async def test_a_current_cube_is_left_alone(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    await seed(settings)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:  # a marker nobody computes
        db.execute("UPDATE cube SET n = n + 1000 WHERE grain = 'day' AND dimension = 'all'")
    marked = cube(settings)
    await start_and_stop(settings, kafka)
    assert cube(settings) == marked


async def test_another_time_zone_moves_complaints_to_their_days_in_it(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    shanghai = make_settings()
    await seed(shanghai)
    days = {row[1] for row in cube(shanghai) if row[0] == "day"}
    assert "2026-03-11" in days and "2026-03-10" in days  # c-0 on the 11th, c-1 the 10th
    utc = make_settings(timezone="UTC")
    await start_and_stop(utc, kafka)
    assert layout(utc) == cube_layout(utc.zone) != cube_layout(shanghai.zone)
    days = {row[1] for row in cube(utc) if row[0] == "day"}
    assert days == {"2026-03-10", "2026-03-09", "2026-03-08"}


async def test_a_recompute_that_fails_stops_the_start_with_one_clear_error(
    kafka: EmbeddedBroker, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings()
    await seed(settings)
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        db.execute("INSERT INTO facts (complaint_id, doc) VALUES ('broken', '{not json')")
        db.execute("DELETE FROM meta")
    reference = cube(settings)
    runtime = bootstrap(settings, clock=ManualClock(NOW))
    with pytest.raises(StartupError, match="analytics: prepare_cube failed"):
        await runtime.start(kafka.bootstrap)
    assert cube(settings) == reference  # rolled back: the old cube is still whole
    assert layout(settings) is None
