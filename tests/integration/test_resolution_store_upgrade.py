"""A resolution file from before the history was ordered by registration, and before alerts
were pushed: opening it fills each case's registration column once, and its old alerts are
never pushed (no backlog reaches anyone's phone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.resolution.domain.alerts import Alert
from services.resolution.domain.case import Case, CaseStatus
from services.resolution.store import SqliteResolutionStore
from shared.vocab import Accountable

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def case(complaint_id: str, registered: datetime) -> Case:
    return Case.model_validate(
        {
            "case_id": f"case-{complaint_id}",
            "complaint_id": complaint_id,
            "ticket_no": "TS-20260401-0001",
            "status": CaseStatus.REGISTERED,
            "urgency": "normal",
            "opened_at": registered,
            "registered_at": registered,
            "due_at": T0 - (registered - T0),  # the older, the later due
        }
    )


async def test_an_older_file_gets_its_registration_order_and_pushes_no_backlog(
    tmp_path: Path,
) -> None:
    path = tmp_path / "resolution.sqlite"
    store = SqliteResolutionStore(path)
    await store.open()
    async with store.unit_of_work() as uow:
        for i in (2, 1, 3):
            await uow.add_case(case(f"c-{i}", T0 + i * timedelta(hours=1)))
        await uow.add_alerts([
            Alert(id="a-1", complaint_id="c-1", ticket_no="TS-1", milestone="warning",
                  notify=Accountable.OWNER, owner="olga", due_at=T0, at=T0)
        ])  # fmt: skip
    async with store.transaction() as conn:  # as an older version left them
        await conn.execute("UPDATE cases SET registered_at = NULL")
        await conn.execute("UPDATE alerts SET push_next_at = NULL")
    await store.close()

    reopened = SqliteResolutionStore(path)
    await reopened.open()
    try:
        history = await reopened.list_cases(newest_first=True)
        assert [c.complaint_id for c in history] == ["c-3", "c-2", "c-1"]
        later = T0 + timedelta(days=1)
        assert await reopened.alerts_to_push(later, since=T0 - timedelta(days=1), limit=9) == []
    finally:
        await reopened.close()
