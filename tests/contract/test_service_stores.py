"""The contract every service store keeps, whatever the backend: an atomic unit of work,
the outbox in commit order, the inbox that makes redelivery harmless, optimistic versions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.analytics import store as analytics_store
from services.analytics.domain.cube import Cell, Measures
from services.analytics.domain.facts import ComplaintFact
from services.analytics.domain.reports import Filters, PeriodRange
from services.analytics.store import MongoAnalyticsStore, SqliteAnalyticsStore, StoredModel
from services.resolution.domain.alerts import Alert, Reader
from services.resolution.domain.case import Case, CaseStatus, CustomerNotice
from services.resolution.domain.staff import StaffMember
from services.resolution.store import (
    MongoResolutionStore,
    ResolutionStore,
    SqliteResolutionStore,
)
from shared.contracts.topics import INTAKE_EVENTS, NOTIFICATIONS
from shared.errors import ConflictError
from shared.vocab import Accountable, Department
from tests.support.events import complaint_registered

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ONE = Measures(n=1)


async def _open(store: Any) -> Any:
    await store.open()
    return store


@pytest.fixture
async def resolution(
    backend: str, tmp_path: Path, mongo_url: str | None
) -> AsyncIterator[ResolutionStore]:
    if backend == "sqlite":
        store: Any = SqliteResolutionStore(tmp_path / "resolution.db")
    else:
        assert mongo_url is not None
        store = MongoResolutionStore(mongo_url, f"test_resolution_{uuid.uuid4().hex[:10]}")
    await store.open()
    yield store
    if backend == "mongo":
        await store.drop()
    await store.close()


@pytest.fixture
async def analytics(
    backend: str, tmp_path: Path, mongo_url: str | None
) -> AsyncIterator[SqliteAnalyticsStore | MongoAnalyticsStore]:
    if backend == "sqlite":
        store: Any = SqliteAnalyticsStore(tmp_path / "analytics.db")
    else:
        assert mongo_url is not None
        store = MongoAnalyticsStore(mongo_url, f"test_analytics_{uuid.uuid4().hex[:10]}")
    await store.open()
    yield store
    if backend == "mongo":
        await store.drop()
    await store.close()


def case(complaint_id: str, **changes: Any) -> Case:
    values: dict[str, Any] = {
        "case_id": f"case-{complaint_id}",
        "complaint_id": complaint_id,
        "ticket_no": "TS-20260401-0001",
        "status": CaseStatus.REGISTERED,
        "urgency": "normal",
        "opened_at": T0,
        "registered_at": T0,
        "due_at": T0,
    }
    values.update(changes)
    return Case.model_validate(values)


async def test_outbox_returns_events_in_commit_order_until_marked(
    resolution: ResolutionStore,
) -> None:
    events = [complaint_registered(f"c-{i}", at=T0) for i in range(5)]
    async with resolution.unit_of_work() as uow:
        await uow.add_events(events[:3])
    async with resolution.unit_of_work() as uow:
        await uow.add_events(events[3:])
    pending = await resolution.pending_outbox(10)
    assert [m.event_id for m in pending] == [e.event_id for e in events]
    assert {m.topic for m in pending} == {INTAKE_EVENTS}
    assert [m.key for m in pending] == [f"c-{i}" for i in range(5)]
    assert pending[0].value == events[0].to_bytes()
    assert await resolution.count_pending_outbox() == 5

    await resolution.mark_published([m.position for m in pending[:2]])
    assert [m.event_id for m in await resolution.pending_outbox(10)] == [
        e.event_id for e in events[2:]
    ]
    assert [m.event_id for m in await resolution.pending_outbox(2)] == [
        e.event_id for e in events[2:4]
    ]
    assert await resolution.count_pending_outbox() == 3


async def test_requeue_sends_recent_events_again(resolution: ResolutionStore) -> None:
    async with resolution.unit_of_work() as uow:
        await uow.add_events([complaint_registered("c-1", at=T0)])
    pending = await resolution.pending_outbox(10)
    await resolution.mark_published([m.position for m in pending])
    assert await resolution.requeue_since(datetime(2000, 1, 1, tzinfo=UTC)) == 1
    assert [m.event_id for m in await resolution.pending_outbox(10)] == [pending[0].event_id]
    await resolution.mark_published([m.position for m in pending])
    assert await resolution.requeue_since(datetime(2999, 1, 1, tzinfo=UTC)) == 0


async def test_purging_deletes_only_published_events_written_before_the_cutoff(
    resolution: ResolutionStore,
) -> None:
    async with resolution.unit_of_work() as uow:
        await uow.add_events([complaint_registered(f"c-{i}", at=T0) for i in range(3)])
    pending = await resolution.pending_outbox(10)
    await resolution.mark_published([m.position for m in pending[:2]])
    assert await resolution.purge_published(datetime(2000, 1, 1, tzinfo=UTC)) == 0
    assert await resolution.purge_published(datetime(2999, 1, 1, tzinfo=UTC)) == 2
    assert [m.event_id for m in await resolution.pending_outbox(10)] == [pending[2].event_id]
    await resolution.forget_deleted()
    assert await resolution.requeue_since(datetime(2000, 1, 1, tzinfo=UTC)) == 0  # gone


async def test_purging_keeps_what_was_written_just_after_the_cutoff(
    resolution: ResolutionStore,
) -> None:
    cutoff = datetime.now(UTC) - timedelta(seconds=1)
    async with resolution.unit_of_work() as uow:
        await uow.add_events([complaint_registered("c-1", at=T0)])
    await resolution.mark_published([m.position for m in await resolution.pending_outbox(10)])
    assert await resolution.purge_published(cutoff) == 0
    assert await resolution.purge_published(datetime.now(UTC) + timedelta(seconds=1)) == 1


async def test_forgetting_a_complaints_events_deletes_only_those_already_sent(
    resolution: ResolutionStore,
) -> None:
    async with resolution.unit_of_work() as uow:
        await uow.add_events(
            [complaint_registered("c-1", at=T0), complaint_registered("c-2", at=T0)]
        )
    sent = await resolution.pending_outbox(10)
    await resolution.mark_published([m.position for m in sent])
    async with resolution.unit_of_work() as uow:
        await uow.add_events([complaint_registered("c-1", at=T0)])  # not sent yet
        await uow.forget_published_events("c-1")
    unsent = await resolution.pending_outbox(10)
    assert [m.key for m in unsent] == ["c-1"] and unsent[0].event_id not in {
        m.event_id for m in sent
    }
    assert await resolution.requeue_since(datetime(2000, 1, 1, tzinfo=UTC)) == 1  # c-2's


async def test_an_event_unsent_when_its_complaint_was_erased_is_deleted_once_sent(
    resolution: ResolutionStore,
) -> None:
    async with resolution.unit_of_work() as uow:
        await uow.add_events([complaint_registered(c, at=T0) for c in ("c-1", "c-2", "c-1")])
    in_flight = await resolution.pending_outbox(10)  # the relay is sending these now
    async with resolution.unit_of_work() as uow:
        await uow.forget_published_events("c-1")
        await uow.add_events([complaint_registered("c-1", at=T0)])  # the erasure's own
    await resolution.mark_published([m.position for m in in_flight])
    (last,) = await resolution.pending_outbox(10)
    assert last.key == "c-1" and last.event_id not in {m.event_id for m in in_flight}
    await resolution.mark_published([last.position])  # added after the erasure: kept
    assert await resolution.count_pending_outbox() == 0
    assert await resolution.requeue_since(datetime(2000, 1, 1, tzinfo=UTC)) == 2  # c-2's too


async def test_a_failed_unit_of_work_leaves_nothing(resolution: ResolutionStore) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        async with resolution.unit_of_work() as uow:
            assert await uow.claim("resolution", "e-1")
            await uow.add_case(case("c-1"))
            await uow.add_events([complaint_registered("c-1", at=T0)])
            raise RuntimeError("boom")
    assert await resolution.get_case("c-1") is None
    assert await resolution.count_pending_outbox() == 0
    async with resolution.unit_of_work() as uow:
        assert await uow.claim("resolution", "e-1")  # the claim was rolled back too


async def test_the_inbox_admits_an_event_once_per_consumer(resolution: ResolutionStore) -> None:
    async with resolution.unit_of_work() as uow:
        assert await uow.claim("resolution", "e-1")
    async with resolution.unit_of_work() as uow:
        assert not await uow.claim("resolution", "e-1")
        assert await uow.claim("other-consumer", "e-1")


async def test_cases_round_trip_and_save_checks_the_version(resolution: ResolutionStore) -> None:
    async with resolution.unit_of_work() as uow:
        await uow.add_case(case("c-1"))
    stored = await resolution.get_case("c-1")
    assert stored == case("c-1")
    assert await resolution.count_cases() == 1
    newer = stored.model_copy(update={"follow_ups": 1, "version": 2})
    async with resolution.unit_of_work() as uow:
        await uow.save_case(newer)
    assert await resolution.get_case("c-1") == newer
    with pytest.raises(ConflictError):
        async with resolution.unit_of_work() as uow:
            await uow.save_case(stored.model_copy(update={"follow_ups": 5, "version": 2}))
    assert await resolution.get_case("c-1") == newer


async def test_a_cases_notices_are_kept_once_beside_it(resolution: ResolutionStore) -> None:
    def notice(request_id: str, status: str, minutes: int) -> CustomerNotice:
        at = T0 + timedelta(minutes=minutes)
        return CustomerNotice(
            request_id=request_id, purpose="progress", medium="sms", status=status,
            attempts=1, at=at,
        )  # fmt: skip

    async with resolution.unit_of_work() as uow:
        await uow.add_case(case("c-1"))
        await uow.add_notice("c-1", notice("e-2", "failed", 5))
        await uow.add_notice("c-1", notice("e-1", "sent", 1))
        await uow.add_notice("c-1", notice("e-1", "failed", 9))  # redelivered: kept as it was
    found = await resolution.notices_of("c-1")
    assert [(n.request_id, n.status) for n in found] == [("e-1", "sent"), ("e-2", "failed")]
    assert await resolution.notices_of("c-2") == []
    stored = await resolution.get_case("c-1")
    assert stored is not None and stored.version == case("c-1").version  # not moved


async def test_the_staff_directory_keeps_one_entry_per_login(resolution: ResolutionStore) -> None:
    olga = StaffMember(user="olga", name="王丽", department=Department.AFTER_SALES)
    sam = StaffMember(user="sam", name="孙强", department=Department.SALES)
    for member in (sam, olga, olga.model_copy(update={"active": False, "title": "顾问"})):
        async with resolution.unit_of_work() as uow:
            await uow.put_staff(member)
    with pytest.raises(RuntimeError):
        async with resolution.unit_of_work() as uow:  # a failed write keeps no change
            await uow.put_staff(sam.model_copy(update={"name": "半截"}))
            raise RuntimeError("the alerts could not be written")
    assert [(m.user, m.name, m.active, m.title) for m in await resolution.staff()] == [
        ("olga", "王丽", False, "顾问"),
        ("sam", "孙强", True, ""),
    ]


async def test_alerts_are_kept_once_and_read_once_by_their_addressee(
    resolution: ResolutionStore,
) -> None:
    def alert(alert_id: str, notify: Accountable, minutes: int, **more: Any) -> Alert:
        at = T0 + timedelta(minutes=minutes)
        return Alert(
            id=alert_id, complaint_id="c-1", ticket_no="TS-1", milestone="warning",
            notify=notify, due_at=at, at=at, **more,
        )  # fmt: skip

    olga = Reader(user="olga", role="owner")
    hu = Reader(user="hu", role="department_head", department="after_sales")
    async with resolution.unit_of_work() as uow:
        await uow.add_alerts(
            [
                alert("a-1", Accountable.OWNER, 1, owner="olga"),
                alert("a-2", Accountable.OWNER, 2, owner="otto"),
                alert("a-3", Accountable.DEPARTMENT_HEAD, 3, department="after_sales"),
                alert("a-4", Accountable.OWNER, 4, owner="olga"),
            ]
        )
        await uow.add_alerts([alert("a-1", Accountable.OWNER, 9, owner="otto")])  # again
    assert [a.id for a in await resolution.alerts_for(olga)] == ["a-4", "a-1"]  # newest first
    assert [a.id for a in await resolution.alerts_for(hu)] == ["a-3"]
    everyone = Reader(user="root", role="admin")
    assert len(await resolution.alerts_for(everyone, limit=3)) == 3
    assert await resolution.alerts_for(Reader(user="q", role="quality")) == []

    read = await resolution.mark_alert_read("a-1", by="olga", at=T0 + timedelta(hours=1))
    again = await resolution.mark_alert_read("a-1", by="root", at=T0 + timedelta(hours=2))
    assert read is not None and again is not None
    assert (again.read_by, again.read_at) == ("olga", T0 + timedelta(hours=1))
    assert [a.id for a in await resolution.alerts_for(olga, unread_only=True)] == ["a-4"]
    assert await resolution.mark_alert_read("nope", by="olga", at=T0) is None
    assert await resolution.count_unread_alerts(olga) == 1
    assert await resolution.mark_all_alerts_read(everyone, at=T0) == 0  # reads, clears none
    assert await resolution.mark_all_alerts_read(olga, at=T0 + timedelta(hours=3)) == 1
    assert await resolution.count_unread_alerts(olga) == 0
    assert await resolution.count_unread_alerts(hu) == 1  # not the owner's to clear


async def test_alerts_read_before_a_cutoff_are_purged_a_batch_at_a_time(
    resolution: ResolutionStore,
) -> None:
    def alert(alert_id: str) -> Alert:
        return Alert(
            id=alert_id, complaint_id="c-1", ticket_no="TS-1", milestone="warning",
            notify=Accountable.OWNER, owner="olga", due_at=T0, at=T0,
        )  # fmt: skip

    async with resolution.unit_of_work() as uow:
        await uow.add_alerts([alert(f"a-{i}") for i in range(5)])
    for i, hours in ((0, 1), (1, 2), (2, 3), (3, 30)):  # a-4 stays unread
        await resolution.mark_alert_read(f"a-{i}", by="olga", at=T0 + timedelta(hours=hours))
    cutoff = T0 + timedelta(hours=10)
    assert await resolution.purge_read_alerts(cutoff, limit=2) == 2
    assert await resolution.purge_read_alerts(cutoff, limit=2) == 1
    assert await resolution.purge_read_alerts(cutoff, limit=2) == 0
    olga = Reader(user="olga", role="owner")
    assert sorted(a.id for a in await resolution.alerts_for(olga)) == ["a-3", "a-4"]
    assert await resolution.get_alert("a-0") is None
    assert await resolution.mark_alert_read("a-0", by="olga", at=cutoff) is None


async def test_an_alert_is_pushed_by_one_claimant_tried_again_or_given_up(
    resolution: ResolutionStore,
) -> None:
    def alert(alert_id: str, minutes: int) -> Alert:
        at = T0 + timedelta(minutes=minutes)
        return Alert(
            id=alert_id, complaint_id="c-1", ticket_no="TS-1", milestone="warning",
            notify=Accountable.OWNER, owner="olga", due_at=at, at=at,
        )  # fmt: skip

    async with resolution.unit_of_work() as uow:
        await uow.add_alerts([alert("old", -600), alert("a-1", 1), alert("a-2", 2)])
    now = T0 + timedelta(minutes=5)
    assert await resolution.skip_alert_pushes(T0 - timedelta(hours=1), now=now) == 1  # "old"
    due = await resolution.alerts_to_push(now, since=T0 - timedelta(days=1), limit=10)
    assert [a.id for a in due] == ["a-1", "a-2"]
    lease = now + timedelta(minutes=1)
    assert await resolution.claim_alert_push("a-1", now=now, until=lease) == 0
    assert await resolution.claim_alert_push("a-1", now=now, until=lease) is None  # taken
    assert await resolution.claim_alert_push("old", now=now, until=lease) is None
    stale = now - timedelta(minutes=1)  # a claim that no longer holds settles nothing
    assert not await resolution.settle_alert_push(
        "a-1", lease=stale, pushed_at=now, retry_at=None, error=""
    )
    assert await resolution.settle_alert_push(
        "a-1", lease=lease, pushed_at=now, retry_at=None, error=""
    )
    assert await resolution.claim_alert_push("a-1", now=lease, until=lease) is None  # pushed
    assert not await resolution.settle_alert_push(  # nor once pushed
        "a-1", lease=lease, pushed_at=None, retry_at=lease, error="late failure"
    )

    assert await resolution.claim_alert_push("a-2", now=now, until=lease) == 0
    retry = now + timedelta(seconds=30)
    await resolution.settle_alert_push(
        "a-2", lease=lease, pushed_at=None, retry_at=retry, error="answered 503"
    )
    assert await resolution.alerts_to_push(now, since=T0, limit=10) == []  # not yet
    assert [a.id for a in await resolution.alerts_to_push(retry, since=T0, limit=10)] == ["a-2"]
    assert await resolution.claim_alert_push("a-2", now=retry, until=lease) == 1  # one try
    await resolution.settle_alert_push(
        "a-2", lease=lease, pushed_at=None, retry_at=None, error="given up"
    )
    assert await resolution.alerts_to_push(retry + timedelta(days=1), since=T0, limit=10) == []
    assert {a.id for a in await resolution.alerts_for(Reader(user="olga", role="owner"))} == {
        "old", "a-1", "a-2",
    }  # fmt: skip  # the inbox keeps them all

    async with resolution.unit_of_work() as uow:
        await uow.add_alerts([alert("a-3", 3)])
    assert await resolution.claim_alert_push("a-3", now=now, until=lease) == 0
    later = now + timedelta(days=1)  # a-3 is old news by then, but being sent right now
    assert await resolution.skip_alert_pushes(later, now=now) == 0
    assert await resolution.settle_alert_push(
        "a-3", lease=lease, pushed_at=now, retry_at=None, error=""
    )


async def test_a_case_history_reads_newest_first_a_page_at_a_time(
    resolution: ResolutionStore,
) -> None:
    async with resolution.unit_of_work() as uow:
        for i in (3, 1, 5, 2, 4):  # a reopened old case is due later than newer ones
            registered = T0 + i * timedelta(hours=1)
            due = T0 + (10 - i) * timedelta(hours=1)
            await uow.add_case(case(f"c-{i}", registered_at=registered, due_at=due))
    pages = [
        [c.complaint_id for c in await resolution.list_cases(newest_first=True, limit=2, offset=o)]
        for o in (0, 2, 4, 6)
    ]
    assert pages == [["c-5", "c-4"], ["c-3", "c-2"], ["c-1"], []]
    due_first = await resolution.list_cases(limit=2, offset=1)
    assert [c.complaint_id for c in due_first] == ["c-4", "c-3"]


async def test_open_cases_come_a_page_at_a_time_in_id_order(resolution: ResolutionStore) -> None:
    async with resolution.unit_of_work() as uow:
        for i in (5, 1, 4, 2, 3, 6):
            status = CaseStatus.CLOSED if i in (2, 6) else CaseStatus.INVESTIGATING
            await uow.add_case(case(f"c-{i}", status=status, due_at=T0 - i * timedelta(hours=1)))
    pages, after = [], None
    while page := await resolution.open_cases(after=after, limit=2):
        pages.append([c.complaint_id for c in page])
        after = page[-1].complaint_id
    assert pages == [["c-1", "c-3"], ["c-4", "c-5"]]


async def test_a_heads_queue_holds_the_department_and_the_cases_waiting_for_it(
    resolution: ResolutionStore,
) -> None:
    cases = [
        case("mine", status=CaseStatus.ASSIGNED, department="after_sales", owner="olga"),
        case("theirs", status=CaseStatus.ASSIGNED, department="sales", owner="sam"),
        case("new", status=CaseStatus.REGISTERED),
        case("triaged", status=CaseStatus.TRIAGED),
        case("for-me", status=CaseStatus.REGISTERED, target_department="after_sales"),
        case("for-sales", status=CaseStatus.TRIAGED, target_department="sales"),
        case("closed-unassigned", status=CaseStatus.CLOSED),
    ]
    async with resolution.unit_of_work() as uow:
        for item in cases:
            await uow.add_case(item)

    async def ids(**filters: Any) -> set[str]:
        return {c.complaint_id for c in await resolution.list_cases(**filters)}

    assert await ids(department="after_sales", include_unassigned=True) == {
        "mine",
        "new",
        "triaged",
        "for-me",
    }
    assert await ids(department="sales", include_unassigned=True) == {
        "theirs",
        "new",
        "triaged",
        "for-sales",
    }
    assert await ids(department="after_sales") == {"mine"}
    assert len(await ids()) == len(cases)


async def test_the_3_day_calls_still_to_make_are_asked_of_the_store(
    resolution: ResolutionStore,
) -> None:
    closed, done = CaseStatus.CLOSED, T0 + timedelta(hours=9)
    cases = [
        case("owed", status=closed, resolved_at=done, department="after_sales"),
        case("called", status=closed, resolved_at=done, follow_up_call_at=done + timedelta(days=2)),
        # reopened on the call, resolved again: the new resolution owes a new call
        case("again", status=closed, resolved_at=done + timedelta(days=5), follow_up_call_at=done),
        case("turned-away", status=closed),  # closed at triage: no remedy to call about
        case("erased", status=closed, resolved_at=done, erased_at=done + timedelta(days=1)),
        case("open", status=CaseStatus.AWAITING_FEEDBACK, resolved_at=done),
    ]
    async with resolution.unit_of_work() as uow:
        for item in cases:
            await uow.add_case(item)
    owed = await resolution.list_cases(call_owed=True)
    assert {c.complaint_id for c in owed} == {"owed", "again"}
    mine = await resolution.list_cases(call_owed=True, department="after_sales")
    assert [c.complaint_id for c in mine] == ["owed"]


async def test_analytics_counts_each_event_once(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore,
) -> None:
    for event_id, increments in (("e-1", {"a": 1, "b": 2}), ("e-1", {"a": 1}), ("e-2", {"a": 3})):
        async with analytics.unit_of_work() as uow:
            if await uow.claim("analytics", event_id):
                await uow.add_counters(increments)
    assert await analytics.counters() == {"a": 4, "b": 2}


async def test_analytics_remembers_each_erased_example_once_over_a_rebuild(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore,
) -> None:
    async def remember(complaint_id: str) -> bool:
        async with analytics.unit_of_work() as uow:
            return await uow.remember_erased_example(complaint_id)

    assert await remember("c-1") is True
    assert await remember("c-1") is False
    await analytics.reset_read_models("analytics")
    assert await remember("c-1") is False  # a replayed erasure is not new
    assert await remember("c-2") is True


async def test_analytics_cube_sums_cells_by_range_group_and_filter(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore,
) -> None:
    def cell(grain: str, period: str, department: str, cause: str) -> Cell:
        return Cell(grain, period, department, "hotline", cause, "all", "")

    async with analytics.unit_of_work() as uow:
        await uow.add_to_cube(
            {
                cell("day", "2026-04-01", "sales", "product_quality"): Measures(
                    n=2, closed=1, reopened=1, concluded=2
                ),
                cell("day", "2026-04-02", "parts", "process_policy"): Measures(n=1, cost=50.5),
                cell("day", "2026-05-01", "sales", "product_quality"): Measures(n=7),
            }
        )
    async with analytics.unit_of_work() as uow:  # a delta moves one complaint
        await uow.add_to_cube(
            {
                cell("day", "2026-04-01", "sales", "product_quality"): Measures(n=-1),
                cell("day", "2026-04-01", "sales", "process_policy"): Measures(n=1),
            }
        )
    april = [PeriodRange("day", "2026-04-01", "2026-04-30")]
    everything = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    by_cause = await analytics.sum_cells(
        april, dimension="all", group_by=("cause",), filters=everything
    )
    assert {k[0]: m.n for k, m in by_cause.items()} == {"product_quality": 1, "process_policy": 2}
    sales = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30), department="sales")
    total = await analytics.sum_cells(april, dimension="all", group_by=(), filters=sales)
    assert total[()] == Measures(n=2, closed=1, reopened=1, concluded=2)  # every measure
    both = await analytics.sum_cells(
        [*april, PeriodRange("day", "2026-05-01", "2026-05-01")],
        dimension="all",
        group_by=(),
        filters=everything,
    )
    assert both[()].n == 10 and both[()].cost == 50.5
    counted = await analytics.sum_cells(
        april, dimension="all", group_by=(), filters=everything, measures=("n",)
    )
    assert counted[()] == Measures(n=3)  # only the count is summed
    with pytest.raises(ValueError):
        await analytics.sum_cells(
            april, dimension="all", group_by=(), filters=everything, measures=("cost",)
        )


async def test_analytics_lists_alerts_newest_first_and_by_bucket(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore,
) -> None:
    from services.analytics.domain.trends import Spike

    def spike(dimension: str, value: str, week: str) -> Spike:
        return Spike(dimension=dimension, value=value, week=week, count=9, baseline=2.0,
                     p_value=0.001)  # fmt: skip

    raised = [
        (spike("department", "sales", "2026-03-02"), T0),
        (spike("cause", "product_quality", "2026-03-09"), T0 + timedelta(days=7)),
        (spike("department", "sales", "2026-03-16"), T0 + timedelta(days=14)),
        (spike("department", "parts", "2026-03-16"), T0 + timedelta(days=14, hours=1)),
    ]
    async with analytics.unit_of_work() as uow:
        for alert, at in raised:
            assert await uow.add_alert(alert, at)
        assert not await uow.add_alert(*raised[0])  # once per bucket and week
    every = await analytics.list_alerts()
    assert [a.spike.value for a in every] == ["parts", "sales", "product_quality", "sales"]
    sales = await analytics.list_alerts(limit=1, bucket=("department", "sales"))
    assert [(a.spike.week, a.raised_at) for a in sales] == [("2026-03-16", T0 + timedelta(days=14))]


async def test_analytics_recomputes_the_cube_from_its_facts(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(analytics_store, "_RECOMPUTE_BATCH", 2)  # batches meet in cells
    facts = [
        ComplaintFact(
            complaint_id=f"c-{i}" if i else "",  # an empty id is a key like any other
            registered=i != 2,  # an unregistered fact counts nowhere
            registered_at=T0,
            channel="hotline",
            department="sales" if i % 2 else "parts",
        )
        for i in range(5)
    ]

    def cells_of(fact: ComplaintFact, cells: dict[Cell, Measures]) -> None:
        if fact.registered:
            cell = Cell("day", "2026-04-01", fact.department or "", "hotline", "x", "all", "")
            cells[cell] = cells.get(cell, Measures()) + ONE

    stale = Cell("day", "2026-04-01", "sales", "hotline", "x", "all", "")
    async with analytics.unit_of_work() as uow:
        for fact in facts:
            await uow.save_fact(fact)
        await uow.add_to_cube({stale: Measures(n=40)})  # what older code had counted
    assert await analytics.cube_layout() is None
    assert await analytics.recompute_cube(cells_of, "2|Asia/Shanghai") == 5
    assert await analytics.cube_layout() == "2|Asia/Shanghai"
    april = [PeriodRange("day", "2026-04-01", "2026-04-30")]
    everything = Filters(start=date(2026, 4, 1), end=date(2026, 4, 30))
    by_department = await analytics.sum_cells(
        april, dimension="all", group_by=("department",), filters=everything
    )
    assert {k[0]: m.n for k, m in by_department.items()} == {"sales": 2, "parts": 2}
    assert await analytics.recompute_cube(cells_of, "3|UTC") == 5  # again: the same sums
    assert await analytics.cube_layout() == "3|UTC"
    again = await analytics.sum_cells(
        april, dimension="all", group_by=("department",), filters=everything
    )
    assert again == by_department
    await analytics.reset_read_models("analytics")  # a rebuild folds in its own time zone
    assert await analytics.cube_layout() is None


async def test_analytics_keeps_model_versions_with_one_active(
    analytics: SqliteAnalyticsStore | MongoAnalyticsStore,
) -> None:
    for version in ("m001", "m002"):
        stored = StoredModel(version, T0, True, {"examples": 3}, {})
        await analytics.save_model(stored, version.encode())
    assert await analytics.active_model_version() == "m002"
    assert await analytics.activate_model("m001")
    assert not await analytics.activate_model("m404")
    active = await analytics.active_model()
    assert active is not None and active[1] == b"m001"
    assert [m.active for m in await analytics.list_models()].count(True) == 1


def test_notification_events_have_their_own_topic() -> None:
    from shared.contracts.topics import topic_for

    assert topic_for("notification.requested") == NOTIFICATIONS
