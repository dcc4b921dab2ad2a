"""A long start-up step (analytics recomputing its cube after an upgrade) does not hold up
the rest of the system: intake and resolution serve at once, analytics answers 503 with
Retry-After until it has caught up, then consumes what was registered meanwhile. A failure
of that step still stops everything, as a failed start does."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from services.analytics.bootstrap import bootstrap as analytics_bootstrap
from services.analytics.service import AnalyticsService
from shared.auth import Principal, Role
from shared.errors import StartupError
from shared.runtime import ServiceRuntime
from shared.server import RunningSystem, root_app, serve, start_system
from shared.settings import SERVICE_NAMES, ServiceName, Settings
from tests.support.analytics_events import registered
from tests.support.waiting import eventually

EARLIER = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


async def seed_stale_analytics(settings: Settings) -> None:
    """One complaint in analytics' store, its cube as older code left it (no layout)."""
    runtime = analytics_bootstrap(settings)
    await runtime.store.open()
    try:
        await runtime.app.state.service.on_event(registered("c-old", EARLIER))
    finally:
        await runtime.store.close()
    with sqlite3.connect(settings.sqlite_path("analytics")) as db:
        db.execute("DELETE FROM meta WHERE name = 'cube_layout'")


def held_recompute(
    monkeypatch: pytest.MonkeyPatch, release: asyncio.Event, error: Exception | None = None
) -> None:
    original = AnalyticsService.prepare_cube

    async def held(self: AnalyticsService) -> int | None:
        await release.wait()
        if error is not None:
            raise error
        return await original(self)

    monkeypatch.setattr(AnalyticsService, "prepare_cube", held)


def client(system: RunningSystem) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=root_app(system.runtimes)), base_url="http://complaints"
    )


async def test_the_others_serve_while_analytics_recomputes_its_cube(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    await seed_stale_analytics(settings)
    release = asyncio.Event()
    held_recompute(monkeypatch, release)

    system = await asyncio.wait_for(start_system(settings), 60)  # not held up by analytics
    try:
        analytics = system.runtime("analytics")
        assert list(system.catching_up) == ["analytics"] and not analytics.started
        assert system.runtime("intake").started and system.runtime("resolution").started
        tokens = analytics.tokens
        agent = {"Authorization": f"Bearer {tokens.issue(Principal(user='a', role=Role.AGENT))}"}
        quality = {
            "Authorization": f"Bearer {tokens.issue(Principal(user='q', role=Role.QUALITY))}"
        }
        async with client(system) as http:
            created = await http.post(
                "/intake/complaints",
                json={
                    "channel": "walk_in",
                    "customer": {"name": "赵六", "phone": "13600001111"},
                    "content": "交车时等了三个小时。",
                },
                headers=agent,
            )
            assert created.status_code == 201, created.text

            report = await http.get("/analytics/reports/overview", headers=quality)
            assert report.status_code == 503 and report.headers["retry-after"] == "30"
            assert report.headers["content-type"].startswith("application/problem+json")
            assert report.json()["code"] == "catching_up"
            page = await http.get("/analytics/ui/", headers={**quality, "Accept": "text/html"})
            assert (
                page.status_code == 503 and "重新计算" in page.text and "recomputing" in page.text
            )
            ready = await http.get("/analytics/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["start"] == "recomputing read models"
            assert (await http.get("/analytics/healthz")).status_code == 200

            release.set()
            await system.catching_up["analytics"]
            assert analytics.started and not analytics.catching_up.is_set()
            assert (await http.get("/analytics/readyz")).status_code == 200

            async def registered_count() -> int:
                response = await http.get(
                    "/analytics/reports/overview",
                    params={
                        "start": str(EARLIER.date()),
                        "end": str(date.today() + timedelta(days=1)),
                    },
                    headers=quality,
                )
                assert response.status_code == 200, response.text
                return int(response.json()["figures"]["complaints"])

            # the seeded complaint (recomputed) and the one registered meanwhile (consumed);
            # the end is tomorrow: today in UTC may be tomorrow in Shanghai
            await eventually(registered_count, lambda n: n == 2, what="both complaints counted")
    finally:
        await system.stop()


async def test_a_current_cube_is_waited_for_as_any_start(
    make_settings: Callable[..., Settings],
) -> None:
    system = await start_system(make_settings())  # a new store: nothing to recompute
    try:
        assert system.catching_up == {}
        assert all(runtime.started for runtime in system.runtimes)
    finally:
        await system.stop()


async def test_a_recompute_failing_while_the_others_still_start_fails_the_start(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings()
    await seed_stale_analytics(settings)
    release = asyncio.Event()
    release.set()  # fails at once, while intake and resolution wait for their consumers
    held_recompute(monkeypatch, release, ValueError("a fact that cannot be read"))
    with pytest.raises(StartupError, match="analytics: prepare_cube failed: a fact that"):
        await asyncio.wait_for(start_system(settings), 60)


async def test_a_start_cancelled_midway_leaves_nothing_starting(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    import shared.server as server

    built: list[ServiceRuntime] = []
    load = server.load_bootstrap

    def recorded(name: ServiceName) -> Callable[..., ServiceRuntime]:
        def build(*args: object, **kwargs: object) -> ServiceRuntime:
            built.append(load(name)(*args, **kwargs))
            return built[-1]

        return build

    monkeypatch.setattr(server, "load_bootstrap", recorded)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(start_system(make_settings()), 0.5)
    await asyncio.sleep(8)  # longer than a start takes: one left running would be up by now
    assert len(built) == 3 and not any(runtime.started for runtime in built)


async def test_a_recompute_failing_in_the_background_stops_the_system(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(port=0)
    await seed_stale_analytics(settings)
    release = asyncio.Event()
    held_recompute(monkeypatch, release, ValueError("a fact that cannot be read"))
    served: list[RunningSystem] = []

    async def on_ready(system: RunningSystem, url: str) -> None:
        served.append(system)
        release.set()  # fails once the others are serving, while this (a demo load) runs on
        await asyncio.sleep(600)

    with pytest.raises(StartupError, match="analytics: prepare_cube failed: a fact that"):
        await asyncio.wait_for(
            serve(settings, SERVICE_NAMES, embedded_allowed=True, on_ready=on_ready), 60
        )
    assert served and not any(runtime.started for runtime in served[0].runtimes)
    assert served[0].runtime("analytics").catching_up.is_set()  # 503 to the end, not a 500
