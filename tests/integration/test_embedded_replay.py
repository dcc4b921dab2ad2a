"""The embedded broker forgets everything when it stops; the outbox does not.

A complaint published to one embedded broker that nobody consumed must still become
a case after `complaints up` starts again on a fresh broker.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from shared.auth import Principal, Role
from shared.server import start_system
from shared.settings import Settings
from tests.support.waiting import eventually


async def test_unconsumed_events_survive_a_restart_of_the_embedded_broker(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()

    only_intake = await start_system(settings, ["intake"])
    try:
        intake = only_intake.runtime("intake")
        token = intake.tokens.issue(Principal(user="a", role=Role.AGENT))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=intake.app), base_url="http://intake"
        ) as client:
            response = await client.post(
                "/complaints",
                json={
                    "channel": "walk_in",
                    "customer": {"name": "赵六", "phone": "13600001111"},
                    "content": "交车时等了三个小时。",
                },
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 201
        complaint_id = response.json()["id"]
        await eventually(
            intake.store.count_pending_outbox, lambda n: n == 0, what="the event published"
        )
    finally:
        await only_intake.stop()  # the broker and the event in it are gone

    everything = await start_system(settings)
    try:
        service = everything.runtime("resolution").app.state.service
        case = await eventually(
            lambda: service._store.get_case(complaint_id),
            lambda c: c is not None,
            what="the case opened from the replayed event",
        )
        assert case is not None and case.complaint_id == complaint_id
    finally:
        await everything.stop()
