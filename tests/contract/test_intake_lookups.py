"""Intake's store contract for what registration looks up (message keys, a customer's
earlier complaints, search, ticket numbers under concurrency) and for the deliveries of
customer messages — the same on every backend."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.intake.domain.attachments import AttachmentInfo
from services.intake.domain.delivery import Delivery, leased, settle
from services.intake.domain.record import VehicleIn
from services.intake.store import (
    ContactView,
    CustomerKeys,
    IntakeStore,
    MongoIntakeStore,
    SearchQuery,
    SqliteIntakeStore,
    StoredComplaint,
)

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def store(backend: str, tmp_path: Path, mongo_url: str | None) -> AsyncIterator[IntakeStore]:
    if backend == "sqlite":
        sqlite = SqliteIntakeStore(tmp_path / "intake.db")
        await sqlite.open()
        yield sqlite
        await sqlite.close()
        return
    assert mongo_url is not None
    mongo = MongoIntakeStore(mongo_url, f"test_intake_{uuid.uuid4().hex[:12]}")
    await mongo.open()
    yield mongo
    await mongo.drop()
    await mongo.close()


def stored(n: int, **changes: object) -> StoredComplaint:
    values: dict[str, object] = {
        "id": f"c-{n}",
        "ticket_no": f"TS-20260501-{n:04d}",
        "channel": "hotline",
        "customer_name": f"客户{n}",
        "phone_hash": f"ph-{n}",
        "vehicle": VehicleIn(vin=None, plate=None),
        "content": "发动机异响",
        "language": "zh",
        "urgency": "normal",
        "received_at": T0 + timedelta(hours=n),
        "registered_at": T0 + timedelta(hours=n),
    }
    values.update(changes)
    return StoredComplaint.model_validate(values)


async def add(store: IntakeStore, *complaints: StoredComplaint) -> None:
    for complaint in complaints:
        async with store.unit_of_work() as uow:
            await uow.add_complaint(complaint)


async def test_message_keys_lead_back_to_their_complaint(store: IntakeStore) -> None:
    await add(store, stored(1))
    async with store.unit_of_work() as uow:
        await uow.remember_messages(["msg:wechat:123", "idem:abc"], "c-1")
    async with store.unit_of_work() as uow:
        assert (await uow.find_message(["idem:abc"])) == stored(1)
        assert (await uow.find_message(["msg:wechat:999", "msg:wechat:123"])) == stored(1)
        assert await uow.find_message(["msg:wechat:999"]) is None
        assert await uow.find_message([]) is None


async def test_a_rekeyed_message_is_known_by_its_new_key_only(store: IntakeStore) -> None:
    await add(store, stored(1))
    async with store.unit_of_work() as uow:
        await uow.remember_messages(["msg:weibo:post-1"], "c-1")
    async with store.unit_of_work() as uow:
        await uow.rekey_message("msg:weibo:post-1", "msg:weibo:#h1")
        await uow.rekey_message("msg:weibo:unknown", "msg:weibo:#h2")
    async with store.unit_of_work() as uow:
        assert (await uow.find_message(["msg:weibo:#h1"])) == stored(1)
        assert await uow.find_message(["msg:weibo:post-1"]) is None
        assert await uow.find_message(["msg:weibo:#h2"]) is None


async def test_a_message_key_is_taken_only_once(store: IntakeStore) -> None:
    await add(store, stored(1), stored(2))
    async with store.unit_of_work() as uow:
        await uow.remember_messages(["idem:same"], "c-1")
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own integrity error
        async with store.unit_of_work() as uow:
            await uow.remember_messages(["idem:same"], "c-2")


async def test_a_customers_complaints_by_any_key_since_a_time(store: IntakeStore) -> None:
    await add(
        store,
        stored(1, phone_hash="ph-a"),
        stored(2, phone_hash=None, email_hash="em-a"),
        stored(3, phone_hash=None, wechat_openid="oX"),
        stored(4, phone_hash=None, vehicle=VehicleIn(vin="LSVAA4182E2123451")),
        stored(5, phone_hash="ph-a", registered_at=T0 - timedelta(days=100)),
        stored(6, phone_hash="ph-other"),
    )
    keys = CustomerKeys(
        phone_hash="ph-a", email_hash="em-a", wechat_openid="oX", vin="LSVAA4182E2123451"
    )
    async with store.unit_of_work() as uow:
        found = await uow.complaints_of(keys, since=T0 - timedelta(days=90))
        assert [c.id for c in found] == ["c-4", "c-3", "c-2", "c-1"]  # newest first
        assert await uow.complaints_of(CustomerKeys(), since=T0) == []


async def test_replace_keeps_one_record(store: IntakeStore) -> None:
    await add(store, stored(1))
    async with store.unit_of_work() as uow:
        await uow.replace_complaint(stored(1, urgency="high", urgency_reasons=["safety"]))
    again = await store.get_complaint("c-1")
    assert again is not None and again.urgency == "high"
    assert await store.count_complaints() == 1


async def test_search_by_ticket_phone_vin_plate(store: IntakeStore) -> None:
    car = VehicleIn(vin="LSVAA4182E2123451", plate="粤A12345")
    await add(store, stored(1, vehicle=car), stored(2))
    assert [c.id for c in await store.search(SearchQuery(ticket_no="TS-20260501-0002"))] == ["c-2"]
    assert [c.id for c in await store.search(SearchQuery(phone_hash="ph-1"))] == ["c-1"]
    assert [c.id for c in await store.search(SearchQuery(vin="LSVAA4182E2123451"))] == ["c-1"]
    assert [c.id for c in await store.search(SearchQuery(plate="粤A12345"))] == ["c-1"]
    assert await store.search(SearchQuery()) == []


async def test_ticket_numbers_are_unique_under_concurrency(store: IntakeStore) -> None:
    async def allocate() -> int:
        async with store.unit_of_work() as uow:
            number = await uow.next_ticket_sequence(date(2026, 5, 1))
            await asyncio.sleep(0)  # let others interleave inside their transactions
            return number

    numbers = await asyncio.gather(*(allocate() for _ in range(50)))
    assert sorted(numbers) == list(range(1, 51))
    async with store.unit_of_work() as uow:
        assert await uow.next_ticket_sequence(date(2026, 5, 2)) == 1


async def test_contact_views_are_kept_per_complaint_newest_first(store: IntakeStore) -> None:
    await add(store, stored(1), stored(2))
    for minutes, user, complaint_id in ((1, "olga", "c-1"), (5, "hu", "c-1"), (3, "amy", "c-2")):
        async with store.unit_of_work() as uow:
            await uow.add_contact_view(
                ContactView(
                    complaint_id=complaint_id,
                    user=user,
                    role="owner",
                    at=T0 + timedelta(minutes=minutes),
                )
            )
    views = await store.contact_views("c-1")
    assert [(v.user, v.at) for v in views] == [
        ("hu", T0 + timedelta(minutes=5)),
        ("olga", T0 + timedelta(minutes=1)),
    ]
    assert [v.user for v in await store.contact_views("c-1", limit=1)] == ["hu"]
    assert await store.contact_views("c-3") == []


async def test_a_contact_view_rolls_back_with_its_unit_of_work(store: IntakeStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.add_complaint(stored(1))
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.add_contact_view(
                ContactView(complaint_id="c-1", user="x", role="owner", at=T0)
            )
            raise RuntimeError("the view was never shown")
    assert await store.contact_views("c-1") == []


async def test_retention_finds_closed_unerased_complaints_oldest_first(store: IntakeStore) -> None:
    await add(
        store,
        stored(1, open=False, closed_at=T0 + timedelta(days=3)),
        stored(2, open=False, closed_at=T0 + timedelta(days=1)),
        stored(3),  # open
        stored(4, open=False, closed_at=T0 + timedelta(days=9)),  # closed after the cutoff
        stored(5, open=False, closed_at=T0, erased_at=T0 + timedelta(days=1)),
        stored(6, open=False),  # closed by older code: retained from its registration
    )
    cutoff = T0 + timedelta(days=5)
    assert [c.id for c in await store.retained_before(cutoff, 10)] == ["c-6", "c-2", "c-1"]
    assert [c.id for c in await store.retained_before(cutoff, 2)] == ["c-6", "c-2"]


async def test_a_replaced_complaint_is_found_by_its_new_keys_only(store: IntakeStore) -> None:
    await add(store, stored(1, vehicle=VehicleIn(vin="LSVAA4182E2123451", plate="粤A12345")))
    erased = stored(1, phone_hash=None, open=False, erased_at=T0)
    async with store.unit_of_work() as uow:
        await uow.replace_complaint(erased)
    assert await store.search(SearchQuery(phone_hash="ph-1")) == []
    assert await store.search(SearchQuery(vin="LSVAA4182E2123451")) == []
    assert await store.search(SearchQuery(plate="粤A12345")) == []
    assert [c.id for c in await store.search(SearchQuery(ticket_no="TS-20260501-0001"))] == ["c-1"]
    assert await store.retained_before(T0 + timedelta(days=999), 10) == []


async def test_complaints_erased_by_an_older_version_are_found(store: IntakeStore) -> None:
    erased = {"open": False, "erased_at": T0 + timedelta(days=1), "erasure_reason": "retention"}
    await add(
        store,
        stored(1, **erased),  # erased before versions were recorded
        stored(2, **erased, erasure_version=1),
        stored(3, **erased, erasure_version=2),
        stored(4, open=False),
        stored(5, erasure_version=0),  # never erased
    )
    assert sorted(c.id for c in await store.erased_before_version(2, 10)) == ["c-1", "c-2"]
    assert [c.id for c in await store.erased_before_version(1, 10)] == ["c-1"]
    assert len(await store.erased_before_version(2, 1)) == 1
    async with store.unit_of_work() as uow:
        await uow.replace_complaint(stored(1, **erased, erasure_version=2))
    assert [c.id for c in await store.erased_before_version(2, 10)] == ["c-2"]


def delivery(request_id: str, complaint_id: str = "c-1", at: datetime = T0) -> Delivery:
    return Delivery(
        request_id=request_id,
        complaint_id=complaint_id,
        ticket_no="TS-20260501-0001",
        purpose="acknowledgement",
        medium="sms",
        language="zh",
        text="您的投诉已受理。",
        recipient_masked="138****5678",
        requested_at=at,
        next_attempt_at=at,
    )


async def test_a_delivery_is_added_once_and_found_when_due(store: IntakeStore) -> None:
    first, later = delivery("e-1"), delivery("e-2", at=T0 + timedelta(minutes=5))
    async with store.unit_of_work() as uow:
        await uow.add_delivery(first)
        await uow.add_delivery(later)
        await uow.add_delivery(first.model_copy(update={"text": "again"}))  # redelivered
    assert [d.request_id for d in await store.due_deliveries(T0, 10)] == ["e-1"]
    due = await store.due_deliveries(T0 + timedelta(hours=1), 10)
    assert [(d.request_id, d.text) for d in due] == [
        ("e-1", "您的投诉已受理。"),
        ("e-2", first.text),
    ]
    assert [d.request_id for d in await store.deliveries_of("c-1")] == ["e-1", "e-2"]
    assert await store.deliveries_of("c-2") == []


async def test_a_lease_is_won_once_and_a_settled_delivery_is_never_due(store: IntakeStore) -> None:
    due = delivery("e-1")
    async with store.unit_of_work() as uow:
        await uow.add_delivery(due)
    taken = leased(due, T0)
    assert await store.lease_delivery(due, taken)
    assert not await store.lease_delivery(due, taken)  # the other sender lost
    assert await store.due_deliveries(T0 + timedelta(seconds=1), 10) == []
    async with store.unit_of_work() as uow:
        assert not await uow.finish_delivery(due, settle(due, "failed", T0))  # a stale attempt
        assert await uow.finish_delivery(taken, settle(taken, "sent", T0, provider_ref="gw-1"))
        assert not await uow.finish_delivery(taken, settle(taken, "failed", T0))  # settled
    assert await store.due_deliveries(T0 + timedelta(days=1), 10) == []
    assert not await store.lease_delivery(taken, leased(taken, T0))
    [kept] = await store.deliveries_of("c-1")
    assert (kept.status, kept.attempts, kept.provider_ref) == ("sent", 1, "gw-1")


async def test_an_erasure_blanks_the_texts_and_no_later_attempt_brings_them_back(
    store: IntakeStore,
) -> None:
    due = delivery("e-1")
    async with store.unit_of_work() as uow:
        await uow.add_delivery(due)
        await uow.add_delivery(delivery("e-2", complaint_id="c-2"))
    taken = leased(due, T0)
    assert await store.lease_delivery(due, taken)
    async with store.unit_of_work() as uow:
        await uow.erase_delivery_texts("c-1")
    async with store.unit_of_work() as uow:  # the attempt read before the erasure ends
        assert await uow.finish_delivery(taken, settle(taken, "undeliverable", T0))
    [erased] = await store.deliveries_of("c-1")
    assert (erased.text, erased.recipient_masked, erased.status) == ("", "", "undeliverable")
    [other] = await store.deliveries_of("c-2")
    assert other.text == due.text


async def test_delivery_starts_once(store: IntakeStore) -> None:
    assert await store.delivery_started(T0) == T0
    assert await store.delivery_started(T0 + timedelta(days=1)) == T0


async def test_attachments_are_kept_listed_read_and_erased_with_their_complaint(
    store: IntakeStore,
) -> None:
    await add(store, stored(1), stored(2))
    complaint, other = stored(1).id, stored(2).id

    def info(attachment_id: str, complaint_id: str, minutes: int) -> AttachmentInfo:
        return AttachmentInfo(
            id=attachment_id, complaint_id=complaint_id, filename=f"{attachment_id}.jpg",
            content_type="image/jpeg", size=4, sha256="0" * 64, uploaded_by="olga",
            uploaded_role="owner", uploaded_at=T0 + timedelta(minutes=minutes),
        )  # fmt: skip

    async with store.unit_of_work() as uow:
        await uow.add_attachment(info("b", complaint, 2), b"sealed-b")
        await uow.add_attachment(info("a", complaint, 1), b"sealed-a")
        await uow.add_attachment(info("c", other, 1), b"sealed-c")
        assert await uow.reserve_attachment(complaint) == 2
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:  # a failed write keeps no file
            await uow.add_attachment(info("d", complaint, 3), b"sealed-d")
            raise RuntimeError("the event could not be written")
    assert [a.id for a in await store.attachments_of(complaint)] == ["a", "b"]
    found = await store.attachment(complaint, "b")
    assert found is not None and found[1] == b"sealed-b" and found[0].filename == "b.jpg"
    assert await store.attachment(other, "b") is None  # another complaint's id
    async with store.unit_of_work() as uow:
        await uow.erase_attachments(complaint)
    assert await store.attachments_of(complaint) == []
    assert [a.id for a in await store.attachments_of(other)] == ["c"]
