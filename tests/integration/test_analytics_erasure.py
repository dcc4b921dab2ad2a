"""Intake's erasure reaches analytics on the real SQLite store: the complaint's words leave
its fact (and the prediction's quotes of them), its counts stay, a redelivery changes
nothing, a rebuild does not bring them back, and retraining no longer learns from them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.analytics.domain.classifier.erasure import ERASED_EXAMPLES
from services.analytics.domain.reports import Filters
from services.analytics.service import AnalyticsService
from services.analytics.store import SqliteAnalyticsStore, StoredModel
from services.analytics.training_data import confirmed_examples
from shared.clock import ManualClock
from shared.contracts.envelope import EventEnvelope
from shared.errors import ConflictError
from shared.settings import Settings
from tests.support.analytics_events import erased, opened, registered, step

ZONE = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
WORDS = ("方向盘抖动", "高速")
"""The customer's words: none may be left in the facts table once erased."""
WINDOW = Filters(start=T0.date() - timedelta(days=1), end=T0.date() + timedelta(days=30))


def loop(cid: str, content: str) -> list[EventEnvelope]:
    """A complaint worked to closed, its cause confirmed."""
    return [
        registered(cid, T0, content=content),
        opened(cid, T0),
        step(cid, "assign", T0 + timedelta(hours=1), to_status="assigned", department="sales"),
        step(
            cid,
            "record_findings",
            T0 + timedelta(hours=2),
            to_status="investigating",
            causes=["product_quality"],
        ),
        step(cid, "record_feedback", T0 + timedelta(hours=9), to_status="closed", closed=True),
    ]


@pytest.fixture
async def service(make_settings: Callable[..., Settings]) -> AsyncIterator[AnalyticsService]:
    store = SqliteAnalyticsStore(make_settings().sqlite_path("analytics"))
    await store.open()
    try:
        yield AnalyticsService(store=store, clock=ManualClock(T0 + timedelta(days=20)), zone=ZONE)
    finally:
        await store.close()


async def facts_text(service: AnalyticsService) -> str:
    store = service._store
    assert isinstance(store, SqliteAnalyticsStore)
    cursor = await store.conn.execute("SELECT group_concat(doc, ' ') FROM facts")
    row = await cursor.fetchone()
    return str(row[0]) if row else ""


async def assert_replaced(service: AnalyticsService, trained: StoredModel) -> None:
    """The next check trains a new version and deletes the one that learnt erased words."""
    retrained = await service.retrain_if_due()
    assert retrained is not None and retrained.version != trained.version
    assert trained.version not in {m.version for m in await service.models()}


async def reports(service: AnalyticsService) -> tuple[object, ...]:
    return (
        await service.overview(WINDOW),
        await service.groups("cause", WINDOW),
        await service.groups("department", WINDOW),
    )


async def test_an_erasure_drops_the_words_once_and_keeps_the_counts(
    service: AnalyticsService,
) -> None:
    kept = loop("c-2", "发动机异响，冷车启动明显")
    for event in [*loop("c-1", "高速行驶时方向盘抖动，刹车也软"), *kept]:
        assert await service.on_event(event)
    held = await facts_text(service)
    assert [w for w in WORDS if w not in held] == []
    assert len(confirmed_examples(await service._store.confirmations())) == 2
    before = await reports(service)

    erasure = erased("c-1", T0 + timedelta(days=10))
    assert await service.on_event(erasure) is True
    assert await service.on_event(erasure) is False  # redelivered: nothing applies twice
    fact = await service._store.get_fact("c-1")
    assert fact is not None and fact.text == "" and fact.erased_at == T0 + timedelta(days=10)
    assert fact.prediction is not None and fact.prediction.evidence == []
    assert fact.confirmed_primary == "product_quality"  # what the dealership counts stays
    assert [w for w in WORDS if w in await facts_text(service)] == []
    assert await reports(service) == before

    # the next model learns only from words that are still there
    examples = confirmed_examples(await service._store.confirmations())
    assert [e.text for e in examples] == ["发动机异响，冷车启动明显"]


@pytest.mark.parametrize("erasure_first", [False, True], ids=["in-order", "erasure-first"])
async def test_a_rebuild_does_not_bring_the_words_back(
    service: AnalyticsService, *, erasure_first: bool
) -> None:
    events = loop("c-1", "高速行驶时方向盘抖动，刹车也软")
    erasure = erased("c-1", T0 + timedelta(days=10))
    for event in [*events, erasure]:
        await service.on_event(event)
    before = await reports(service)

    await service.reset()
    # topics are read one after another: intake's (registration, erasure) may come before
    # or after the case's
    replayed = [erasure, *events] if erasure_first else [*events, erasure]
    assert await service.replay(replayed) == len(replayed)
    assert [w for w in WORDS if w in await facts_text(service)] == []
    assert await reports(service) == before
    # kept over the rebuild, and the replayed erasure is not counted again
    assert (await service._store.counters())[ERASED_EXAMPLES] == 1


async def test_a_rebuild_neither_retrains_nor_deletes_a_model_for_an_erasure_seen_before(
    service: AnalyticsService,
) -> None:
    history = [*loop("c-1", "方向盘抖动"), erased("c-1", T0 + timedelta(days=10))]
    history += loop("c-2", "发动机异响，冷车启动明显")
    for event in history:
        await service.on_event(event)
    older = await service.train()  # after the erasure: clean, and a version to roll back to
    for event in loop("c-3", "空调不制冷"):
        history.append(event)
        await service.on_event(event)
    active = await service.train()

    await service.reset()
    assert await service.replay(history) == len(history)
    assert await service.retrain_if_due() is None
    kept = {m.version for m in await service.models()}
    assert {older.version, active.version} <= kept
    await service.activate(older.version)


