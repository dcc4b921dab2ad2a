"""The classifier learns: a cause investigators keep confirming changes the next model."""

from __future__ import annotations

import asyncio
import copy
import pickle
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.analytics.service import AnalyticsService
from services.analytics.store import SqliteAnalyticsStore, StoredModel
from shared.clock import ManualClock
from shared.errors import ConflictError
from shared.settings import Settings
from tests.support.analytics_events import opened, registered, step

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
# a dealership-specific matter the packaged examples know nothing about
NOVEL = "车辆年审代办需要另外交一笔加急费"
CONFIRMED = [
    "年审代办被要求交加急费",
    "代办年审时又让交一笔加急费",
    "年审代办的加急费没人提前说明",
    "车辆年审代办额外收了加急费",
    "年审加急费是怎么回事",
    "代办年审的加急费不合理",
]


@pytest.fixture
async def service(make_settings: Callable[..., Settings]) -> AsyncIterator[AnalyticsService]:
    store = SqliteAnalyticsStore(make_settings().sqlite_path("analytics"))
    await store.open()
    try:
        yield AnalyticsService(
            store=store,
            clock=ManualClock(NOW),
            zone=ZoneInfo("Asia/Shanghai"),
            retrain_min_confirmations=len(CONFIRMED),
        )
    finally:
        await store.close()


async def test_confirmed_causes_change_the_next_models_prediction(
    service: AnalyticsService,
) -> None:
    first = await service.predict(NOVEL)
    target = "customer_misunderstanding"
    assert target not in first.causes
    for i, text in enumerate(CONFIRMED):
        cid = f"c-{i}"
        at = NOW + timedelta(minutes=i)
        await service.on_event(registered(cid, at, content=text))
        await service.on_event(opened(cid, at))
        assert await service.retrain_if_due() is None  # not enough confirmed yet
        await service.on_event(
            step(cid, "record_findings", at, to_status="investigating", causes=[target])
        )
    retrained = await service.retrain_if_due()
    assert retrained is not None and retrained.trained_on["confirmations"] == len(CONFIRMED)
    second = await service.predict(NOVEL)
    assert second.model_version == retrained.version != first.model_version
    assert second.primary_cause == target
    assert await service.retrain_if_due() is None  # nothing new confirmed since

    # the first version predicted every one of them at registration, never this cause
    (seen,) = await service.agreement()
    assert (seen.version, seen.cases) == (first.model_version, len(CONFIRMED))
    assert seen.primary_agreement == 0.0 and seen.label_f1[target] == 0.0

    # the new version predicts a later complaint of the same matter, and is confirmed right
    await service.on_event(registered("c-new", NOW + timedelta(hours=1), content=NOVEL))
    await service.on_event(opened("c-new", NOW + timedelta(hours=1)))
    await service.on_event(
        step("c-new", "record_findings", NOW + timedelta(hours=2), to_status="investigating",
             causes=[target])
    )  # fmt: skip
    newest, oldest, overall = await service.agreement()
    assert (newest.version, newest.cases, newest.primary_agreement) == (retrained.version, 1, 1.0)
    assert oldest.version == first.model_version
    assert (overall.version, overall.cases) == ("all", len(CONFIRMED) + 1)


async def test_two_instances_starting_at_once_keep_one_first_model(
    make_settings: Callable[..., Settings],
) -> None:
    """Two analytics processes on one store both find no model and train the same version."""
    path = make_settings().sqlite_path("analytics")
    stores = [SqliteAnalyticsStore(path), SqliteAnalyticsStore(path)]
    for store in stores:
        await store.open()
    try:
        services = [
            AnalyticsService(store=store, clock=ManualClock(NOW), zone=ZoneInfo("Asia/Shanghai"))
            for store in stores
        ]
        first, second = await asyncio.gather(*(s.classifier() for s in services))
        assert first.version == second.version
        assert [m.version for m in await services[0].models()] == [first.version]
        assert (await services[1].predict(NOVEL)).model_version == first.version
    finally:
        for store in stores:
            await store.close()


async def test_a_model_stored_by_older_code_is_replaced_not_used(
    service: AnalyticsService,
) -> None:
    """An upgrade changed the features: the old active model is retrained, never loaded."""
    current = await service.classifier()
    outdated = copy.copy(current)
    del vars(outdated)["schema"]  # as pickled before the schema was recorded
    outdated.version = "m000-old"
    old = StoredModel(version="m000-old", created_at=NOW, active=True, trained_on={}, metrics={})
    await service._store.save_model(old, pickle.dumps(outdated))

    replacement = await service.classifier()
    assert replacement.is_current and replacement.version != "m000-old"
    assert (await service.predict(NOVEL)).model_version == replacement.version
    versions = {m.version: m.active for m in await service.models()}
    assert versions["m000-old"] is False and versions[replacement.version] is True
    with pytest.raises(ConflictError):  # no rolling back onto features the code cannot make
        await service.activate("m000-old")
