"""The demo writes four weeks of history on a travelling clock: every case it leaves must
read as a real one would — opened when its complaint was registered, before it was closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import httpx

from shared.auth import Principal, Role
from shared.clock import OffsetClock
from shared.demo import load_demo
from shared.server import start_system
from shared.settings import Settings


async def test_every_demo_case_is_opened_when_registered_and_before_it_closed(
    make_settings: Callable[..., Settings],
) -> None:
    clock = OffsetClock()
    system = await start_system(make_settings(), clock=clock)
    try:
        assert await load_demo(system, clock) > 80
        resolution = system.runtime("resolution")
        token = resolution.tokens.issue(Principal(user="gao", role=Role.GENERAL_MANAGER))
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=resolution.app), base_url="http://resolution"
        ) as http:
            response = await http.get(
                "/cases", params={"limit": 500}, headers={"Authorization": f"Bearer {token}"}
            )
        cases = response.json()
        assert len(cases) > 80

        def at(case: dict[str, str], field: str) -> datetime:
            return datetime.fromisoformat(case[field])

        early = [c["ticket_no"] for c in cases if at(c, "opened_at") < at(c, "registered_at")]
        late = [
            c["ticket_no"]
            for c in cases
            if c["closed_at"] and at(c, "opened_at") > at(c, "closed_at")
        ]
        assert (early, late) == ([], [])
    finally:
        await system.stop()