async def test_after_a_rebuild_from_shorter_topics_a_later_erasure_still_retrains(
    service: AnalyticsService,
) -> None:
    """The topics no longer hold the first erasure; the count must not fall below what the
    model recorded, or the second customer's words would stay in it."""
    first, second = loop("c-1", "方向盘抖动"), loop("c-2", "发动机异响，冷车启动明显")
    for event in [*first, erased("c-1", T0 + timedelta(days=10)), *second]:
        await service.on_event(event)
    trained = await service.train()
    assert trained.trained_on["erased_examples"] == 1

    await service.reset()
    assert await service.replay(second) == len(second)  # what the topics still hold
    await service.on_event(erased("c-2", T0 + timedelta(days=12)))

    await assert_replaced(service, trained)


async def test_a_model_that_learnt_erased_words_is_replaced_and_those_before_deleted(
    service: AnalyticsService,
) -> None:
    name = "赵铁柱"  # a customer who wrote their own name; in no packaged example
    for event in [*loop("c-1", f"我是{name}，高速行驶时方向盘抖动"), *loop("c-2", "发动机异响")]:
        await service.on_event(event)
    learnt = await service.train()
    assert learnt.trained_on["confirmations"] == 2
    for event in loop("c-3", "空调不制冷"):  # a later model, with the name too
        await service.on_event(event)
    active = await service.train()
    assert name in (await service.classifier()).features.chars.vocabulary_
    assert await service.retrain_if_due() is None  # nothing new enough to learn from

    await service.on_event(erased("c-1", T0 + timedelta(days=10)))
    with pytest.raises(ConflictError) as refused:
        await service.activate(learnt.version)
    assert refused.value.extra["code"] == "model_holds_erased_words"

    replaced = await service.retrain_if_due()  # the next periodic check, not 20 causes later
    assert replaced is not None and replaced.active
    assert name not in (await service.classifier()).features.chars.vocabulary_
    kept = {m.version: m.trained_on["confirmations"] for m in await service.models()}
    assert learnt.version not in kept and active.version not in kept
    assert kept[replaced.version] == 3 and sorted(kept.values()) == [0, 3]  # and the baseline
    store = service._store
    assert isinstance(store, SqliteAnalyticsStore)
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    assert not any(name.encode() in f.read_bytes() for f in files if f.exists())
    assert await service.retrain_if_due() is None
    await service.activate(replaced.version)


async def test_an_erasure_deletes_the_predictions_already_sent_quoting_the_words(
    service: AnalyticsService,
) -> None:
    for event in [*loop("c-1", "高速行驶时方向盘抖动，刹车也软"), *loop("c-2", "发动机异响")]:
        await service.on_event(event)
    store = service._store
    assert isinstance(store, SqliteAnalyticsStore)
    sent = await store.pending_outbox(100)
    assert {m.key for m in sent} == {"c-1", "c-2"}
    await store.mark_published([m.position for m in sent])
    await service.on_event(erased("c-1", T0 + timedelta(days=10)))
    cursor = await store.conn.execute("SELECT key FROM outbox")
    assert [k for (k,) in await cursor.fetchall()] == ["c-2"]
    assert "方向盘抖动".encode() not in store.path.read_bytes()


async def test_after_a_rebuild_that_lost_the_registration_the_erasure_still_retrains(
    service: AnalyticsService,
) -> None:
    """The intake topic dropped the registration, the case topic still holds the confirmed
    cause: the rebuilt fact has no words, but the model trained before has them."""
    events = loop("c-1", "高速行驶时方向盘抖动，刹车也软")
    for event in events:
        await service.on_event(event)
    trained = await service.train()

    await service.reset()
    assert await service.replay(events[1:]) == len(events) - 1  # no registration
    await service.on_event(erased("c-1", T0 + timedelta(days=400)))
    assert (await service._store.counters())[ERASED_EXAMPLES] == 1

    await assert_replaced(service, trained)


async def test_a_rebuild_keeps_the_erasure_count_in_the_same_step(
    service: AnalyticsService,
) -> None:
    for event in [*loop("c-1", "方向盘抖动"), erased("c-1", T0 + timedelta(days=10))]:
        await service.on_event(event)
    await service._store.reset_read_models("analytics", keep_counters=(ERASED_EXAMPLES,))
    assert await service._store.counters() == {ERASED_EXAMPLES: 1}
    await service._store.reset_read_models("analytics")
    assert await service._store.counters() == {}


async def test_erasing_a_complaint_no_model_learnt_from_keeps_the_models(
    service: AnalyticsService,
) -> None:
    for event in [*loop("c-1", "发动机异响"), registered("c-2", T0, content="车窗异响")]:
        await service.on_event(event)  # c-2's cause was never confirmed
    trained = await service.train()
    await service.on_event(erased("c-2", T0 + timedelta(days=10)))
    assert ERASED_EXAMPLES not in await service._store.counters()
    assert await service.retrain_if_due() is None
    assert (await service.classifier()).version == trained.version
