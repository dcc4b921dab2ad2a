"""Every channel, in Chinese and in English: the project's example payloads become a
registration record, a `complaint.registered` event and an acknowledgement on Kafka,
and a case in resolution."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer

from shared.auth import Principal, Role
from shared.contracts.envelope import EventEnvelope
from shared.contracts.topics import INTAKE_EVENTS, NOTIFICATIONS
from shared.server import RunningSystem, start_system
from shared.settings import Settings
from tests.support.waiting import eventually

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "channels"
EXAMPLE_FILES = sorted(p for p in EXAMPLES.iterdir() if p.suffix in (".json", ".eml"))


def payload_of(path: Path) -> dict[str, Any]:
    if path.suffix == ".eml":
        return {"raw": path.read_text(encoding="utf-8")}
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def system(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningSystem]:
    from cryptography.fernet import Fernet

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("channels"),
        token_secret="channels-test-secret-0123456789-abcdef",
        data_key=Fernet.generate_key().decode(),
        outbox_poll_seconds=0.1,
        kafka_partitions=3,
    )
    system = await start_system(settings)
    try:
        yield system
    finally:
        await system.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(system: RunningSystem) -> AsyncIterator[httpx.AsyncClient]:
    intake = system.runtime("intake")
    token = intake.tokens.issue(Principal(user="channels", role=Role.AGENT))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=intake.app),
        base_url="http://intake",
        headers={"Authorization": f"Bearer {token}"},
    ) as client:
        yield client


async def read_events(
    bootstrap: str, topic: str, until: Callable[[list[EventEnvelope]], bool]
) -> list[EventEnvelope]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    events: list[EventEnvelope] = []
    try:
        async with asyncio.timeout(60):
            while not until(events):
                batch = await consumer.getmany(timeout_ms=500)
                events += [EventEnvelope.from_bytes(m.value) for ms in batch.values() for m in ms]
    finally:
        await consumer.stop()
    return events


@pytest.mark.parametrize("example", EXAMPLE_FILES, ids=lambda p: p.name)
async def test_channel_example_is_registered_published_and_acknowledged(
    example: Path, system: RunningSystem, client: httpx.AsyncClient
) -> None:
    channel = example.name.split(".")[0]
    language = example.name.split(".")[1]
    response = await client.post(f"/channels/{channel}", json=payload_of(example))
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["outcome"] == "registered"
    assert record["language"] == language
    assert record["acknowledgement"]["language"] == language
    assert record["ticket_no"] in record["acknowledgement"]["text"]

    complaint_id = record["id"]

    def has_it(events: list[EventEnvelope]) -> bool:
        return any(e.complaint_id == complaint_id for e in events)

    registered = await read_events(system.bootstrap, INTAKE_EVENTS, has_it)
    event = next(e for e in registered if e.complaint_id == complaint_id)
    assert event.type == "complaint.registered"
    assert event.payload["ticket_no"] == record["ticket_no"]
    notices = await read_events(system.bootstrap, NOTIFICATIONS, has_it)
    notice = next(e for e in notices if e.complaint_id == complaint_id)
    assert notice.payload["purpose"] == "acknowledgement"
    assert notice.causation_id == event.event_id

    resolution = system.runtime("resolution").app.state.service
    case = await eventually(
        lambda: resolution._store.get_case(complaint_id), lambda c: c is not None, what="case"
    )
    assert case is not None

    again = await client.post(f"/channels/{channel}", json=payload_of(example))
    assert again.status_code == 200 and again.json()["outcome"] == "replayed"
