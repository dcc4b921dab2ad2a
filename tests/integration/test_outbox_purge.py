"""Every service deletes the events it published more than COMPLAINTS_OUTBOX_KEEP_DAYS ago
(they hold customers' names and words); unsent events stay, whatever their age."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx

from services.intake.bootstrap import bootstrap
from shared.auth import Principal, Role
from shared.clock import ManualClock
from shared.runtime import ServiceRuntime
from shared.settings import Settings
from shared.storage.sqlite import SqliteStore

AGENT = Principal(user="agent-7", role=Role.AGENT)
COMPLAINT = {
    "channel": "hotline",
    "customer": {"name": "张伟", "phone": "13812345678"},
    "content": "保养后发动机异响。",
}


def agent_client(runtime: ServiceRuntime) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=runtime.app),
        base_url="http://intake",
        headers={"Authorization": f"Bearer {runtime.tokens.issue(AGENT)}"},
    )


async def test_published_events_older_than_the_keep_period_are_purged(
    make_settings: Callable[..., Settings],
) -> None:
    # the outbox stamps rows with the machine's time; the service's own clock is elsewhere
    # (the demo moves it) and must not matter
    clock = ManualClock(datetime.now(UTC))
    runtime = bootstrap(make_settings(outbox_keep_days=14), clock=ManualClock())
    runtime.outbox_clock = clock
    await runtime.store.open()
    try:
        async with agent_client(runtime) as client:
            assert (await client.post("/complaints", json=COMPLAINT)).status_code == 201
            published = await runtime.store.pending_outbox(100)
            await runtime.store.mark_published([m.position for m in published])
            other = {**COMPLAINT, "customer": {"name": "李娜", "phone": "13900001111"}}
            assert (await client.post("/complaints", json=other)).status_code == 201
        unsent = await runtime.store.pending_outbox(100)

        clock.advance(timedelta(days=10))
        assert await runtime.purge_outbox() == 0  # ten days old: kept
        clock.advance(timedelta(days=5))
        assert await runtime.purge_outbox() == len(published) > 0
        assert await runtime.purge_outbox() == 0
        assert await runtime.store.pending_outbox(100) == unsent  # never sent: never purged
        assert await runtime.store.requeue_since(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    finally:
        await runtime.store.close()


def test_the_purge_runs_in_every_service_unless_events_are_kept(
    make_settings: Callable[..., Settings],
) -> None:
    from services.analytics.bootstrap import bootstrap as analytics
    from services.resolution.bootstrap import bootstrap as resolution

    for build in (bootstrap, resolution, analytics):
        jobs = [job.name for job in build(make_settings())._periodic]
        assert "outbox-purge" in jobs
        kept = [job.name for job in build(make_settings(outbox_keep_days=0))._periodic]
        assert "outbox-purge" not in kept


async def test_a_sent_event_of_an_erased_complaint_is_purged_whatever_its_age(
    make_settings: Callable[..., Settings],
) -> None:
    """The backstop for a sent row its erasure flagged but a crash left behind."""
    runtime = bootstrap(make_settings(outbox_keep_days=14), clock=ManualClock())
    await runtime.store.open()
    try:
        async with agent_client(runtime) as client:
            assert (await client.post("/complaints", json=COMPLAINT)).status_code == 201
        sent = await runtime.store.pending_outbox(100)
        store = runtime.store
        assert isinstance(store, SqliteStore)
        async with store.transaction() as conn:  # the state a crash may leave
            await conn.execute("UPDATE outbox SET published = 1, forget_when_sent = 1")
        assert await runtime.purge_outbox() == len(sent) > 0
    finally:
        await runtime.store.close()
